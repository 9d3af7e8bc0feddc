package imap

import (
	"bytes"
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/service"
)

// greetingLen reports the length of the greeting line at the start of b:
// an untagged response, "* OK", "* PREAUTH" or "* BYE" (RFC 9051 §7.1).
// It is 0 while incomplete, -1 if b cannot start a greeting.
func greetingLen(b []byte) int {
	if n := min(len(b), 2); !bytes.Equal(b[:n], []byte("* ")[:n]) {
		return -1
	}
	return bytes.IndexByte(b, '\n') + 1
}

// Greeting is a server's first line.
type Greeting struct {
	Status string // "OK", "PREAUTH" or "BYE", upper case
	Code   string // the response code in brackets, "CAPABILITY IMAP4rev1 ...", or ""
	Text   string // the human-readable rest
}

// ParseGreeting decodes a greeting line; ok is false if it is not one.
func ParseGreeting(line []byte) (g Greeting, ok bool) {
	s, found := strings.CutPrefix(strings.TrimRight(string(line), "\r\n"), "* ")
	if !found {
		return Greeting{}, false
	}
	status, rest, _ := strings.Cut(s, " ")
	g.Status = strings.ToUpper(status)
	if g.Status != "OK" && g.Status != "PREAUTH" && g.Status != "BYE" {
		return Greeting{}, false
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "[") {
		if end := strings.IndexByte(rest, ']'); end > 0 {
			g.Code, rest = rest[1:end], strings.TrimSpace(rest[end+1:])
		}
	}
	g.Text = rest
	return g, true
}

// Capabilities returns the capabilities a greeting's response code
// lists, or nil.
func (g Greeting) Capabilities() []string {
	if rest, ok := service.CutWord(g.Code, "CAPABILITY"); ok {
		return strings.Fields(rest)
	}
	return nil
}

// taggedLen returns a function reporting the length of the responses at
// the start of b up to and including the one tagged tag: 0 while they
// are incomplete, -1 if b holds a line that is no response. A line
// ending in a literal's size ("{12}") is followed by that many bytes of
// the literal and the rest of the line.
func taggedLen(tag string) func([]byte) int {
	prefix := []byte(tag + " ")
	return func(b []byte) int {
		continuation := false // within a line, after a literal
		for off := 0; ; {
			rest := b[off:]
			if !continuation && !startsResponse(rest, prefix) {
				return -1
			}
			nl := bytes.IndexByte(rest, '\n')
			if nl < 0 {
				return 0
			}
			line := bytes.TrimRight(rest[:nl], "\r")
			off += nl + 1
			if !continuation && bytes.HasPrefix(line, prefix) {
				return off
			}
			continuation = false
			if n, ok := literalSize(line); ok {
				if n > service.MaxResponse {
					return -1
				}
				if off+n > len(b) {
					return 0
				}
				off += n
				continuation = true
			}
		}
	}
}

// startsResponse reports whether b starts (or may yet start) an untagged
// response, a continuation request or the tagged response.
func startsResponse(b, tagged []byte) bool {
	for _, p := range [][]byte{[]byte("* "), []byte("+ "), tagged} {
		if n := min(len(b), len(p)); bytes.Equal(b[:n], p[:n]) {
			return true
		}
	}
	return false
}

// literalSize reads the "{n}" or "{n+}" that ends a line announcing a
// literal.
func literalSize(line []byte) (int, bool) {
	if !bytes.HasSuffix(line, []byte("}")) {
		return 0, false
	}
	open := bytes.LastIndexByte(line, '{')
	if open < 0 {
		return 0, false
	}
	digits := strings.TrimSuffix(string(line[open+1:len(line)-1]), "+")
	n, err := strconv.Atoi(digits)
	if err != nil || n < 0 || len(digits) > 9 {
		return 0, false
	}
	return n, true
}

// untagged returns the text of the untagged responses of one kind
// ("CAPABILITY", "ID") among responses, literals left in place.
func untagged(responses []byte, kind string) []string {
	var out []string
	for _, l := range strings.Split(string(responses), "\n") {
		l = strings.TrimRight(l, "\r")
		if rest, ok := strings.CutPrefix(l, "* "); ok {
			if text, ok := service.CutWord(rest, kind); ok {
				out = append(out, text)
			}
		}
	}
	return out
}

// ParseID reads the field list of an ID response (RFC 2971): "NIL" or a
// parenthesised list of quoted names and values. Values given as NIL or
// as literals are left out.
func ParseID(s string) [][2]string {
	s = strings.TrimSpace(s)
	if !strings.HasPrefix(s, "(") {
		return nil
	}
	var tokens []string
	var nils []bool
	for i := 1; i < len(s) && s[i] != ')'; {
		switch {
		case s[i] == ' ':
			i++
		case s[i] == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return pairs(tokens, nils) // unterminated: keep what was whole
			}
			tokens, nils = append(tokens, b.String()), append(nils, false)
			i = j + 1
		default:
			j := i
			for j < len(s) && s[j] != ' ' && s[j] != ')' {
				j++
			}
			tokens, nils = append(tokens, s[i:j]), append(nils, true)
			i = j
		}
	}
	return pairs(tokens, nils)
}

// pairs makes name-value pairs of tokens, dropping the pairs whose name
// or value was not a quoted string.
func pairs(tokens []string, atom []bool) [][2]string {
	var out [][2]string
	for i := 0; i+1 < len(tokens); i += 2 {
		if !atom[i] && !atom[i+1] {
			out = append(out, [2]string{tokens[i], tokens[i+1]})
		}
	}
	return out
}
