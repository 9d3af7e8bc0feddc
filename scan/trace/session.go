package trace

import (
	"cmp"
	"net/netip"
	"slices"
	"time"

	"github.com/picket-scanner/picket/result"
)

// A session is the traces of one host group, without I/O: it says which
// probes to send, hears their answers and timeouts, and finally assembles
// each host's route. The engine feeds it; tests feed it a simulated
// network. It is not safe for concurrent use.
//
// Each host is first probed at its estimated distance. From there a
// downward chain walks the TTLs towards the scanner, and, unless the host
// itself answered, an upward chain walks away from it until the host
// answers. The downward chain stops early at a router another host's trace
// already met at the same TTL: the hops below are that host's, traced
// once ("Hops 1-3 are the same as for ...").
type session struct {
	hosts  []*hostState
	byAddr map[netip.Addr]*hostState
	owners map[hopKey]*hostState // the first host whose trace met a router at a TTL
	prior  map[hopKey]priorTrace // routers met by the traces of earlier groups; read only
	ready  []req                 // probes to send, in order
	wait   []req                 // probes sent and not yet answered
	opt    sessionOptions
	start  time.Time
}

type sessionOptions struct {
	tries  int // transmissions of a probe before its TTL counts as silent
	maxTTL int
	maxGap int // silent TTLs in a row after which the upward chain gives up
}

type hopKey struct {
	ttl  int
	addr netip.Addr
}

// priorTrace is the start of a trace of an earlier group, up to a router:
// a trace of this group that meets the router at the same TTL takes its
// hops below from it.
type priorTrace struct {
	addr netip.Addr   // the host traced
	hops []result.Hop // its hops from TTL 1 to the router
}

// req is one probe: a host and a TTL.
type req struct {
	h   *hostState
	ttl int
}

// hostState is one host's trace under way.
type hostState struct {
	addr   netip.Addr
	method Method
	wait   time.Duration
	probes []probeState // by TTL; [0] unused

	first    int // the TTL probed first; 0 once it settled
	down, up int // the TTL each chain waits on; 0 when the chain is done
	gap      int // silent TTLs in a row of the upward chain
	target   int // the lowest TTL at which the host answered; 0 if none did
	final    int // the TTL at which a router said the host is unreachable
	shared   int // hops 1..shared are those of sameAs's trace, or prior's
	sameAs   *hostState
	prior    *priorTrace
}

type probeStatus uint8

const (
	idle probeStatus = iota
	queued
	waiting
	answered
	silent
)

type probeState struct {
	status probeStatus
	tries  uint8
	sent   [maxTries]time.Duration // since the session's start, per try
	due    time.Duration           // when the last try times out
	kind   kind
	from   netip.Addr
	rtt    time.Duration
}

// target is a host to trace: where to start and how long to wait.
type target struct {
	addr   netip.Addr
	method Method
	start  int // the estimated distance, the first TTL probed
	wait   time.Duration
}

func newSession(targets []target, opt sessionOptions, prior map[hopKey]priorTrace, now time.Time) *session {
	s := &session{byAddr: map[netip.Addr]*hostState{}, owners: map[hopKey]*hostState{}, prior: prior, opt: opt, start: now}
	for _, t := range targets {
		if _, dup := s.byAddr[t.addr]; dup {
			continue
		}
		h := &hostState{addr: t.addr, method: t.method, wait: t.wait, probes: make([]probeState, opt.maxTTL+1)}
		h.first = min(max(t.start, 1), opt.maxTTL)
		s.hosts = append(s.hosts, h)
		s.byAddr[t.addr] = h
		s.queue(h, h.first)
	}
	return s
}

func (s *session) queue(h *hostState, ttl int) {
	p := &h.probes[ttl]
	if p.status != idle {
		// Probed already, by the other chain: settle at once on what it
		// learned, or when its wait ends.
		if p.status == answered || p.status == silent {
			s.settle(h, ttl)
		}
		return
	}
	p.status = queued
	s.ready = append(s.ready, req{h, ttl})
}

