package payload

import (
	"slices"
	"sync"

	"github.com/picket-scanner/picket/result"
)

// Payload is one UDP probe: how to build it, where to send it and how to
// read its replies. Payloads are immutable values: their functions are pure
// and safe for concurrent use, and callers must not modify the fields of a
// Payload this package returns.
type Payload struct {
	// Name identifies the payload: "dns-version-bind", "snmp-v1-public",
	// ... Payloads read from Nmap's file are named "nmap:LINE".
	Name string
	// Service is Nmap's name of the protocol ("domain", "snmp", ...);
	// empty when unknown.
	Service string
	// Ports are the UDP ports the payload is sent to.
	Ports []uint16
	// SourcePort, when not 0, is the source port some servers of the
	// protocol require (IKE responders that answer only port 500). The
	// payload works from other ports against most servers.
	SourcePort uint16
	// Validates says Recognize checks an identifier the protocol echoes
	// (see the package documentation), so a reply it accepts answers this
	// very probe. Without it, Recognize only says the reply is of the
	// protocol.
	Validates bool
	// AnyReplyPort says the server may answer from another port than the
	// one probed: a TFTP server answers from a port of its own (its
	// transfer identifier, RFC 1350 section 4). Matching replies to probes
	// by port misses those answers.
	AnyReplyPort bool
	// Build appends the datagram for the probe identified by cookie to
	// dst and returns the extended slice. It allocates nothing when dst
	// has room.
	Build func(dst []byte, cookie uint32) []byte
	// Recognize reports whether reply, a UDP datagram's payload, answers
	// the probe built with cookie, and what it reveals. It never panics,
	// whatever reply holds.
	Recognize func(reply []byte, cookie uint32) (Match, bool)
}

// Match is what a reply revealed. It is a plain value.
type Match struct {
	// Service holds what Nmap's XML carries: Name (Nmap's service name),
	// Product, Version, ExtraInfo, Hostname, OSType, DeviceType, CPE.
	// Method and Conf are the engine's to fill.
	Service result.Service
	// Details are further facts, in order: {"stratum", "2"}, {"sysDescr",
	// "Linux ..."}, {"MAC", "00:11:22:33:44:55"}. Keys are as the
	// protocol names them.
	Details []Detail
}

// Detail is one fact a reply revealed. It is a plain value.
type Detail struct {
	Key, Value string
}

func (m *Match) add(key, value string) {
	if value != "" {
		m.Details = append(m.Details, Detail{key, value})
	}
}

// Empty is the payload for ports without a payload of their own: an empty
// datagram, as Nmap sends. Its Recognize accepts nothing, since an empty
// probe tells nothing about the protocol of a reply.
var Empty = &Payload{
	Name:      "empty",
	Build:     func(dst []byte, _ uint32) []byte { return dst },
	Recognize: func([]byte, uint32) (Match, bool) { return Match{}, false },
}

// Table finds the payloads of a port. A Table is immutable once made and
// safe for concurrent use.
type Table struct {
	all   []*Payload
	lists [][]*Payload // lists[0] is {Empty}
	port  [65536]uint16
}

// NewTable indexes payloads by port. A port's payloads keep the order of
// the list, so the engine may send them in that order; a port no payload
// names gets [Empty]. To use Nmap's payloads as well as picket's, pass
// both: NewTable(append(payload.All(), nmapPayloads...)).
func NewTable(payloads []*Payload) *Table {
	t := &Table{all: slices.Clone(payloads), lists: [][]*Payload{{Empty}}}
	type pair struct {
		port  uint16
		index int
	}
	var pairs []pair
	for i, p := range t.all {
		for _, port := range p.Ports {
			pairs = append(pairs, pair{port, i})
		}
	}
	slices.SortStableFunc(pairs, func(a, b pair) int {
		if a.port != b.port {
			return int(a.port) - int(b.port)
		}
		return a.index - b.index
	})
	// Ports named by the same payloads share one list: Nmap's file gives
	// one payload 32,768 ports.
	seen := map[string]uint16{}
	var key []byte
	for i := 0; i < len(pairs); {
		j := i
		key = key[:0]
		var list []*Payload
		for ; j < len(pairs) && pairs[j].port == pairs[i].port; j++ {
			if n := len(list); n > 0 && list[n-1] == t.all[pairs[j].index] {
				continue // a port listed twice by one payload
			}
			list = append(list, t.all[pairs[j].index])
			key = append(key, byte(pairs[j].index>>24), byte(pairs[j].index>>16), byte(pairs[j].index>>8), byte(pairs[j].index))
		}
		li, ok := seen[string(key)]
		// More distinct lists than a uint16 indexes would need every
		// port to have its own list and one more: not a real table.
		if !ok && len(t.lists) < 65536 {
			li = uint16(len(t.lists))
			seen[string(key)] = li
			t.lists = append(t.lists, list)
		}
		t.port[pairs[i].port] = li
		i = j
	}
	return t
}

// ForPort returns the payloads to send to port, in order; [Empty] alone
// when no payload names the port. The slice is shared: do not modify it.
func (t *Table) ForPort(port uint16) []*Payload {
	return t.lists[t.port[port]]
}

// All returns every payload of the table, in order. The slice is shared:
// do not modify it.
func (t *Table) All() []*Payload { return t.all }

// Lookup returns the payload named name.
func (t *Table) Lookup(name string) (*Payload, bool) {
	for _, p := range t.all {
		if p.Name == name {
			return p, true
		}
	}
	return nil, false
}

var builtin = sync.OnceValue(func() *Table { return NewTable(payloads()) })

// Builtin returns the table of picket's own payloads.
func Builtin() *Table { return builtin() }

// ForPort returns picket's payloads for port, or [Empty] alone.
func ForPort(port uint16) []*Payload { return builtin().ForPort(port) }

// All returns picket's payloads, in the order they are registered.
func All() []*Payload { return builtin().All() }
