package timing_test

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

// TestRTT follows estimators through samples worked out by hand:
// srtt += (rtt-srtt)/8, rttvar += (|rtt-srtt|-rttvar)/4,
// timeout = clamp(srtt + 4*rttvar, min, max), at least Floor.
func TestRTT(t *testing.T) {
	type step struct {
		sample               time.Duration
		used                 bool
		srtt, rttvar, timout time.Duration
	}
	t3 := timing.RTTConfig{Initial: s, Min: 100 * ms, Max: 10 * s}
	tests := []struct {
		name  string
		cfg   timing.RTTConfig
		steps []step
	}{
		{"RFC 6298 sequence with Nmap's sanity checks", t3, []step{
			{80 * ms, true, 80 * ms, 40 * ms, 240 * ms}, // first: rttvar = rtt/2
			{120 * ms, true, 85 * ms, 40 * ms, 245 * ms},
			{40 * ms, true, 79375 * time.Microsecond, 41250 * time.Microsecond, 244375 * time.Microsecond},
			{8 * s, false, 79375 * time.Microsecond, 41250 * time.Microsecond, 244375 * time.Microsecond},     // 8 s or more: ignored
			{2 * s, false, 79375 * time.Microsecond, 41250 * time.Microsecond, 244375 * time.Microsecond},     // jump > 1.5 s and > 3srtt+2rttvar: ignored
			{s, true, 194453125 * time.Nanosecond, 261093750 * time.Nanosecond, 1238828125 * time.Nanosecond}, // jump 920.625 ms: used
			{-ms, false, 194453125 * time.Nanosecond, 261093750 * time.Nanosecond, 1238828125 * time.Nanosecond},
		}},
		{"clamped to the minimum", t3, []step{
			{10 * ms, true, 10 * ms, 5 * ms, 100 * ms},
		}},
		{"clamped to the maximum", timing.RTTConfig{Initial: 250 * ms, Min: 50 * ms, Max: 300 * ms}, []step{
			{200 * ms, true, 200 * ms, 100 * ms, 300 * ms},
		}},
		{"raised to the floor (scan delay)", timing.RTTConfig{Initial: s, Min: 100 * ms, Max: 10 * s, Floor: 500 * ms}, []step{
			{10 * ms, true, 10 * ms, 5 * ms, 500 * ms},
		}},
		{"rttvar over 2.3 s is cut to 2 s", t3, []step{
			{5 * s, true, 5 * s, 2 * s, 10 * s}, // 5s + 8s, clamped to 10 s
		}},
		{"Nmap's first sample", timing.RTTConfig{Initial: s, Min: 100 * ms, Max: 10 * s, NmapFirstSample: true}, []step{
			{80 * ms, true, 80 * ms, 80 * ms, 400 * ms}, // rttvar = clamp(rtt, 5ms, 2s)
		}},
		{"Nmap's first sample of a LAN", timing.RTTConfig{Initial: s, Min: 0, Max: 10 * s, NmapFirstSample: true}, []step{
			{time.Millisecond, true, ms, 5 * ms, 21 * ms},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := timing.NewRTT(tt.cfg)
			if r.Timeout() != tt.cfg.Initial || r.Measured() {
				t.Fatalf("before samples: timeout %v measured %v, want %v false", r.Timeout(), r.Measured(), tt.cfg.Initial)
			}
			for i, st := range tt.steps {
				if used := r.Sample(st.sample); used != st.used {
					t.Errorf("step %d: Sample(%v) = %v, want %v", i, st.sample, used, st.used)
				}
				got := r.Times()
				want := timing.Times{SRTT: st.srtt, RTTVar: st.rttvar, Timeout: st.timout, Measured: true}
				if got != want {
					t.Fatalf("step %d after %v: %+v, want %+v", i, st.sample, got, want)
				}
			}
		})
	}
}

func TestRTTObserveAndDefaults(t *testing.T) {
	r := timing.NewRTT(timing.RTTConfig{}) // -T3's bounds
	if r.Timeout() != s {
		t.Errorf("zero config: initial timeout %v, want 1s", r.Timeout())
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	if !r.Observe(t0, t0.Add(200*ms)) || r.SRTT() != 200*ms || r.RTTVar() != 100*ms || r.Timeout() != 600*ms {
		t.Errorf("after one 200ms round trip: %+v", r.Times())
	}
}

func TestFakeClock(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c := timing.NewFakeClock(t0)
	var clock timing.Clock = c
	if !clock.Now().Equal(t0) {
		t.Fatalf("Now = %v, want %v", clock.Now(), t0)
	}
	if got := c.Advance(1500 * ms); !got.Equal(t0.Add(1500*ms)) || !c.Now().Equal(got) {
		t.Errorf("Advance: %v, Now %v", got, c.Now())
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Errorf("Set: Now = %v", c.Now())
	}
	if (timing.SystemClock{}).Now().IsZero() {
		t.Error("SystemClock returned the zero time")
	}
}
