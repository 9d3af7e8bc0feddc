package timing

import "time"

// Congestion-window constants from Nmap's scan_performance_vars::init.
const (
	DefaultCeiling    = 300 // Nmap's max_cwnd without --max-parallelism
	initialWindow     = 10
	initialSSThresh   = 75
	slowStartIncr     = 1
	ccScaleMax        = 50
	groupCwndDivisor  = 2
	pingMagnifier     = 3 // a timing ping's reply counts as three replies
	minSSThresh       = 2
	windowSlack       = 0.5 // send while cwnd >= in flight + 0.5
	defaultCAIncr     = 1
	defaultSSThreshDv = 1.5
)

// WindowConfig shapes a congestion window. The zero WindowConfig is
// Nmap's default: floor 1, ceiling 300, increment 1, divisor 1.5. It is a
// plain value, safe to share.
type WindowConfig struct {
	Min      float64 // floor: --min-parallelism, or 1
	Max      float64 // ceiling: --max-parallelism, or the engine's (Nmap: 300)
	CAIncr   float64 // congestion-avoidance increment: 1, or 2 at -T4 and -T5
	Divisor  float64 // ssthresh divisor on a drop: 1.5, 4/3 at -T4, 5/4 at -T5
	Initial  float64 // first window: 10, within [Min, Max]
	SSThresh float64 // first slow-start threshold: 75
}

// WindowConfig returns the window shape for these parameters. ceiling is
// the window's ceiling when --max-parallelism is not given: 0 means Nmap's
// 300. A raw engine that can keep far more probes in flight than Nmap's
// select loop may pass more; the ceiling bounds how far congestion control
// may open the window, not how fast it gets there.
func (p Params) WindowConfig(ceiling int) WindowConfig {
	if ceiling <= 0 {
		ceiling = DefaultCeiling
	}
	c := WindowConfig{
		Min:     float64(max(p.MinParallelism, 1)),
		Max:     float64(ceiling),
		CAIncr:  p.Template.CAIncrement,
		Divisor: p.Template.SSThreshDivisor,
	}
	if p.MaxParallelism > 0 {
		c.Max = float64(p.MaxParallelism)
	}
	return c.norm()
}

// norm fills zero fields with Nmap's defaults.
func (c WindowConfig) norm() WindowConfig {
	if c.Min < 1 {
		c.Min = 1
	}
	if c.Max <= 0 {
		c.Max = DefaultCeiling
	}
	c.Max = max(c.Max, c.Min)
	if c.CAIncr <= 0 {
		c.CAIncr = defaultCAIncr
	}
	if c.Divisor <= 0 {
		c.Divisor = defaultSSThreshDv
	}
	if c.Initial <= 0 {
		c.Initial = initialWindow
	}
	c.Initial = min(max(c.Initial, c.Min), c.Max)
	if c.SSThresh <= 0 {
		c.SSThresh = initialSSThresh
	}
	return c
}

// window is one congestion window, Nmap's ultra_timing_vals: how many
// probes may be in flight to a host, or to a whole host group.
type window struct {
	cwnd     float64
	ssthresh float64
	knee     float64 // picket: the window at which congestion was last found
	expected uint64  // outcomes seen: replies and timeouts
	received uint64  // replies seen
	lastCut  time.Time
}

func newWindow(c *WindowConfig) window {
	return window{cwnd: c.Initial, ssthresh: c.SSThresh}
}

// room is how many more probes may go with inflight already out.
func (w *window) room(inflight int) int {
	n := int(w.cwnd+windowSlack) - inflight
	return max(n, 0)
}

// ccScale is replies expected over replies received, at most 50: when most
// probes go unanswered (filtered ports), each reply stands for many probes
// that could not have answered, so it grows the window that much more.
func (w *window) ccScale() float64 {
	if w.received == 0 {
		return 1
	}
	return min(float64(w.expected)/float64(w.received), ccScaleMax)
}

// Within kneeZone of the knee either way, picket grows the window by at
// most half the zone per feedback delay, so that it cannot pass the knee by
// more than that before the loss there is proven.
const kneeZone = 0.1

// ack grows the window for one reply: slow start below ssthresh (never
// beyond it in one step), congestion avoidance above. lag is the feedback
// delay in round trips (picket mode; 0 for Nmap's, which never damps).
func (w *window) ack(c *WindowConfig, scale, lag float64) {
	w.received++
	if w.cwnd < w.ssthresh {
		w.cwnd += slowStartIncr * w.ccScale() * scale
		w.cwnd = min(w.cwnd, w.ssthresh)
	} else {
		incr := c.CAIncr / w.cwnd * w.ccScale() * scale
		if w.knee > 0 && w.cwnd > w.knee*(1-kneeZone) && w.cwnd < w.knee*(1+kneeZone) {
			perLag := c.CAIncr * lag // growth per feedback delay at full speed
			if allowed := max(w.knee*kneeZone/2, c.CAIncr); perLag > allowed {
				incr *= allowed / perLag
			}
		}
		w.cwnd += incr
	}
	w.cwnd = min(w.cwnd, c.Max)
}

