// Package raw is picket's raw packet engine for port scans: SYN (-sS),
// ACK (-sA), FIN (-sF), NULL (-sN), Xmas (-sX) and UDP (-sU), and for host
// discovery.
//
// A sender and a receiver run apart. The sender walks every (host, port)
// pair of a host group in a seeded pseudo-random permutation, stamping
// probes out of a prebuilt frame template and handing them to the kernel in
// batches. The receiver reads replies from the same AF_PACKET socket, whose
// BPF filter drops what is not ours, and validates each one statelessly:
// the probe's sequence number is a keyed hash of the destination and ports,
// so a reply that does not echo it is not ours. The source port carries the
// try number, so a reply also says which transmission it answers: round
// trips are measured without ambiguity, and a reply to a retransmission
// proves that the first copy, or its answer, was lost.
//
// What is remembered per probe is four bytes of state (outcome, tries,
// reply TTL) and the time of its last transmission, in flat arrays: memory
// is linear in the probes of one group and flat in the number of groups.
//
// Probes that got no answer are sent again in further passes over the
// permutation, as long as retransmissions keep earning answers and the
// timing template's retry limit allows. The send rate starts moderate and
// grows while the share of probes answered holds; it backs off when that
// share falls, which is what congestion looks like, and not for a steady
// low loss, which is what a lossy link looks like.
//
// Scan is safe to call from one goroutine at a time per Conn.
package raw

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/scan"
)

// Timing are the knobs of the engine, in Nmap's terms. Zero values take
// the defaults of Nmap's -T3.
type Timing struct {
	InitialRTT time.Duration // round-trip timeout before any is measured (1s)
	MinRTT     time.Duration // floor of the round-trip timeout (100ms)
	MaxRTT     time.Duration // ceiling of the round-trip timeout (10s)
	MaxRetries int           // retransmissions of an unanswered probe; -1 means the default (10)
	MinRate    float64       // packets per second never to go below; 0 for none
	MaxRate    float64       // packets per second never to exceed; 0 for none
	// StartRate is the send rate of the first probes; 0 means 20,000/s
	// (or MinRate, if higher).
	StartRate   float64
	HostTimeout time.Duration // give up on a host after this long; 0 for never
	ScanDelay   time.Duration // at least this long between probes to one host
}

func (t Timing) withDefaults() Timing {
	if t.InitialRTT <= 0 {
		t.InitialRTT = time.Second
	}
	if t.MinRTT <= 0 {
		t.MinRTT = 100 * time.Millisecond
	}
	if t.MaxRTT <= 0 {
		t.MaxRTT = 10 * time.Second
	}
	if t.MaxRTT < t.InitialRTT {
		t.MaxRTT = t.InitialRTT
	}
	if t.MaxRetries < 0 {
		t.MaxRetries = 10
	}
	if t.MaxRetries > maxTries-1 {
		t.MaxRetries = maxTries - 1
	}
	if t.StartRate <= 0 {
		t.StartRate = 20000
	}
	t.StartRate = max(t.StartRate, t.MinRate)
	if t.MaxRate > 0 {
		t.StartRate = min(t.StartRate, t.MaxRate)
	}
	return t
}

// Target is a host to scan and the hardware address its frames go to (its
// own on the link, or the gateway's).
type Target struct {
	Addr    netip.Addr
	NextHop packet.MAC
}

