package raw

import (
	"context"
	"slices"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/scan"
)

// A UDP port says it is closed only with an ICMP port unreachable, a TCP
// port behind a rejecting firewall only with an ICMP unreachable, and hosts
// limit those: Linux lets a burst of six through, then one a second to each
// destination over IPv4 (faster over IPv6). A probe sent when the host has
// no token left goes unanswered exactly as a probe to an open or filtered
// (dropped) port does, so a scan that gives up on silence at its own pace
// reports most closed UDP ports "open|filtered" and most rejected TCP ports
// "no-response". Waiting out the limiter
// for every port makes the scan take as long as the host's limit, which is
// the floor; the trick is to lose nothing on top of it, and to tell the
// silent ports apart on the way.
//
// After the sweeps, the probes still silent on a host that answered with
// ICMP errors go in rounds, every fraction of a token's time. A round sends
// the probes already found silent once (suspects) first, then a few not
// yet judged. The host answers closed ports in the order the probes arrive,
// as long as it has tokens. So a silent probe followed in its round by one
// the host answered with an error was silent while the host could still
// answer: its port is not closed. And a round sent when the host has had
// time to earn a token since its last error, and answered by none, proves
// every probe of it silent. Each such proof certifies a probe once; a few
// certifications (more once loss shows) conclude "no-response". Every
// token the host earns is spent on a port not yet known, so closed ports
// come at the host's own rate, and the silent ones ride along for free.
//
// The host's rate is learned from the pace of its answers; the time it
// needs to earn a token decides when a round counts as sent to a host with
// one to spend. Many hosts are paced at once, each on its own limiter, so
// they cost no more time than one.

// pacedTryBase is the first try number of the rounds: the sweeps of a port
// scan use the try numbers below it, the rounds cycle through the rest, so
// an answer says which round it answers.
const pacedTryBase = 8

// Certifications of silence that conclude a probe: without and with loss
// seen on the host (an error for a probe once certified silent).
const (
	certClean = 3
	certLossy = 5
)

// Round sizes: the suspects a round carries at most, and the probes not yet
// judged it adds, a few while the host is spending its tokens as they come,
// many when it has had time to earn one and no error since.
const (
	roundSuspects  = 64
	roundFresh     = 2
	roundFreshIdle = 128
)

// defaultTokenGap is how long a host is assumed to take to earn one ICMP
// error until its answers tell: a little over Linux's one second.
const defaultTokenGap = 1100 * time.Millisecond

// Bounds of a learned token gap.
const (
	minTokenGap = 20 * time.Millisecond
	maxTokenGap = 5 * time.Second
)

// paced is one host in the paced rounds of a port scan.
type paced struct {
	h       int
	pending []uint64 // silent probes, by index
	cert    map[uint64]uint8
	need    uint8

	round []uint64 // the round in flight, in the order sent
	try   int
	first bool          // no round has gone yet
	wait  time.Duration // how long a round's answers are waited for
	// prev is the round evaluated last, with the silent probes it
	// certified, so that a late answer can take them back.
	prev, prevCert []uint64
	prevTry        int
	idle           bool // the round went out when the host had earned a token
	// idleAt is when the last idle round went out. An error whose
	// reply was lost spent a token unseen, so the rounds after it may
	// look idle when the host has none: idle rounds come at most one a
	// token's time apart, so such a loss costs a probe one false
	// certification, not all it needs.
	idleAt time.Time
	sentAt time.Time
	evalAt time.Time
	next   time.Time

	gap       time.Duration // the time the host takes to earn a token
	answered  int           // errors to the rounds, after the first answered one
	firstAt   time.Time     // when the first answered round went out
	lastAt    time.Time     // when the latest answered round went out
	reported  bool
	sends     int
	sendLimit int
}

// paced reports whether slot si's silent probes go to the paced rounds
// rather than being given up by the sweeps.
func (e *engine) paced(si uint64) bool {
	return e.cfg.portScan && !isICMP(e.slots[si].Technique)
}

