package timing

import (
	"math"
	"time"
)

// The detector tells congestion from random loss (see the package
// documentation). Its constants were chosen with the simulations in
// sim_test.go; each says what it trades.
const (
	// epochRing is how many send epochs wait for their outcomes at once.
	// Epochs last at least a sixth of the settle time, so six or seven are
	// ever open; an eighth would be evicted unjudged.
	epochRing = 8
	// binsPerOctave splits send rates finely enough that a cut (by 1.25 to
	// 1.5) moves the rate at least one bin down: the rates a window falls
	// back to are the "lower rates" whose loss is the baseline.
	binsPerOctave = 4
	// rateBins spans 1 to 2^24 (16 million) probes per second.
	rateBins = 24 * binsPerOctave
	// minEpochSamples answered-or-proven-lost probes make an epoch's loss
	// worth judging; fewer and one drop is too loud.
	minEpochSamples = 16
	// minBaseSamples make a baseline: the samples at rates below the
	// epoch's, or if there are not that many, the lowest-rate samples there
	// are. Slow start crosses four bins per round trip and leaves the rates
	// below its exit nearly empty; judging a cut-down rate against nothing
	// would read steady loss as congestion again and again, all the way
	// down. Taking no more of the epoch's own rate than needed keeps
	// congestion loss from excusing itself.
	minBaseSamples = 50
	// binCap bounds a bin's memory: past it the counts are halved, so a
	// rate's loss follows a network that changes during a long scan.
	binCap = 4096
	// lossFloor is the least baseline loss assumed, so that one or two
	// unlucky drops on a clean path are not read as congestion.
	lossFloor = 0.01
	// maxBaseline caps the loss the detector will accept as independent of
	// the send rate. Past it the path is broken or the sender's own bursts
	// overflow something at every rate; backing off is then the safer bet.
	maxBaseline = 0.25
	// lossZ is how many standard deviations above the baseline an epoch's
	// drops must be (plus one drop): at 3, a path with 2% independent loss
	// is misread about once in 800 epochs of 300 probes (binomial tail), a
	// cut every few seconds at worst, which the knee rule soon regrows.
	lossZ = 3

	// A send epoch saw a queue building up, congestion before any drop,
	// when its probes' round trips exceeded the least seen to their host
	// by more than at lower send rates, and by more than a quarter of that
	// least round trip and at least rttSlack. Comparing with lower rates
	// rather than with the least round trip alone keeps steady jitter (a
	// radio link, a busy host) from reading as a queue: it is there at
	// every rate.
	rttQueueShare = 0.25
	rttSlack      = 2 * time.Millisecond
	minRTTSamples = 8
)

// sendEpoch counts what happened to the probes sent in one stretch of
// time: its send rate is known, and its outcomes arrive later.
type sendEpoch struct {
	start, end int64   // nanoseconds since the detector's base
	cwnd       float64 // the window when the epoch opened
	sent       uint32
	answered   uint32 // replies to probes sent in the epoch
	lost       uint32 // probes sent in the epoch, proven lost by a reply to a later try
	rttN       uint32
	queueSum   time.Duration // round trip above the least seen to the same host
	baseSum    time.Duration // that least round trip
	rttJudged  bool
}

// rateBin holds what was seen at one quarter octave of send rates: loss,
// and round trips above each host's least (queueing and jitter). The
// counts are float32 because a full bin is halved.
type rateBin struct {
	n, lost     float32
	rttN, queue float32 // queue: sum of round trips above the least, in seconds
}

// detector is picket's congestion detector for one window (a host or the
// group). Outcomes are booked to the epoch in which the probe was sent, so
// every loss figure belongs to a known send rate; once an epoch can have
// no more outcomes it is judged against the loss measured at lower rates
// and added to its rate's bin.
type detector struct {
	base  time.Time
	ring  [epochRing]sendEpoch
	head  int // oldest epoch
	count int
	bins  [rateBins]rateBin
}