// Config is one scan's setup. Conn, SrcMAC and a source address of each
// family scanned must be set.
type Config struct {
	Technique scan.Technique // SYN (the zero value means SYN), ACK, FIN, NULL, Xmas or UDP
	Conn      *netio.Conn
	SrcMAC    packet.MAC
	Src4      netip.Addr
	Src6      netip.Addr
	Timing    Timing
	// Seed fixes the permutation, the source ports and the hash key
	// derivation; 0 draws one at random.
	Seed uint64
	// Shard and Shards (1-based, --shard i/n) make this scan send only
	// the permutation indexes k with k mod Shards == Shard-1.
	Shard, Shards int
	// InOrder (-r) sends host by host, ports in order.
	InOrder bool
	// Interface, if set (-e), is the only interface the Scanner sends on:
	// a target routed elsewhere is an error.
	Interface string
	// Progress, if set, is updated as the scan runs.
	Progress *scan.Progress
	// OnOpen, if set, hears each open port as soon as its SYN-ACK is
	// validated, with the target's index: version detection starts on it
	// while the scan goes on. It is called from the receiver and must not
	// block.
	OnOpen func(target int, port uint16)
	// Payloads are the UDP payloads sent to each port (-sU, -PU); nil
	// means picket's own.
	Payloads *payload.Table
	// OnLimited, if set, hears that a target limits its ICMP errors, and
	// the rate it was found to allow, once learned. It is called from the
	// sender and must not block.
	OnLimited func(target netip.Addr, perSecond float64)
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// sharedProgress says a Scanner started Progress for several engines
	// at once, each adding its own.
	sharedProgress bool
	// portScan says the slots are a port scan's, whose silent probes go
	// to the paced rounds; discovery's are only retried.
	portScan bool
}

// ErrNoSource is returned when no source address of a target's family is
// configured.
var ErrNoSource = errors.New("raw: no source address for the target's address family")

// Scan probes every port of every target with cfg.Technique and returns
// what it learned. Cancelling ctx ends the scan early; the returned table
// then holds what was learned so far, and the error is ctx's.
func Scan(ctx context.Context, cfg Config, targets []Target, ports []uint16) (*scan.Table, scan.Stats, error) {
	if cfg.Technique == 0 {
		cfg.Technique = scan.SYN
	}
	switch cfg.Technique {
	case scan.SYN, scan.ACK, scan.FIN, scan.NULL, scan.Xmas, scan.UDP:
	default:
		return nil, scan.Stats{}, fmt.Errorf("raw: technique %s is not a raw port scan", cfg.Technique.Name())
	}
	if cfg.Conn == nil {
		return nil, scan.Stats{}, errors.New("raw: no connection")
	}
	slots := make([]Slot, len(ports))
	for i, p := range ports {
		slots[i] = Slot{Technique: cfg.Technique, Port: p}
	}
	cfg.portScan = true
	return probe(ctx, cfg, targets, slots)
}

// Probe sends every slot's probe to every target: a mix of techniques in
// one run, as host discovery needs (an ICMP echo, a SYN to 443, an ACK to
// 80, ...). The table's outcomes are per target and slot, in slot order;
// its Technique is cfg.Technique, meaningless for a mix.
func Probe(ctx context.Context, cfg Config, targets []Target, slots []Slot) (*scan.Table, scan.Stats, error) {
	if cfg.Conn == nil {
		return nil, scan.Stats{}, errors.New("raw: no connection")
	}
	for _, sl := range slots {
		switch sl.Technique {
		case scan.SYN, scan.ACK, scan.FIN, scan.NULL, scan.Xmas, scan.Echo, scan.Timestamp, scan.UDP:
		default:
			return nil, scan.Stats{}, fmt.Errorf("raw: technique %s is not a raw probe", sl.Technique.Name())
		}
	}
	return probe(ctx, cfg, targets, slots)
}

func probe(ctx context.Context, cfg Config, targets []Target, slots []Slot) (*scan.Table, scan.Stats, error) {
	for _, t := range targets {
		if (t.Addr.Is4() && !cfg.Src4.IsValid()) || (t.Addr.Is6() && !cfg.Src6.IsValid()) {
			return nil, scan.Stats{}, fmt.Errorf("%w: %s", ErrNoSource, t.Addr)
		}
	}
	e, err := newEngine(cfg, targets, slots)
	if err != nil {
		return nil, scan.Stats{}, err
	}
	return e.run(ctx)
}
