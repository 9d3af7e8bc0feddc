package ports

import (
	"fmt"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// Spec is a set of ports per transport protocol: what -p, --exclude-ports
// or a whole port selection stands for.
//
// A Spec is not safe for concurrent mutation; concurrent reads are safe.
type Spec struct {
	TCP, UDP, SCTP Set
	// Warnings are what Nmap warns about in the same case (a port given
	// twice, ports for a protocol that is not scanned), for the caller to
	// print. Nothing in them is an error.
	Warnings []string
}

// For returns the set of protocol p, nil for a protocol Spec does not hold.
func (s *Spec) For(p result.Protocol) *Set {
	switch p {
	case result.TCP:
		return &s.TCP
	case result.UDP:
		return &s.UDP
	case result.SCTP:
		return &s.SCTP
	}
	return nil
}

// Len returns the number of ports over all protocols.
func (s *Spec) Len() int { return s.TCP.Len() + s.UDP.Len() + s.SCTP.Len() }

// Exclude removes the ports of x from s, protocol by protocol
// (--exclude-ports).
func (s *Spec) Exclude(x *Spec) {
	if x == nil {
		return
	}
	for _, p := range allProtos {
		s.For(p).Subtract(x.For(p))
	}
}

// String formats s with Nmap's protocol prefixes, e.g. "T:22,80,U:53";
// Parse reads it back.
func (s *Spec) String() string {
	var b []byte
	for _, p := range allProtos {
		set := s.For(p)
		if set.Len() == 0 {
			continue
		}
		if len(b) > 0 {
			b = append(b, ',')
		}
		b = append(b, "TUS"[p-result.TCP], ':')
		b, _ = set.AppendText(b)
	}
	return string(b)
}

// SyntaxError reports a port specification that Nmap's syntax does not
// allow, or that names what the services table does not have. It is a plain
// value, safe to share.
type SyntaxError struct {
	Spec   string // the whole specification
	Offset int    // where Token starts in Spec
	Token  string // the offending part
	Msg    string // what is wrong, naming Token, and what is allowed
}

func (e *SyntaxError) Error() string { return "ports: " + e.Msg }

const syntaxHelp = "give ports (22), ranges (1-1024, -1024, 60000-, - for all), service names (http, http*) and T:, U:, S: before the ports of one protocol, comma separated"

// Parse reads a port specification with Nmap's -p syntax and meaning:
//
//	22,80,443        ports
//	1-1024 -1024 60000- -   ranges; an open start is 1, an open end 65535,
//	                 so port 0 is scanned only when written (0, 0-1024, 0-)
//	http,ssh http*   service names, with * and ? wildcards, looked up in t
//	[1-1024]         the ports in the range that t names
//	T:22,80,U:53,161 a prefix applies to what follows, until the next one
//
// Ports without a prefix apply to every protocol in protos (all three when
// none is given): pass the protocols being scanned, as Nmap does, so that a
// service name resolves for those only. A nil t means Default(). The same
// syntax serves --exclude-ports.
//
// An error is a *SyntaxError naming the offending token. An empty result is
// not an error ("T:" alone); whether it is acceptable is the caller's call.
func Parse(spec string, t *Table, protos ...result.Protocol) (*Spec, error) {
	if t == nil {
		t = Default()
	}
	cur := maskAll
	if len(protos) > 0 {
		cur = 0
		for _, p := range protos {
			i, ok := slot(p)
			if !ok {
				return nil, fmt.Errorf("ports: cannot parse ports for protocol %v", p)
			}
			cur |= 1 << i
		}
	}
	ps := &parser{s: spec, t: t, out: new(Spec)}
	if strings.TrimSpace(spec) == "" {
		return nil, ps.fail(0, spec, "empty port specification: "+syntaxHelp)
	}
	if err := ps.list(cur, false); err != nil {
		return nil, err
	}
	if ps.dup {
		ps.out.Warnings = append(ps.out.Warnings, "duplicate port number(s) specified")
	}
	return ps.out, nil
}

// protoMask has bit slot(p) set for each protocol p ports apply to.
type protoMask uint8

const maskAll protoMask = 1<<numProtos - 1

func (m protoMask) String() string {
	var names []string
	for i, p := range allProtos {
		if m&(1<<i) != 0 {
			names = append(names, p.String())
		}
	}
	return strings.Join(names, "/")
}

type parser struct {
	s   string
	i   int
	t   *Table
	out *Spec
	dup bool
}

func (ps *parser) set(i int) *Set { return ps.out.For(allProtos[i]) }

func (ps *parser) eof() bool { return ps.i >= len(ps.s) }

func (ps *parser) skipSpace() {
	for !ps.eof() && isSpace(ps.s[ps.i]) {
		ps.i++
	}
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }
func isLetter(c byte) bool {
	return isUpper(c) || (c >= 'a' && c <= 'z')
}

// tokenAt returns the part of the specification from off to the next
// separator, for error messages.
func (ps *parser) tokenAt(off int) string {
	end := off
	for end < len(ps.s) && ps.s[end] != ',' && !isSpace(ps.s[end]) {
		end++
	}
	if end == off && end < len(ps.s) {
		end++ // the separator itself is what is wrong
	}
	return ps.s[off:end]
}

func (ps *parser) fail(off int, tok, msg string) error {
	return &SyntaxError{Spec: ps.s, Offset: off, Token: tok, Msg: msg}
}

// list parses items up to the end, or up to and including ']' when nested.
// cur is passed by value: a prefix inside brackets ends with them, as in
// Nmap.
func (ps *parser) list(cur protoMask, nested bool) error {
	open := ps.i - 1
	for {
		ps.skipSpace()
		if ps.eof() {
			if nested {
				return ps.fail(open, ps.s[open:], fmt.Sprintf("%q has no closing ]", ps.s[open:]))
			}
			return nil
		}
		off := ps.i
		c := ps.s[off]
		switch {
		case isUpper(c) && off+1 < len(ps.s) && ps.s[off+1] == ':':
			switch c {
			case 'T', 'U', 'S':
				cur = 1 << strings.IndexByte("TUS", c)
			case 'P':
				return ps.fail(off, ps.s[off:off+2], `"P:" selects IP protocols for -sO, which picket does not scan; use T:, U: or S:`)
			default:
				return ps.fail(off, ps.s[off:off+2], fmt.Sprintf("unknown protocol prefix %q: use T: (TCP), U: (UDP) or S: (SCTP)", ps.s[off:off+2]))
			}
			ps.i += 2
			continue
		case c == '[':
			if nested {
				return ps.fail(off, "[", `brackets cannot nest: "[" inside "[...]"`)
			}
			ps.i++
			if err := ps.list(cur, true); err != nil {
				return err
			}
		case c == ']':
			if !nested {
				return ps.fail(off, "]", `unexpected "]" with no "[" before it`)
			}
			ps.i++
			return nil
		case c == '-' || isDigit(c):
			if err := ps.rangeItem(cur, nested); err != nil {
				return err
			}
		case isLetter(c) || c == '*' || c == '?':
			if err := ps.maskItem(cur); err != nil {
				return err
			}
		default:
			tok := ps.tokenAt(off)
			return ps.fail(off, tok, fmt.Sprintf("unexpected %q: %s", tok, syntaxHelp))
		}
		ps.skipSpace()
		if ps.eof() || ps.s[ps.i] == ']' {
			continue
		}
		if ps.s[ps.i] != ',' {
			tok := ps.tokenAt(off)
			return ps.fail(off, tok, fmt.Sprintf("%q is not a port, a range or a service name: %s", tok, syntaxHelp))
		}
		ps.i++
	}
}

// number reads a decimal port number; ok is false past 65535.
func (ps *parser) number() (n int, tok string, ok bool) {
	start := ps.i
	for !ps.eof() && isDigit(ps.s[ps.i]) {
		if n <= 65535 {
			n = n*10 + int(ps.s[ps.i]-'0')
		}
		ps.i++
	}
	tok = ps.s[start:ps.i]
	return n, tok, n <= 65535
}

func (ps *parser) atItemEnd() bool {
	return ps.eof() || ps.s[ps.i] == ',' || ps.s[ps.i] == ']'
}

func (ps *parser) rangeItem(cur protoMask, nested bool) error {
	off := ps.i
	lo := 1 // Nmap: an open start is port 1; port 0 only when written
	if ps.s[ps.i] != '-' {
		n, tok, ok := ps.number()
		if !ok {
			return ps.fail(off, tok, fmt.Sprintf("%q out of range 0-65535", tok))
		}
		lo = n
		ps.skipSpace()
	}
	hi := lo
	switch {
	case ps.atItemEnd():
	case ps.s[ps.i] == '-':
		ps.i++
		ps.skipSpace()
		switch {
		case ps.atItemEnd():
			hi = 65535
		case isDigit(ps.s[ps.i]):
			at := ps.i
			n, tok, ok := ps.number()
			if !ok {
				return ps.fail(at, tok, fmt.Sprintf("%q out of range 0-65535", tok))
			}
			hi = n
		default:
			tok := ps.tokenAt(off)
			return ps.fail(off, tok, fmt.Sprintf("range %q must end in a port number or nothing (60000-)", tok))
		}
		if hi < lo {
			tok := ps.s[off:ps.i]
			return ps.fail(off, tok, fmt.Sprintf("range %q is backwards: did you mean %d-%d?", tok, hi, lo))
		}
	default:
		tok := ps.tokenAt(off)
		return ps.fail(off, tok, fmt.Sprintf("%q is not a port or a range: %s", tok, syntaxHelp))
	}
	for i := range numProtos {
		if cur&(1<<i) == 0 {
			continue
		}
		s := ps.set(i)
		if !nested {
			if s.AddRange(uint16(lo), uint16(hi)) < hi-lo+1 {
				ps.dup = true
			}
			continue
		}
		// [lo-hi]: only the ports the table names.
		for _, e := range ps.t.entries[i] {
			if int(e.port) >= lo && int(e.port) <= hi && !s.Add(e.port) {
				ps.dup = true
			}
		}
	}
	return nil
}

func (ps *parser) maskItem(cur protoMask) error {
	off := ps.i
	for !ps.eof() && !isSpace(ps.s[ps.i]) && ps.s[ps.i] != ',' && ps.s[ps.i] != ']' {
		ps.i++
	}
	mask := ps.s[off:ps.i]
	matched := 0
	for i := range numProtos {
		if cur&(1<<i) == 0 {
			continue
		}
		m, dup := ps.t.match(i, mask, ps.set(i))
		matched += m
		if dup > 0 {
			ps.dup = true
		}
	}
	if matched > 0 {
		return nil
	}
	msg := fmt.Sprintf("no service named %q for %s in the %s", mask, cur, ps.t.source)
	if len(mask) > 1 && mask[1] == ':' {
		msg += "; protocol prefixes are upper case: T:, U:, S:"
	}
	return ps.fail(off, mask, msg)
}

// wildMatch reports whether name matches mask, where * stands for any run
// of characters and ? for one, ignoring ASCII case, as Nmap matches service
// masks.
func wildMatch(mask, name string) bool {
	m, n := 0, 0
	star, mark := -1, 0
	for n < len(name) {
		switch {
		case m < len(mask) && mask[m] == '*':
			star, mark = m, n
			m++
		case m < len(mask) && (mask[m] == '?' || lower(mask[m]) == lower(name[n])):
			m++
			n++
		case star >= 0:
			m = star + 1
			mark++
			n = mark
		default:
			return false
		}
	}
	for m < len(mask) && mask[m] == '*' {
		m++
	}
	return m == len(mask)
}

func lower(c byte) byte {
	if isUpper(c) {
		return c + 'a' - 'A'
	}
	return c
}
