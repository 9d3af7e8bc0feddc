package timing_test

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/timing"
)

func TestScanDelayBoost(t *testing.T) {
	tests := []struct {
		name  string
		tpl   timing.Template
		opts  timing.Options
		proto result.Protocol
		want  []time.Duration // delay after each boost
	}{
		{"TCP doubles from 5ms to the 1s cap", timing.T3, timing.Options{}, result.TCP,
			[]time.Duration{5 * ms, 10 * ms, 20 * ms, 40 * ms, 80 * ms, 160 * ms, 320 * ms, 640 * ms, s, s}},
		{"UDP starts at 50ms", timing.T3, timing.Options{}, result.UDP,
			[]time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, s}},
		{"-T4 caps TCP at 10ms", timing.T4, timing.Options{}, result.TCP,
			[]time.Duration{5 * ms, 10 * ms, 10 * ms}},
		{"-T5 caps SCTP at 5ms", timing.T5, timing.Options{}, result.SCTP,
			[]time.Duration{5 * ms, 5 * ms}},
		{"-T4 leaves UDP's cap at 1s", timing.T4, timing.Options{}, result.UDP,
			[]time.Duration{50 * ms, 100 * ms, 200 * ms, 400 * ms, 800 * ms, s}},
		{"--max-scan-delay", timing.T3, timing.Options{MaxScanDelay: timing.Set(30 * ms)}, result.TCP,
			[]time.Duration{5 * ms, 10 * ms, 20 * ms, 30 * ms}},
		{"--max-scan-delay 0 forbids boosts", timing.T3, timing.Options{MaxScanDelay: timing.Set(time.Duration(0))}, result.TCP,
			[]time.Duration{0, 0}},
		{"a fixed delay doubles from itself", timing.T2, timing.Options{}, result.TCP,
			[]time.Duration{800 * ms, s, s}},
		{"-T1's 15s is never lowered to the cap", timing.T1, timing.Options{}, result.TCP,
			[]time.Duration{15 * s}},
	}
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := timing.NewScanDelay(mustApply(t, tt.tpl, tt.opts), tt.proto, false)
			for i, want := range tt.want {
				d.Boost(t0)
				if d.Delay() != want {
					t.Fatalf("boost %d: delay %v, want %v", i+1, d.Delay(), want)
				}
			}
		})
	}
}

// TestScanDelayObserve checks Nmap's trigger: more than 10 drops that are
// more than 30% (40% at -T4 and -T5) of the outcomes since the last boost.
func TestScanDelayObserve(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	drop := timing.Probe{Try: 1, Sent: t0.Add(2 * s), PrevSent: t0.Add(s)}
	good := timing.Probe{Sent: t0.Add(s)}
	tests := []struct {
		name        string
		tpl         timing.Template
		good, drops int
		boosted     bool
	}{
		{"ten drops are not enough", timing.T3, 0, 10, false},
		{"eleven drops of eleven", timing.T3, 0, 11, true},
		{"eleven drops in 40 outcomes (27.5%)", timing.T3, 29, 11, false},
		{"eleven drops in 36 outcomes (30.6%)", timing.T3, 25, 11, true},
		{"-T4 wants 40%", timing.T4, 25, 11, false},
		{"-T4 at 44%", timing.T4, 14, 11, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := timing.NewScanDelay(mustApply(t, tt.tpl, timing.Options{}), result.TCP, false)
			for range tt.good {
				d.Observe(good, true, t0.Add(3*s))
			}
			boosted := false
			for range tt.drops {
				boosted = d.Observe(drop, true, t0.Add(3*s)) || boosted
			}
			if boosted != tt.boosted {
				t.Errorf("boosted %v (delay %v), want %v", boosted, d.Delay(), tt.boosted)
			}
		})
	}
}

func TestScanDelayRelax(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	good := timing.Probe{Sent: t0}
	for _, relax := range []bool{false, true} {
		d := timing.NewScanDelay(timing.DefaultParams(), result.TCP, relax)
		d.Boost(t0)
		d.Boost(t0) // 10ms
		for range 200 {
			d.Observe(good, true, t0.Add(s))
		}
		want := 10 * ms
		if relax {
			want = 5 * ms
		}
		if d.Delay() != want {
			t.Errorf("relax %v: after 200 clean replies delay %v, want %v", relax, d.Delay(), want)
		}
		for range 200 {
			d.Observe(good, true, t0.Add(2*s))
		}
		if relax && d.Delay() != 0 {
			t.Errorf("relax: after 400 clean replies delay %v, want 0", d.Delay())
		}
	}
	// Drops of tries sent before the last boost belong to the old delay.
	d := timing.NewScanDelay(timing.DefaultParams(), result.TCP, false)
	d.Boost(t0.Add(s))
	old := timing.Probe{Try: 1, Sent: t0.Add(2 * s), PrevSent: t0}
	for range 20 {
		if d.Observe(old, true, t0.Add(3*s)) {
			t.Fatal("drops from before the boost boosted again")
		}
	}
}