// next returns up to n probes to send now.
func (s *session) next(n int) []req {
	n = min(n, len(s.ready))
	out := s.ready[:n:n]
	s.ready = s.ready[n:]
	return out
}

// sent records that a probe went out at now; it returns the try number.
func (s *session) sent(r req, now time.Time) int {
	p := &r.h.probes[r.ttl]
	try := int(p.tries)
	at := now.Sub(s.start)
	p.sent[try] = at
	p.tries++
	p.due = at + r.h.wait
	p.status = waiting
	s.wait = append(s.wait, r)
	return try
}

// answer records a validated answer; one that fits no probe sent is
// ignored.
func (s *session) answer(a answer, now time.Time) {
	h := s.byAddr[a.dst]
	if h == nil || a.ttl > s.opt.maxTTL || a.proto != h.method.Protocol || a.port != h.method.port() {
		return
	}
	p := &h.probes[a.ttl]
	if a.try >= int(p.tries) || (p.status != waiting && p.status != silent) {
		return
	}
	late := p.status == silent
	p.status, p.kind, p.from = answered, a.kind, a.from
	p.rtt = now.Sub(s.start) - p.sent[a.try]
	if late {
		// The chain went on without it; what it says of the host's
		// distance still counts.
		if a.kind == kindTarget && (h.target == 0 || a.ttl < h.target) {
			h.target = a.ttl
		}
		return
	}
	s.settle(h, a.ttl)
}

// expire sends again, or gives up on, the probes whose wait ended by now.
func (s *session) expire(now time.Time) {
	at := now.Sub(s.start)
	keep := s.wait[:0]
	var done []req
	for _, r := range s.wait {
		p := &r.h.probes[r.ttl]
		switch {
		case p.status != waiting:
			continue // answered
		case at < p.due:
			keep = append(keep, r)
		case int(p.tries) < s.opt.tries:
			p.status = queued
			s.ready = append(s.ready, r)
		default:
			p.status = silent
			done = append(done, r)
		}
	}
	s.wait = keep
	for _, r := range done {
		s.settle(r.h, r.ttl)
	}
}

// deadline is when the next wait ends; zero when nothing waits.
func (s *session) deadline() time.Time {
	var first time.Duration = -1
	for _, r := range s.wait {
		if p := &r.h.probes[r.ttl]; p.status == waiting && (first < 0 || p.due < first) {
			first = p.due
		}
	}
	if first < 0 {
		return time.Time{}
	}
	return s.start.Add(first)
}

// done reports whether every trace is finished.
func (s *session) done() bool {
	if len(s.ready) > 0 {
		return false
	}
	for _, r := range s.wait {
		if r.h.probes[r.ttl].status == waiting {
			return false
		}
	}
	return true
}

// settle moves the chains of h on from a TTL whose probe was answered or
// went silent.
func (s *session) settle(h *hostState, ttl int) {
	p := &h.probes[ttl]
	if p.kind == kindTarget && (h.target == 0 || ttl < h.target) {
		h.target = ttl
	}
	if h.up > h.target && h.target > 0 {
		h.up = 0 // the host answered nearer: nothing to look for beyond
	}
	switch ttl {
	case h.first:
		h.first = 0
		if p.kind == kindHop || p.status == silent {
			s.stepUp(h, ttl)
		}
		if p.kind == kindUnreach {
			h.final = ttl
		}
		s.stepDown(h, ttl)
	case h.down:
		s.stepDown(h, ttl)
	case h.up:
		s.stepUp(h, ttl)
	}
}

func (s *session) stepDown(h *hostState, ttl int) {
	h.down = 0
	p := &h.probes[ttl]
	if p.kind == kindHop {
		k := hopKey{ttl, p.from}
		if o, ok := s.owners[k]; ok && o != h {
			h.shared, h.sameAs = ttl, o
			return
		} else if !ok {
			if pt, ok := s.prior[k]; ok && len(pt.hops) == ttl {
				h.shared, h.prior = ttl, &pt
				return
			}
			s.owners[k] = h
		}
	}
	if ttl > 1 {
		h.down = ttl - 1
		s.queue(h, ttl-1)
	}
}