// dropHost is Nmap's reaction to a drop on a host: back to the floor, and
// slow start only up to what was in flight over the divisor.
func (w *window) dropHost(c *WindowConfig, inflight int, now time.Time) {
	w.cwnd = c.Min
	w.ssthresh = nmapSSThresh(inflight, c.Divisor)
	w.lastCut = now
}

// dropGroup is Nmap's gentler reaction for the whole group: halve.
func (w *window) dropGroup(c *WindowConfig, inflight int, now time.Time) {
	w.cwnd = max(c.Min, w.cwnd/groupCwndDivisor)
	w.ssthresh = nmapSSThresh(inflight, c.Divisor)
	w.lastCut = now
}

// cut is picket's reaction to congestion: a multiplicative decrease by the
// template's divisor, straight into congestion avoidance. It keeps the
// window near the capacity found instead of restarting from one probe.
// The decrease is from the window in force when the congested probes were
// sent (sentCwnd) if that was smaller: the window went on growing while
// their loss was being proven, a timeout or more, and that growth was
// overshoot.
//
// The window where congestion was found is remembered as the knee. Loss is
// proven only a timeout or more after it happens, many round trips on a
// short path, and growing by an increment every round trip would overshoot
// the knee by that many increments before the next cut; near the knee the
// window grows only as fast as the feedback can catch an overshoot (as
// CUBIC flattens near its last maximum), and at full speed again past it.
func (w *window) cut(c *WindowConfig, sentCwnd float64, now time.Time) {
	w.knee = min(w.cwnd, sentCwnd)
	w.cwnd = max(c.Min, w.knee/c.Divisor)
	w.ssthresh = max(w.cwnd, minSSThresh)
	w.lastCut = now
}

// Pacing, picket mode only: a window sent all at once comes back all at
// once and goes out again all at once, every round trip, and a policer or
// a shallow queue drops the part of the clump above its depth at any
// average rate. Spreading sends at a multiple of cwnd/srtt keeps the
// window from clumping; the gain leaves room to grow (Linux paces TCP at
// 2x in slow start and 1.2x after).
const (
	paceGainSlowStart = 2
	paceGain          = 1.25
	paceMinBurst      = 4 // probes that may always go together
	paceBurstShare    = 4 // or a quarter of the window
)

// pace is a token bucket at the window's pacing rate, kept as GCRA's
// theoretical arrival time like Pacer's: exact, and indifferent to the
// rate changing between calls.
type pace struct {
	tat time.Time
}

// paceGap is the time between sends at the pacing rate of w over a smoothed
// round trip; 0 (do not pace) before any round trip is measured.
func (w *window) paceGap(srtt time.Duration) time.Duration {
	if srtt <= 0 {
		return 0
	}
	gain := paceGain
	if w.cwnd < w.ssthresh {
		gain = paceGainSlowStart
	}
	return max(time.Duration(float64(srtt)/(gain*w.cwnd)), 1)
}

// paceTolerance is how far ahead of the steady rate a burst may run.
func (w *window) paceTolerance(gap time.Duration) time.Duration {
	burst := max(paceMinBurst, w.cwnd/paceBurstShare)
	return time.Duration((burst - 1) * float64(gap))
}

// room is how many probes pacing allows at now; -1 when it does not pace.
func (p *pace) room(w *window, srtt time.Duration, now time.Time) int {
	gap := w.paceGap(srtt)
	if gap == 0 {
		return -1
	}
	if p.tat.Before(now) {
		p.tat = now
	}
	ahead := now.Add(w.paceTolerance(gap)).Sub(p.tat)
	if ahead < 0 {
		return 0
	}
	return int(ahead/gap) + 1
}

// next is when pacing lets the next probe go; a time not after now, or
// the zero time, means at once.
func (p *pace) next(w *window, srtt time.Duration) time.Time {
	gap := w.paceGap(srtt)
	if gap == 0 || p.tat.IsZero() {
		return time.Time{}
	}
	return p.tat.Add(-w.paceTolerance(gap))
}

// spend accounts for one probe sent at now. Sends that --min-rate demands
// beyond the pacing run it into debt, at most about two bursts.
func (p *pace) spend(w *window, srtt time.Duration, now time.Time) {
	gap := w.paceGap(srtt)
	if gap == 0 {
		return
	}
	if p.tat.Before(now) {
		p.tat = now
	}
	p.tat = p.tat.Add(gap)
	if limit := now.Add(2*w.paceTolerance(gap) + gap); p.tat.After(limit) {
		p.tat = limit
	}
}

// nmapSSThresh truncates to a whole number as Nmap's int ssthresh does.
func nmapSSThresh(inflight int, divisor float64) float64 {
	return float64(int(max(float64(inflight)/divisor, minSSThresh)))
}
