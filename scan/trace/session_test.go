package trace

import (
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
)

// simNet is a simulated network: the routers on the path to each host,
// and what stays silent.
type simNet struct {
	paths       map[netip.Addr][]netip.Addr
	silentHop   map[netip.Addr]bool // routers that send no time exceeded
	silentHost  map[netip.Addr]bool // hosts that never answer the probe
	unreachAt   map[netip.Addr]int  // the router at this TTL says the host is unreachable to probes it would forward
	loseFirst   bool                // the first try of every probe is lost
	rtt         time.Duration
	probes      int
	probesTo    map[netip.Addr]int
	answersLate bool
}

func (n *simNet) answer(r req, try int) (answer, bool) {
	n.probes++
	if n.probesTo == nil {
		n.probesTo = map[netip.Addr]int{}
	}
	n.probesTo[r.h.addr]++
	if n.loseFirst && try == 0 {
		return answer{}, false
	}
	path := n.paths[r.h.addr]
	a := answer{dst: r.h.addr, proto: r.h.method.Protocol, port: r.h.method.port(), ttl: r.ttl, try: try}
	if at := n.unreachAt[r.h.addr]; at > 0 && r.ttl > at {
		a.from, a.kind = path[at-1], kindUnreach
		return a, true
	}
	if r.ttl <= len(path) {
		if n.silentHop[path[r.ttl-1]] {
			return answer{}, false
		}
		a.from, a.kind = path[r.ttl-1], kindHop
		return a, true
	}
	if n.silentHost[r.h.addr] {
		return answer{}, false
	}
	a.from, a.kind = r.h.addr, kindTarget
	return a, true
}

// run drives a session over the simulated network to its end: each round
// sends what is ready, and the answers arrive together one RTT later.
func (n *simNet) run(t *testing.T, targets []target, opt sessionOptions) *session {
	t.Helper()
	return n.runWith(t, targets, opt, nil)
}

func (n *simNet) runWith(t *testing.T, targets []target, opt sessionOptions, prior map[hopKey]priorTrace) *session {
	t.Helper()
	now := time.Unix(1e9, 0)
	s := newSession(targets, opt, prior, now)
	for range 10000 {
		s.expire(now)
		var got []answer
		for _, r := range s.next(1 << 20) {
			if a, ok := n.answer(r, s.sent(r, now)); ok {
				got = append(got, a)
			}
		}
		if s.done() {
			return s
		}
		if len(got) == 0 {
			now = s.deadline()
			continue
		}
		now = now.Add(n.rtt)
		for _, a := range got {
			s.answer(a, now)
		}
	}
	t.Fatal("the session never ended")
	return nil
}

var opts = sessionOptions{tries: 2, maxTTL: 30, maxGap: 5}

func addrs(s ...string) []netip.Addr {
	var out []netip.Addr
	for _, a := range s {
		out = append(out, netip.MustParseAddr(a))
	}
	return out
}

func hopList(tr *result.Trace) string {
	var out []string
	for _, h := range tr.Hops {
		if h.Addr.IsValid() {
			out = append(out, h.Addr.String())
		} else {
			out = append(out, "*")
		}
	}
	return fmt.Sprint(out)
}

