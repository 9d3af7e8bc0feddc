package timing

import (
	"time"

	"github.com/picket-scanner/picket/result"
)

// Mode chooses how a Group reads drops.
type Mode uint8

const (
	// Picket backs off on congestion only: loss above what lower send
	// rates saw, a burst of loss among probes sent together, or round
	// trips inflated by a queue that lower rates did not build. A steady
	// rate of random loss is retransmitted, not obeyed. It also paces
	// sends within the window. The raw engine uses it; see the package
	// documentation.
	Picket Mode = iota
	// Nmap reads every drop as congestion, as ultra_scan does: the host's
	// window falls to the floor and the group's is halved, at most once
	// per batch of drops. For comparisons and for users who want Nmap's
	// exact behaviour.
	Nmap
)

func (m Mode) String() string {
	if m == Nmap {
		return "nmap"
	}
	return "picket"
}

// A Probe is what an engine remembers of one transmission, handed back
// when its answer or its timeout comes. It is a plain value.
type Probe struct {
	Try      int       // 0 for the first transmission
	Sent     time.Time // when this try went out
	PrevSent time.Time // when the previous try went out; zero for try 0 or if unknown
	// TimedOut is set when this try was already reported to OnTimeout, so
	// it no longer counts in flight.
	TimedOut bool
	Ping     bool // a timing ping to a port known to answer
}

// Reaction says what a reply or timeout changed, for verbose output and
// statistics. Several bits may be set.
type Reaction uint8

const (
	Dropped    Reaction = 1 << iota // an earlier try of this probe was lost
	HostCut                         // the host's window shrank
	GroupCut                        // the group's window shrank
	DelayBoost                      // the host's scan delay changed
)

// Stats are a group's counts, for the completeness report at the end of a
// scan: a plain value, a copy taken by Group.Stats.
type Stats struct {
	Sent        uint64 // transmissions, retries included
	Retransmits uint64
	Replies     uint64
	Drops       uint64 // replies to retransmissions: an earlier try was lost
	Timeouts    uint64
	Cuts        uint64 // times the group window was cut (host cuts are not counted)
}

// Loss is the fraction of answered probes whose first answerable try was
// lost, Drops / Replies.
func (s Stats) Loss() float64 {
	if s.Replies == 0 {
		return 0
	}
	return float64(s.Drops) / float64(s.Replies)
}

// GroupConfig describes a scan group. The zero GroupConfig is a -T3 TCP
// scan in picket mode with Nmap's window ceiling. It is a plain value.
type GroupConfig struct {
	Params Params // zero: DefaultParams
	Mode   Mode
	Proto  result.Protocol // picks the scan-delay boost; zero is TCP
	// Ceiling bounds the windows when --max-parallelism is not given; 0
	// is Nmap's 300. See Params.WindowConfig.
	Ceiling int
}

// A Group is the congestion control of one scan group, Nmap's
// GroupScanStats: one window for the group and one per Host, RTT
// estimates, retransmission caps and scan delays. The engine reports every
// send, reply and timeout, and asks Room before sending. No method reads
// the clock: each takes the engine's now.
//
// A Group and its Hosts are not safe for concurrent use: one scheduler
// goroutine owns them. Their methods do not allocate.
type Group struct {
	mode   Mode
	params Params
	proto  result.Protocol
	wcfg   WindowConfig
	win    window
	pace   pace
	det    detector
	rtt    RTT
	active int
	hosts  int
	stats  Stats
}

// A Host is one target's share of a Group. Engines embed it in their own
// host state and pass it to the Group's methods; Group.Join initialises it.
// It takes about 330 bytes, and in picket mode 2 KiB more once the host
// has been sent hostDetectorAfter probes: a host that gets only a few
// probes, as in a sweep of many hosts for a few ports, costs no more.
// Like its Group, a Host is not safe for concurrent use.
type Host struct {
	win      window
	pace     pace
	det      *detector // picket mode, after hostDetectorAfter sends
	sends    int
	minRTT   time.Duration
	rtt      RTT
	tries    Retries
	delay    ScanDelay
	active   int
	lastSend time.Time
	limit    time.Duration // gap imposed by a detected rate limit
}

