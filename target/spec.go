package target

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
)

// Family is the address family of a run. Nmap scans one family per run:
// IPv4 unless -6 is given. A Family is a value, safe for concurrent use.
type Family uint8

// Families. The zero value is IPv4, Nmap's default.
const (
	IPv4 Family = iota
	IPv6
)

func (f Family) String() string {
	if f == IPv6 {
		return "IPv6"
	}
	return "IPv4"
}

func (f Family) width() int {
	if f == IPv6 {
		return 128
	}
	return 32
}

// network is the network argument a Resolver is asked with.
func (f Family) network() string {
	if f == IPv6 {
		return "ip6"
	}
	return "ip4"
}

// maxSpecLen is Nmap's limit on one specification: its buffer holds 1023
// characters and a NUL.
const maxSpecLen = 1023

// Errors a target error can match with errors.Is.
var (
	// ErrSyntax: the specification is neither an address, a network nor a
	// hostname.
	ErrSyntax = errors.New("bad target specification")
	// ErrFamily: an IPv6 specification without -6, or IPv4 with -6.
	ErrFamily = errors.New("wrong address family")
	// ErrNoAddress: a hostname did not resolve to an address of the run's
	// family.
	ErrNoAddress = errors.New("failed to resolve")
	// ErrNoResolver: a hostname was given but Options has no Resolver.
	ErrNoResolver = errors.New("no resolver")
	// ErrLargeScope: the scope is past MaxScope and Options.AllowLarge is
	// not set.
	ErrLargeScope = errors.New("scope too large")
)

// Error reports one specification that cannot be used. It is the error type
// of everything that names a specification. An Error is not modified after
// it is returned, so it is safe for concurrent use.
type Error struct {
	Spec string // the specification as the user wrote it
	Line int    // its line in a -iL or --excludefile list; 0 when not from a list
	Err  error  // what is wrong; matches ErrSyntax, ErrFamily, ... or a resolver's error
}

