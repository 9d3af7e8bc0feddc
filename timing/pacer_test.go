package timing_test

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

func TestPacerMaxRate(t *testing.T) {
	p := timing.NewPacer(timing.PacerConfig{MaxRate: 100, Burst: 5})
	steps := []struct {
		at         time.Duration
		want, gets int
		next       time.Duration
	}{
		{0, 10, 5, 10 * ms},      // the bucket starts full
		{0, 10, 0, 10 * ms},      // and is empty
		{25 * ms, 10, 2, 5 * ms}, // 2.5 tokens came back
		{30 * ms, 1, 1, 10 * ms}, // the half token and 0.5 more
		{s, 10, 5, 10 * ms},      // never more than the burst
		{s + 10*ms, 0, 0, 0},     // asking for nothing takes nothing
		{s + 10*ms, 3, 1, 10 * ms},
	}
	for i, st := range steps {
		now := t0.Add(st.at)
		if got := p.Take(now, st.want); got != st.gets {
			t.Fatalf("step %d at %v: Take(%d) = %d, want %d", i, st.at, st.want, got, st.gets)
		}
		if got := p.Next(now); got != st.next {
			t.Errorf("step %d at %v: Next = %v, want %v", i, st.at, got, st.next)
		}
	}
}

// TestPacerHoldsTheRate asks for far more than allowed every millisecond
// for ten seconds of fake time.
func TestPacerHoldsTheRate(t *testing.T) {
	tests := []struct {
		name  string
		cfg   timing.PacerConfig
		burst int
	}{
		{"default burst at 100/s is 1", timing.PacerConfig{MaxRate: 100}, 1},
		{"default burst at 50,000/s is 10ms worth", timing.PacerConfig{MaxRate: 50000}, 500},
		{"batch-sized burst", timing.PacerConfig{MaxRate: 2000, Burst: 64}, 64},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := timing.NewPacer(tt.cfg)
			if got := p.Take(t0, 1<<30); got != tt.burst {
				t.Fatalf("first Take = %d, want the burst %d", got, tt.burst)
			}
			sent := 0
			for now := t0.Add(ms); now.Before(t0.Add(10 * s)); now = now.Add(ms) {
				sent += p.Take(now, 1<<30)
			}
			want := tt.cfg.MaxRate * 10
			if float64(sent) < want*0.99 || float64(sent) > want*1.01 {
				t.Errorf("sent %d in 10s, want %.0f", sent, want)
			}
		})
	}
}

// TestPacerMinRate checks --min-rate's schedule as Nmap keeps it: debt
// accumulates while behind, credit does not while ahead.
func TestPacerMinRate(t *testing.T) {
	p := timing.NewPacer(timing.PacerConfig{MinRate: 10}) // one per 100ms
	check := func(at time.Duration, owed int, due time.Duration) {
		t.Helper()
		now := t0.Add(at)
		if got := p.Owed(now); got != owed {
			t.Errorf("at %v: Owed = %d, want %d", at, got, owed)
		}
		if got, ok := p.Due(now); !ok || got != due {
			t.Errorf("at %v: Due = %v %v, want %v", at, got, ok, due)
		}
	}
	check(0, 1, 0) // the first probe is due at once
	p.Take(t0, 1)
	check(50*ms, 0, 50*ms)
	check(350*ms, 3, 0) // fell behind by three
	p.Take(t0.Add(350*ms), 3)
	check(350*ms, 0, 50*ms)   // paid off: next due at 400ms
	p.Take(t0.Add(360*ms), 5) // running ahead earns no credit
	check(400*ms, 0, 60*ms)
	check(460*ms, 1, 0)
	check(s, 6, 0)
	p.Take(t0.Add(s), 10) // more than owed: next due a full interval later
	check(s, 0, 100*ms)

	var zero timing.Pacer
	if zero.Take(t0, 7) != 7 || zero.Next(t0) != 0 || zero.Owed(t0) != 0 {
		t.Error("the zero Pacer paces")
	}
	if _, ok := zero.Due(t0); ok {
		t.Error("the zero Pacer has a --min-rate")
	}
}
