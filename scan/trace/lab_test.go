package trace

import (
	"context"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/result"
)

// traceIn runs a new Tracer over hosts in the lab's scanner namespace.
func traceIn(t *testing.T, l *lab.Lab, cfg Config, hosts []*result.Host) Stats {
	t.Helper()
	tr := New(cfg)
	defer tr.Close()
	return traceWith(t, l, tr, hosts)
}

// traceWith runs tr over one group of hosts in the lab's scanner
// namespace, and returns what it sent for them.
func traceWith(t *testing.T, l *lab.Lab, tr *Tracer, hosts []*result.Host) Stats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	before := tr.Stats()
	if err := l.Scanner.Do(func() error { return tr.Trace(ctx, hosts) }); err != nil {
		t.Fatalf("trace: %v", err)
	}
	st := tr.Stats()
	return Stats{Probes: st.Probes - before.Probes, Answers: st.Answers - before.Answers}
}

// closedTCP is a host as a SYN scan leaves it: one closed port, answered
// with a reset of the given TTL.
func closedTCP(a netip.Addr, port uint16, ttl uint8) *result.Host {
	return &result.Host{Addr: a, State: result.HostUp, Ports: []result.Port{
		{Protocol: result.TCP, Number: port, State: result.Closed, Reason: result.ReasonReset, ReasonTTL: ttl},
	}}
}

func hopAddrs(tr *result.Trace) []netip.Addr {
	var out []netip.Addr
	for _, h := range tr.Hops {
		out = append(out, h.Addr)
	}
	return out
}

// checkTrace compares a host's trace with the lab's path to it.
func checkTrace(t *testing.T, h *result.Host, routers []netip.Addr, m Method) {
	t.Helper()
	tr := h.Trace
	if tr == nil {
		t.Errorf("%s: no trace", h.Addr)
		return
	}
	want := slices.Concat(routers, []netip.Addr{h.Addr})
	if fmt.Sprint(hopAddrs(tr)) != fmt.Sprint(want) {
		t.Errorf("%s: hops %v, want %v", h.Addr, hopAddrs(tr), want)
	}
	if tr.Protocol != m.Protocol || tr.Port != m.Port {
		t.Errorf("%s: traced with %v/%d, want %v/%d", h.Addr, tr.Protocol, tr.Port, m.Protocol, m.Port)
	}
	for i, hop := range tr.Hops {
		if int(hop.TTL) != i+1 {
			t.Errorf("%s: hop %d has TTL %d", h.Addr, i+1, hop.TTL)
		}
		if hop.RTT <= 0 || hop.RTT > 5*time.Second {
			t.Errorf("%s: hop %d: RTT %v", h.Addr, hop.TTL, hop.RTT)
		}
	}
}

// TestTraceLab traces kernel targets behind routers, over IPv4 and IPv6,
// with each kind of probe: the routers in order, then the target. Three
// addresses of one target behind the same three routers share them: one
// trace walks down to TTL 1, the others stop at the router they meet
// first and take the hops below from it.
func TestTraceLab(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Hops: 3, ExtraAddrs: 2}, {Hops: 2}}})
	t0, t1 := l.Targets[0], l.Targets[1]
	if err := t1.NoICMPRateLimit(); err != nil {
		t.Fatal(err)
	}
	hosts := []*result.Host{
		closedTCP(t0.Addrs[0], 80, 61),
		closedTCP(t0.Addrs[1], 80, 61),
		closedTCP(t0.Addrs[2], 80, 61),
		// UDP to a closed port, from a distance estimated too low.
		{Addr: t1.Addr, State: result.HostUp, Ports: []result.Port{
			{Protocol: result.UDP, Number: 53, State: result.Closed, Reason: result.ReasonPortUnreach, ReasonTTL: 63},
		}},
		// Echo requests from TTL 1, as no TTL is known.
		{Addr: t0.Addr6, State: result.HostUp},
		// A SYN over IPv6 from a distance estimated too high.
		closedTCP(t1.Addr6, 443, 60),
	}
	traceIn(t, l, Config{}, hosts)
	for i, h := range hosts[:3] {
		checkTrace(t, h, t0.Hops, Method{result.TCP, 80})
		t.Logf("%s: %+v", h.Addr, *hosts[i].Trace)
	}
	checkTrace(t, hosts[3], t1.Hops, Method{result.UDP, 53})
	checkTrace(t, hosts[4], t0.Hops6, Method{})
	checkTrace(t, hosts[5], t1.Hops6, Method{result.TCP, 443})

	// Of the three addresses behind the same routers, one traced them and
	// the others say they are the same as for it.
	var owner netip.Addr
	shared := 0
	for _, h := range hosts[:3] {
		if h.Trace == nil {
			continue
		}
		if h.Trace.Shared == 0 {
			if owner.IsValid() {
				t.Errorf("both %s and %s traced the shared routers", owner, h.Addr)
			}
			owner = h.Addr
		}
	}
	for _, h := range hosts[:3] {
		if h.Trace != nil && h.Trace.Shared > 0 {
			shared++
			if h.Trace.SameAs != owner || h.Trace.Shared != len(t0.Hops) {
				t.Errorf("%s: hops 1-%d the same as for %s, want 1-%d as for %s", h.Addr, h.Trace.Shared, h.Trace.SameAs, len(t0.Hops), owner)
			}
		}
	}
	if shared != 2 {
		t.Errorf("%d traces share hops, want 2", shared)
	}
	for _, h := range hosts[3:] {
		if h.Trace != nil && h.Trace.Shared != 0 {
			t.Errorf("%s: shares hops 1-%d with %s, which is on another path", h.Addr, h.Trace.Shared, h.Trace.SameAs)
		}
	}
}

