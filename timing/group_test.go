package timing_test

import (
	"math"
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func windowIs(t *testing.T, what string, cwnd, ssthresh, wantCwnd, wantThresh float64) {
	t.Helper()
	if math.Abs(cwnd-wantCwnd) > 1e-9 || math.Abs(ssthresh-wantThresh) > 1e-9 {
		t.Errorf("%s window %v/%v, want %v/%v", what, cwnd, ssthresh, wantCwnd, wantThresh)
	}
}

// TestGroupNmapTrace drives a Group in Nmap mode through a scripted scan
// and checks the windows against ultra_scan's arithmetic, worked by hand.
func TestGroupNmapTrace(t *testing.T) {
	clock := timing.NewFakeClock(t0)
	g := timing.NewGroup(timing.GroupConfig{Params: timing.DefaultParams(), Mode: timing.Nmap})
	var a, b timing.Host
	g.Join(&a)
	g.Join(&b)

	// Ten probes fill both the host's and the group's first window.
	if got := g.Room(&a, t0); got != 10 {
		t.Fatalf("Room = %d, want 10", got)
	}
	for range 10 {
		g.OnSend(&a, 0, t0)
	}
	if g.Room(&a, t0) != 0 || g.Room(&b, t0) != 0 {
		t.Fatalf("Room after 10 sends: a %d b %d, want 0 0 (the group window is full)", g.Room(&a, t0), g.Room(&b, t0))
	}

	// An answer: slow start grows both windows by one.
	now := clock.Advance(100 * ms)
	if r := g.OnReply(&a, timing.Probe{Sent: t0}, now); r != 0 {
		t.Errorf("reaction %b, want none", r)
	}
	cw, th := a.Window()
	windowIs(t, "host", cw, th, 11, 75)
	cw, th = g.Window()
	windowIs(t, "group", cw, th, 11, 75)
	if g.Room(&a, now) != 2 || g.Room(&b, now) != 2 {
		t.Errorf("Room a %d b %d, want 2 2", g.Room(&a, now), g.Room(&b, now))
	}

	// Two probes time out (filtered ports, or lost) and are sent again.
	now = clock.Advance(900 * ms)
	t1 := now
	for range 2 {
		if r := g.OnTimeout(&a, timing.Probe{Sent: t0}, now); r != 0 {
			t.Errorf("timeout reaction %b, want none", r)
		}
	}
	for range 2 {
		g.OnSend(&a, 1, t1)
	}

	// The first retransmission is answered: a drop. Host: floor, ssthresh
	// int(9 in flight / 1.5) = 6. Group: 11/2 = 5.5, ssthresh 6. Then the
	// answer still counts: cc_scale = 4 expected / 2 received = 2, slow
	// start: host 1+2 = 3, group 5.5+2 capped at ssthresh 6.
	now = clock.Advance(100 * ms)
	r := g.OnReply(&a, timing.Probe{Try: 1, Sent: t1, PrevSent: t0}, now)
	if r != timing.Dropped|timing.HostCut|timing.GroupCut {
		t.Errorf("reaction %b, want Dropped|HostCut|GroupCut", r)
	}
	cw, th = a.Window()
	windowIs(t, "host after drop", cw, th, 3, 6)
	cw, th = g.Window()
	windowIs(t, "group after drop", cw, th, 6, 6)

	// The second drop of the same batch (sent before the cut) cuts nothing.
	// cc_scale = 5/3: host 3+5/3; group in congestion avoidance 6+(1/6)(5/3).
	now = clock.Advance(10 * ms)
	if r := g.OnReply(&a, timing.Probe{Try: 1, Sent: t1, PrevSent: t0}, now); r != timing.Dropped {
		t.Errorf("reaction %b, want Dropped only", r)
	}
	cw, th = a.Window()
	windowIs(t, "host after second drop", cw, th, 3+5.0/3, 6)
	cw, th = g.Window()
	windowIs(t, "group after second drop", cw, th, 6+5.0/18, 6)

	if got, want := g.Stats(), (timing.Stats{Sent: 12, Retransmits: 2, Replies: 3, Drops: 2, Timeouts: 2, Cuts: 1}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if a.InFlight() != 7 || g.InFlight() != 7 {
		t.Errorf("in flight host %d group %d, want 7 7", a.InFlight(), g.InFlight())
	}
	if g.AllowedTry(&a) != 2 {
		t.Errorf("allowed try %d, want 2 after an answer to try 1", g.AllowedTry(&a))
	}
	// Nmap's RTT estimate seeds rttvar with the round trip itself: samples
	// 100, 100, 110ms give srtt 100, 100, 101.25 and rttvar 100, 75, 58.75.
	if tm := a.Times(); tm.SRTT != 101250*time.Microsecond || tm.RTTVar != 58750*time.Microsecond {
		t.Errorf("host times %+v, want srtt 101.25ms rttvar 58.75ms", tm)
	}
}

// TestGroupNmapBoostsOnHighTry: Nmap boosts the scan delay when a try above
// 3 is first answered (-T3); picket does not.
func TestGroupNmapBoostsOnHighTry(t *testing.T) {
	for _, mode := range []timing.Mode{timing.Nmap, timing.Picket} {
		g := timing.NewGroup(timing.GroupConfig{Mode: mode})
		var h timing.Host
		g.Join(&h)
		g.OnSend(&h, 4, t0)
		r := g.OnReply(&h, timing.Probe{Try: 4, Sent: t0, PrevSent: t0.Add(-s)}, t0.Add(50*ms))
		boosted := r&timing.DelayBoost != 0
		if boosted != (mode == timing.Nmap) || (h.ScanDelay() == 5*ms) != boosted {
			t.Errorf("%v: reaction %b, scan delay %v", mode, r, h.ScanDelay())
		}
	}
}

func TestGroupRoomHeldByDelay(t *testing.T) {
	tests := []struct {
		name  string
		opts  timing.Options
		limit float64
		gap   time.Duration
	}{
		{"scan delay", timing.Options{ScanDelay: timing.Set(10 * ms)}, 0, 10 * ms},
		{"rate limit", timing.Options{}, 50, 20 * ms},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := timing.NewGroup(timing.GroupConfig{Params: mustApply(t, timing.T3, tt.opts)})
			var h timing.Host
			g.Join(&h)
			g.LimitRate(&h, tt.limit)
			if got := g.Room(&h, t0); got != 1 {
				t.Fatalf("first Room = %d, want 1", got)
			}
			g.OnSend(&h, 0, t0)
			if got := g.Room(&h, t0.Add(tt.gap-ms)); got != 0 {
				t.Errorf("Room before the gap = %d, want 0", got)
			}
			if got := g.NextSend(&h); !got.Equal(t0.Add(tt.gap)) {
				t.Errorf("NextSend = %v, want %v", got.Sub(t0), tt.gap)
			}
			if got := g.Room(&h, t0.Add(tt.gap)); got != 1 {
				t.Errorf("Room after the gap = %d, want 1", got)
			}
			g.LimitRate(&h, 0)
		})
	}
}