func (s *session) stepUp(h *hostState, ttl int) {
	h.up = 0
	p := &h.probes[ttl]
	switch {
	case p.kind == kindTarget:
		return
	case p.kind == kindUnreach:
		h.final = ttl
		return
	case p.kind == kindHop:
		h.gap = 0
		if _, ok := s.owners[hopKey{ttl, p.from}]; !ok {
			s.owners[hopKey{ttl, p.from}] = h
		}
	default:
		if h.gap++; h.gap >= s.opt.maxGap {
			return
		}
	}
	if ttl < s.opt.maxTTL && (h.target == 0 || ttl+1 < h.target) {
		h.up = ttl + 1
		s.queue(h, ttl+1)
	}
}

// trace assembles the route to h: hops from TTL 1 to the host, or to the
// last router that answered when the host never did.
func (s *session) trace(h *hostState) *result.Trace {
	tr := &result.Trace{Protocol: h.method.Protocol, Port: h.method.port()}
	last := h.target
	if last == 0 {
		last = h.final
		// The router that says the host is unreachable usually said time
		// exceeded one TTL lower: list it once.
		if last > 1 {
			if s.hop(h, last-1).Addr == h.probes[last].from {
				last--
			}
		}
	}
	if last == 0 {
		for ttl := len(h.probes) - 1; ttl >= 1; ttl-- {
			if h.probes[ttl].status == answered && h.probes[ttl].kind != kindTarget {
				last = ttl
				break
			}
		}
	}
	if last == 0 {
		return tr
	}
	switch {
	case h.shared >= last:
	case h.sameAs != nil:
		tr.Shared, tr.SameAs = h.shared, h.sameAs.addr
	case h.prior != nil:
		tr.Shared, tr.SameAs = h.shared, h.prior.addr
	}
	for ttl := 1; ttl <= last; ttl++ {
		tr.Hops = append(tr.Hops, s.hop(h, ttl))
	}
	if h.target > 0 {
		// The host answers at the TTL where it is, as whatever answered
		// that probe; name it by the address traced.
		tr.Hops[last-1].Addr = h.addr
	}
	return tr
}

// hop returns TTL ttl of h's route: from its own probe or, for a hop
// shared with another trace, from that trace.
func (s *session) hop(h *hostState, ttl int) result.Hop {
	out := result.Hop{TTL: uint8(ttl)}
	for range len(s.hosts) + 1 { // bounds the walk even if the links loop
		switch {
		case ttl > h.shared:
			if p := &h.probes[ttl]; p.status == answered {
				out.Addr, out.RTT = p.from, p.rtt
			}
			return out
		case h.prior != nil:
			if ttl <= len(h.prior.hops) {
				hop := h.prior.hops[ttl-1]
				out.Addr, out.RTT = hop.Addr, hop.RTT
			}
			return out
		case h.sameAs == nil:
			return out
		}
		h = h.sameAs
	}
	return out
}

// remember adds the routers the traces of this session met, at their
// TTLs, to the traces that later groups may share, up to max entries.
func (s *session) remember(prior map[hopKey]priorTrace, traces map[*hostState]*result.Trace, max int) {
	// The traces that walked their routers first, so that a later group
	// names them rather than one that took its hops from them.
	hosts := slices.Clone(s.hosts)
	slices.SortStableFunc(hosts, func(a, b *hostState) int { return cmp.Compare(a.shared, b.shared) })
	for _, h := range hosts {
		tr := traces[h]
		if tr == nil {
			continue
		}
		for i, hop := range tr.Hops {
			if len(prior) >= max {
				return
			}
			if !hop.Addr.IsValid() || hop.Addr == h.addr {
				continue
			}
			k := hopKey{i + 1, hop.Addr}
			if _, ok := prior[k]; !ok {
				prior[k] = priorTrace{addr: h.addr, hops: tr.Hops[: i+1 : i+1]}
			}
		}
	}
}