// hostDetectorAfter is how many probes a host is sent before it gets its
// own congestion detector; until then the group's judges for it.
const hostDetectorAfter = 32

// NewGroup returns a group with no hosts.
func NewGroup(c GroupConfig) *Group {
	if c.Params.InitialRTT == 0 && c.Params.MaxRTT == 0 {
		c.Params = DefaultParams()
	}
	g := &Group{mode: c.Mode, params: c.Params, proto: c.Proto, wcfg: c.Params.WindowConfig(c.Ceiling)}
	g.win = newWindow(&g.wcfg)
	g.rtt = NewRTT(g.rttConfig())
	return g
}

func (g *Group) rttConfig() RTTConfig {
	c := g.params.RTTConfig()
	c.NmapFirstSample = g.mode == Nmap
	return c
}

// Join initialises h as a member of the group.
func (g *Group) Join(h *Host) {
	*h = Host{
		win:   newWindow(&g.wcfg),
		rtt:   NewRTT(g.rttConfig()),
		tries: NewRetries(g.params.MaxRetries),
		delay: NewScanDelay(g.params, g.proto, g.mode == Picket),
	}
	g.hosts++
}

// Leave removes a finished host; its probes still in flight leave the
// group window.
func (g *Group) Leave(h *Host) {
	g.hosts--
	g.active = max(g.active-h.active, 0)
	h.active = 0
}

// Room is how many probes may go to h now: what its window and the group
// window leave, or at most one if a scan delay or rate limit holds the
// host and its gap has passed. The group window only binds while two or
// more hosts remain, as in Nmap. In picket mode sends are also paced at a
// little over window/srtt, so that a window is not sent in one clump.
// --min-rate may demand more: see Pacer.Owed.
func (g *Group) Room(h *Host, now time.Time) int {
	n := h.win.room(h.active)
	if g.hosts >= 2 {
		n = min(n, g.win.room(g.active))
	}
	if gap := max(h.delay.Delay(), h.limit); gap > 0 && n > 0 {
		if !h.lastSend.IsZero() && now.Sub(h.lastSend) < gap {
			return 0
		}
		n = 1
	}
	if g.mode == Picket && n > 0 {
		if p := h.pace.room(&h.win, g.hostRTT(h).SRTT(), now); p >= 0 {
			n = min(n, p)
		}
		if g.hosts >= 2 {
			if p := g.pace.room(&g.win, g.rtt.SRTT(), now); p >= 0 {
				n = min(n, p)
			}
		}
	}
	return n
}

// NextSend is when h may next be sent a probe as far as its scan delay,
// rate limit and pacing go, not counting its window. A time not after now,
// or the zero time, means at once.
func (g *Group) NextSend(h *Host) time.Time {
	var t time.Time
	if gap := max(h.delay.Delay(), h.limit); gap > 0 && !h.lastSend.IsZero() {
		t = h.lastSend.Add(gap)
	}
	if g.mode == Picket {
		if p := h.pace.next(&h.win, g.hostRTT(h).SRTT()); p.After(t) {
			t = p
		}
		if g.hosts >= 2 {
			if p := g.pace.next(&g.win, g.rtt.SRTT()); p.After(t) {
				t = p
			}
		}
	}
	return t
}

// OnSend records a transmission of the given try to h at now.
func (g *Group) OnSend(h *Host, try int, now time.Time) {
	h.active++
	g.active++
	h.lastSend = now
	g.stats.Sent++
	if try > 0 {
		g.stats.Retransmits++
	}
	if g.mode == Picket {
		h.pace.spend(&h.win, g.hostRTT(h).SRTT(), now)
		if g.hosts >= 2 {
			g.pace.spend(&g.win, g.rtt.SRTT(), now)
		}
		if h.det == nil {
			if h.sends++; h.sends >= hostDetectorAfter {
				h.det = new(detector)
			}
		}
		if h.det != nil {
			h.det.sent(now, epochLength(g.hostRTT(h)), h.win.cwnd)
		}
		g.det.sent(now, epochLength(&g.rtt), g.win.cwnd)
	}
}

