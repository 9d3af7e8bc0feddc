package probes

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// A template is a version field with substitutions: literal text, $1–$9
// (a capture group), and three helpers applied to a group:
//
//	$P(n)               the group's printable ASCII bytes only (drops the
//	                    NULs of UTF-16 text, for instance)
//	$SUBST(n,"a","b")   the group with every "a" replaced by "b"
//	$I(n,">")           the group's bytes as an unsigned integer, big-endian
//	                    (">") or little-endian ("<"), printed in decimal
//
// Quoted helper arguments take C escapes (\r \n \t \\ \" \xHH). A '$'
// that starts none of these is literal. Templates are parsed once, when
// the database loads, and are immutable.
type template []segment

type segmentKind uint8

const (
	segLiteral segmentKind = iota
	segGroup
	segPrintable
	segSubst
	segInt
)

type segment struct {
	kind      segmentKind
	group     int    // 1–9 for every kind but segLiteral
	text      string // the literal, or SUBST's "from"
	to        string // SUBST's "to"
	bigEndian bool   // $I with ">"
}

// maxField bounds a rendered field: a reply is attacker-controlled and a
// group such as (.*) could otherwise carry kilobytes into a report.
const maxField = 256

// parseTemplate parses a field's value as written between its delimiters.
func parseTemplate(s string) (template, error) {
	var t template
	lit := strings.Builder{}
	flush := func() {
		if lit.Len() > 0 {
			t = append(t, segment{kind: segLiteral, text: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '$' || i+1 >= len(s) {
			lit.WriteByte(c)
			continue
		}
		next := s[i+1]
		if next >= '1' && next <= '9' {
			flush()
			t = append(t, segment{kind: segGroup, group: int(next - '0')})
			i++
			continue
		}
		var kind segmentKind
		var name string
		switch {
		case strings.HasPrefix(s[i+1:], "P("):
			kind, name = segPrintable, "P("
		case strings.HasPrefix(s[i+1:], "SUBST("):
			kind, name = segSubst, "SUBST("
		case strings.HasPrefix(s[i+1:], "I("):
			kind, name = segInt, "I("
		default:
			lit.WriteByte(c)
			continue
		}
		seg, n, err := parseHelper(kind, s[i+1+len(name):])
		if err != nil {
			return nil, fmt.Errorf("$%s...): %w", name, err)
		}
		flush()
		t = append(t, seg)
		i += len(name) + n
	}
	flush()
	return t, nil
}

// parseHelper parses a helper's arguments after its '(' and returns the
// segment and how many bytes it used, the ')' included.
func parseHelper(kind segmentKind, s string) (segment, int, error) {
	i := 0
	skip := func() {
		for i < len(s) && (s[i] == ' ' || s[i] == '\t') {
			i++
		}
	}
	skip()
	if i >= len(s) || s[i] < '1' || s[i] > '9' {
		return segment{}, 0, fmt.Errorf("want a group number 1-9")
	}
	seg := segment{kind: kind, group: int(s[i] - '0')}
	i++
	var args []string
	for {
		skip()
		if i >= len(s) {
			return segment{}, 0, fmt.Errorf("missing ')'")
		}
		if s[i] == ')' {
			i++
			break
		}
		if s[i] != ',' {
			return segment{}, 0, fmt.Errorf("unexpected %q", s[i])
		}
		i++
		skip()
		arg, n, err := quoted(s[i:])
		if err != nil {
			return segment{}, 0, err
		}
		args = append(args, arg)
		i += n
	}
	switch kind {
	case segPrintable:
		if len(args) != 0 {
			return segment{}, 0, fmt.Errorf("takes one argument")
		}
	case segSubst:
		if len(args) != 2 || args[0] == "" {
			return segment{}, 0, fmt.Errorf(`takes a group and two strings, the first not empty`)
		}
		seg.text, seg.to = args[0], args[1]
	case segInt:
		if len(args) != 1 || (args[0] != ">" && args[0] != "<") {
			return segment{}, 0, fmt.Errorf(`takes a group and ">" or "<"`)
		}
		seg.bigEndian = args[0] == ">"
	}
	return seg, i, nil
}

// quoted reads a double-quoted string with C escapes at the start of s.
func quoted(s string) (string, int, error) {
	if s == "" || s[0] != '"' {
		return "", 0, fmt.Errorf("want a quoted string")
	}
	for i := 1; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '"':
			v, err := unescape(s[1:i])
			return string(v), i + 1, err
		}
	}
	return "", 0, fmt.Errorf("unterminated string")
}

// groups holds where each capture group of a match lies in the reply;
// index 0 is the whole match. A group that did not take part has ok false.
type groups [10]struct {
	start, n int
	ok       bool
}

func (g *groups) bytes(reply []byte, n int) []byte {
	if n < 0 || n >= len(g) || !g[n].ok {
		return nil
	}
	return reply[g[n].start : g[n].start+g[n].n]
}

// render substitutes reply's groups into t, appending raw bytes to dst.
func (t template) render(dst, reply []byte, g *groups) []byte {
	for _, s := range t {
		if len(dst) > 4*maxField {
			break // a $SUBST can multiply a group; stop long before it matters
		}
		switch s.kind {
		case segLiteral:
			dst = append(dst, s.text...)
		case segGroup:
			dst = append(dst, g.bytes(reply, s.group)...)
		case segPrintable:
			for _, c := range g.bytes(reply, s.group) {
				if c >= 0x20 && c < 0x7f {
					dst = append(dst, c)
				}
			}
		case segSubst:
			v := g.bytes(reply, s.group)
			for len(v) > 0 && len(dst) <= 4*maxField {
				j := strings.Index(string(v), s.text)
				if j < 0 {
					dst = append(dst, v...)
					break
				}
				dst = append(dst, v[:j]...)
				dst = append(dst, s.to...)
				v = v[j+len(s.text):]
			}
		case segInt:
			v := g.bytes(reply, s.group)
			if len(v) == 0 || len(v) > 8 {
				continue // nothing to unpack, or more than a uint64 holds
			}
			var n uint64
			for k := range v {
				c := v[k]
				if !s.bigEndian {
					c = v[len(v)-1-k]
				}
				n = n<<8 | uint64(c)
			}
			dst = strconv.AppendUint(dst, n, 10)
		}
	}
	return dst
}

// field turns rendered bytes into a report field: control characters
// become spaces, the ends are trimmed, bytes that are not UTF-8 are read as
// Latin-1, and the result is at most maxField bytes.
func field(raw []byte) string {
	if len(raw) == 0 {
		return ""
	}
	valid := utf8.Valid(raw)
	var b strings.Builder
	b.Grow(min(len(raw), maxField))
	for i := 0; i < len(raw); {
		var r rune
		size := 1
		if valid {
			r, size = utf8.DecodeRune(raw[i:])
		} else {
			r = rune(raw[i])
		}
		i += size
		if r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) {
			r = ' '
		}
		if b.Len()+utf8.RuneLen(r) > maxField {
			break
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}