func TestSessionOneHost(t *testing.T) {
	dst := netip.MustParseAddr("198.18.0.2")
	routers := addrs("198.18.0.130", "198.18.0.138", "198.18.0.146")
	syn := Method{result.TCP, 80}
	for _, c := range []struct {
		name   string
		start  int
		net    simNet
		want   string
		probes int
	}{
		{name: "distance right", start: 4, want: "[198.18.0.130 198.18.0.138 198.18.0.146 198.18.0.2]", probes: 4},
		{name: "distance too low", start: 2, want: "[198.18.0.130 198.18.0.138 198.18.0.146 198.18.0.2]", probes: 4},
		{name: "distance too high", start: 7, want: "[198.18.0.130 198.18.0.138 198.18.0.146 198.18.0.2]", probes: 7},
		{name: "distance unknown", start: 0, want: "[198.18.0.130 198.18.0.138 198.18.0.146 198.18.0.2]", probes: 4},
		{name: "silent router", start: 4, net: simNet{silentHop: map[netip.Addr]bool{routers[1]: true}},
			want: "[198.18.0.130 * 198.18.0.146 198.18.0.2]", probes: 5},
		{name: "silent host", start: 2, net: simNet{silentHost: map[netip.Addr]bool{dst: true}},
			// TTL 2, then 3 and 1, then 4 to 8 (each twice) until five in a row said nothing.
			want: "[198.18.0.130 198.18.0.138 198.18.0.146]", probes: 3 + 5*2},
		{name: "unreachable", start: 4, net: simNet{unreachAt: map[netip.Addr]int{dst: 3}},
			want: "[198.18.0.130 198.18.0.138 198.18.0.146]", probes: 4},
		{name: "first tries lost", start: 4, net: simNet{loseFirst: true},
			want: "[198.18.0.130 198.18.0.138 198.18.0.146 198.18.0.2]", probes: 8},
	} {
		t.Run(c.name, func(t *testing.T) {
			n := c.net
			n.paths = map[netip.Addr][]netip.Addr{dst: routers}
			n.rtt = time.Millisecond
			s := n.run(t, []target{{addr: dst, method: syn, start: c.start, wait: time.Second}}, opts)
			tr := s.trace(s.byAddr[dst])
			if got := hopList(tr); got != c.want {
				t.Errorf("hops %s, want %s", got, c.want)
			}
			if n.probes != c.probes {
				t.Errorf("%d probes, want %d", n.probes, c.probes)
			}
			if tr.Protocol != result.TCP || tr.Port != 80 || tr.Shared != 0 {
				t.Errorf("trace %+v", tr)
			}
			for _, h := range tr.Hops {
				if h.Addr.IsValid() && h.RTT != time.Millisecond {
					t.Errorf("hop %d: RTT %v, want 1ms (from the try answered)", h.TTL, h.RTT)
				}
			}
		})
	}
}

// TestSessionShared traces many hosts behind the same routers: one trace
// walks all of them, the others stop at the first router they meet.
func TestSessionShared(t *testing.T) {
	common := addrs("10.0.0.1", "10.0.1.1")
	n := simNet{paths: map[netip.Addr][]netip.Addr{}, rtt: time.Millisecond}
	var targets []target
	for i := range 10 {
		dst := netip.AddrFrom4([4]byte{198, 18, 0, byte(10 + i)})
		n.paths[dst] = slices.Concat(common, addrs("10.0.2.1"))
		targets = append(targets, target{addr: dst, start: 4, wait: time.Second})
	}
	// Another branch: shares the first two routers only.
	other := netip.MustParseAddr("198.18.9.9")
	n.paths[other] = slices.Concat(common, addrs("10.0.3.1", "10.0.4.1"))
	targets = append(targets, target{addr: other, start: 5, wait: time.Second})
	s := n.run(t, targets, opts)

	owners := 0
	var owner netip.Addr
	for _, tg := range targets[:10] {
		tr := s.trace(s.byAddr[tg.addr])
		want := fmt.Sprint(slices.Concat(n.paths[tg.addr], []netip.Addr{tg.addr}))
		if got := hopList(tr); got != want {
			t.Errorf("%s: hops %s, want %s", tg.addr, got, want)
		}
		if tr.Shared == 0 {
			owners++
			owner = tg.addr
		}
	}
	if owners != 1 {
		t.Fatalf("%d traces walked the shared routers, want 1", owners)
	}
	for _, tg := range targets[:10] {
		if tr := s.trace(s.byAddr[tg.addr]); tg.addr != owner && (tr.Shared != 3 || tr.SameAs != owner) {
			t.Errorf("%s: hops 1-%d the same as for %s, want 1-3 as for %s", tg.addr, tr.Shared, tr.SameAs, owner)
		}
	}
	tr := s.trace(s.byAddr[other])
	if want := "[10.0.0.1 10.0.1.1 10.0.3.1 10.0.4.1 198.18.9.9]"; hopList(tr) != want {
		t.Errorf("%s: hops %s, want %s", other, hopList(tr), want)
	}
	if tr.Shared != 2 || tr.SameAs != owner {
		t.Errorf("%s: hops 1-%d the same as for %s, want 1-2 as for %s", other, tr.Shared, tr.SameAs, owner)
	}
	// The owner: 4 probes; nine others: 2 each; the branch: TTL 5, 4, 3, 2.
	if want := 4 + 9*2 + 4; n.probes != want {
		t.Errorf("%d probes, want %d", n.probes, want)
	}
}

