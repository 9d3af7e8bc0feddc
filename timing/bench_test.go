package timing_test

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/timing"
)

// hotPath is one engine's steady state: a group of two hosts in flight,
// every send and every answer reported.
type hotPath struct {
	g     *timing.Group
	h     [2]timing.Host
	pacer *timing.Pacer
	now   time.Time
	i     int
}

func newHotPath(mode timing.Mode) *hotPath {
	p := &hotPath{
		g:     timing.NewGroup(timing.GroupConfig{Params: timing.DefaultParams(), Mode: mode, Ceiling: 10000}),
		pacer: timing.NewPacer(timing.PacerConfig{MaxRate: 1e6, MinRate: 10}),
		now:   t0,
	}
	p.g.Join(&p.h[0])
	p.g.Join(&p.h[1])
	for range 2000 { // warm up: detectors built, epochs turning over
		p.send()
		p.reply()
	}
	return p
}

func (p *hotPath) send() {
	p.now = p.now.Add(20 * time.Microsecond)
	h := &p.h[p.i&1]
	p.i++
	n := max(p.g.Room(h, p.now), p.pacer.Owed(p.now))
	if p.pacer.Take(p.now, min(n, 1)) == 1 {
		p.g.OnSend(h, 0, p.now)
	}
}

func (p *hotPath) reply() {
	h := &p.h[p.i&1]
	try := 0
	if p.i%50 == 0 {
		try = 1 // 2% of answers are to retransmissions
	}
	sent := p.now.Add(-20 * time.Millisecond)
	p.g.OnReply(h, timing.Probe{Try: try, Sent: sent, PrevSent: sent.Add(-time.Second)}, p.now)
}

func BenchmarkSend(b *testing.B) {
	for _, mode := range []timing.Mode{timing.Picket, timing.Nmap} {
		b.Run(mode.String(), func(b *testing.B) {
			p := newHotPath(mode)
			b.ReportAllocs()
			for b.Loop() {
				p.send()
				p.g.OnCancel(&p.h[p.i&1]) // keep the window open
			}
		})
	}
}

func BenchmarkReply(b *testing.B) {
	for _, mode := range []timing.Mode{timing.Picket, timing.Nmap} {
		b.Run(mode.String(), func(b *testing.B) {
			p := newHotPath(mode)
			b.ReportAllocs()
			for b.Loop() {
				p.g.OnSend(&p.h[p.i&1], 0, p.now)
				p.reply()
				p.now = p.now.Add(20 * time.Microsecond)
				p.i++
			}
		})
	}
}

func BenchmarkRTTSample(b *testing.B) {
	r := timing.NewRTT(timing.RTTConfig{})
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		r.Sample(time.Duration(20+i%7) * time.Millisecond)
	}
}

// TestHotPathDoesNotAllocate holds the benchmarks' promise in a test.
func TestHotPathDoesNotAllocate(t *testing.T) {
	for _, mode := range []timing.Mode{timing.Picket, timing.Nmap} {
		p := newHotPath(mode)
		if n := testing.AllocsPerRun(1000, func() { p.send(); p.reply() }); n != 0 {
			t.Errorf("%v: %v allocations per send and reply, want 0", mode, n)
		}
	}
}