func TestGroupTimeoutFallsBackToGroup(t *testing.T) {
	g := timing.NewGroup(timing.GroupConfig{})
	var a, b timing.Host
	g.Join(&a)
	g.Join(&b)
	if g.Timeout(&b) != s {
		t.Fatalf("initial timeout %v, want -T3's 1s", g.Timeout(&b))
	}
	g.OnSend(&a, 0, t0)
	g.OnReply(&a, timing.Probe{Sent: t0}, t0.Add(50*ms))
	// RFC 6298: 50ms + 4*25ms.
	if g.Timeout(&a) != 150*ms || g.Timeout(&b) != 150*ms {
		t.Errorf("timeouts a %v b %v, want 150ms from a's sample and the group's", g.Timeout(&a), g.Timeout(&b))
	}
	if tm := g.Times(); tm.SRTT != 50*ms || !tm.Measured {
		t.Errorf("group times %+v", tm)
	}
}

func TestGroupBookkeeping(t *testing.T) {
	g := timing.NewGroup(timing.GroupConfig{})
	if g.Mode() != timing.Picket || g.Mode().String() != "picket" || timing.Nmap.String() != "nmap" {
		t.Errorf("mode %v", g.Mode())
	}
	var a, b timing.Host
	g.Join(&a)
	g.Join(&b)
	for range 3 {
		g.OnSend(&a, 0, t0)
	}
	g.OnSend(&b, 0, t0)
	g.OnCancel(&a)
	if a.InFlight() != 2 || g.InFlight() != 3 {
		t.Errorf("after cancel: host %d group %d, want 2 3", a.InFlight(), g.InFlight())
	}
	// A late answer to a try that already timed out leaves the count alone.
	g.OnTimeout(&a, timing.Probe{Sent: t0}, t0.Add(s))
	g.OnReply(&a, timing.Probe{Sent: t0, TimedOut: true}, t0.Add(2*s))
	if a.InFlight() != 1 || g.InFlight() != 2 {
		t.Errorf("after a late answer: host %d group %d, want 1 2", a.InFlight(), g.InFlight())
	}
	g.Leave(&a)
	if a.InFlight() != 0 || g.InFlight() != 1 {
		t.Errorf("after leave: host %d group %d, want 0 1", a.InFlight(), g.InFlight())
	}
	st := g.Stats()
	if st.Sent != 4 || st.Replies != 1 || st.Timeouts != 1 || st.Loss() != 0 {
		t.Errorf("stats %+v", st)
	}
	if (timing.Stats{Replies: 50, Drops: 1}).Loss() != 0.02 || (timing.Stats{}).Loss() != 0 {
		t.Error("Stats.Loss")
	}
}

// TestGroupPaces: in picket mode, once a round trip is known, a window is
// not sent in one clump.
func TestGroupPaces(t *testing.T) {
	g := timing.NewGroup(timing.GroupConfig{})
	var h timing.Host
	g.Join(&h)
	if got := g.Room(&h, t0); got != 10 {
		t.Fatalf("Room before any round trip = %d, want the window of 10", got)
	}
	g.OnSend(&h, 0, t0)
	now := t0.Add(20 * ms)
	g.OnReply(&h, timing.Probe{Sent: t0}, now)
	// Window 11 in slow start over 20ms: 2*11/0.02 = 1,100/s, burst 4.
	if got := g.Room(&h, now); got != 4 {
		t.Fatalf("Room = %d, want a burst of 4", got)
	}
	for range 4 {
		g.OnSend(&h, 0, now)
	}
	if got := g.Room(&h, now); got != 0 {
		t.Errorf("Room after the burst = %d, want 0", got)
	}
	next := g.NextSend(&h)
	if d := next.Sub(now); d <= 0 || d > ms {
		t.Errorf("NextSend in %v, want within 1ms (1,100/s)", d)
	}
	if got := g.Room(&h, next); got != 1 {
		t.Errorf("Room at NextSend = %d, want 1", got)
	}
}
