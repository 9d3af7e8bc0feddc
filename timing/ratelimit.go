package timing

import "time"

// LimitState is a RateLimit's verdict.
type LimitState uint8

const (
	// NoLimit: replies follow what is sent, or there is too little to say.
	NoLimit LimitState = iota
	// Suspected: replies come at a steady rate while most probes go
	// unanswered, but the send rate has not varied enough to tell a limit
	// from a host whose other ports are filtered. Changing the send rate
	// (a scan-delay boost, a window cut) settles it.
	Suspected
	// Limited: the send rate varied and the replies did not follow.
	Limited
)

func (s LimitState) String() string {
	switch s {
	case Suspected:
		return "suspected"
	case Limited:
		return "limited"
	}
	return "none"
}

// A Limit is a RateLimit's finding, a plain value.
type Limit struct {
	State     LimitState
	PerSecond float64 // the steady reply rate, when State is not NoLimit
}

// Rate-limit detection, measured in one-second buckets: kernels limit ICMP
// unreachables, and some RSTs, per second (Nmap's man page: Linux and
// Solaris about 1 ICMP/s; FreeBSD's icmplim: 200/s of both by default).
const (
	limitBucket    = time.Second
	limitBuckets   = 4    // judged together
	limitMinSent   = 4    // probes a bucket needs to count
	limitSteady    = 0.25 // replies vary by at most this fraction of their mean (or by 1)
	limitSendSwing = 2    // max/min send count that shows the rate varied: a halving, as a boost does
)

type limitCount struct{ sent, replies, unanswered uint32 }

// A RateLimit watches one host for replies of one kind (RSTs, or ICMP port
// unreachables) that come at a steady rate whatever the send rate, while
// probes go unanswered: the sign of a rate limit at the target, which
// retransmitting faster cannot beat. It keeps the last four one-second
// buckets. An engine keeps one per host and reply kind it relies on, and
// on Limited paces the host to PerSecond (Group.LimitRate).
// A RateLimit is a value; it is not safe for concurrent use.
type RateLimit struct {
	start time.Time // of the current bucket
	cur   limitCount
	hist  [limitBuckets]limitCount // ring of finished buckets
	next  int
	n     int
}

// Sent records n probes sent to the host at now.
func (r *RateLimit) Sent(now time.Time, n int) {
	r.roll(now)
	r.cur.sent += uint32(n)
}

// Reply records a reply of the watched kind at now.
func (r *RateLimit) Reply(now time.Time) {
	r.roll(now)
	r.cur.replies++
}

// Unanswered records a probe to the host that timed out at now.
func (r *RateLimit) Unanswered(now time.Time) {
	r.roll(now)
	r.cur.unanswered++
}

// roll closes buckets that ended before now; empty buckets count, so a
// pause starts the evidence again.
func (r *RateLimit) roll(now time.Time) {
	if r.start.IsZero() {
		r.start = now
		return
	}
	for i := 0; now.Sub(r.start) >= limitBucket; i++ {
		if i == limitBuckets {
			// A long pause: nothing older is worth keeping.
			r.n, r.cur = 0, limitCount{}
			r.start = now
			return
		}
		r.hist[r.next] = r.cur
		r.next = (r.next + 1) % limitBuckets
		r.n = min(r.n+1, limitBuckets)
		r.cur = limitCount{}
		r.start = r.start.Add(limitBucket)
	}
}

// Verdict judges the last four finished buckets at now.
func (r *RateLimit) Verdict(now time.Time) Limit {
	r.roll(now)
	if r.n < limitBuckets {
		return Limit{}
	}
	var sumR, sumS, sumU uint32
	minR, maxR := ^uint32(0), uint32(0)
	minS, maxS := ^uint32(0), uint32(0)
	for _, b := range r.hist {
		if b.sent < limitMinSent {
			return Limit{}
		}
		sumR += b.replies
		sumS += b.sent
		sumU += b.unanswered
		minR, maxR = min(minR, b.replies), max(maxR, b.replies)
		minS, maxS = min(minS, b.sent), max(maxS, b.sent)
	}
	mean := float64(sumR) / limitBuckets
	steady := float64(maxR-minR) <= max(1, limitSteady*mean)
	// Most probes unanswered: at least twice as many sent as answered,
	// and more timeouts than replies.
	starved := sumR >= limitBuckets && sumS >= 2*sumR && sumU >= sumR
	if !steady || !starved {
		return Limit{}
	}
	perSec := mean / limitBucket.Seconds()
	if float64(maxS) >= limitSendSwing*float64(minS) {
		return Limit{State: Limited, PerSecond: perSec}
	}
	return Limit{State: Suspected, PerSecond: perSec}
}
