package osdetect

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
)

// tuiRounds is how many times a probe of the second phase is sent when it
// gets no reply: Nmap's default retransmissions of OS probes.
const tuiRounds = 3

// u1Payload is U1's data: 300 bytes of 'C'.
var u1Payload = func() []byte {
	b := make([]byte, 300)
	for i := range b {
		b[i] = osfp.U1PayloadByte
	}
	return b
}()

// frameFor builds the IP layer of a probe to h.
func (h *host) frameFor(p *osfp.Probe) packet.Frame {
	return packet.Frame{
		Link: h.link.ltype, SrcMAC: h.link.SrcMAC, DstMAC: h.nextHop,
		Src: h.src, Dst: h.t.Addr,
		TTL: uint8(37 + h.rng.IntN(23)), TOS: p.TOS, ID: uint16(h.rng.Uint32()), DF: p.DF,
	}
}

// build appends the frame of probe p of try t to b. slot is where its
// reply goes.
func (h *host) build(b []byte, t *try, p *osfp.Probe) ([]byte, error) {
	f := h.frameFor(p)
	switch p.Kind {
	case osfp.ProbeIE:
		data := make([]byte, p.DataLen)
		m := packet.ICMP{Type: packet.ICMPv4EchoRequest, Code: p.Code,
			Rest: uint32(t.icmpID+uint16(p.Index))<<16 | uint32(p.ICMPSeq), Body: data}
		return f.AppendICMP(b, &m)
	case osfp.ProbeU1:
		f.ID = p.IPID
		f.TTL = uint8(time.Now().Unix()%14) + 51
		b, err := f.AppendUDP(b, t.portBase+portSpan-1, t.udp, u1Payload[:p.DataLen])
		if err != nil {
			return b, err
		}
		udp := b[len(b)-8-p.DataLen:]
		t.r.U1Sent = osfp.U1Sent{
			SrcPort: t.portBase + portSpan - 1, DstPort: t.udp, TTL: f.TTL, IPID: p.IPID,
			Checksum: binary.BigEndian.Uint16(udp[6:8]), PayloadByte: p.PayloadByte,
		}
		return b, nil
	}
	seg := packet.TCP{
		SrcPort: t.portBase + p.PortOffset, DstPort: t.open,
		Seq: t.r.SeqBase + p.SeqOffset, Ack: t.r.AckBase,
		Flags: p.Flags, Window: p.Window, Urgent: p.Urgent,
	}
	if p.Target == osfp.TargetClosedTCP {
		seg.DstPort = t.closed
	}
	if p.AckZero {
		seg.Ack = 0
	}
	seg.Options.Raw = p.Options
	return f.AppendTCP(b, &seg, nil)
}

// slotOf is where the reply to p goes.
func slotOf(p *osfp.Probe) int {
	switch p.Kind {
	case osfp.ProbeIE:
		return slotIE + p.Index
	case osfp.ProbeU1:
		return slotU1
	}
	return int(p.PortOffset)
}

// send builds and sends p, registering it first so that its reply is kept
// however fast it comes.
func (h *host) send(t *try, p *osfp.Probe, buf []byte) ([]byte, error) {
	s := slotOf(p)
	h.mu.Lock()
	b, err := h.build(buf[:0], t, p)
	if err == nil {
		t.sent[s] = true
		t.sentCount[s]++
		if p.Kind == osfp.ProbeSEQ {
			t.r.SeqSent[p.Index] = time.Now()
		}
	}
	h.mu.Unlock()
	if err != nil {
		return b, err
	}
	return b, h.link.send(b)
}

// probe runs one try: the SEQ probes 100 ms apart, then the rest at once,
// resending what got no reply. It returns the try's responses.
func (h *host) probe(ctx context.Context, timeout time.Duration) (*osfp.Responses, error) {
	t := h.newTry()
	probes := osfp.Probes()
	buf := make([]byte, 0, 512)
	var err error
	seqSlots := []int{0, 1, 2, 3, 4, 5}
	if t.open != 0 {
		start := time.Now()
		for i := range 6 {
			if err := sleepUntil(ctx, start.Add(time.Duration(i)*osfp.SeqSpacing)); err != nil {
				h.finish()
				return nil, err
			}
			if buf, err = h.send(t, &probes[i], buf); err != nil {
				h.finish()
				return nil, err
			}
		}
		if err := h.wait(ctx, t, seqSlots, timeout); err != nil {
			h.finish()
			return nil, err
		}
	}
	var tui []osfp.Probe
	for _, p := range probes[6:] {
		if t.open == 0 && p.Target == osfp.TargetOpenTCP {
			continue
		}
		tui = append(tui, p)
	}
	if t.open != 0 {
		for _, s := range h.unanswered(t, seqSlots) {
			tui = append(tui, osfp.RetryProbe(s, false))
		}
		if !h.answered(t, 0) {
			tui = append(tui, osfp.RetryProbe(0, true))
		}
	}
	slots := make([]int, len(tui))
	for i := range tui {
		slots[i] = slotOf(&tui[i])
	}
	for round := range tuiRounds {
		for i := range tui {
			if round > 0 && h.answered(t, slots[i]) {
				continue
			}
			if buf, err = h.send(t, &tui[i], buf); err != nil {
				h.finish()
				return nil, err
			}
		}
		if err := h.wait(ctx, t, slots, timeout); err != nil {
			h.finish()
			return nil, err
		}
		if !h.pending(t, slots) {
			break
		}
	}
	return h.finish(), nil
}
