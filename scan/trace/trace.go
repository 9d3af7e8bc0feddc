// Package trace is picket's traceroute (--traceroute), as Nmap does it
// after a port scan: to each host it sends the probe the scan showed gets
// an answer (a SYN to an open or closed TCP port, a datagram to a closed
// UDP port, an ICMP echo request otherwise) with growing TTLs, and lists
// the routers whose time-exceeded messages quote that probe, then the host.
//
// A trace starts at the host's distance as estimated from the TTL of its
// replies to the scan, walks down towards the scanner and, when the host
// is farther, up until it answers. Hosts of a group are traced together,
// and the hops near the scanner, which most of them share, are traced once:
// a downward walk stops at a router another trace met at the same TTL and
// takes the hops below from that trace. Every probe is sent a bounded
// number of times and waits a bounded time; a hop that never answers is
// listed without an address, as Nmap lists it.
//
// A Tracer is safe for use by one goroutine at a time.
package trace

import (
	"time"

	"github.com/picket-scanner/picket/result"
)

// Method is the probe a trace sends: a TCP SYN or a UDP datagram to Port,
// or, when Protocol is zero, an ICMP (ICMPv6) echo request. It is a value.
type Method struct {
	Protocol result.Protocol
	Port     uint16
}

func (m Method) port() uint16 {
	if m.Protocol == 0 {
		return 0
	}
	return m.Port
}

// Choose picks the probe that reaches h, as the port scan found, in
// Nmap's order of preference: a SYN to a closed TCP port (a reset costs
// the host nothing), else to an open one, else a datagram to a closed UDP
// port, else an echo request. It also returns the TTL (hop limit) of the
// reply the choice rests on, 0 when none is known.
func Choose(h *result.Host) (Method, uint8) {
	type pick struct {
		proto  result.Protocol
		state  result.State
		reason result.Reason
	}
	for _, want := range []pick{
		{result.TCP, result.Closed, result.ReasonReset},
		{result.TCP, result.Open, result.ReasonSynAck},
		{result.UDP, result.Closed, result.ReasonPortUnreach},
	} {
		for _, p := range h.Ports {
			if p.Protocol == want.proto && p.State == want.state && p.Reason == want.reason && !p.ReasonAddr.IsValid() {
				return Method{Protocol: p.Protocol, Port: p.Number}, p.ReasonTTL
			}
		}
	}
	return Method{}, h.ReasonTTL
}

// Distance estimates how many hops away a host is from the TTL of its
// reply: the initial TTL it most likely used (64, 128 or 255) less what
// arrived, plus one. It is 0 when ttl is.
func Distance(ttl uint8) int {
	if ttl == 0 {
		return 0
	}
	initial := 255
	switch {
	case ttl <= 64:
		initial = 64
	case ttl <= 128:
		initial = 128
	}
	return initial - int(ttl) + 1
}

// Timing bounds a trace. Zero values take the defaults.
type Timing struct {
	// Tries is how many times a probe is sent before its TTL counts as
	// silent (2, at most 4).
	Tries int
	// InitialWait is how long a probe waits for its answer when the
	// host's round-trip time is unknown (1s); otherwise it waits the
	// host's round-trip timeout from the scan, within MinWait (300ms) and
	// MaxWait (10s).
	InitialWait, MinWait, MaxWait time.Duration
	// Rate caps the probes sent per second (1,000).
	Rate float64
	// MaxTTL is the highest TTL probed (30, at most MaxTTL).
	MaxTTL int
	// MaxGap is how many silent TTLs in a row end a trace that has not
	// reached its host (5).
	MaxGap int
	// Limit bounds the traces of one host group (2 minutes): what is not
	// learned by then is reported as silent.
	Limit time.Duration
}

func (t Timing) withDefaults() Timing {
	if t.Tries <= 0 {
		t.Tries = 2
	}
	t.Tries = min(t.Tries, maxTries)
	if t.InitialWait <= 0 {
		t.InitialWait = time.Second
	}
	if t.MinWait <= 0 {
		t.MinWait = 300 * time.Millisecond
	}
	if t.MaxWait <= 0 {
		t.MaxWait = 10 * time.Second
	}
	t.MaxWait = max(t.MaxWait, t.MinWait)
	if t.Rate <= 0 {
		t.Rate = 1000
	}
	if t.MaxTTL <= 0 {
		t.MaxTTL = 30
	}
	t.MaxTTL = min(t.MaxTTL, MaxTTL)
	if t.MaxGap <= 0 {
		t.MaxGap = 5
	}
	if t.Limit <= 0 {
		t.Limit = 2 * time.Minute
	}
	return t
}

// wait is how long a probe to h waits for its answer.
func (t Timing) wait(h *result.Host) time.Duration {
	w := t.InitialWait
	if h.Times.Timeout > 0 {
		w = h.Times.Timeout
	}
	return min(max(w, t.MinWait), t.MaxWait)
}

// Config sets up a Tracer. The zero value is usable.
type Config struct {
	Timing Timing
	// Interface, if set (-e), is the only interface probes go out of: a
	// host routed elsewhere is not traced.
	Interface string
	// Seed fixes the keys and source ports; 0 draws them at random.
	Seed uint64
}
