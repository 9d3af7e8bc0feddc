package timing_test

import (
	"container/heap"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

// simNet is a path to one target: a bottleneck of capacity packets per
// second with a FIFO queue of buffer packets and tail drop (or, if policer,
// a token bucket buffer packets deep that drops without queueing), then
// independent random loss, then a round trip of base plus uniform jitter. Every probe that gets through is answered (all ports
// closed), so every loss is visible to retransmission.
type simNet struct {
	rng      *rand.Rand
	loss     float64       // independent loss probability per probe
	base     time.Duration // round trip without queueing
	jitter   time.Duration // uniform extra delay in [0, jitter)
	capacity float64       // packets per second; 0: unlimited
	buffer   int           // packets the bottleneck queue holds, or the policer's depth
	policer  bool
	nextFree time.Time // when the bottleneck has sent everything queued
	tokens   float64
	last     time.Time

	sent, lost int
}

// send returns when the answer to a probe sent at now arrives, or false.
func (n *simNet) send(now time.Time) (time.Time, bool) {
	n.sent++
	var qdelay time.Duration
	if n.policer {
		if n.last.IsZero() {
			n.tokens = float64(n.buffer)
		} else {
			n.tokens = min(float64(n.buffer), n.tokens+now.Sub(n.last).Seconds()*n.capacity)
		}
		n.last = now
		if n.tokens < 1 {
			n.lost++
			return time.Time{}, false
		}
		n.tokens--
	} else if n.capacity > 0 {
		svc := time.Duration(float64(time.Second) / n.capacity)
		if n.nextFree.Before(now) {
			n.nextFree = now
		}
		if int(n.nextFree.Sub(now)/svc) >= n.buffer {
			n.lost++
			return time.Time{}, false
		}
		n.nextFree = n.nextFree.Add(svc)
		qdelay = n.nextFree.Sub(now)
	}
	if n.rng.Float64() < n.loss {
		n.lost++
		return time.Time{}, false
	}
	var jitter time.Duration
	if n.jitter > 0 {
		jitter = time.Duration(n.rng.Int64N(int64(n.jitter)))
	}
	return now.Add(n.base + qdelay + jitter), true
}

type simPort struct {
	try            int
	sent, prevSent time.Time
	timedOut, done bool
}

type simReply struct {
	at   time.Time
	port int
	try  int
	sent time.Time
}

// replyQueue orders answers by arrival: jitter reorders them.
type replyQueue []simReply

func (q replyQueue) Len() int           { return len(q) }
func (q replyQueue) Less(i, j int) bool { return q[i].at.Before(q[j].at) }
func (q replyQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *replyQueue) Push(x any)        { *q = append(*q, x.(simReply)) }
func (q *replyQueue) Pop() any {
	old := *q
	r := old[len(old)-1]
	*q = old[:len(old)-1]
	return r
}

// simResult summarises the second half of a run, after start-up.
type simResult struct {
	cwnd     float64 // mean host window
	rate     float64 // probes sent per second
	goodput  float64 // answers per second
	loss     float64 // fraction of probes the network lost
	rtt      time.Duration
	cuts     int
	finalWin float64
}

// simulate scans an endless list of closed ports on one host through net
// for d of simulated time, in 1 ms steps, as an engine would drive a Group:
// answers, then timeouts, then retransmissions before fresh probes.
func simulate(t *testing.T, cfg timing.GroupConfig, net *simNet, d time.Duration) simResult {
	t.Helper()
	const tick = time.Millisecond
	clock := timing.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	g := timing.NewGroup(cfg)
	var h timing.Host
	g.Join(&h)

	var (
		ports    []simPort
		inflight []int // ports with a try out, not yet timed out
		retry    []int
		replies  replyQueue
		res      simResult
		samples  int
		half     = d / 2
		start    = clock.Now()
		sentHalf int
		lostHalf int
		ansHalf  int
		rttSum   time.Duration
	)
	send := func(port int, now time.Time) {
		p := &ports[port]
		if !p.sent.IsZero() { // a retransmission
			p.prevSent = p.sent
			p.try++
		}
		p.sent, p.timedOut = now, false
		g.OnSend(&h, p.try, now)
		inflight = append(inflight, port)
		lostBefore := net.lost
		if at, ok := net.send(now); ok {
			heap.Push(&replies, simReply{at: at, port: port, try: p.try, sent: now})
		}
		if now.Sub(start) >= half {
			sentHalf++
			lostHalf += net.lost - lostBefore
		}
	}
	for now := clock.Now(); now.Sub(start) < d; now = clock.Advance(tick) {
		// Answers.
		for len(replies) > 0 && !replies[0].at.After(now) {
			r := heap.Pop(&replies).(simReply)
			p := &ports[r.port]
			if p.done {
				continue
			}
			probe := timing.Probe{Try: r.try, Sent: r.sent, TimedOut: true}
			if r.try == p.try {
				probe.PrevSent, probe.TimedOut = p.prevSent, p.timedOut
			} else if !p.timedOut {
				g.OnCancel(&h) // the later try is still counted in flight
			}
			if re := g.OnReply(&h, probe, now); re&timing.HostCut != 0 {
				res.cuts++
			}
			p.done = true
			if now.Sub(start) >= half {
				ansHalf++
				rttSum += now.Sub(r.sent)
			}
		}
		// Timeouts, then the list of what is still in flight.
		to := g.Timeout(&h)
		kept := inflight[:0]
		for _, port := range inflight {
			p := &ports[port]
			if p.done || p.timedOut {
				continue
			}
			if now.Sub(p.sent) < to {
				kept = append(kept, port)
				continue
			}
			if re := g.OnTimeout(&h, timing.Probe{Try: p.try, Sent: p.sent, PrevSent: p.prevSent}, now); re&timing.HostCut != 0 {
				res.cuts++
			}
			p.timedOut = true
			if p.try < g.AllowedTry(&h) {
				retry = append(retry, port)
			} else {
				p.done = true
			}
		}
		inflight = kept
		// Sends: retransmissions first, as Nmap does.
		for room := g.Room(&h, now); room > 0; room-- {
			for len(retry) > 0 && ports[retry[0]].done {
				retry = retry[1:]
			}
			if len(retry) > 0 {
				port := retry[0]
				retry = retry[1:]
				send(port, now)
				continue
			}
			ports = append(ports, simPort{})
			send(len(ports)-1, now)
		}
		if now.Sub(start) >= half {
			cwnd, _ := h.Window()
			res.cwnd += cwnd
			samples++
		}
	}
	secs := (d - half).Seconds()
	res.cwnd /= float64(samples)
	res.rate = float64(sentHalf) / secs
	res.goodput = float64(ansHalf) / secs
	if sentHalf > 0 {
		res.loss = float64(lostHalf) / float64(sentHalf)
	}
	if ansHalf > 0 {
		res.rtt = rttSum / time.Duration(ansHalf)
	}
	res.finalWin, _ = h.Window()
	return res
}

// TestLossVersusCongestion runs the deterministic simulations behind the
// Picket mode: random loss must not collapse the window, a capacity limit
// must be found and kept to, and Nmap mode must still collapse on random
// loss as Nmap does.
func TestLossVersusCongestion(t *testing.T) {
	const rtt = 20 * time.Millisecond
	tests := []struct {
		name    string
		mode    timing.Mode
		ceiling int
		net     simNet
		check   func(t *testing.T, r simResult)
	}{
		{
			name: "picket keeps its window under 2% random loss", mode: timing.Picket, ceiling: 300,
			net: simNet{loss: 0.02, base: rtt},
			check: func(t *testing.T, r simResult) {
				if r.cwnd < 0.8*300 {
					t.Errorf("mean window %.0f, want at least 240 of 300", r.cwnd)
				}
			},
		},
		{
			name: "nmap collapses under 2% random loss", mode: timing.Nmap, ceiling: 300,
			net: simNet{loss: 0.02, base: rtt},
			check: func(t *testing.T, r simResult) {
				if r.cwnd > 0.3*300 {
					t.Errorf("mean window %.0f, want Nmap's collapse below 90 of 300", r.cwnd)
				}
			},
		},
		{
			name: "picket ignores steady jitter", mode: timing.Picket, ceiling: 300,
			net: simNet{loss: 0.02, base: rtt, jitter: 10 * time.Millisecond},
			check: func(t *testing.T, r simResult) {
				if r.cwnd < 0.8*300 {
					t.Errorf("mean window %.0f, want at least 240 of 300", r.cwnd)
				}
			},
		},
		{
			name: "picket finds a policer's rate", mode: timing.Picket, ceiling: 2000,
			net: simNet{base: rtt, capacity: 5000, buffer: 50, policer: true},
			check: func(t *testing.T, r simResult) {
				if r.goodput < 0.75*5000 || r.rate > 1.1*5000 {
					t.Errorf("sent %.0f/s, answered %.0f/s; want answers at least 3750/s and sends at most 5500/s", r.rate, r.goodput)
				}
				if r.loss > 0.06 {
					t.Errorf("loss %.1f%%, want at most 6%%", 100*r.loss)
				}
			},
		},
		{
			name: "picket converges on a 5000/s bottleneck", mode: timing.Picket, ceiling: 2000,
			net: simNet{base: rtt, capacity: 5000, buffer: 25},
			check: func(t *testing.T, r simResult) {
				if r.goodput < 0.8*5000 || r.rate > 1.1*5000 {
					t.Errorf("sent %.0f/s, answered %.0f/s; want answers at least 4000/s and sends at most 5500/s", r.rate, r.goodput)
				}
				if r.loss > 0.05 {
					t.Errorf("loss %.1f%%, want at most 5%%", 100*r.loss)
				}
			},
		},
		{
			name: "picket keeps a deep queue short", mode: timing.Picket, ceiling: 2000,
			net: simNet{base: rtt, capacity: 5000, buffer: 1000},
			check: func(t *testing.T, r simResult) {
				if r.goodput < 0.8*5000 {
					t.Errorf("answered %.0f/s, want at least 4000/s", r.goodput)
				}
				if r.rtt > 3*rtt {
					t.Errorf("mean round trip %v, want queueing to keep it under %v", r.rtt, 3*rtt)
				}
				if r.loss > 0.01 {
					t.Errorf("loss %.1f%%, want at most 1%%", 100*r.loss)
				}
			},
		},
		{
			name: "picket converges on a bottleneck with 2% random loss", mode: timing.Picket, ceiling: 2000,
			net: simNet{loss: 0.02, base: rtt, capacity: 5000, buffer: 25},
			check: func(t *testing.T, r simResult) {
				if r.goodput < 0.75*5000 || r.rate > 1.1*5000 {
					t.Errorf("sent %.0f/s, answered %.0f/s; want answers at least 3750/s and sends at most 5500/s", r.rate, r.goodput)
				}
				if r.loss > 0.07 {
					t.Errorf("loss %.1f%%, want at most 7%%", 100*r.loss)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			net := tt.net
			net.rng = rand.New(rand.NewPCG(1, 2))
			cfg := timing.GroupConfig{Params: mustApply(t, timing.T4, timing.Options{}), Mode: tt.mode, Ceiling: tt.ceiling}
			r := simulate(t, cfg, &net, 10*time.Second)
			t.Logf("window %.0f (final %.0f), sent %.0f/s, answered %.0f/s, loss %.2f%%, rtt %v, cuts %d",
				r.cwnd, r.finalWin, r.rate, r.goodput, 100*r.loss, r.rtt.Round(time.Millisecond/10), r.cuts)
			tt.check(t, r)
		})
	}
}