// OnCancel records that a probe in flight to h will not be waited for any
// more, without a timing signal: its port was answered by an earlier try.
func (g *Group) OnCancel(h *Host) {
	h.active = max(h.active-1, 0)
	g.active = max(g.active-1, 0)
}

// OnReply records an answer to probe p from h, received at now.
func (g *Group) OnReply(h *Host, p Probe, now time.Time) Reaction {
	var r Reaction
	h.rtt.Observe(p.Sent, now)
	g.rtt.Observe(p.Sent, now)
	g.stats.Replies++
	drop := p.Try > 0
	if drop {
		r |= Dropped
		g.stats.Drops++
	}
	h.win.expected++
	g.win.expected++
	scale := 1.0
	if p.Ping {
		scale = pingMagnifier
	}
	if g.mode == Nmap {
		if drop {
			r |= g.nmapDrop(h, p, now)
		}
		g.win.ack(&g.wcfg, scale, 0)
		h.win.ack(&g.wcfg, scale, 0)
	} else {
		g.win.ack(&g.wcfg, scale, feedbackLag(&g.rtt))
		h.win.ack(&g.wcfg, scale, feedbackLag(g.hostRTT(h)))
		if rtt := now.Sub(p.Sent); rtt >= 0 {
			if h.minRTT == 0 || rtt < h.minRTT {
				h.minRTT = rtt
			}
			if h.det != nil {
				h.det.answered(p.Sent, rtt, h.minRTT)
			}
			g.det.answered(p.Sent, rtt, h.minRTT)
		}
		if drop {
			r |= g.picketLost(h, p.PrevSent, now)
		}
		r |= g.picketSettle(h, now)
	}
	if h.delay.Observe(p, true, now) {
		r |= DelayBoost
	}
	// Nmap boosts the delay when a try above 3 (4 at -T4 and -T5) is first
	// answered. Under independent loss some port always needs that many
	// tries once enough ports are scanned (5% loss: one in 160,000 ports
	// needs a fifth), so picket leaves the boost to the drop fraction.
	if h.tries.Answered(p.Try) && g.mode == Nmap && p.Try > g.params.Template.BoostTry && h.delay.Boost(now) {
		r |= DelayBoost
	}
	if !p.TimedOut {
		h.active = max(h.active-1, 0)
		g.active = max(g.active-1, 0)
	}
	return r
}

// OnTimeout records that probe p to h got no answer within Timeout. Only an
// unanswered timing ping is a drop: other probes may be to filtered ports.
func (g *Group) OnTimeout(h *Host, p Probe, now time.Time) Reaction {
	var r Reaction
	g.stats.Timeouts++
	h.win.expected++
	g.win.expected++
	if p.Ping {
		r |= Dropped
		if g.mode == Nmap {
			r |= g.nmapDrop(h, p, now)
		} else {
			r |= g.picketLost(h, p.Sent, now)
		}
	}
	if g.mode == Picket {
		r |= g.picketSettle(h, now)
	}
	if h.delay.Observe(p, false, now) {
		r |= DelayBoost
	}
	h.active = max(h.active-1, 0)
	g.active = max(g.active-1, 0)
	return r
}

// nmapDrop is ultra_scan's reaction, once per batch: only a probe sent
// after the last cut can cut again, since drops come in bursts.
func (g *Group) nmapDrop(h *Host, p Probe, now time.Time) Reaction {
	var r Reaction
	if p.Sent.After(h.win.lastCut) {
		h.win.dropHost(&g.wcfg, h.active, now)
		r |= HostCut
	}
	if p.Sent.After(g.win.lastCut) {
		g.win.dropGroup(&g.wcfg, g.active, now)
		g.stats.Cuts++
		r |= GroupCut
	}
	return r
}

// picketLost books a lost try sent at lostAt, and cuts a window whose
// detector proves that try's send epoch congested already. Drops of probes
// sent before a window's last cut describe the old rate and cannot cut it
// again.
func (g *Group) picketLost(h *Host, lostAt time.Time, now time.Time) Reaction {
	var r Reaction
	if h.det == nil {
		// Too few probes to this host to judge it alone: the group judges.
	} else if v, ok := h.det.lost(lostAt); ok && v.start.After(h.win.lastCut) {
		h.win.cut(&g.wcfg, v.cwnd, now)
		r |= HostCut
	}
	if v, ok := g.det.lost(lostAt); ok && v.start.After(g.win.lastCut) {
		g.win.cut(&g.wcfg, v.cwnd, now)
		g.stats.Cuts++
		r |= GroupCut
	}
	return r
}