// TestTraceSilentAndPersona traces through routers that send no time
// exceeded, which are listed without an address, and to a Windows-like
// persona whose initial TTL of 128 must not throw off the distance
// estimate.
func TestTraceSilentAndPersona(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{
		{Hops: 4},
		{Hops: 2, Persona: &persona.Config{Personality: persona.Windows(), OpenTCP: []uint16{80}}},
	}})
	t0, t1 := l.Targets[0], l.Targets[1]
	for _, r := range t0.Routers[1:3] {
		for _, args := range [][]string{
			{"iptables", "-w", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "time-exceeded", "-j", "DROP"},
			{"ip6tables", "-w", "-A", "OUTPUT", "-p", "icmpv6", "--icmpv6-type", "time-exceeded", "-j", "DROP"},
		} {
			if _, err := r.Exec(context.Background(), args[0], args[1:]...); err != nil {
				t.Fatal(err)
			}
		}
	}
	open := func(a netip.Addr, ttl uint8) *result.Host {
		return &result.Host{Addr: a, State: result.HostUp, Ports: []result.Port{
			{Protocol: result.TCP, Number: 80, State: result.Open, Reason: result.ReasonSynAck, ReasonTTL: ttl},
		}}
	}
	hosts := []*result.Host{closedTCP(t0.Addr, 22, 60), closedTCP(t0.Addr6, 22, 60), open(t1.Addr, 126)}
	for _, h := range hosts {
		// As the scan measured it: probes wait the floor, 300ms.
		h.Times.Timeout = 100 * time.Millisecond
	}
	start := time.Now()
	traceIn(t, l, Config{}, hosts)
	// The silent TTLs 2 and 3, each sent twice: 1.2s, and the two
	// families side by side.
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("traced in %v", d)
	}
	for _, h := range hosts[:2] {
		routers := t0.Hops
		if h.Addr.Is6() {
			routers = t0.Hops6
		}
		want := fmt.Sprint([]netip.Addr{routers[0], {}, {}, routers[3], h.Addr})
		if h.Trace == nil || fmt.Sprint(hopAddrs(h.Trace)) != want {
			t.Errorf("%s: trace %+v, want hops %s", h.Addr, h.Trace, want)
		}
	}
	checkTrace(t, hosts[2], t1.Hops, Method{result.TCP, 80})
}

// TestTraceMany traces 61 addresses behind the same three routers in two
// groups: every trace is right, and the routers are walked once, so a host
// costs about two probes (its own TTL and the one below); the second group
// takes them from the first.
func TestTraceMany(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Hops: 3, ExtraAddrs: 60}}})
	tg := l.Targets[0]
	var hosts []*result.Host
	for _, a := range tg.Addrs {
		hosts = append(hosts, closedTCP(a, 80, 61))
	}
	tr := New(Config{})
	defer tr.Close()
	first, second := hosts[:40], hosts[40:]
	st1 := traceWith(t, l, tr, first)
	st2 := traceWith(t, l, tr, second)
	t.Logf("%d hosts: %+v; then %d hosts: %+v", len(first), st1, len(second), st2)
	var owner netip.Addr
	for _, h := range hosts {
		checkTrace(t, h, tg.Hops, Method{result.TCP, 80})
		if h.Trace != nil && h.Trace.Shared == 0 {
			if owner.IsValid() {
				t.Errorf("both %s and %s walked the routers", owner, h.Addr)
			}
			owner = h.Addr
		}
	}
	for _, h := range hosts {
		if h.Trace != nil && h.Addr != owner && (h.Trace.Shared != 3 || h.Trace.SameAs != owner) {
			t.Errorf("%s: hops 1-%d the same as for %s, want 1-3 as for %s", h.Addr, h.Trace.Shared, h.Trace.SameAs, owner)
		}
	}
	if n := len(first); st1.Probes > 2*n+2+10 {
		t.Errorf("%d probes for %d hosts, want about %d", st1.Probes, n, 2*n+2)
	}
	if n := len(second); st2.Probes > 2*n+10 {
		t.Errorf("%d probes for %d more hosts, want about %d", st2.Probes, n, 2*n)
	}
}
