package payload

import (
	"errors"
	"io"
	"strconv"
	"strings"
)

// NmapPayloadsFile is the name of Nmap's payload database in its data
// directory (--datadir, or /usr/share/nmap).
const NmapPayloadsFile = "nmap-payloads"

// maxNmapFile bounds what ReadNmap reads: Nmap's file is about 20 KiB.
const maxNmapFile = 4 << 20

// maxDatagram is the largest UDP payload over IPv4.
const maxDatagram = 65507

// LineError reports a line of a payload database that cannot be read. It
// is a plain value, safe to share.
type LineError struct {
	Source string // what was read, e.g. "/usr/share/nmap/nmap-payloads"
	Line   int    // 1-based
	Msg    string
}

func (e *LineError) Error() string {
	return "payload: " + e.Source + ":" + strconv.Itoa(e.Line) + ": " + e.Msg
}

// ErrTooLarge is returned by ReadNmap for input beyond 4 MiB.
var ErrTooLarge = errors.New("payload: payload database too large")

// readError wraps an error of reading with the file's name. The package
// does without fmt, which would bring os into a package that does no I/O.
type readError struct {
	msg string
	err error
}

func (e *readError) Error() string { return e.msg }
func (e *readError) Unwrap() error { return e.err }

// ReadNmap reads a payload database in the format of Nmap's
// nmap-payloads, for --datadir; picket ships none. An entry is
//
//	udp PORTS "string" ["string" ...] [source PORT]
//
// where PORTS is a comma-separated list of ports and ranges ("53,5353",
// "32768-65535"), the strings are C-style literals (\0 \a \b \f \n \r \t
// \v \xHH, and a backslash before any other punctuation stands for that
// character) that may continue over several lines and are joined into one
// datagram, and a keyword after the strings takes the rest of its line:
// "source" names the source port the payload wants, others are skipped, as
// the file's own header asks of parsers. '#' starts a comment. Payloads are
// named "nmap:LINE" after the line of their "udp", keep the file's order,
// and recognise no reply (their Recognize always says no). source names
// the file in errors. A line it cannot read is a *LineError.
func ReadNmap(r io.Reader, source string) ([]*Payload, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxNmapFile+1))
	if err != nil {
		return nil, &readError{"payload: read " + source + ": " + err.Error(), err}
	}
	if len(data) > maxNmapFile {
		return nil, &readError{ErrTooLarge.Error() + ": " + source + " is over 4 MiB", ErrTooLarge}
	}
	lx := lexer{src: string(data), line: 1}
	var out []*Payload
	for {
		t, err := lx.next(source)
		if err != nil {
			return nil, err
		}
		switch t.kind {
		case tokEOF:
			return out, nil
		case tokNewline:
			continue
		case tokString:
			return nil, &LineError{source, t.line, "a string outside an entry: want \"udp PORTS\" first"}
		}
		if t.text != "udp" {
			return nil, &LineError{source, t.line, "want protocol \"udp\", got " + strconv.Quote(t.text)}
		}
		p, err := lx.entry(source, t.line)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
}

type tokKind uint8

const (
	tokEOF tokKind = iota
	tokNewline
	tokSymbol
	tokString
)

type token struct {
	kind tokKind
	text string // a symbol, or a string's bytes unescaped
	line int
}

type lexer struct {
	src    string
	pos    int
	line   int
	peeked *token
}

func (lx *lexer) next(source string) (token, error) {
	if t := lx.peeked; t != nil {
		lx.peeked = nil
		return *t, nil
	}
	for lx.pos < len(lx.src) {
		c := lx.src[lx.pos]
		switch {
		case c == '\n':
			lx.pos++
			lx.line++
			return token{tokNewline, "", lx.line - 1}, nil
		case c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v':
			lx.pos++
		case c == '#':
			for lx.pos < len(lx.src) && lx.src[lx.pos] != '\n' {
				lx.pos++
			}
		case c == '"':
			return lx.str(source)
		default:
			start := lx.pos
			for lx.pos < len(lx.src) && !strings.ContainsRune(" \t\r\f\v\n\"#", rune(lx.src[lx.pos])) {
				lx.pos++
			}
			return token{tokSymbol, lx.src[start:lx.pos], lx.line}, nil
		}
	}
	return token{tokEOF, "", lx.line}, nil
}

func (lx *lexer) peek(source string) (token, error) {
	t, err := lx.next(source)
	if err == nil {
		lx.peeked = &t
	}
	return t, err
}

