// Package connect is the connect() scan (-sT): the scan any user may run,
// without raw sockets. Each probe is a TCP connection attempt through the
// operating system; a completed handshake is an open port, a refusal a
// closed one, and silence until the round-trip timeout a filtered one.
//
// One scheduler goroutine owns the timing (Nmap's congestion windows, RTT
// estimates and retry caps, from package timing) and hands attempts to a
// bounded set of dialing goroutines, as many as the open-files limit
// allows. A connection that completes is reset at once (SO_LINGER 0), so
// the target sees no data and neither side keeps a TIME_WAIT.
//
// A Scanner is safe for use by one goroutine at a time.
package connect

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/target"
	"github.com/picket-scanner/picket/timing"
)

// Config is a connect scan's setup. The zero value scans at -T3.
type Config struct {
	Params timing.Params // zero: timing.DefaultParams
	// Concurrency bounds the connection attempts in flight; 0 derives it
	// from the open-files limit.
	Concurrency int
	Seed        uint64
	InOrder     bool // -r: ports in order, host by host
	// Shard and Shards (1-based, --shard i/n) make this scan try only
	// the (host, port) pairs whose index, host-major, is Shard-1 mod Shards.
	Shard, Shards int
	// Dial, if set, makes each attempt through this function (net.Dialer
	// semantics, errno only). Nil uses the platform's Prober.
	Dial func(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
	// Progress, if set, is updated as the scan runs.
	Progress *scan.Progress
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Scanner runs connect scans over host groups.
type Scanner struct {
	cfg   Config
	probe Prober
}

// New returns a connect Scanner.
func New(cfg Config) *Scanner {
	if cfg.Params.InitialRTT == 0 && cfg.Params.MaxRTT == 0 {
		cfg.Params = timing.DefaultParams()
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = defaultConcurrency()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Scanner{cfg: cfg, probe: defaultProber()}
	if cfg.Dial != nil {
		s.probe = dialProber(cfg.Dial)
	}
	return s
}

// Technique returns scan.Connect.
func (s *Scanner) Technique() scan.Technique { return scan.Connect }

// Close releases nothing: connect scans hold no resources between groups.
func (s *Scanner) Close() error { return nil }

// maxConcurrency caps attempts in flight whatever the file limit: beyond
// it the scan is bound by the kernel's connect path, not by parallelism.
const maxConcurrency = 4096

// maxLocalRetries bounds how often one attempt is repeated because this
// machine ran out of files or ports; after that its silence counts.
const maxLocalRetries = 20

func dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	var d net.Dialer
	return d.DialContext(ctx, "tcp", addr.String())
}

// classify maps a dial error to an outcome. Linux reports an ICMP port
// unreachable to connect() as a refusal, host unreachable and
// administratively prohibited as EHOSTUNREACH.
func classify(err error) scan.Outcome {
	switch {
	case err == nil:
		return scan.Connected
	case errors.Is(err, syscall.ECONNREFUSED):
		return scan.Refused
	case errors.Is(err, syscall.EHOSTUNREACH):
		return scan.HostUnreach
	case errors.Is(err, syscall.ENETUNREACH):
		return scan.NetUnreach
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return scan.AdminProhibited
	case errors.Is(err, syscall.ENOPROTOOPT):
		return scan.ProtoUnreach
	}
	return scan.None // a timeout, or a failure that says nothing of the port
}

// local reports errors of this machine rather than of the target: out of
// files or ports. The attempt is retried without counting a try.
func local(err error) bool {
	return errors.Is(err, syscall.EMFILE) || errors.Is(err, syscall.ENFILE) ||
		errors.Is(err, syscall.EADDRNOTAVAIL) || errors.Is(err, syscall.ENOBUFS)
}

type attempt struct {
	host, port int // indexes into the group's hosts and ports
	probe      timing.Probe
	outcome    scan.Outcome
	patient    bool // this is the probe's patient try
	retryLocal bool
	locals     int // attempts lost to this machine's own limits
	done       time.Time
}

type hostState struct {
	th      timing.Host
	perm    target.Permutation
	next    uint64 // next index of perm to try for the first time
	retries []attempt
	first   time.Duration
	left    int // ports without an outcome or a final timeout

	// Patient tries: see patientGap.
	icmp        int       // ports answered by an ICMP error
	patient     []attempt // waiting for their patient try
	patientNext time.Time
	patientMiss int // patient tries since the last one answered
	patientHits int // patient tries answered
}

// Scan connects to every port of every host.
func (s *Scanner) Scan(ctx context.Context, hosts []netip.Addr, ports []uint16) (*scan.Table, scan.Stats, error) {
	return s.ScanReporting(ctx, hosts, ports, nil)
}

// ScanReporting is Scan, reporting each open port to onOpen (with the
// host's index in hosts) as soon as it is found. onOpen must not block.
func (s *Scanner) ScanReporting(ctx context.Context, hosts []netip.Addr, ports []uint16, onOpen func(host int, port uint16)) (*scan.Table, scan.Stats, error) {
	tab := scan.NewTable(scan.Connect, hosts, ports)
	var st scan.Stats
	if len(hosts) == 0 || len(ports) == 0 {
		return tab, st, nil
	}
	g := timing.NewGroup(timing.GroupConfig{Params: s.cfg.Params, Mode: timing.Picket, Ceiling: s.cfg.Concurrency})
	hs := make([]hostState, len(hosts))
	mine := func(host, port int) bool {
		return s.cfg.Shards <= 1 || (host*len(ports)+port)%s.cfg.Shards == s.cfg.Shard-1
	}
	for i := range hs {
		g.Join(&hs[i].th)
		hs[i].perm = target.NewPermutation(uint64(len(ports)), s.cfg.Seed^uint64(i)*0x9e3779b97f4a7c15)
		for p := range ports {
			if mine(i, p) {
				hs[i].left++
			} else {
				tab.Outcome[i*len(ports)+p] = scan.NotProbed
			}
		}
	}
	results := make(chan attempt, s.cfg.Concurrency)
	inFlight := 0
	probes := 0
	for i := range hs {
		probes += hs[i].left
	}
	s.cfg.Progress.Start(scan.Connect, uint64(probes))
	active := 0
	for i := range hs {
		if hs[i].left > 0 {
			active++
		} else {
			g.Leave(&hs[i].th)
		}
	}
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		for ; inFlight > 0; inFlight-- {
			<-results
		}
	}()

	launch := func(a attempt, now time.Time) {
		h := &hs[a.host]
		a.probe.Sent = now
		g.OnSend(&h.th, a.probe.Try, now)
		st.Sent++
		if a.probe.Try > 0 {
			st.Retransmissions++
		}
		if p := s.cfg.Progress; p != nil {
			p.Sent.Add(1)
		}
		inFlight++
		timeout := g.Timeout(&h.th)
		addr := netip.AddrPortFrom(hosts[a.host], ports[a.port])
		go func() {
			var err error
			a.outcome, err = s.probe(ctx, addr, timeout)
			a.retryLocal = err != nil && local(err) && a.locals < maxLocalRetries
			a.done = s.cfg.Now()
			results <- a
		}()
	}

	start := s.cfg.Now()
	for active > 0 {
		now := s.cfg.Now()
		var wake time.Time
		// Fill free slots, host by host, as each host's window allows.
		for i := range hs {
			h := &hs[i]
			if h.left == 0 {
				continue
			}
			if len(h.patient) > 0 && h.patienceSpent() {
				// The host stopped answering patient tries: the rest
				// are silent for good.
				st.NoReply += uint64(len(h.patient))
				if p := s.cfg.Progress; p != nil {
					p.Resolved.Add(uint64(len(h.patient)))
				}
				if h.left -= len(h.patient); h.left == 0 {
					g.Leave(&h.th)
					active--
				}
				h.patient = nil
			}
			if len(h.patient) > 0 && !now.Before(h.patientNext) && inFlight < s.cfg.Concurrency {
				a := h.patient[0]
				h.patient = h.patient[1:]
				h.patientNext = now.Add(patientGap)
				h.patientMiss++
				launch(a, now)
			}
			if len(h.patient) > 0 && (wake.IsZero() || h.patientNext.Before(wake)) {
				wake = h.patientNext
			}
			room := g.Room(&h.th, now)
			for room > 0 && inFlight < s.cfg.Concurrency {
				var a attempt
				switch {
				case len(h.retries) > 0:
					a = h.retries[0]
					h.retries = h.retries[1:]
				case h.next < uint64(len(ports)):
					p := h.next
					if !s.cfg.InOrder {
						p = h.perm.At(p)
					}
					h.next++
					if !mine(i, int(p)) {
						continue
					}
					a = attempt{host: i, port: int(p)}
				default:
					room = 0
					continue
				}
				launch(a, now)
				room--
			}
			if t := g.NextSend(&h.th); !t.IsZero() && (wake.IsZero() || t.Before(wake)) {
				wake = t
			}
		}
		if inFlight == 0 && wake.IsZero() {
			break // nothing left to send or wait for
		}
		var a attempt
		if wake.IsZero() || inFlight > 0 && !wake.After(now) {
			wake = now.Add(time.Second)
		}
		timer.Reset(max(wake.Sub(now), 100*time.Microsecond))
		select {
		case <-ctx.Done():
			return tab, st, ctx.Err()
		case <-timer.C:
			continue
		case a = <-results:
		}
		inFlight--
		h := &hs[a.host]
		idx := a.host*len(ports) + a.port
		switch {
		case a.retryLocal:
			// Not the target's doing: try again later, same try.
			g.OnCancel(&h.th)
			h.retries = append(h.retries, attempt{host: a.host, port: a.port, locals: a.locals + 1,
				probe: timing.Probe{Try: a.probe.Try, PrevSent: a.probe.PrevSent}})
			continue
		case a.outcome != scan.None:
			if a.outcome == scan.Connected && onOpen != nil {
				onOpen(a.host, ports[a.port])
			}
			if a.patient {
				h.patientMiss = 0
				h.patientHits++
			} else {
				g.OnReply(&h.th, a.probe, a.done)
			}
			if a.outcome != scan.Connected && a.outcome != scan.Refused {
				h.icmp++
				// The error spent the host's limiter token: the next
				// patient try waits for a new one.
				if next := a.done.Add(patientGap); next.After(h.patientNext) {
					h.patientNext = next
				}
			}
			tab.Outcome[idx] = a.outcome
			st.Answered++
			st.Replies++
			if a.probe.Try > 0 {
				st.Recovered++
			}
			if h.first == 0 {
				h.first = a.done.Sub(a.probe.Sent)
			}
		default:
			if !a.patient {
				g.OnTimeout(&h.th, a.probe, a.done)
			}
			if a.probe.Try < g.AllowedTry(&h.th) && !a.patient {
				h.retries = append(h.retries, attempt{host: a.host, port: a.port,
					probe: timing.Probe{Try: a.probe.Try + 1, PrevSent: a.probe.Sent}})
				continue
			}
			if !a.patient && h.wantsPatience(a.done.Sub(start)) {
				h.patient = append(h.patient, attempt{host: a.host, port: a.port, patient: true,
					probe: timing.Probe{Try: a.probe.Try + 1, PrevSent: a.probe.Sent}})
				continue
			}
			st.NoReply++
		}
		if p := s.cfg.Progress; p != nil {
			p.Resolved.Add(1)
		}
		if h.left--; h.left == 0 {
			g.Leave(&h.th)
			active--
		}
	}
	for i := range hs {
		t := hs[i].th.Times()
		tab.RTT[i] = scan.HostRTT{First: hs[i].first, SRTT: t.SRTT, RTTVar: t.RTTVar, Timeout: t.Timeout}
	}
	if d := s.cfg.Now().Sub(start).Seconds(); d > 0 {
		st.PeakRate = float64(st.Sent) / d // the mean: attempts are not paced one by one
	}
	return tab, st, nil
}

// patientGap spaces the patient tries to one host: a little over the one
// second in which a Linux host's ICMP error limiter earns a token.
const patientGap = 1100 * time.Millisecond

// patientMaxMiss ends a host's patient tries once this many in a row went
// unanswered: what is left is silent for good (dropped, not limited).
const patientMaxMiss = 5

// wantsPatience decides whether a probe that has spent its retries gets
// one more try. Hosts limit the ICMP errors they send (Linux: a burst of
// six, then one a second per destination), so an attempt on a port that a
// firewall rejects may go unanswered however often it is retried at the
// scan's pace. When a host has answered with ICMP errors, but with few
// enough that a limiter may have held the rest back, its silent ports get
// one more try each, a patientGap apart, while such tries keep being
// answered.
func (h *hostState) wantsPatience(elapsed time.Duration) bool {
	return h.icmp > 0 && float64(h.icmp) <= 8+2*elapsed.Seconds() && !h.patienceSpent()
}

// patienceSpent: patientMaxMiss patient tries in a row went unanswered,
// and twice as many as were ever answered, since dropped and rejected
// ports come in any order.
func (h *hostState) patienceSpent() bool {
	return h.patientMiss >= patientMaxMiss && h.patientMiss >= 2*h.patientHits
}

// defaultConcurrency leaves room under the open-files limit for the
// process's other files (outputs, the resolver, raw sockets).
func defaultConcurrency() int {
	return int(min(max(fileLimit()-64, 16), maxConcurrency))
}
