package timing_test

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

// TestRateLimit feeds one-second buckets of (sent, replies, timeouts).
func TestRateLimit(t *testing.T) {
	type sec struct{ sent, replies, unanswered int }
	tests := []struct {
		name    string
		seconds []sec
		state   timing.LimitState
		perSec  float64
	}{
		{"ICMP limited to 1/s while the sender halves its rate", []sec{{400, 1, 399}, {200, 1, 199}, {100, 1, 99}, {50, 1, 49}},
			timing.Limited, 1},
		{"RST limited to 200/s", []sec{{2000, 200, 1800}, {1000, 195, 805}, {1000, 205, 795}, {500, 200, 300}},
			timing.Limited, 200},
		{"steady but the send rate never varied", []sec{{400, 10, 390}, {400, 10, 390}, {400, 11, 389}, {400, 10, 390}},
			timing.Suspected, 10.25},
		{"replies follow the send rate (10% closed ports)", []sec{{400, 40, 360}, {200, 20, 180}, {100, 10, 90}, {50, 5, 45}},
			timing.NoLimit, 0},
		{"most probes answered", []sec{{400, 390, 10}, {200, 195, 5}, {100, 98, 2}, {50, 49, 1}},
			timing.NoLimit, 0},
		{"too few seconds", []sec{{400, 1, 399}, {200, 1, 199}, {100, 1, 99}},
			timing.NoLimit, 0},
		{"too few probes in a second", []sec{{400, 1, 399}, {200, 1, 199}, {100, 1, 99}, {3, 1, 2}},
			timing.NoLimit, 0},
		{"no replies at all (filtered)", []sec{{400, 0, 400}, {200, 0, 200}, {100, 0, 100}, {50, 0, 50}},
			timing.NoLimit, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r timing.RateLimit
			for i, b := range tt.seconds {
				at := t0.Add(time.Duration(i) * s)
				r.Sent(at, b.sent)
				for range b.replies {
					r.Reply(at.Add(500 * ms))
				}
				for range b.unanswered {
					r.Unanswered(at.Add(900 * ms))
				}
			}
			got := r.Verdict(t0.Add(time.Duration(len(tt.seconds)) * s))
			if got.State != tt.state || got.PerSecond != tt.perSec {
				t.Errorf("verdict %v %v/s, want %v %v/s", got.State, got.PerSecond, tt.state, tt.perSec)
			}
		})
	}
}

func TestRateLimitPauseForgets(t *testing.T) {
	var r timing.RateLimit
	for i, n := range []int{400, 200, 100, 50} {
		at := t0.Add(time.Duration(i) * s)
		r.Sent(at, n)
		r.Reply(at)
		for range n - 1 {
			r.Unanswered(at)
		}
	}
	if v := r.Verdict(t0.Add(4 * s)); v.State != timing.Limited {
		t.Fatalf("verdict %v, want limited", v.State)
	}
	if v := r.Verdict(t0.Add(time.Minute)); v.State != timing.NoLimit {
		t.Errorf("after a minute's pause: %v, want none", v.State)
	}
	if timing.Limited.String() != "limited" || timing.Suspected.String() != "suspected" || timing.NoLimit.String() != "none" {
		t.Error("LimitState.String")
	}
}
