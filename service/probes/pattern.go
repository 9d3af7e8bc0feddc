package probes

import (
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/dlclark/regexp2/v2"
)

// pattern is a regular expression of either database, compiled on first
// use: most of Nmap's 11,917 patterns are never needed by a given scan, and
// compiling them all costs more than the rest of loading.
type pattern struct {
	expr  string // rewritten for regexp2, Latin-1: one rune per byte
	flags regexp2.RegexOptions
	// prefix holds bytes every match starts with, when the pattern is
	// anchored and starts with literals: a reply without them is turned
	// away without running (or compiling) the pattern. Most of Nmap's
	// patterns have one.
	prefix []byte

	once sync.Once
	re   *regexp2.Regexp
	err  error
}

// newPattern prepares src (the bytes between the delimiters of m|...|) for
// regexp2. Each byte becomes the rune of the same value, as replies are
// matched (see latin1), so \xff and raw non-ASCII bytes in a pattern match
// the same bytes on the wire. PCRE's character classes \w \W \s \S are
// spelled out, because regexp2's are .NET's Unicode ones, which would let
// \w match a Latin-1 letter such as 0xE9 that PCRE, working on bytes in the
// C locale, does not. OptionMaintainCaptureOrder keeps PCRE's group
// numbering when a pattern mixes named and numbered groups ($1 is the first
// opening parenthesis, named or not).
func newPattern(src string, ignoreCase, dotAll bool) *pattern {
	p := &pattern{expr: rewritePCRE(src), prefix: literalPrefix(src, ignoreCase)}
	if ignoreCase {
		p.flags |= regexp2.IgnoreCase
	}
	if dotAll {
		p.flags |= regexp2.Singleline
	}
	return p
}

// compiled returns the compiled pattern, compiling it on first use. It is
// safe for concurrent use.
func (p *pattern) compiled() (*regexp2.Regexp, error) {
	p.once.Do(func() {
		p.re, p.err = regexp2.Compile(p.expr, p.flags, regexp2.OptionMaintainCaptureOrder())
		if p.re != nil {
			p.re.MatchTimeout = regexTimeout
		}
	})
	return p.re, p.err
}

// regexTimeout bounds one pattern against one reply: backtracking patterns
// (.*...(.*) with the s flag) can take exponential time on a reply crafted
// for them. regexp2 checks it on a 100 ms clock, so a runaway match stops
// within roughly 50–250 ms.
const regexTimeout = 50 * time.Millisecond

// Character classes as PCRE defines them without UTF support, over the
// Latin-1 runes 0–255 that replies are made of.
const (
	classWord     = `0-9A-Za-z_`
	classNotWord  = `\x00-/:-@\[-\^` + "`" + `\{-\u00ff`
	classSpace    = `\t\n\x0b\f\r `
	classNotSpace = `\x00-\x08\x0e-\x1f!-\u00ff`
)

// rewritePCRE maps src's bytes to Latin-1 runes and spells out \w \W \s \S,
// tracking escapes, \Q...\E and character classes so that only real class
// escapes are replaced.
func rewritePCRE(src string) string {
	var b strings.Builder
	b.Grow(len(src) + 16)
	inClass := false
	classStart := -1 // index in src just past '[' or '[^'
	for i := 0; i < len(src); i++ {
		c := src[i]
		switch {
		case c == '\\' && i+1 < len(src):
			e := src[i+1]
			i++
			var cls string
			switch e {
			case 'w':
				cls = classWord
			case 'W':
				cls = classNotWord
			case 's':
				cls = classSpace
			case 'S':
				cls = classNotSpace
			case 'Q':
				// Quoted until \E: every byte is literal.
				end := strings.Index(src[i+1:], `\E`)
				quoted := src[i+1:]
				if end >= 0 {
					quoted = src[i+1 : i+1+end]
					i += end + 2
				} else {
					i = len(src)
				}
				for j := 0; j < len(quoted); j++ {
					writeLiteral(&b, quoted[j])
				}
				continue
			}
			if cls != "" {
				if inClass {
					b.WriteString(cls)
				} else {
					b.WriteByte('[')
					b.WriteString(cls)
					b.WriteByte(']')
				}
				continue
			}
			b.WriteByte('\\')
			writeRune(&b, e)
		case c == '[' && !inClass:
			inClass = true
			b.WriteByte('[')
			if i+1 < len(src) && src[i+1] == '^' {
				b.WriteByte('^')
				i++
			}
			classStart = i + 1
		case c == ']' && inClass && i != classStart:
			// A ']' first in a class is a literal one, in PCRE as in .NET.
			inClass = false
			b.WriteByte(']')
		default:
			writeRune(&b, c)
		}
	}
	return b.String()
}

// writeLiteral writes byte c so that it matches itself in a regexp2
// pattern.
func writeLiteral(b *strings.Builder, c byte) {
	if c < 0x80 && strings.IndexByte(`\*+?|{}()[]^$.# -`, c) >= 0 {
		b.WriteByte('\\')
	}
	writeRune(b, c)
}

func writeRune(b *strings.Builder, c byte) {
	if c < utf8.RuneSelf {
		b.WriteByte(c)
		return
	}
	b.WriteRune(rune(c))
}

// literalPrefix returns the literal bytes an anchored pattern starts with:
// "SSH-" for ^SSH-([\d.]+)-OpenSSH. It stops at the first byte that is
// not plainly literal (a class, a group, an escape of a class, a byte a
// quantifier applies to) and gives nothing for a case-insensitive pattern
// or one with an alternative at its top level (^a|b matches "b").
func literalPrefix(src string, ignoreCase bool) []byte {
	s := strings.TrimPrefix(src, "(?s)")
	if ignoreCase || !strings.HasPrefix(s, "^") || topLevelAlternative(s) {
		return nil
	}
	var out []byte
	for i := 1; i < len(s); {
		c, n := s[i], 1
		switch {
		case c == '\\':
			if i+1 >= len(s) {
				return out
			}
			e := s[i+1]
			n = 2
			switch e {
			case 'r':
				c = '\r'
			case 'n':
				c = '\n'
			case 't':
				c = '\t'
			case 'f':
				c = '\f'
			case 'a':
				c = '\a'
			case 'e':
				c = 0x1b
			case '0':
				if i+2 < len(s) && s[i+2] >= '0' && s[i+2] <= '7' {
					return out // an octal escape
				}
				c = 0
			case 'x':
				if i+3 >= len(s) {
					return out
				}
				hi, ok1 := hexVal(s[i+2])
				lo, ok2 := hexVal(s[i+3])
				if !ok1 || !ok2 {
					return out
				}
				c, n = hi<<4|lo, 4
			default:
				if e >= '0' && e <= '9' || e >= 'A' && e <= 'Z' || e >= 'a' && e <= 'z' {
					return out // a class, an assertion or a back-reference
				}
				c = e
			}
		case strings.IndexByte(`.^$|?*+()[]{}`, c) >= 0:
			return out
		}
		if i+n < len(s) && strings.IndexByte("?*+{", s[i+n]) >= 0 {
			return out // the byte is optional or repeated
		}
		out = append(out, c)
		i += n
	}
	return out
}

// topLevelAlternative reports whether s has a '|' outside any group and
// class.
func topLevelAlternative(s string) bool {
	depth, inClass, classStart := 0, false, -1
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			i++
		case inClass:
			if c == ']' && i != classStart {
				inClass = false
			}
		case c == '[':
			inClass = true
			if i+1 < len(s) && s[i+1] == '^' {
				i++
			}
			classStart = i + 1
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == '|' && depth == 0:
			return true
		}
	}
	return false
}