// str reads a quoted string, unescaping as Nmap does.
func (lx *lexer) str(source string) (token, error) {
	bad := func(msg string) (token, error) { return token{}, &LineError{source, lx.line, msg} }
	lx.pos++ // the opening quote
	var b []byte
	for {
		if lx.pos >= len(lx.src) || lx.src[lx.pos] == '\n' {
			return bad("unterminated string")
		}
		c := lx.src[lx.pos]
		lx.pos++
		switch c {
		case '"':
			return token{tokString, string(b), lx.line}, nil
		case '\\':
			if lx.pos >= len(lx.src) || lx.src[lx.pos] == '\n' {
				return bad("unterminated string")
			}
			e := lx.src[lx.pos]
			lx.pos++
			switch e {
			case '0':
				b = append(b, 0)
			case 'a':
				b = append(b, '\a')
			case 'b':
				b = append(b, '\b')
			case 'f':
				b = append(b, '\f')
			case 'n':
				b = append(b, '\n')
			case 'r':
				b = append(b, '\r')
			case 't':
				b = append(b, '\t')
			case 'v':
				b = append(b, '\v')
			case 'x':
				if lx.pos+2 > len(lx.src) {
					return bad(`\x wants two hexadecimal digits`)
				}
				hi, ok1 := hexVal(lx.src[lx.pos])
				lo, ok2 := hexVal(lx.src[lx.pos+1])
				if !ok1 || !ok2 {
					return bad(`\x wants two hexadecimal digits`)
				}
				b = append(b, hi<<4|lo)
				lx.pos += 2
			default:
				if 'a' <= e && e <= 'z' || 'A' <= e && e <= 'Z' || '0' <= e && e <= '9' {
					return bad(`unknown escape \` + string(rune(e)))
				}
				b = append(b, e)
			}
		default:
			b = append(b, c)
		}
		if len(b) > maxDatagram {
			return bad("string longer than a UDP datagram")
		}
	}
}

// entry reads what follows "udp": ports, strings, keywords.
func (lx *lexer) entry(source string, line int) (*Payload, error) {
	t, err := lx.next(source)
	if err != nil {
		return nil, err
	}
	if t.kind != tokSymbol {
		return nil, &LineError{source, line, "want a port list after \"udp\""}
	}
	ports, msg := parsePorts(t.text)
	if msg != "" {
		return nil, &LineError{source, t.line, msg}
	}
	var data []byte
	strs := 0
	for {
		t, err := lx.peek(source)
		if err != nil {
			return nil, err
		}
		if t.kind == tokNewline {
			lx.peeked = nil
			continue
		}
		if t.kind != tokString {
			break
		}
		lx.peeked = nil
		data = append(data, t.text...)
		strs++
		if len(data) > maxDatagram {
			return nil, &LineError{source, t.line, "payload longer than a UDP datagram"}
		}
	}
	if strs == 0 {
		return nil, &LineError{source, line, "entry without a payload string"}
	}
	p := &Payload{
		Name:      "nmap:" + strconv.Itoa(line),
		Ports:     ports,
		Build:     func(dst []byte, _ uint32) []byte { return append(dst, data...) },
		Recognize: func([]byte, uint32) (Match, bool) { return Match{}, false },
	}
	// Keywords, each with its data on its own line, until the next entry.
	for {
		t, err := lx.peek(source)
		if err != nil {
			return nil, err
		}
		if t.kind == tokNewline {
			lx.peeked = nil
			continue
		}
		if t.kind != tokSymbol || t.text == "udp" {
			return p, nil // EOF, the next entry, or a stray string reported there
		}
		lx.peeked = nil
		if t.text == "source" {
			v, err := lx.next(source)
			if err != nil {
				return nil, err
			}
			n, perr := strconv.ParseUint(v.text, 10, 16)
			if v.kind != tokSymbol || v.line != t.line || perr != nil {
				return nil, &LineError{source, t.line, "\"source\" wants a port number"}
			}
			p.SourcePort = uint16(n)
			continue
		}
		// An unknown keyword: skip its line.
		for {
			v, err := lx.next(source)
			if err != nil {
				return nil, err
			}
			if v.kind == tokNewline || v.kind == tokEOF {
				break
			}
		}
	}
}

// parsePorts reads "53,69,5353" and "32768-65535".
func parsePorts(s string) ([]uint16, string) {
	var out []uint16
	for f := range strings.SplitSeq(s, ",") {
		lo, hi, isRange := strings.Cut(f, "-")
		a, err1 := strconv.ParseUint(lo, 10, 16)
		b, err2 := a, error(nil)
		if isRange {
			b, err2 = strconv.ParseUint(hi, 10, 16)
		}
		if err1 != nil || err2 != nil || b < a {
			return nil, "bad port or range " + strconv.Quote(f) + " in " + strconv.Quote(s)
		}
		for p := a; p <= b; p++ {
			out = append(out, uint16(p))
		}
	}
	return out, ""
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
