package scan

import (
	"net/netip"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/osfp"
)

// Table is what one technique learned about a group of hosts: an outcome
// and a reply TTL for every (host, port) pair, kept flat so that memory is
// a few bytes per probe whatever the number of hosts. Engines fill it; the
// job folds it into result.Host values host by host. A Table is not safe
// for concurrent mutation.
type Table struct {
	Technique Technique
	Hosts     []netip.Addr
	Ports     []uint16
	Outcome   []Outcome // len(Hosts)*len(Ports), host-major
	TTL       []uint8
	// ReplyFrom holds, per host, the source of the first ICMP error that
	// came from an address other than the host's, if any.
	ReplyFrom map[int]netip.Addr
	// RTT holds each host's round-trip estimates, when measured.
	RTT []HostRTT
	// TimedOut marks hosts that --host-timeout ended.
	TimedOut []bool
	// Passive holds, per host, the first few SYN-ACKs and resets the
	// scan received, in arrival order, for the passive OS guess
	// (osfp.Passive); nil when the engine keeps none.
	Passive [][]osfp.Sample
}

// HostRTT is one host's round-trip estimate, as Nmap's <times> element.
type HostRTT struct {
	First   time.Duration // the first round trip measured: the "latency" of the report
	SRTT    time.Duration
	RTTVar  time.Duration
	Timeout time.Duration
}

// NewTable returns a table for hosts × ports with every outcome None.
func NewTable(t Technique, hosts []netip.Addr, ports []uint16) *Table {
	n := len(hosts) * len(ports)
	return &Table{
		Technique: t, Hosts: hosts, Ports: ports,
		Outcome: make([]Outcome, n), TTL: make([]uint8, n),
		RTT: make([]HostRTT, len(hosts)), TimedOut: make([]bool, len(hosts)),
	}
}

// Host appends host i's port results to dst and returns it.
func (t *Table) Host(i int, dst []PortResult) []PortResult {
	base := i * len(t.Ports)
	for j, p := range t.Ports {
		dst = append(dst, PortResult{Number: p, Outcome: t.Outcome[base+j], TTL: t.TTL[base+j]})
	}
	return dst
}

// Answered reports whether any probe to host i got a reply.
func (t *Table) Answered(i int) bool {
	base := i * len(t.Ports)
	for _, o := range t.Outcome[base : base+len(t.Ports)] {
		if o != None {
			return true
		}
	}
	return false
}

// Stats is the completeness report of one scan of one group.
type Stats struct {
	Sent            uint64 // probes sent, retransmissions included
	Retransmissions uint64
	Replies         uint64 // valid replies, duplicates included
	Answered        uint64 // probes with an answer
	// Recovered counts probes whose answer came only to a
	// retransmission: the first copy or its answer was lost.
	Recovered   uint64
	PeakRate    float64 // packets per second
	NoReply     uint64  // probes whose state rests on silence
	Passes      int
	KernelDrops uint64 // replies the socket buffer had no room for
}

// Loss is the fraction of answered probes whose first transmission went
// unanswered: the loss measured on the path.
func (s Stats) Loss() float64 {
	if s.Answered == 0 {
		return 0
	}
	return float64(s.Recovered) / float64(s.Answered)
}

// Progress counts an engine's work as it goes, for the -v progress lines.
// Its fields are updated atomically and may be read at any time; an engine
// resets Total and Resolved when it starts a scan.
type Progress struct {
	Total    atomic.Uint64 // probes of the current scan, first tries
	Resolved atomic.Uint64 // of those, answered or given up on
	Sent     atomic.Uint64 // probes sent, retransmissions included, over the run
	Replies  atomic.Uint64
	Rate     atomic.Uint64 // the current send rate, packets per second
	// Limited counts the hosts whose probes are paced to the rate at
	// which they send ICMP errors (a UDP scan's closed ports).
	Limited atomic.Uint64
	// Technique is the scan.Technique running now.
	Technique atomic.Uint32
}

// Start records the start of a scan of total probes with technique t.
func (p *Progress) Start(t Technique, total uint64) {
	if p == nil {
		return
	}
	p.Technique.Store(uint32(t))
	p.Resolved.Store(0)
	p.Total.Store(total)
}
