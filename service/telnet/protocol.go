package telnet

import (
	"strconv"
	"strings"
)

// Telnet commands (RFC 854) and the options servers commonly negotiate
// (RFC 855 and the option RFCs; IANA's Telnet options registry).
const (
	se   = 240
	sb   = 250
	will = 251
	wont = 252
	do   = 253
	dont = 254
	iac  = 255
)

var optionNames = map[byte]string{
	0: "BINARY", 1: "ECHO", 3: "SGA", 5: "STATUS", 6: "TIMING-MARK", 24: "TTYPE", 31: "NAWS",
	32: "TSPEED", 33: "LFLOW", 34: "LINEMODE", 35: "XDISPLOC", 36: "OLD-ENVIRON", 37: "AUTHENTICATION",
	38: "ENCRYPT", 39: "NEW-ENVIRON",
}

// Option is one negotiation the server sent: DO, DONT, WILL or WONT and
// an option code. It is a value, safe for concurrent use.
type Option struct{ Cmd, Code byte }

func (o Option) String() string {
	var verb string
	switch o.Cmd {
	case do:
		verb = "DO"
	case dont:
		verb = "DONT"
	case will:
		verb = "WILL"
	default:
		verb = "WONT"
	}
	if name, ok := optionNames[o.Code]; ok {
		return verb + " " + name
	}
	return verb + " " + strconv.Itoa(int(o.Code))
}

// refusal is picket's answer to o: it takes on no option, so DO is
// answered WONT and WILL is answered DONT; DONT and WONT ask for what is
// already so and need no answer (RFC 854, "general considerations").
func (o Option) refusal() (Option, bool) {
	switch o.Cmd {
	case do:
		return Option{wont, o.Code}, true
	case will:
		return Option{dont, o.Code}, true
	}
	return Option{}, false
}

// maxSub bounds a subnegotiation: real ones (terminal type, window size)
// take a few bytes.
const maxSub = 1024

// Stream splits what a server sends into text and negotiations as it
// arrives. It is not safe for concurrent use.
type Stream struct {
	Text    []byte   // the data bytes, IAC IAC unescaped
	Options []Option // the negotiations, in order
	Subs    int      // subnegotiations seen (skipped: picket agreed to none)
	Invalid bool     // an IAC was followed by something that is no command
	pending []byte   // an incomplete command at the end of the input
}

// Write adds the next bytes from the server and returns the negotiations
// among them. It never fails.
func (s *Stream) Write(b []byte) []Option {
	if len(s.pending) > 0 {
		b = append(s.pending, b...)
		s.pending = nil
	}
	var opts []Option
	for i := 0; i < len(b); {
		c := b[i]
		if c != iac {
			s.Text = append(s.Text, c)
			i++
			continue
		}
		if i+1 >= len(b) {
			s.pending = append(s.pending, b[i:]...)
			return opts
		}
		switch cmd := b[i+1]; {
		case cmd == iac:
			s.Text = append(s.Text, iac)
			i += 2
		case cmd >= will:
			if i+2 >= len(b) {
				s.pending = append(s.pending, b[i:]...)
				return opts
			}
			o := Option{cmd, b[i+2]}
			opts = append(opts, o)
			s.Options = append(s.Options, o)
			i += 3
		case cmd == sb:
			// A body is looked for within maxSub bytes only, so that
			// the outcome does not depend on how the input was split.
			end := subEnd(b[i+2 : min(len(b), i+2+maxSub)])
			switch {
			case end >= 0:
				s.Subs++
				i += 2 + end
			case len(b)-i-2 >= maxSub:
				// Endless: drop it and read on as data.
				s.Invalid = true
				i += 2
			default:
				s.pending = append(s.pending, b[i:]...)
				return opts
			}
		case cmd >= se:
			i += 2 // NOP, GA, AYT, ...: nothing to do
		default:
			s.Invalid = true
			i += 2
		}
	}
	return opts
}

// subEnd returns the length of a subnegotiation's body up to and
// including its IAC SE, or -1 if b does not hold it yet.
func subEnd(b []byte) int {
	for i := 0; i+1 < len(b); i++ {
		if b[i] != iac {
			continue
		}
		if b[i+1] == se {
			return i + 2
		}
		i++ // IAC IAC inside the body, or another command
	}
	return -1
}

// Lines returns the text as printable lines: terminal escape sequences
// removed, CR LF, CR NUL and bare CR or LF taken as line ends, other
// control bytes dropped, anything outside ASCII replaced, blank lines
// left out.
func Lines(text []byte) []string {
	var lines []string
	var cur strings.Builder
	flush := func() {
		if l := strings.TrimSpace(cur.String()); l != "" {
			lines = append(lines, l)
		}
		cur.Reset()
	}
	for i := 0; i < len(text); i++ {
		switch c := text[i]; {
		case c == '\r' || c == '\n':
			flush()
		case c == 0x1b:
			i += escapeLen(text[i:]) - 1
		case c == '\t':
			cur.WriteByte(' ')
		case c < 0x20 || c == 0x7f:
		case c > 0x7e:
			cur.WriteByte('?')
		default:
			cur.WriteByte(c)
		}
	}
	flush()
	return lines
}

// escapeLen is the length of the terminal escape sequence at the start
// of b (ECMA-48: ESC [ parameters final byte, or ESC and one byte).
func escapeLen(b []byte) int {
	if len(b) < 2 {
		return len(b)
	}
	if b[1] != '[' {
		return 2
	}
	for i := 2; i < len(b) && i < 64; i++ {
		if b[i] >= 0x40 && b[i] <= 0x7e {
			return i + 1
		}
	}
	return min(len(b), 64)
}

// lastLine returns the text after the last line end, as Lines cleans it:
// a prompt waits there, with no line end after it.
func lastLine(text []byte) string {
	i := max(strings.LastIndexAny(string(text), "\r\n"), -1)
	l := Lines(text[i+1:])
	if len(l) == 0 {
		return ""
	}
	return l[0]
}