func (d *detector) off(t time.Time) int64 {
	if d.base.IsZero() {
		d.base = t
	}
	return int64(t.Sub(d.base))
}

// sent books one probe sent at now to the current epoch, opening a new
// epoch of the given length when the last one is over. cwnd is the window
// in force.
func (d *detector) sent(now time.Time, length time.Duration, cwnd float64) {
	t := d.off(now)
	if d.count > 0 {
		if e := &d.ring[(d.head+d.count-1)%epochRing]; t < e.end {
			e.sent++
			return
		}
	}
	if d.count == epochRing {
		// Outcomes are late: retire the oldest epoch as data only.
		d.record(&d.ring[d.head])
		d.head = (d.head + 1) % epochRing
		d.count--
	}
	d.ring[(d.head+d.count)%epochRing] = sendEpoch{start: t, end: t + int64(max(length, time.Millisecond)), cwnd: cwnd, sent: 1}
	d.count++
}

// epochOf returns the open epoch in which a probe sent at t went out.
func (d *detector) epochOf(t time.Time) *sendEpoch {
	if d.count == 0 || t.IsZero() {
		return nil
	}
	o := d.off(t)
	for i := d.count - 1; i >= 0; i-- {
		e := &d.ring[(d.head+i)%epochRing]
		if o >= e.start && o < e.end {
			return e
		}
		if o >= e.end {
			return nil
		}
	}
	return nil
}

// answered books a reply to a probe sent at sent, after rtt; base is the
// least round trip seen to the same host. A group's detector thus compares
// each host with itself: a LAN host and a host across an ocean may share
// a queue but not a round trip.
func (d *detector) answered(sent time.Time, rtt, base time.Duration) {
	if e := d.epochOf(sent); e != nil {
		e.answered++
		e.rttN++
		e.queueSum += max(rtt-base, 0)
		e.baseSum += base
	}
}

// A verdict is a detector's finding that the probes sent in an epoch met
// congestion: the window in force then, and when the epoch began.
type verdict struct {
	start time.Time
	cwnd  float64
}

// lost books a probe sent at sent as lost and reports whether its epoch
// is already proven congested: it holds more drops than the baseline could
// explain even if every other probe of the epoch were answered. That is a
// burst of loss, judged as soon as the drops are seen rather than when the
// epoch settles, and never more often than the settled verdict would be.
//
// Bursts are judged by send time, not by consecutive drops in arrival
// order: an engine sends retransmissions in clusters whenever its window
// frees up, so their answers, the only way a drop is seen, arrive in runs
// even when the loss is independent. (A rule of five in a row cut a
// simulated 2%-lossy window from 300 to 131.)
func (d *detector) lost(sent time.Time) (verdict, bool) {
	e := d.epochOf(sent)
	if e == nil {
		return verdict{}, false
	}
	e.lost++
	n := float64(e.sent)
	if n < minEpochSamples || float64(e.lost) <= d.limit(n, binOf(e)) {
		return verdict{}, false
	}
	return d.verdict(e), true
}

func (d *detector) verdict(e *sendEpoch) verdict {
	return verdict{start: d.base.Add(time.Duration(e.start)), cwnd: e.cwnd}
}

// settle judges the epochs whose outcomes are in. An epoch's round trips
// are all in rttWait after it ends: queueing is judged then. Its drops are
// known once a lost probe has timed out, been sent again and answered,
// lossWait after it ends: loss is judged then, and the epoch is added to
// its rate's bin. It returns the earliest congested epoch among them.
func (d *detector) settle(now time.Time, rttWait, lossWait time.Duration) (verdict, bool) {
	var v verdict
	found := false
	t := d.off(now)
	for i := range d.count {
		e := &d.ring[(d.head+i)%epochRing]
		if e.end > t-int64(rttWait) {
			break
		}
		if !e.rttJudged {
			e.rttJudged = true
			if d.queueing(e) && !found {
				v, found = d.verdict(e), true
			}
		}
	}
	for d.count > 0 && d.ring[d.head].end <= t-int64(lossWait) {
		e := &d.ring[d.head]
		if d.judge(e) && !found {
			v, found = d.verdict(e), true
		}
		d.record(e)
		d.head = (d.head + 1) % epochRing
		d.count--
	}
	return v, found
}