// TestSessionAnswers checks that answers which fit no probe sent change
// nothing: a try never sent, another method, a host not traced, and a
// second answer to one probe.
func TestSessionAnswers(t *testing.T) {
	dst := netip.MustParseAddr("198.18.0.2")
	now := time.Unix(1e9, 0)
	s := newSession([]target{{addr: dst, method: Method{result.UDP, 53}, start: 1, wait: time.Second}}, opts, nil, now)
	r := s.next(10)
	if len(r) != 1 || r[0].ttl != 1 {
		t.Fatalf("first probes %v", r)
	}
	try := s.sent(r[0], now)
	router := netip.MustParseAddr("10.0.0.1")
	for _, a := range []answer{
		{dst: dst, proto: result.UDP, port: 53, ttl: 1, try: try + 1, from: router, kind: kindHop},
		{dst: dst, proto: result.TCP, port: 53, ttl: 1, try: try, from: router, kind: kindHop},
		{dst: dst, proto: result.UDP, port: 54, ttl: 1, try: try, from: router, kind: kindHop},
		{dst: netip.MustParseAddr("198.18.0.3"), proto: result.UDP, port: 53, ttl: 1, try: try, from: router, kind: kindHop},
		{dst: dst, proto: result.UDP, port: 53, ttl: 2, try: try, from: router, kind: kindHop},
		{dst: dst, proto: result.UDP, port: 53, ttl: 99, try: try, from: router, kind: kindHop},
	} {
		s.answer(a, now.Add(time.Millisecond))
	}
	if p := s.byAddr[dst].probes[1]; p.status != waiting {
		t.Fatalf("after answers that fit no probe, TTL 1 is %v", p.status)
	}
	s.answer(answer{dst: dst, proto: result.UDP, port: 53, ttl: 1, try: try, from: router, kind: kindHop}, now.Add(time.Millisecond))
	s.answer(answer{dst: dst, proto: result.UDP, port: 53, ttl: 1, try: try, from: dst, kind: kindTarget}, now.Add(2*time.Millisecond))
	p := s.byAddr[dst].probes[1]
	if p.from != router || p.rtt != time.Millisecond || s.byAddr[dst].target != 0 {
		t.Errorf("TTL 1 after a second answer: %+v, target %d", p, s.byAddr[dst].target)
	}
}

// TestSessionBounded checks that a host behind silence costs a bounded
// number of probes and ends.
func TestSessionBounded(t *testing.T) {
	dst := netip.MustParseAddr("198.18.0.2")
	path := addrs("10.0.0.1", "10.0.0.2", "10.0.0.3")
	n := simNet{paths: map[netip.Addr][]netip.Addr{dst: path}, rtt: time.Millisecond,
		silentHop: map[netip.Addr]bool{path[0]: true, path[1]: true, path[2]: true}, silentHost: map[netip.Addr]bool{dst: true}}
	s := n.run(t, []target{{addr: dst, start: 10, wait: time.Second}}, opts)
	// TTL 10 down to 1, and 11 to 14 up: every one twice.
	if want := (10 + 4) * 2; n.probes != want {
		t.Errorf("%d probes, want %d", n.probes, want)
	}
	if tr := s.trace(s.byAddr[dst]); len(tr.Hops) != 0 {
		t.Errorf("hops %s from silence", hopList(tr))
	}
}

// TestSessionPrior traces two groups one after the other: the second
// takes the routers the first walked.
func TestSessionPrior(t *testing.T) {
	path := addrs("10.0.0.1", "10.0.1.1", "10.0.2.1")
	a, b := netip.MustParseAddr("198.18.0.10"), netip.MustParseAddr("198.18.0.11")
	n := simNet{paths: map[netip.Addr][]netip.Addr{a: path, b: path}, rtt: time.Millisecond}
	prior := map[hopKey]priorTrace{}
	s1 := n.runWith(t, []target{{addr: a, start: 4, wait: time.Second}}, opts, prior)
	traces := map[*hostState]*result.Trace{s1.byAddr[a]: s1.trace(s1.byAddr[a])}
	s1.remember(prior, traces, 100)
	if len(prior) != 3 {
		t.Fatalf("%d routers remembered, want 3", len(prior))
	}
	n.probes = 0
	s2 := n.runWith(t, []target{{addr: b, start: 4, wait: time.Second}}, opts, prior)
	tr := s2.trace(s2.byAddr[b])
	if want := "[10.0.0.1 10.0.1.1 10.0.2.1 198.18.0.11]"; hopList(tr) != want {
		t.Errorf("hops %s, want %s", hopList(tr), want)
	}
	if tr.Shared != 3 || tr.SameAs != a || n.probes != 2 {
		t.Errorf("hops 1-%d the same as for %s after %d probes, want 1-3 as for %s after 2", tr.Shared, tr.SameAs, n.probes, a)
	}
	s1.remember(prior, traces, 3)
	if len(prior) != 3 {
		t.Errorf("%d routers remembered, want at most 3", len(prior))
	}
}
