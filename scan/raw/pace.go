package raw

import (
	"sync"
	"sync/atomic"
	"time"
)

// pacer holds the send rate and spaces batches to it, and adapts the rate
// to the share of probes answered, window by window.
//
// Congestion shows as a falling share of answers while the rate is high;
// random loss on a link shows as a share that is lower but steady. So the
// rate grows while a window's share stays within a quarter of the best
// share seen, and halves when it falls below half of it. A steady 2% loss
// costs a few percent of the share and never triggers a back-off, where
// Nmap, reading every drop as congestion, would slow down.
type pacer struct {
	mu      sync.Mutex // guards everything below: senders share the pacer
	now     func() time.Time
	rate    float64 // packets per second
	min     float64
	max     float64
	tokens  float64
	last    time.Time
	peak    float64
	winFrom time.Time
	winSent uint64
	best    float64
}

// defaultMaxRate caps the rate when --max-rate is not given.
const defaultMaxRate = 1_000_000

func newPacer(t Timing, hosts int, now func() time.Time) *pacer {
	p := &pacer{now: now, rate: t.StartRate, min: t.MinRate, max: t.MaxRate}
	if p.max == 0 {
		p.max = defaultMaxRate
	}
	if t.ScanDelay > 0 {
		// Probes are spread over the group's hosts, so a per-host gap
		// is a total rate.
		p.max = min(p.max, float64(hosts)/t.ScanDelay.Seconds())
	}
	p.min = min(p.min, p.max)
	p.rate = max(min(p.rate, p.max), p.min)
	p.last = now()
	p.winFrom = p.last
	p.peak = p.rate
	return p
}

// wait blocks until n more packets may go, adapting the rate at the end of
// each window, and returns the time it let them go.
func (p *pacer) wait(n int, answers *atomic.Uint64, rtt time.Duration) time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.now()
	window := max(10*time.Millisecond, 2*rtt)
	if w := now.Sub(p.winFrom); w >= window && p.winSent > 0 {
		// Answers to an earlier, faster window can outnumber this one's
		// probes; a share above one would set a best no later window
		// could reach, and hold the rate down for good.
		share := min(float64(answers.Swap(0))/float64(p.winSent), 1)
		p.adapt(share)
		p.winFrom, p.winSent = now, 0
	}
	// A burst of up to 2ms of sending: the sleeps below are no finer.
	burst := max(float64(n), p.rate*0.002)
	p.tokens = min(p.tokens+now.Sub(p.last).Seconds()*p.rate, burst)
	p.last = now
	if p.tokens < float64(n) {
		need := time.Duration((float64(n) - p.tokens) / p.rate * float64(time.Second))
		time.Sleep(need)
		now = p.now()
		p.tokens = min(p.tokens+now.Sub(p.last).Seconds()*p.rate, burst)
		p.last = now
	}
	p.tokens -= float64(n)
	p.winSent += uint64(n)
	return now
}

func (p *pacer) adapt(share float64) {
	// The best share ages, so one lucky window does not rule forever.
	p.best *= 0.98
	switch {
	case share > p.best:
		p.best = share
		p.rate *= 2
	case p.best < 0.05 || share >= 0.75*p.best:
		// No answers to judge by, or answers holding up.
		p.rate *= 1.5
	case share < 0.5*p.best:
		p.rate /= 2
		p.best *= 0.9
	}
	p.rate = max(min(p.rate, p.max), p.min, 100)
	p.peak = max(p.peak, p.rate)
}

// backoff halves the rate after the kernel refused frames.
func (p *pacer) backoff() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rate = max(p.rate/2, p.min, 100)
}

// limit holds the rate at or below perSecond from now on (never below
// --min-rate): the targets answer no faster.
func (p *pacer) limit(perSecond float64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.max = max(min(p.max, perSecond), p.min, 100)
	p.rate = min(p.rate, p.max)
}
