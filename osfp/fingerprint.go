package osfp

import (
	"errors"
	"fmt"
	"strings"
)

// Attr is one attribute of a test: "W=FAF0" is {Name: "W", Value: "FAF0"}.
// In a subject fingerprint Value is what was measured; in a reference
// fingerprint it is an expression (see [Expr]). Attr, Test and Fingerprint
// are plain values: safe to share once built, not to mutate concurrently.
type Attr struct {
	Name, Value string
}

// Test is one line of a fingerprint, such as
// T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=). Attrs keep their order, which is
// the order Nmap prints them in. It is a plain value.
type Test struct {
	Name  string
	Attrs []Attr
}

// Get returns the value of the named attribute.
func (t Test) Get(name string) (string, bool) {
	for _, a := range t.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// String returns the test in Nmap's notation, without a newline.
func (t Test) String() string {
	var b strings.Builder
	t.appendTo(&b)
	return b.String()
}

func (t Test) appendTo(b *strings.Builder) {
	b.WriteString(t.Name)
	b.WriteByte('(')
	for i, a := range t.Attrs {
		if i > 0 {
			b.WriteByte('%')
		}
		b.WriteString(a.Name)
		b.WriteByte('=')
		b.WriteString(a.Value)
	}
	b.WriteByte(')')
}

// Fingerprint is a list of tests, in Nmap's format. A computed fingerprint
// has at most one test of each name, in the order SEQ, OPS, WIN, ECN,
// T1–T7, U1, IE; a parsed submission may repeat a name (Nmap merges the
// tests of several tries) and may hold a SCAN test. It is a plain value.
type Fingerprint struct {
	Tests []Test
}

// Test returns the first test with the given name.
func (f Fingerprint) Test(name string) (Test, bool) {
	for _, t := range f.Tests {
		if t.Name == name {
			return t, true
		}
	}
	return Test{}, false
}

// Get returns the value of test.attr, such as Get("T1", "DF").
func (f Fingerprint) Get(test, attr string) (string, bool) {
	t, ok := f.Test(test)
	if !ok {
		return "", false
	}
	return t.Get(attr)
}

// String returns the fingerprint one test per line, each line ending in a
// newline, as Nmap prints a fingerprint with -d.
func (f Fingerprint) String() string {
	var b strings.Builder
	for _, t := range f.Tests {
		t.appendTo(&b)
		b.WriteByte('\n')
	}
	return b.String()
}

// Limits on parsed fingerprints, so that hostile input costs little.
const (
	MaxFingerprintBytes = 64 << 10
	MaxTests            = 64
	MaxAttrs            = 64
)

// ErrSyntax is wrapped by every parse error of this package.
var ErrSyntax = errors.New("osfp: syntax error")

// ParseFingerprint parses a fingerprint in any of the forms Nmap prints:
// one test per line, or the submission form where every line starts with
// "OS:" and the tests run on across line breaks. A SCAN test is kept as a
// test like the others. Blank lines are skipped; anything else that is not
// a test is an error wrapping [ErrSyntax].
func ParseFingerprint(s string) (Fingerprint, error) {
	if len(s) > MaxFingerprintBytes {
		return Fingerprint{}, fmt.Errorf("%w: fingerprint longer than %d bytes", ErrSyntax, MaxFingerprintBytes)
	}
	s = unwrap(s)
	var fp Fingerprint
	for {
		s = strings.TrimLeft(s, " \t\r\n")
		if s == "" {
			return fp, nil
		}
		open := strings.IndexByte(s, '(')
		if open < 0 {
			return Fingerprint{}, fmt.Errorf("%w: %q is not a test", ErrSyntax, firstLine(s))
		}
		end := strings.IndexByte(s, ')')
		if end < open {
			return Fingerprint{}, fmt.Errorf("%w: %q is not a test", ErrSyntax, firstLine(s))
		}
		t, err := parseTest(s[:open], s[open+1:end])
		if err != nil {
			return Fingerprint{}, err
		}
		if len(fp.Tests) == MaxTests {
			return Fingerprint{}, fmt.Errorf("%w: more than %d tests", ErrSyntax, MaxTests)
		}
		fp.Tests = append(fp.Tests, t)
		s = s[end+1:]
	}
}

// unwrap joins the lines of Nmap's wrapped submission form ("OS:" at the
// start of every line) back into one string. Other text is left alone.
func unwrap(s string) string {
	lines := strings.Split(s, "\n")
	wrapped := false
	for _, l := range lines {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if !strings.HasPrefix(l, "OS:") {
			return s
		}
		wrapped = true
	}
	if !wrapped {
		return s
	}
	var b strings.Builder
	for _, l := range lines {
		l = strings.TrimSpace(l)
		b.WriteString(strings.TrimPrefix(l, "OS:"))
	}
	return b.String()
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		s = s[:i]
	}
	if len(s) > 60 {
		s = s[:60] + "..."
	}
	return s
}

// parseTest reads NAME and the body between its parentheses. Nmap splits
// the body on '%' and each piece on its first '='.
func parseTest(name, body string) (Test, error) {
	name = strings.TrimSpace(name)
	if !validName(name) {
		return Test{}, fmt.Errorf("%w: bad test name %q", ErrSyntax, firstLine(name))
	}
	t := Test{Name: name}
	if body == "" {
		return t, nil
	}
	if strings.ContainsAny(body, "\n(") {
		return Test{}, fmt.Errorf("%w: test %s is not closed", ErrSyntax, name)
	}
	n := strings.Count(body, "%") + 1
	if n > MaxAttrs {
		return Test{}, fmt.Errorf("%w: test %s has more than %d attributes", ErrSyntax, name, MaxAttrs)
	}
	t.Attrs = make([]Attr, 0, n)
	for part := range strings.SplitSeq(body, "%") {
		k, v, ok := strings.Cut(part, "=")
		if !ok || k == "" {
			return Test{}, fmt.Errorf("%w: attribute %q of test %s has no name or value", ErrSyntax, part, name)
		}
		t.Attrs = append(t.Attrs, Attr{Name: k, Value: strings.TrimRight(v, "\r")})
	}
	return t, nil
}

func validName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// testOrder is the order in which Nmap prints the tests.
var testOrder = [...]string{"SEQ", "OPS", "WIN", "ECN", "T1", "T2", "T3", "T4", "T5", "T6", "T7", "U1", "IE"}

func testRank(name string) int {
	for i, n := range testOrder {
		if n == name {
			return i
		}
	}
	return len(testOrder)
}
