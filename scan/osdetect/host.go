package osdetect

import (
	"context"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
)

// Reply slots of one try: the six SEQ probes, their six OPS/WIN retries,
// ECN, the T1 retry and T2–T7 lie at their source port offsets (0–19);
// the echo replies and U1's unreachable follow.
const (
	slotECN   = 12
	slotT1    = 13
	slotT2    = 14
	slotIE    = 20
	slotU1    = 22
	numSlots  = 23
	portSpan  = 21 // source ports a try uses: 20 TCP, then U1's
	basePorts = 61000
)

// host is one target under detection.
type host struct {
	t        Target
	link     *link
	src      netip.Addr
	nextHop  packet.MAC
	mac      net.HardwareAddr
	sameLink bool
	skip     string // why the host is not probed, when it is not
	rng      *rand.Rand

	mu   sync.Mutex // guards cur
	cur  *try
	wake chan struct{} // a reply arrived; buffered, never blocks
}

// try is one round of the 16 probes to a host: the numbers chosen for it
// and the replies received.
type try struct {
	portBase  uint16
	icmpID    uint16
	open      uint16
	closed    uint16
	udp       uint16
	r         osfp.Responses
	got       [numSlots]bool
	sent      [numSlots]bool // probes sent, so a reply to one not sent is not ours
	sentCount [numSlots]int
}

// offer keeps a copy of a reply if it answers one of the host's probes of
// the current try and none came before it.
func (h *host) offer(d *packet.Decoded, frame []byte, lt packet.LinkType) {
	h.mu.Lock()
	defer h.mu.Unlock()
	t := h.cur
	if t == nil {
		return
	}
	slot := -1
	switch d.Transport {
	case packet.TransportTCP:
		off := int(d.TCP.DstPort) - int(t.portBase)
		if off < 0 || off >= slotIE {
			return
		}
		want := t.open
		if off >= slotT2+3 {
			want = t.closed
		}
		if d.TCP.SrcPort != want {
			return
		}
		slot = off
	case packet.TransportICMPv4:
		switch d.ICMP.Type {
		case packet.ICMPv4EchoReply:
			i := int(d.ICMP.ID()) - int(t.icmpID)
			if i < 0 || i > 1 {
				return
			}
			slot = slotIE + i
		case packet.ICMPv4DestUnreachable:
			q := &d.Quote
			if q.Transport != packet.TransportUDP || q.SrcPort != t.r.U1Sent.SrcPort || q.DstPort != t.udp {
				return
			}
			slot = slotU1
		default:
			return
		}
	default:
		return
	}
	if !t.sent[slot] || t.got[slot] {
		return
	}
	kept := new(packet.Decoded)
	if kept.Decode(append([]byte(nil), frame...), lt) != nil {
		return
	}
	t.got[slot] = true
	switch {
	case slot < 6:
		t.r.Seq[slot] = kept
	case slot < slotECN:
		t.r.OPSRetry[slot-6] = kept
	case slot == slotECN:
		t.r.ECN = kept
	case slot == slotT1:
		t.r.T1Retry = kept
	case slot < slotIE:
		t.r.T[slot-slotT2+2] = kept
	case slot < slotU1:
		i := slot - slotIE
		t.r.IE[i] = kept
		t.r.IERetransmitted[i] = t.sentCount[slot] > 1
	default:
		t.r.U1 = kept
	}
	select {
	case h.wake <- struct{}{}:
	default:
	}
}

// newTry draws the numbers of a try and makes it current, so that replies
// are kept from the first probe on.
func (h *host) newTry() *try {
	t := &try{
		portBase: basePorts + uint16(h.rng.IntN(65536-basePorts-portSpan)),
		icmpID:   uint16(h.rng.Uint32()),
		open:     h.t.OpenTCP,
		closed:   h.t.ClosedTCP,
		udp:      h.t.ClosedUDP,
	}
	if t.closed == 0 {
		t.closed = uint16(30000 + h.rng.IntN(14781)) // as Nmap does without one
	}
	if t.udp == 0 {
		t.udp = uint16(30000 + h.rng.IntN(14781))
	}
	if t.icmpID == 0xffff {
		t.icmpID--
	}
	t.r.SeqBase, t.r.AckBase = h.rng.Uint32(), h.rng.Uint32()
	t.r.OpenTCP, t.r.ClosedTCP = h.t.OpenTCP != 0, true
	h.mu.Lock()
	h.cur = t
	h.mu.Unlock()
	return t
}

// finish ends the current try and returns its responses, which no reply
// changes after this.
func (h *host) finish() *osfp.Responses {
	h.mu.Lock()
	defer h.mu.Unlock()
	r := &h.cur.r
	h.cur = nil
	return r
}

// pending reports whether any of slots was sent and is still unanswered.
func (h *host) pending(t *try, slots []int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range slots {
		if t.sent[s] && !t.got[s] {
			return true
		}
	}
	return false
}

// unanswered returns the slots sent and not answered.
func (h *host) unanswered(t *try, slots []int) []int {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []int
	for _, s := range slots {
		if t.sent[s] && !t.got[s] {
			out = append(out, s)
		}
	}
	return out
}

// answered reports whether slot got a reply.
func (h *host) answered(t *try, slot int) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return t.got[slot]
}

// wait blocks until every slot sent is answered, the timeout passes or ctx
// ends.
func (h *host) wait(ctx context.Context, t *try, slots []int, timeout time.Duration) error {
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	for h.pending(t, slots) {
		select {
		case <-h.wake:
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// sleepUntil waits for the clock to reach at, or ctx to end.
func sleepUntil(ctx context.Context, at time.Time) error {
	d := time.Until(at)
	if d <= 0 {
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