// pacedHosts returns the hosts whose silence the rounds must sort out:
// they answered with ICMP errors, so a limiter may have held others back,
// and have silent probes left. A host that sent no error at all is
// either all silence or unreachable, and the sweeps' verdict stands.
func (e *engine) pacedHosts(now time.Time) []*paced {
	var out []*paced
	for h := range e.targets {
		if e.icmpFirst[h].Load() == 0 {
			continue
		}
		p := &paced{h: h, cert: map[uint64]uint8{}, need: certClean, gap: defaultTokenGap, try: maxTries - 1, next: now, first: true}
		base := uint64(h) * e.nslots
		for idx := base; idx < base+e.nslots; idx++ {
			s := e.state[idx].Load()
			if s&outcomeMask != 0 || !e.paced(idx%e.nslots) || int(s&triesMask>>triesShift) >= maxTries-1 {
				continue
			}
			e.state[idx].Or(pacedBit)
			p.pending = append(p.pending, idx)
		}
		if len(p.pending) > 0 {
			p.sendLimit = 200*len(p.pending) + 10000
			out = append(out, p)
		}
	}
	return out
}

// pace runs the rounds until every paced host's silent probes are
// answered or concluded, the host time-out passes or ctx ends.
func (e *engine) pace(ctx context.Context) (sent uint64, err error) {
	now := e.now()
	hosts := e.pacedHosts(now)
	if len(hosts) == 0 {
		return 0, nil
	}
	if p := e.cfg.Progress; p != nil {
		p.Limited.Add(uint64(len(hosts)))
		defer p.Limited.Add(-uint64(len(hosts)))
	}
	b := netio.NewBatch(64, max(e.maxPayloadFrame(), 128))
	fill := 0
	flush := func() {
		for off := 0; off < fill; {
			n, werr := e.cfg.Conn.WriteBatch(batchView(b, off, fill), fill-off)
			off += n
			if werr != nil {
				time.Sleep(200 * time.Microsecond)
			}
		}
		if p := e.cfg.Progress; p != nil {
			p.Sent.Add(uint64(fill))
		}
		fill = 0
	}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for len(hosts) > 0 {
		if err := ctx.Err(); err != nil {
			return sent, err
		}
		if e.hostTimedOut() {
			return sent, nil
		}
		now = e.now()
		wake := now.Add(50 * time.Millisecond)
		timeout := max(e.timeoutDur(), 20*time.Millisecond)
		hosts = slices.DeleteFunc(hosts, func(p *paced) bool {
			if p.round != nil {
				if now.Before(p.evalAt) {
					wake = earlier(wake, p.evalAt)
					return false
				}
				e.evaluate(p, now)
			}
			round := e.nextRound(p, now)
			if len(round) == 0 || p.sends >= p.sendLimit {
				return true // every silent probe is concluded
			}
			if now.Before(p.next) {
				wake = earlier(wake, p.next)
				return false
			}
			p.try++
			if p.try >= maxTries {
				p.try = pacedTryBase
			}
			p.round = round
			p.sentAt = now
			if p.idle {
				p.idleAt = now
			}
			p.first = false
			p.wait = max(p.wait, timeout)
			p.evalAt = now.Add(p.wait)
			p.next = now.Add(max(p.wait, p.gap/8))
			wake = earlier(wake, p.evalAt)
			for _, idx := range round {
				frame, ok := e.stamp(b.Bufs[fill], idx, p.try)
				if !ok {
					continue
				}
				b.Bufs[fill] = frame
				fill++
				if fill == len(b.Bufs) {
					flush()
				}
			}
			p.sends += len(round)
			sent += uint64(len(round))
			return false
		})
		flush()
		if d := wake.Sub(e.now()); d > 0 {
			timer.Reset(d)
			select {
			case <-ctx.Done():
				return sent, ctx.Err()
			case <-timer.C:
			}
		}
	}
	return sent, nil
}

func earlier(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}

