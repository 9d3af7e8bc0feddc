package raw

import (
	"errors"
	"os"
	"slices"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

// receive reads and records replies until the sender stops it.
func (e *engine) receive() {
	b := netio.NewBatch(64, 2048)
	var d packet.Decoded
	for {
		n, err := e.cfg.Conn.ReadBatch(b)
		if err != nil {
			if e.stop.Load() || !errors.Is(err, os.ErrDeadlineExceeded) {
				return
			}
			continue
		}
		now := e.now()
		for i := 0; i < n; i++ {
			e.handle(&d, b.Bufs[i], now)
		}
	}
}

// handle validates one frame and records what it says.
func (e *engine) handle(d *packet.Decoded, frame []byte, now time.Time) {
	if d.Decode(frame, e.link) != nil {
		return
	}
	switch d.Transport {
	case packet.TransportTCP:
		k, try, ok := e.kindTry(d.TCP.DstPort)
		if !ok || e.slotIdx[k] == nil {
			return
		}
		h, ok := e.hostIdx[d.IP.Src]
		if !ok {
			return
		}
		si := e.slotIdx[k][d.TCP.SrcPort]
		if si < 0 {
			return
		}
		c := e.cookie(d.IP.Src, d.TCP.SrcPort, d.TCP.DstPort)
		o, ok := classifyTCP(e.kinds[k], d.TCP.Flags, d.TCP.Seq, d.TCP.Ack, c)
		if !ok {
			return
		}
		if e.passive != nil {
			e.passive[h].keep(d, o, e.kinds[k])
		}
		e.record(int(h), uint64(h)*e.nslots+uint64(si), o, d.IP.TTL, try, now)
	case packet.TransportUDP:
		// A datagram back from the probed port. UDP echoes nothing of the
		// probe but the ports, so that is all there is to check.
		k, try, ok := e.kindTry(d.UDP.DstPort)
		if !ok || e.kinds[k] != scan.UDP {
			return
		}
		h, ok := e.hostIdx[d.IP.Src]
		if !ok {
			return
		}
		if si := e.slotIdx[k][d.UDP.SrcPort]; si >= 0 {
			e.record(int(h), uint64(h)*e.nslots+uint64(si), scan.UDPResponse, d.IP.TTL, try, now)
		}
	case packet.TransportICMPv4, packet.TransportICMPv6:
		v6 := d.Transport == packet.TransportICMPv6
		switch typ := d.ICMP.Type; {
		case !v6 && typ == 0, v6 && typ == 129:
			e.handlePing(d, scan.Echo, now)
		case !v6 && typ == 14:
			e.handlePing(d, scan.Timestamp, now)
		case !v6 && typ == 3, v6 && typ == 1:
			e.handleUnreach(d, now)
		}
	}
}

// handlePing records an ICMP echo or timestamp reply.
func (e *engine) handlePing(d *packet.Decoded, t scan.Technique, now time.Time) {
	k := slices.Index(e.kinds, t)
	if k < 0 {
		return
	}
	h, ok := e.hostIdx[d.IP.Src]
	if !ok {
		return
	}
	c := e.cookie(d.IP.Src, 0, e.sport(k, 0))
	id, seq := d.ICMP.ID(), d.ICMP.Seq()
	if id != uint16(c>>16) || seq&^(maxTries-1) != uint16(c)&^(maxTries-1) {
		return
	}
	e.record(int(h), uint64(h)*e.nslots+uint64(e.icmpSlot[k]), scan.OtherResponse, d.IP.TTL, int(seq&(maxTries-1)), now)
}

// handleUnreach records an ICMP destination unreachable that quotes one
// of our TCP probes.
func (e *engine) handleUnreach(d *packet.Decoded, now time.Time) {
	q := &d.Quote
	switch {
	case q.IP.Version == 0:
		return
	case q.Transport == packet.TransportUDP && q.HasPorts():
	case !q.HasSeq():
		return
	}
	k, try, ok := e.kindTry(q.SrcPort)
	if !ok || e.slotIdx[k] == nil {
		return
	}
	h, ok := e.hostIdx[q.IP.Dst]
	if !ok {
		return
	}
	si := e.slotIdx[k][q.DstPort]
	if si < 0 {
		return
	}
	c := e.cookie(q.IP.Dst, q.DstPort, q.SrcPort)
	switch {
	case q.Transport == packet.TransportTCP && q.Seq != c:
		return
	case q.Transport == packet.TransportUDP && q.IP.Version == 4 && uint16(q.IP.ID) != uint16(c>>8):
		// IPv4 quotes our IP ID; IPv6 has none, and the ports must do.
		return
	}
	o := scan.ICMPv4Unreach(d.ICMP.Code)
	if d.Transport == packet.TransportICMPv6 {
		o = scan.ICMPv6Unreach(d.ICMP.Code)
	}
	if d.IP.Src != q.IP.Dst {
		if _, seen := e.from[int(h)]; !seen {
			e.from[int(h)] = d.IP.Src
		}
	}
	e.record(int(h), uint64(h)*e.nslots+uint64(si), o, d.IP.TTL, try, now)
}

// record stores an answer to probe idx of host h, unless a better one is
// already there.
func (e *engine) record(h int, idx uint64, o scan.Outcome, ttl uint8, try int, now time.Time) {
	e.replies.Add(1)
	if priority(o) == 1 {
		// Whatever it answers, the error spent one of the host's
		// tokens.
		e.lastErr[h].Store(int64(now.Sub(e.start)))
	}
	var old uint32
	for {
		old = e.state[idx].Load()
		if priority(o) <= priority(scan.Outcome(old&outcomeMask)) {
			return
		}
		nw := old&(triesMask|pacedBit) | uint32(o) | uint32(ttl)<<ttlShift | uint32(try)<<answerShift
		if e.state[idx].CompareAndSwap(old, nw) {
			break
		}
	}
	if old&outcomeMask == 0 {
		if o == scan.SynAck && e.cfg.OnOpen != nil {
			e.cfg.OnOpen(h, e.slots[idx%e.nslots].Port)
		}
		e.answered.Add(1)
		e.winAnswer.Add(1)
		if priority(o) == 1 {
			e.icmpFirst[h].Add(1)
		}
		if old&pacedBit == 0 {
			// Answers to the paced rounds say the host limits its
			// errors, not that every probe deserves more retries.
			e.earned[try].Add(1)
		}
		if try > 0 {
			e.recovered.Add(1)
		}
		if p := e.cfg.Progress; p != nil {
			p.Resolved.Add(1)
			p.Replies.Add(1)
		}
	}
	// Only an answer to the latest transmission times a round trip:
	// the source port says which one this answers (Karn's rule, exact).
	if tries := int(old&triesMask>>triesShift) - 1; try == tries {
		rtt := time.Duration(uint64(e.units(now)-e.sent[idx].Load()) << timeUnitShift)
		if !e.hostRTT[h].Measured() {
			e.firstRTT[h] = rtt
		}
		e.hostRTT[h].Sample(rtt)
		e.rtt.Sample(rtt)
		e.timeout.Store(int64(e.rtt.Timeout()))
		e.srtt.Store(int64(e.rtt.SRTT()))
	}
}