// queueing reports whether an epoch's round trips were inflated by a
// queue that lower send rates did not build: congestion that has not
// dropped anything yet.
func (d *detector) queueing(e *sendEpoch) bool {
	if e.rttN < minRTTSamples {
		return false
	}
	base, ok := d.queueBaseline(binOf(e))
	if !ok {
		return false
	}
	n := time.Duration(e.rttN)
	return e.queueSum/n-base > max(time.Duration(rttQueueShare*float64(e.baseSum/n)), rttSlack)
}

// queueBaseline is the mean round trip above the least seen at the lowest
// send rates (see minBaseSamples): jitter, and any queue that is there
// whatever picket does. ok is false with too few round trips to tell.
func (d *detector) queueBaseline(bin int) (q time.Duration, ok bool) {
	n, sum := d.lowest(bin, func(b *rateBin) (float64, float64) { return float64(b.rttN), float64(b.queue) })
	if n < minBaseSamples {
		return 0, false
	}
	return time.Duration(sum / n * float64(time.Second)), true
}

// lowest pools a count and a sum over the bins below bin, extended
// upward, in part of a bin if need be, until minBaseSamples are pooled.
func (d *detector) lowest(bin int, get func(*rateBin) (n, x float64)) (n, x float64) {
	for i := range d.bins {
		bn, bx := get(&d.bins[i])
		if i >= bin {
			if n >= minBaseSamples {
				break
			}
			if bn > minBaseSamples-n {
				f := (minBaseSamples - n) / bn
				bn, bx = bn*f, bx*f
			}
		}
		n += bn
		x += bx
	}
	return n, x
}

// judge reports whether an epoch lost more than the baseline explains.
func (d *detector) judge(e *sendEpoch) bool {
	n := float64(e.answered + e.lost)
	if n < minEpochSamples {
		return false
	}
	return float64(e.lost) > d.limit(n, binOf(e))
}

// limit is the most drops among n outcomes at a rate in bin that the
// baseline loss explains.
func (d *detector) limit(n float64, bin int) float64 {
	b := d.baseline(bin)
	return n*b + lossZ*math.Sqrt(n*b*(1-b)) + 1
}

// baseline is the loss measured at the lowest send rates (see
// minBaseSamples): the loss that slowing down would not remove. Without
// enough samples, the floor.
func (d *detector) baseline(bin int) float64 {
	n, lost := d.lowest(bin, func(b *rateBin) (float64, float64) { return float64(b.n), float64(b.lost) })
	if n < minBaseSamples {
		return lossFloor
	}
	return min(max(lost/n, lossFloor), maxBaseline)
}

func (d *detector) record(e *sendEpoch) {
	b := &d.bins[binOf(e)]
	b.n += float32(e.answered + e.lost)
	b.lost += float32(e.lost)
	b.rttN += float32(e.rttN)
	b.queue += float32(e.queueSum.Seconds())
	if b.n > binCap || b.rttN > binCap {
		*b = rateBin{n: b.n / 2, lost: b.lost / 2, rttN: b.rttN / 2, queue: b.queue / 2}
	}
}

// binOf is the quarter octave of an epoch's send rate in probes per
// second.
func binOf(e *sendEpoch) int {
	perSec := float64(e.sent) * float64(time.Second) / float64(max(e.end-e.start, 1))
	if perSec < 1 {
		return 0
	}
	return min(int(math.Log2(perSec)*binsPerOctave), rateBins-1)
}