func (e *Error) Error() string {
	spec := e.Spec
	if len(spec) > 64 {
		spec = spec[:60] + "..."
	}
	if e.Line > 0 {
		return fmt.Sprintf("target: line %d: %q: %v", e.Line, spec, e.Err)
	}
	return fmt.Sprintf("target: %q: %v", spec, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// reason is a user-facing message that matches one of the sentinel errors.
type reason struct {
	kind error
	msg  string
}

func (r *reason) Error() string        { return r.msg }
func (r *reason) Is(target error) bool { return target == r.kind }

func why(kind error, format string, args ...any) error {
	return &reason{kind, fmt.Sprintf(format, args...)}
}

type specKind uint8

const (
	kindNone   specKind = iota
	kindAddr            // one address, maybe with a zone
	kindPrefix          // a CIDR block
	kindGrid            // IPv4 octet ranges: a product of per-octet sets
	kindName            // a hostname, maybe with /bits
)

// Spec is one parsed target specification: an address, a CIDR block, IPv4
// octet ranges or a hostname (with an optional /bits). It holds no
// addresses beyond its own description. A Spec is an immutable value, safe
// for concurrent use.
type Spec struct {
	kind specKind
	fam  Family
	bits int16 // prefix length; -1 for none
	line int32
	addr netip.Addr // kindAddr, kindPrefix (masked, zone kept)
	name string     // kindName
	grid *grid      // kindGrid
}

// String returns the specification in canonical form.
func (s Spec) String() string {
	switch s.kind {
	case kindAddr:
		return s.addr.String()
	case kindPrefix:
		return s.addr.String() + "/" + strconv.Itoa(int(s.bits))
	case kindGrid:
		return s.grid.String()
	case kindName:
		if s.bits >= 0 {
			return s.name + "/" + strconv.Itoa(int(s.bits))
		}
		return s.name
	}
	return ""
}

// Parse parses one target specification for a run of family f:
//
//	192.168.0.1  fe80::1%eth0          addresses (IPv6 with a zone)
//	10.0.0.0/8   2001:db8::/32         CIDR blocks
//	10.0.0-3.1-254  10.1,3.0.1  10.0.0.-  10.*.0.1   IPv4 octet ranges and lists
//	scanme.example.org  www.example.org/24   hostnames, resolved later
//
// A specification of the other family is an error that says to use (or
// drop) -6, as Nmap does.
func Parse(spec string, f Family) (Spec, error) {
	return parse(spec, f, 0)
}

// bytestr lets the list reader parse a token in its buffer without making
// a string of it.
type bytestr interface{ ~string | ~[]byte }

func parse[T bytestr](s T, f Family, line int) (Spec, error) {
	sp, err := parseSpec(s, f)
	if err != nil {
		return Spec{}, &Error{Spec: string(s), Line: line, Err: err}
	}
	sp.line = int32(line)
	return sp, nil
}

func parseSpec[T bytestr](s T, f Family) (Spec, error) {
	if len(s) == 0 {
		return Spec{}, why(ErrSyntax, "empty target specification")
	}
	if len(s) > maxSpecLen {
		return Spec{}, why(ErrSyntax, "longer than %d characters", maxSpecLen)
	}
	host, mask := s, s[:0]
	slash := false
	for i := len(s) - 1; i >= 0; i-- {
		if s[i] == '/' {
			host, mask, slash = s[:i], s[i+1:], true
			break
		}
	}
	if len(host) == 0 {
		return Spec{}, why(ErrSyntax, "missing address before /")
	}
	cl := classify(host)
	bits := -1
	if slash {
		width := f // the literal's own family, so that the family error wins
		switch cl {
		case classIPv6:
			width = IPv6
		case classOctets:
			width = IPv4
		}
		var err error
		if bits, err = parseBits(mask, width); err != nil {
			return Spec{}, err
		}
	}
	switch cl {
	case classIPv6:
		return parseIPv6(string(host), bits, f)
	case classOctets:
		g, err := parseOctets(host)
		if err != nil {
			return Spec{}, err
		}
		if f != IPv4 {
			return Spec{}, why(ErrFamily, "IPv4 target given with -6; drop -6 to scan IPv4")
		}
		return octetSpec(g, bits), nil
	}
	name := string(host)
	if err := checkHostname(name); err != nil {
		return Spec{}, err
	}
	return Spec{kind: kindName, fam: f, bits: int16(bits), name: name}, nil
}

func parseBits[T bytestr](s T, f Family) (int, error) {
	if len(s) == 0 {
		return 0, why(ErrSyntax, "missing prefix length after /")
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, why(ErrSyntax, "prefix length %q is not a number", string(s))
		}
		if n = n*10 + int(c-'0'); n > 1000 {
			break
		}
	}
	if n > f.width() {
		return 0, why(ErrSyntax, "prefix length /%s out of range 0-%d for %v", string(s), f.width(), f)
	}
	return n, nil
}

type class uint8

const (
	className class = iota
	classIPv6
	classOctets
)

func classify[T bytestr](s T) class {
	octets := true
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == ':':
			return classIPv6
		case c >= '0' && c <= '9', c == '.', c == ',', c == '-', c == '*':
		default:
			octets = false
		}
	}
	if octets {
		return classOctets
	}
	return className
}

func parseIPv6(host string, bits int, f Family) (Spec, error) {
	a, err := netip.ParseAddr(host)
	if err != nil || !a.Is6() {
		return Spec{}, why(ErrSyntax, "not a valid IPv6 address")
	}
	if f != IPv6 {
		return Spec{}, why(ErrFamily, "IPv6 target given without -6; use -6 to scan IPv6")
	}
	if bits < 0 {
		return Spec{kind: kindAddr, fam: IPv6, bits: -1, addr: a}, nil
	}
	p := netip.PrefixFrom(a.WithZone(""), bits).Masked()
	return Spec{kind: kindPrefix, fam: IPv6, bits: int16(bits), addr: p.Addr().WithZone(a.Zone())}, nil
}

