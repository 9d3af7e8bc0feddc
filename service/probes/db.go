package probes

import (
	"fmt"
	"slices"
	"time"

	"github.com/picket-scanner/picket/ports"
	"github.com/picket-scanner/picket/result"
)

// DB is a signature database: the probes to send and the patterns their
// replies are matched against, from one source (picket's own signatures,
// or an installed Nmap's nmap-service-probes). A DB is immutable once
// loaded and safe for concurrent use; patterns compile on first use,
// behind a sync.Once each.
type DB struct {
	source  string
	probes  []*Probe // in file order
	null    *Probe   // the TCP probe that sends nothing, if any
	byName  map[probeKey]*Probe
	exclude *ports.Spec
	stats   Stats
}

type probeKey struct {
	proto result.Protocol
	name  string
}

// Stats counts what a database holds. It is a plain value.
type Stats struct {
	Probes, Matches, SoftMatches int
}

// Probe is one probe of a database: what to send, where it is likely to be
// answered, and the patterns for its replies. A Probe belongs to the DB
// that loaded it; it is immutable and safe for concurrent use.
type Probe struct {
	Name  string
	Proto result.Protocol
	// Payload is what to send; empty for a TCP probe that only listens
	// for a banner (Nmap's NULL probe). Callers must not modify it.
	Payload []byte
	// Rarity, 1–9, is how seldom the probe gets a useful reply: a probe
	// runs on ports it does not list only when Rarity <= the intensity.
	Rarity int
	// TotalWait is how long to wait for the reply.
	TotalWait time.Duration
	// TCPWrapped, when set, is the time within which a connection closed
	// by the server before sending anything counts as tcpwrapped.
	TCPWrapped time.Duration

	line     int
	ports    portList
	sslPorts portList
	fallback []string // names of further probes whose patterns apply
	chain    []*Probe // this probe, its fallbacks, then (TCP) the NULL probe
	matches  []*matcher
	services map[string]bool // what the hard matches of chain can name
	db       *DB
}

// Defaults, as Nmap has them.
const (
	defaultRarity    = 5
	defaultTotalWait = 5 * time.Second
	// DefaultIntensity is Nmap's default --version-intensity.
	DefaultIntensity = 7
)

// Source names where the database was read from.
func (db *DB) Source() string { return db.source }

// Stats counts the database's probes and patterns.
func (db *DB) Stats() Stats { return db.stats }

// Lookup returns the probe of proto called name, or nil.
func (db *DB) Lookup(proto result.Protocol, name string) *Probe {
	return db.byName[probeKey{proto, name}]
}

// Null returns the TCP probe that sends nothing and reads the banner, or
// nil when the database has none.
func (db *DB) Null() *Probe { return db.null }

// Excluded reports whether the database's Exclude directive keeps version
// detection off proto/port (Nmap excludes printer ports, which print
// whatever probes they receive). --allports overrides it.
func (db *DB) Excluded(proto result.Protocol, port uint16) bool {
	return db.exclude != nil && db.exclude.For(proto).Has(port)
}

// Probes returns the probes to try on a port, in the order Nmap tries
// them: the NULL probe first (TCP only), then every probe that lists the
// port (in sslports inside TLS, in ports otherwise) whatever its rarity,
// then the other probes of the protocol whose rarity is at most intensity
// (0–9; Nmap's default is 7), each group in file order. After a soft
// match, narrow the rest with Narrow.
func (db *DB) Probes(port uint16, proto result.Protocol, tls bool, intensity int) []*Probe {
	intensity = min(max(intensity, 0), 9)
	out := make([]*Probe, 0, 32)
	if proto == result.TCP && db.null != nil {
		out = append(out, db.null)
	}
	for _, p := range db.probes {
		if p != db.null && p.Proto == proto && p.OnPort(port, tls) {
			out = append(out, p)
		}
	}
	for _, p := range db.probes {
		if p != db.null && p.Proto == proto && !p.OnPort(port, tls) && p.Rarity <= intensity {
			out = append(out, p)
		}
	}
	return out
}

// Narrow returns the probes of list that can still identify service, for
// use after a soft match named it: a probe qualifies when a hard match of
// its own, of a fallback or (TCP) of the NULL probe names the service.
// Nmap skips this narrowing at intensity 9.
func Narrow(list []*Probe, service string) []*Probe {
	var out []*Probe
	for _, p := range list {
		if p.Identifies(service) {
			out = append(out, p)
		}
	}
	return out
}

// OnPort reports whether the probe lists port: in sslports when tls is
// set, in ports otherwise.
func (p *Probe) OnPort(port uint16, tls bool) bool {
	if tls {
		return p.sslPorts.has(port)
	}
	return p.ports.has(port)
}

// Identifies reports whether a hard match the probe applies can name
// service.
func (p *Probe) Identifies(service string) bool { return p.services[service] }

// Fallbacks returns the names of the probes whose patterns also apply to
// this probe's replies, as the database lists them.
func (p *Probe) Fallbacks() []string { return slices.Clone(p.fallback) }

// String names the probe as "tcp/GetRequest".
func (p *Probe) String() string { return p.Proto.String() + "/" + p.Name }

// portList is a sorted list of port ranges.
type portList []struct{ lo, hi uint16 }

func (l portList) has(port uint16) bool {
	for _, r := range l {
		if port < r.lo {
			return false
		}
		if port <= r.hi {
			return true
		}
	}
	return false
}

// parsePortList reads "21,43,110,2000-2001": numbers and ranges, comma
// separated.
func parsePortList(s string) (portList, error) {
	var l portList
	for item := range splitComma(s) {
		lo, hi, err := parseRange(item)
		if err != nil {
			return nil, err
		}
		l = append(l, struct{ lo, hi uint16 }{lo, hi})
	}
	if len(l) == 0 {
		return nil, fmt.Errorf("no ports")
	}
	slices.SortFunc(l, func(a, b struct{ lo, hi uint16 }) int { return int(a.lo) - int(b.lo) })
	// Merge overlaps so that has can stop at the first range past port.
	out := l[:1]
	for _, r := range l[1:] {
		last := &out[len(out)-1]
		if int(r.lo) <= int(last.hi)+1 {
			last.hi = max(last.hi, r.hi)
			continue
		}
		out = append(out, r)
	}
	return out, nil
}

func parseRange(s string) (lo, hi uint16, err error) {
	a, b, isRange := cutByte(s, '-')
	l, err := parsePort(a)
	if err != nil {
		return 0, 0, err
	}
	if !isRange {
		return l, l, nil
	}
	h, err := parsePort(b)
	if err != nil {
		return 0, 0, err
	}
	if h < l {
		return 0, 0, fmt.Errorf("range %q runs backwards", s)
	}
	return l, h, nil
}

func parsePort(s string) (uint16, error) {
	if s == "" || len(s) > 5 {
		return 0, fmt.Errorf("bad port %q", s)
	}
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("bad port %q", s)
		}
		n = n*10 + int(s[i]-'0')
	}
	if n > 65535 {
		return 0, fmt.Errorf("port %d is above 65535", n)
	}
	return uint16(n), nil
}