// nextRound picks the probes of p's next round: the suspects first, then
// probes not yet judged. It drops the answered and the concluded from
// p.pending, and sets p.idle.
func (e *engine) nextRound(p *paced, now time.Time) []uint64 {
	p.pending = slices.DeleteFunc(p.pending, func(idx uint64) bool {
		return e.state[idx].Load()&outcomeMask != 0 || p.cert[idx] >= p.need
	})
	last := time.Duration(e.lastErr[p.h].Load())
	p.idle = now.Sub(e.start)-last >= p.gap && now.Sub(p.idleAt) >= p.gap
	fresh := roundFresh
	if p.idle || p.first {
		// So does the first round: it spends whatever the host saved
		// up during the sweeps, so that the rate is learned from
		// tokens earned after it.
		fresh = roundFreshIdle
	}
	var round []uint64
	for _, idx := range p.pending {
		if p.cert[idx] > 0 && len(round) < roundSuspects {
			round = append(round, idx)
		}
	}
	for _, idx := range p.pending {
		if fresh == 0 {
			break
		}
		if p.cert[idx] == 0 {
			round = append(round, idx)
			fresh--
		}
	}
	return round
}

// evaluate reads the answers to p's round and certifies the silence that
// they prove, then learns from them how fast the host earns tokens.
func (e *engine) evaluate(p *paced, now time.Time) {
	e.lateAnswers(p)
	round := p.round
	p.round = nil
	last, answers := -1, 0
	for i, idx := range round {
		if !e.answeredBy(idx, p.try) {
			continue
		}
		last = i
		answers++
		if p.cert[idx] > 0 {
			// An error for a probe once found silent: that silence
			// was a loss, so silence needs more proof on this host.
			p.need = certLossy
		}
	}
	cutoff := last
	if answers == 0 && p.idle {
		cutoff = len(round)
	}
	p.prev, p.prevTry, p.prevCert = round, p.try, p.prevCert[:0]
	for _, idx := range round[:max(cutoff, 0)] {
		if e.state[idx].Load()&outcomeMask == 0 {
			p.cert[idx]++
			p.prevCert = append(p.prevCert, idx)
		}
	}
	if answers == 0 {
		return
	}
	sentAt := p.sentAt
	if p.firstAt.IsZero() {
		// The first answers may spend a bucket saved up during the
		// sweeps: the rate is learned from the ones after.
		p.firstAt = sentAt
		return
	}
	p.answered += answers
	p.lastAt = sentAt
	span := p.lastAt.Sub(p.firstAt)
	if p.answered < 5 || span <= 0 {
		return
	}
	// The first token after the first answered round may have been all
	// but earned then: counting it would overstate the rate.
	rate := float64(p.answered-1) / span.Seconds()
	p.gap = min(max(time.Duration(1.5*float64(time.Second)/rate), minTokenGap), maxTokenGap)
	if !p.reported && e.cfg.OnLimited != nil {
		p.reported = true
		e.cfg.OnLimited(e.targets[p.h].Addr, rate)
	}
}

// answeredBy reports whether probe idx was answered with an ICMP error to
// its transmission with try number try.
func (e *engine) answeredBy(idx uint64, try int) bool {
	s := e.state[idx].Load()
	o := scan.Outcome(s & outcomeMask)
	return o != scan.None && priority(o) == 1 && int(s&answerMask>>answerShift) == try
}

// lateAnswers looks for errors that answered p's previous round after it
// was judged. The silence it certified was then only a slow answer: those
// certifications are taken back, and rounds are waited for longer.
func (e *engine) lateAnswers(p *paced) {
	late := false
	for _, idx := range p.prevCert {
		if e.answeredBy(idx, p.prevTry) {
			late = true
			break
		}
	}
	if !late {
		return
	}
	for _, idx := range p.prevCert {
		if p.cert[idx] > 0 {
			p.cert[idx]--
		}
	}
	p.wait = min(2*p.wait, maxTokenGap)
}
