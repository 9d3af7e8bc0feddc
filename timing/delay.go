package timing

import (
	"time"

	"github.com/picket-scanner/picket/result"
)

// First boost steps, from Nmap's boostScanDelay: closed UDP ports answer
// through ICMP, which hosts rate-limit hard, so UDP starts ten times higher.
const (
	boostStepTCP   = 5 * time.Millisecond
	boostStepUDP   = 50 * time.Millisecond
	boostDoubleCap = time.Second // doubling stops here unless already above
	boostMinBad    = 10          // drops needed before their fraction counts
	// In picket mode a boosted delay halves again after relaxGood replies
	// of which drops were under a third of the boost fraction: a burst of
	// loss, or a rate limit that has since reset, should not slow a host
	// for the rest of the scan, and steady random loss well below the boost
	// fraction should not hold the delay up either.
	relaxGood  = 200
	relaxShare = 3
)

// ScanDelay is the minimum gap between probes to one host: the fixed
// --scan-delay, plus what Nmap's "boost" adds when a host drops too many
// probes (typically a rate limit). A boost starts at 5 ms for TCP and SCTP,
// 50 ms for UDP, and doubles up to 1 s, never above the protocol's
// --max-scan-delay. A ScanDelay is a value; it is not safe for concurrent
// use.
type ScanDelay struct {
	base      time.Duration // never goes below this
	delay     time.Duration
	step      time.Duration
	cap       time.Duration
	frac      float64
	good, bad int
	lastBoost time.Time
	relax     bool
}

// NewScanDelay returns the delay for a host scanned with proto. relax lets
// a boosted delay come down again when drops stop (picket mode); Nmap's
// never does.
func NewScanDelay(p Params, proto result.Protocol, relax bool) ScanDelay {
	step := boostStepTCP
	if proto == result.UDP {
		step = boostStepUDP
	}
	frac := p.Template.BoostDropFraction
	if frac <= 0 {
		frac = T3.BoostDropFraction
	}
	return ScanDelay{base: p.ScanDelay, delay: p.ScanDelay, step: step, cap: p.MaxScanDelay(proto), frac: frac, relax: relax}
}

// Delay is the current minimum gap between probes to the host.
func (s *ScanDelay) Delay() time.Duration { return s.delay }

// Boost raises the delay one step and restarts the drop count; it reports
// whether the delay changed. Unlike Nmap, a boost never lowers the delay:
// Nmap's cap would cut -T0's 5-minute delay to 1 s.
func (s *ScanDelay) Boost(now time.Time) bool {
	old := s.delay
	d := s.step
	if old > 0 {
		d = min(old*2, max(old, boostDoubleCap))
	}
	s.delay = max(min(d, s.cap), old)
	s.lastBoost = now
	s.good, s.bad = 0, 0
	return s.delay != old
}

// Observe counts one outcome for the boost decision, as Nmap does: a reply
// to a retransmission whose previous try went out after the last boost is
// a drop, as is an unanswered timing ping sent after it; other replies are
// good. It boosts when more than 10 drops make up more than the template's
// fraction (30%, 40% at -T4 and -T5) of the outcomes since the last boost,
// and reports whether the delay changed.
func (s *ScanDelay) Observe(p Probe, replied bool, now time.Time) bool {
	switch {
	case p.Ping && !replied && p.Sent.After(s.lastBoost),
		p.Try > 0 && replied && p.PrevSent.After(s.lastBoost):
		s.bad++
	case replied:
		s.good++
	default:
		return false
	}
	if s.bad > boostMinBad && float64(s.bad)/float64(s.bad+s.good) > s.frac {
		return s.Boost(now)
	}
	if s.relax && s.delay > s.base && s.good >= relaxGood && float64(s.bad) < s.frac/relaxShare*float64(s.bad+s.good) {
		s.delay /= 2
		if s.delay < max(s.step, s.base) {
			s.delay = s.base
		}
		s.good, s.bad = 0, 0
		s.lastBoost = now
		return true
	}
	return false
}
