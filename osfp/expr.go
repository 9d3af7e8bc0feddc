package osfp

import "strings"

// Expr is the value of an attribute in a reference fingerprint, compiled:
// a literal ("FAF0", or "" for an empty value), alternatives joined by '|'
// ("M5B4|M218"), conjunctions joined by '&', hexadecimal ranges ("FA-104"),
// comparisons (">A", "<40") and "+" (any nonzero number). Numbers are
// hexadecimal. Matching follows Nmap's expr_match, quirks included: an
// empty measured value is below every "<x" alternative, and a measured
// value that is not a hexadecimal number matches only literals. An Expr is
// immutable and safe for concurrent use.
type Expr struct {
	raw   string
	or    bool
	terms []term
}

type termKind uint8

const (
	termLiteral termKind = iota
	termNonzero
	termLess
	termGreater
	termRange
	termGlob // picket's own database only: '*' stands for one or more hex digits
)

type term struct {
	kind termKind
	a, b uint32
	lit  string
}

// CompileExpr compiles an attribute value. It never fails: anything that is
// not an operator is a literal, as in Nmap.
func CompileExpr(s string) Expr { return compileExpr(s, false) }

// compileExpr compiles s; with globs, a literal containing '*' matches any
// run of one or more upper-case hexadecimal digits there ("M*NW7" matches
// an MSS of any value). Nmap has no such syntax, and its database contains
// no '*', so only picket's own database turns it on.
func compileExpr(s string, globs bool) Expr {
	e := Expr{raw: s}
	sep := "&"
	if strings.Contains(s, "|") {
		e.or, sep = true, "|"
	}
	for p := range strings.SplitSeq(s, sep) {
		t := compileTerm(p)
		if globs && t.kind == termLiteral && strings.Contains(p, "*") {
			t.kind = termGlob
		}
		e.terms = append(e.terms, t)
	}
	return e
}

func compileTerm(p string) term {
	switch {
	case p == "+":
		return term{kind: termNonzero}
	case len(p) > 1 && p[0] == '<' && isHex(p[1]):
		v, _ := strtoul16(p[1:])
		return term{kind: termLess, a: v}
	case len(p) > 1 && p[0] == '>' && isHex(p[1]):
		v, _ := strtoul16(p[1:])
		return term{kind: termGreater, a: v}
	}
	if i := strings.IndexByte(p, '-'); i >= 0 && len(p) > 0 && isHex(p[0]) && i+1 < len(p) && isHex(p[i+1]) {
		lo, _ := strtoul16(p[:i])
		hi, _ := strtoul16(p[i+1:])
		return term{kind: termRange, a: lo, b: hi}
	}
	return term{kind: termLiteral, lit: p}
}

// String returns the expression as written.
func (e Expr) String() string { return e.raw }

// Match reports whether a measured value satisfies the expression.
func (e Expr) Match(val string) bool { return e.match(parseValue(val)) }

// value is a measured value with its number parsed once, as strtol would.
type value struct {
	s     string
	num   uint32
	isNum bool // the whole string is a number (an empty string counts, as 0)
}

func parseValue(s string) value {
	n, rest := strtoul16(s)
	return value{s: s, num: n, isNum: rest == ""}
}

func (e Expr) match(val value) bool {
	numtrue := 0
	for _, t := range e.terms {
		ok := t.match(val)
		if val.s == "" && !e.or && t.kind != termLiteral {
			ok = false // Nmap fails an empty value at once in an '&' expression
		}
		if ok {
			numtrue++
			if e.or {
				break
			}
		} else if !e.or {
			return false
		}
	}
	return numtrue > 0
}

func (t term) match(val value) bool {
	switch t.kind {
	case termLiteral:
		return val.s == t.lit
	case termGlob:
		return globMatch(t.lit, val.s)
	case termNonzero:
		return val.s != "" && val.num != 0 && val.isNum
	}
	// An empty value parses as 0 here; Match fails it first in an '&'
	// expression, as Nmap does, but not among '|' alternatives.
	v := val.num
	if !val.isNum {
		return false
	}
	switch t.kind {
	case termLess:
		return v < t.a
	case termGreater:
		return v > t.a
	default:
		return v >= t.a && v <= t.b
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func hexVal(c byte) uint64 {
	switch {
	case c >= '0' && c <= '9':
		return uint64(c - '0')
	case c >= 'a' && c <= 'f':
		return uint64(c-'a') + 10
	default:
		return uint64(c-'A') + 10
	}
}

// strtoul16 parses s as C's strtol(s, &end, 16) does and truncates the long
// to 32 bits, as Nmap stores it in an unsigned int. rest is what strtol
// leaves unparsed: all of s when there are no digits.
func strtoul16(s string) (v uint32, rest string) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	if i+2 < len(s) && s[i] == '0' && (s[i+1] == 'x' || s[i+1] == 'X') && isHex(s[i+2]) {
		i += 2
	}
	start := i
	var x uint64
	overflow := false
	for i < len(s) && isHex(s[i]) {
		if x > (1<<63-1)/16 {
			overflow = true
		}
		x = x*16 + hexVal(s[i])
		if x > 1<<63-1 {
			overflow = true
		}
		i++
	}
	if i == start {
		return 0, s
	}
	var l int64
	switch {
	case overflow && neg:
		l = -1 << 63
	case overflow:
		l = 1<<63 - 1
	case neg:
		l = -int64(x)
	default:
		l = int64(x)
	}
	return uint32(l), s[i:]
}

// globMatch matches val against pattern, where '*' stands for one or more
// upper-case hexadecimal digits. The patterns are short, and a '*' never
// matches a letter outside A–F, so the backtracking stays small.
func globMatch(pattern, val string) bool {
	for len(pattern) > 0 {
		if pattern[0] != '*' {
			if len(val) == 0 || val[0] != pattern[0] {
				return false
			}
			pattern, val = pattern[1:], val[1:]
			continue
		}
		pattern = pattern[1:]
		n := 0
		for n < len(val) && (val[n] >= '0' && val[n] <= '9' || val[n] >= 'A' && val[n] <= 'F') {
			n++
		}
		for k := n; k >= 1; k-- {
			if globMatch(pattern, val[k:]) {
				return true
			}
		}
		return false
	}
	return len(val) == 0
}