// octetSpec makes the Spec of parsed octet sets, applying a netmask as Nmap
// does: the masked-off bits of each octet take every value.
func octetSpec(g grid, bits int) Spec {
	var b [4]byte
	single := true
	for d := range g {
		v, ok := g[d].only()
		b[d], single = v, single && ok
	}
	if single {
		a := netip.AddrFrom4(b)
		if bits < 0 {
			return Spec{kind: kindAddr, fam: IPv4, bits: -1, addr: a}
		}
		return Spec{kind: kindPrefix, fam: IPv4, bits: int16(bits), addr: netip.PrefixFrom(a, bits).Masked().Addr()}
	}
	gp := new(grid) // only here, so that g itself stays on the stack
	*gp = g
	if bits >= 0 {
		gp.mask(bits)
	}
	return Spec{kind: kindGrid, fam: IPv4, bits: -1, grid: gp}
}

// parseOctets parses Nmap's IPv4 octet syntax: four dot-separated octets,
// each "*" or a comma-separated list of n, n-m, -m, n- and "-".
func parseOctets[T bytestr](s T) (grid, error) {
	var g grid
	dots := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			dots++
		}
	}
	if dots < 3 {
		return g, why(ErrSyntax, "an IPv4 address needs 4 octets, found %d", dots+1)
	}
	i := 0
	for d := 0; d < 4; d++ {
		if d > 0 {
			if i >= len(s) {
				return g, why(ErrSyntax, "an IPv4 address needs 4 octets, found %d", d)
			}
			i++ // the '.'
		}
		if i < len(s) && s[i] == '*' {
			g[d].setRange(0, 255)
			i++
		} else {
			for {
				lo, hi := 0, 255
				n, j, err := octetNum(s, i, d)
				if err != nil {
					return g, err
				}
				switch {
				case j > i:
					lo, hi = n, n
				case j < len(s) && s[j] == '-':
				default:
					return g, why(ErrSyntax, "octet %d is empty", d+1)
				}
				i = j
				if i < len(s) && s[i] == '-' {
					i++
					n, j, err := octetNum(s, i, d)
					if err != nil {
						return g, err
					}
					hi = 255
					if j > i {
						hi = n
					}
					i = j
					if hi < lo {
						return g, why(ErrSyntax, "range %d-%d in octet %d is backwards; write %d-%d", lo, hi, d+1, hi, lo)
					}
				}
				g[d].setRange(lo, hi)
				if i >= len(s) || s[i] != ',' {
					break
				}
				i++
			}
		}
		if i < len(s) && s[i] != '.' {
			return g, why(ErrSyntax, "unexpected %q in octet %d", s[i], d+1)
		}
	}
	if i < len(s) {
		return g, why(ErrSyntax, "an IPv4 address has only 4 octets")
	}
	return g, nil
}

// octetNum reads a decimal number at s[i:]; j == i when there is none.
// Leading zeros are decimal, as in Nmap.
func octetNum[T bytestr](s T, i, d int) (n, j int, err error) {
	for j = i; j < len(s) && s[j] >= '0' && s[j] <= '9'; j++ {
		if n < 1000 {
			n = n*10 + int(s[j]-'0')
		}
	}
	if n > 255 {
		return 0, 0, why(ErrSyntax, "octet %d value %s out of range 0-255", d+1, string(s[i:j]))
	}
	return n, j, nil
}

func checkHostname(name string) error {
	if name[0] == '-' {
		return why(ErrSyntax, "not a target; options go before the targets")
	}
	trimmed := strings.TrimSuffix(name, ".")
	if len(trimmed) > 253 {
		return why(ErrSyntax, "hostname longer than 253 characters")
	}
	label := 0
	for i := 0; i < len(trimmed); i++ {
		c := trimmed[i]
		switch {
		case c == '.':
			if label == 0 {
				return why(ErrSyntax, "hostname has an empty label")
			}
			label = 0
			continue
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_':
		default:
			return why(ErrSyntax, "not an IP address, network or hostname (bad character %q)", c)
		}
		if label++; label > 63 {
			return why(ErrSyntax, "hostname label longer than 63 characters")
		}
	}
	if label == 0 {
		return why(ErrSyntax, "hostname has an empty label")
	}
	return nil
}
