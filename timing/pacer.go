package timing

import "time"

// PacerConfig sets a Pacer's rates, in packets per second for the whole
// scan. The zero PacerConfig paces nothing. It is a plain value, safe to
// share.
type PacerConfig struct {
	MaxRate float64 // --max-rate; 0: no ceiling
	MinRate float64 // --min-rate; 0: no floor
	// Burst is how many probes may go at once after a pause under MaxRate:
	// 0 means 10 ms worth of MaxRate, at least 1. A batch sender wants it
	// at least its batch size.
	Burst int
}

// defaultBurstWindow is the time worth of --max-rate a burst may carry:
// short enough that a 10 ms burst cannot overflow a switch buffer that the
// average rate would not, long enough for a sendmmsg batch at high rates.
const defaultBurstWindow = 10 * time.Millisecond

// A Pacer enforces --max-rate with a token bucket and tracks --min-rate's
// schedule. It never sleeps: Take grants what may go now, Next and Due say
// how long until something changes. The zero Pacer paces nothing.
//
// The engine asks Owed how many probes --min-rate requires now (these go
// whatever the congestion windows say, as in Nmap), adds what the windows
// allow, and asks Take for that many. A Pacer is not safe for concurrent
// use.
type Pacer struct {
	// The bucket is kept as GCRA's theoretical arrival time, in whole
	// nanoseconds: a float count of tokens drifts (ten tenths of a token
	// are not one) and at a burst of 1 loses a send per refill.
	maxRate   float64
	gap       time.Duration // between sends at --max-rate
	tolerance time.Duration // (burst-1) gaps: how far ahead sends may run
	tat       time.Time     // when the bucket would next be empty at the steady rate

	minRate  float64
	interval time.Duration
	due      time.Time // when --min-rate wants the next probe (Nmap's send_no_later_than)
}

// NewPacer returns a pacer whose bucket starts full.
func NewPacer(c PacerConfig) *Pacer {
	p := &Pacer{maxRate: max(c.MaxRate, 0), minRate: max(c.MinRate, 0)}
	if p.maxRate > 0 {
		burst := c.Burst
		if burst <= 0 {
			burst = max(1, int(p.maxRate*defaultBurstWindow.Seconds()))
		}
		p.gap = max(time.Duration(float64(time.Second)/p.maxRate), 1)
		p.tolerance = time.Duration(burst-1) * p.gap
	}
	if p.minRate > 0 {
		p.interval = max(time.Duration(float64(time.Second)/p.minRate), 1)
	}
	return p
}

// Take grants up to n probes to be sent now and records them as sent: call
// it only for probes that will go. It returns n when there is no
// --max-rate.
func (p *Pacer) Take(now time.Time, n int) int {
	if n <= 0 {
		return 0
	}
	if p.maxRate > 0 {
		if p.tat.Before(now) {
			p.tat = now // a full bucket holds no more than the burst
		}
		ahead := now.Add(p.tolerance).Sub(p.tat)
		if ahead < 0 {
			return 0
		}
		n = min(n, int(ahead/p.gap)+1)
		p.tat = p.tat.Add(time.Duration(n) * p.gap)
	}
	p.sent(now, n)
	return n
}

// sent moves --min-rate's schedule on by n sends, as Nmap does per send:
// when behind, each send pays off one interval of debt; when ahead, the
// schedule is pulled back to now first, so running fast early earns no
// right to run slow later.
func (p *Pacer) sent(now time.Time, n int) {
	if p.minRate == 0 || n == 0 {
		return
	}
	if p.due.IsZero() || p.due.After(now) {
		p.due = now.Add(p.interval)
		return
	}
	behind := int(now.Sub(p.due)/p.interval) + 1 // sends that bring due past now
	if n <= behind {
		p.due = p.due.Add(time.Duration(n) * p.interval)
		return
	}
	p.due = now.Add(p.interval)
}

// Next is how long until Take can grant at least one probe: 0 if it can
// now, and always 0 without --max-rate.
func (p *Pacer) Next(now time.Time) time.Duration {
	if p.maxRate == 0 {
		return 0
	}
	return max(p.tat.Sub(now.Add(p.tolerance)), 0)
}

// Owed is how many probes --min-rate requires now, regardless of the
// congestion windows: 0 when on schedule or without --min-rate. The first
// probe of a scan is owed at once.
func (p *Pacer) Owed(now time.Time) int {
	if p.minRate == 0 {
		return 0
	}
	if p.due.IsZero() {
		return 1
	}
	if now.Before(p.due) {
		return 0
	}
	return int(now.Sub(p.due)/p.interval) + 1
}

// Due is how long until --min-rate requires the next probe, so that an
// engine waiting for replies wakes in time; ok is false without --min-rate.
func (p *Pacer) Due(now time.Time) (wait time.Duration, ok bool) {
	if p.minRate == 0 {
		return 0, false
	}
	if p.due.IsZero() || !now.Before(p.due) {
		return 0, true
	}
	return p.due.Sub(now), true
}