// picketSettle judges the send epochs of h and of the group whose outcomes
// are in, and cuts a window at most once for epochs sent after its last
// cut.
func (g *Group) picketSettle(h *Host, now time.Time) Reaction {
	var r Reaction
	hr := g.hostRTT(h)
	if h.det == nil {
		// As in picketLost.
	} else if v, ok := h.det.settle(now, rttWait(hr), settleTime(hr)); ok && v.start.After(h.win.lastCut) {
		h.win.cut(&g.wcfg, v.cwnd, now)
		r |= HostCut
	}
	if v, ok := g.det.settle(now, rttWait(&g.rtt), settleTime(&g.rtt)); ok && v.start.After(g.win.lastCut) {
		g.win.cut(&g.wcfg, v.cwnd, now)
		g.stats.Cuts++
		r |= GroupCut
	}
	return r
}

// epochLength is long enough to hold about one window of probes (one
// round trip) and short enough that at most six epochs wait to settle.
func epochLength(r *RTT) time.Duration {
	return max(r.SRTT(), settleTime(r)/6, time.Millisecond)
}

// feedbackLag is how many round trips pass before a loss is proven.
func feedbackLag(r *RTT) float64 {
	if r.SRTT() <= 0 {
		return 0
	}
	return float64(settleTime(r)) / float64(r.SRTT())
}

// rttWait is how long after a send its round trip is known: two smoothed
// round trips.
func rttWait(r *RTT) time.Duration { return 2 * r.SRTT() }

// settleTime is how long after a send its loss is known: a timeout, then a
// round trip for the retransmission, with a round trip to spare.
func settleTime(r *RTT) time.Duration { return r.Timeout() + 2*r.SRTT() }

// hostRTT is the estimate that times h's probes: its own once measured,
// else the group's, else its initial timeout (Nmap's probeTimeout).
func (g *Group) hostRTT(h *Host) *RTT {
	if !h.rtt.Measured() && g.rtt.Measured() {
		return &g.rtt
	}
	return &h.rtt
}

// Timeout is how long to wait for an answer from h before retransmitting.
func (g *Group) Timeout(h *Host) time.Duration { return g.hostRTT(h).Timeout() }

// AllowedTry is the highest try number that may be sent to h now.
func (g *Group) AllowedTry(h *Host) int { return h.tries.Allowed() }

// LimitRate holds h to perSecond probes per second, typically after a
// RateLimit detector found the host answering no faster; 0 lifts it.
func (g *Group) LimitRate(h *Host, perSecond float64) {
	h.limit = 0
	if perSecond > 0 {
		h.limit = time.Duration(float64(time.Second) / perSecond)
	}
}

// Window returns the group's congestion window and slow-start threshold.
func (g *Group) Window() (cwnd, ssthresh float64) { return g.win.cwnd, g.win.ssthresh }

// InFlight is the number of probes in flight in the group.
func (g *Group) InFlight() int { return g.active }

// Times returns the group's RTT estimate.
func (g *Group) Times() Times { return g.rtt.Times() }

// Stats returns the group's counts.
func (g *Group) Stats() Stats { return g.stats }

// Mode returns the group's mode.
func (g *Group) Mode() Mode { return g.mode }

// Window returns the host's congestion window and slow-start threshold.
func (h *Host) Window() (cwnd, ssthresh float64) { return h.win.cwnd, h.win.ssthresh }

// InFlight is the number of probes in flight to the host.
func (h *Host) InFlight() int { return h.active }

// Times returns the host's RTT estimate, for <times> in Nmap's XML.
func (h *Host) Times() Times { return h.rtt.Times() }

// ScanDelay is the host's current minimum gap between probes.
func (h *Host) ScanDelay() time.Duration { return h.delay.Delay() }

// Retries returns the host's retransmission cap.
func (h *Host) Retries() Retries { return h.tries }
