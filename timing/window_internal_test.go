package timing

import (
	"math"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// TestWindowNmap replays ultra_timing_vals by hand: ack, drop, drop_group.
func TestWindowNmap(t *testing.T) {
	c := WindowConfig{}.norm() // floor 1, ceiling 300, increment 1, divisor 1.5
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name         string
		run          func(w *window)
		cwnd, thresh float64
	}{
		{"starts at 10 with ssthresh 75", func(w *window) {}, 10, 75},
		{"slow start adds one per reply", func(w *window) {
			for range 5 {
				w.expected++
				w.ack(&c, 1, 0)
			}
		}, 15, 75},
		{"slow start stops at ssthresh", func(w *window) {
			for range 65 {
				w.expected++
				w.ack(&c, 1, 0)
			}
		}, 75, 75},
		{"congestion avoidance adds incr/cwnd", func(w *window) {
			w.cwnd = 75
			w.expected++
			w.ack(&c, 1, 0)
		}, 75 + 1.0/75, 75},
		{"cc_scale: 4 expected, 1 received", func(w *window) {
			w.expected += 4
			w.ack(&c, 1, 0)
		}, 14, 75},
		{"cc_scale is capped at 50", func(w *window) {
			w.expected += 1000
			w.ack(&c, 1, 0)
		}, 60, 75},
		{"a timing ping counts three", func(w *window) {
			w.expected++
			w.ack(&c, pingMagnifier, 0)
		}, 13, 75},
		{"host drop: floor, ssthresh in flight/1.5 truncated", func(w *window) {
			w.dropHost(&c, 40, t0)
		}, 1, 26},
		{"host drop: ssthresh at least 2", func(w *window) {
			w.dropHost(&c, 2, t0)
		}, 1, 2},
		{"group drop halves", func(w *window) {
			w.cwnd = 75
			w.dropGroup(&c, 61, t0)
		}, 37.5, 40},
		{"group drop keeps the floor", func(w *window) {
			w.cwnd = 1.5
			w.dropGroup(&c, 1, t0)
		}, 1, 2},
		{"the ceiling holds", func(w *window) {
			w.cwnd, w.ssthresh = 300, 10
			w.expected++
			w.ack(&c, 1, 0)
		}, 300, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := newWindow(&c)
			tt.run(&w)
			if !near(w.cwnd, tt.cwnd) || !near(w.ssthresh, tt.thresh) {
				t.Errorf("cwnd %v ssthresh %v, want %v %v", w.cwnd, w.ssthresh, tt.cwnd, tt.thresh)
			}
		})
	}
}

func TestWindowRoom(t *testing.T) {
	tests := []struct {
		name     string
		cwnd     float64
		inflight int
		room     int
	}{
		{"empty", 10, 0, 10},
		{"one left", 10, 9, 1},
		{"full", 10, 10, 0},
		{"over full after a cut", 5, 9, 0},
		{"Nmap sends while cwnd >= in flight + 0.5", 10.5, 10, 1},
		{"but not below", 10.4, 10, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window{cwnd: tt.cwnd}
			if got := w.room(tt.inflight); got != tt.room {
				t.Errorf("room = %d, want %d", got, tt.room)
			}
		})
	}
}

// TestWindowPicket covers picket's cut and its growth near the knee.
func TestWindowPicket(t *testing.T) {
	c := WindowConfig{CAIncr: 2, Divisor: 4.0 / 3}.norm()
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

	w := window{cwnd: 100, ssthresh: 50}
	w.cut(&c, 80, t0) // the congested probes went out under a window of 80
	if !near(w.knee, 80) || !near(w.cwnd, 60) || !near(w.ssthresh, 60) || !w.lastCut.Equal(t0) {
		t.Fatalf("after cut: %+v, want knee 80, cwnd and ssthresh 60", w)
	}
	w = window{cwnd: 100, ssthresh: 50}
	w.cut(&c, 200, t0) // the window has shrunk since: cut from the current one
	if !near(w.knee, 100) || !near(w.cwnd, 75) {
		t.Fatalf("after cut: %+v, want knee 100, cwnd 75", w)
	}

	tests := []struct {
		name string
		cwnd float64
		lag  float64
		want float64 // growth for one reply
	}{
		{"below the zone: full speed", 70, 10, 2.0 / 70},
		{"in the zone: half the zone per feedback delay", 78, 10, 2.0 / 78 * (4.0 / 20)},
		{"in the zone, short lag: full speed", 78, 1.5, 2.0 / 78},
		{"above the zone: full speed", 90, 10, 2.0 / 90},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := window{cwnd: tt.cwnd, ssthresh: 1, knee: 80, expected: 1}
			w.ack(&c, 1, tt.lag)
			if !near(w.cwnd-tt.cwnd, tt.want) {
				t.Errorf("grew by %v, want %v", w.cwnd-tt.cwnd, tt.want)
			}
		})
	}
}

// TestHostDetectorIsLazy: a host sent few probes costs no detector.
func TestHostDetectorIsLazy(t *testing.T) {
	g := NewGroup(GroupConfig{})
	var h Host
	g.Join(&h)
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range hostDetectorAfter - 1 {
		g.OnSend(&h, 0, t0.Add(time.Duration(i)*time.Millisecond))
	}
	if h.det != nil {
		t.Fatalf("detector after %d sends", hostDetectorAfter-1)
	}
	g.OnSend(&h, 0, t0.Add(time.Second))
	if h.det == nil {
		t.Fatalf("no detector after %d sends", hostDetectorAfter)
	}
	n := NewGroup(GroupConfig{Mode: Nmap})
	var hn Host
	n.Join(&hn)
	for range 100 {
		n.OnSend(&hn, 0, t0)
	}
	if hn.det != nil {
		t.Error("Nmap mode built a detector")
	}
}
