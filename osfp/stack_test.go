package osfp

import (
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/packet"
)

// This file simulates how a TCP/IP stack answers the 16 probes, from a few
// documented traits, so that Compute can be tested end to end on decoded
// packets without a network.

var (
	scanner = netip.MustParseAddr("192.0.2.1")
	target  = netip.MustParseAddr("192.0.2.7")
)

// stack is a personality: the traits that decide its answers.
type stack struct {
	ttl     uint8
	df      bool // DF on TCP
	mss     uint16
	wscale  uint8
	win     uint16 // SYN-ACK window when timestamps are on
	winNoTS uint16 // and when they are off (the ECN probe)
	// layout writes the SYN-ACK options for what the SYN offered.
	layout func(s *stack, sack, ts, ws bool, tsval uint32) []byte
	noTS   bool // never sends timestamps
	tsHz   float64
	ecn    bool // answers ECN with ECE
	// odd: answers T2 and T3 on an open port with RST|ACK (Windows).
	odd bool
	// ackJunk: resets to bare ACKs carry a nonzero ack (Windows).
	ackJunk bool
	// ipid returns the IP ID of the n-th packet it sends, by kind.
	ipid func(kind string, n int) uint16
	// u1Full quotes the whole UDP probe (576-byte limit); else 8 bytes.
	u1Full  bool
	noU1    bool // drops the UDP probe
	echoDF  bool // echo replies keep the request's DF
	echoZ   bool // echo replies have code 0
	isn     func(i int) uint32
	distant int // hops beyond the first
}

// linuxLayout: MSS, SACK+TS together or NOP NOP before one, NOP WS.
func linuxLayout(s *stack, sack, ts, ws bool, tsval uint32) []byte {
	b := packet.AppendMSSOption(nil, s.mss)
	switch {
	case sack && ts:
		b = packet.AppendSACKPermittedOption(b)
		b = packet.AppendTimestampsOption(b, tsval, 0xFFFFFFFF)
	case ts:
		b = packet.AppendNOPOption(packet.AppendNOPOption(b))
		b = packet.AppendTimestampsOption(b, tsval, 0xFFFFFFFF)
	case sack:
		b = packet.AppendNOPOption(packet.AppendNOPOption(b))
		b = packet.AppendSACKPermittedOption(b)
	}
	if ws {
		b = packet.AppendWindowScaleOption(packet.AppendNOPOption(b), s.wscale)
	}
	return b
}

// windowsLayout: MSS, NOP WS, NOP NOP SACK, no timestamps.
func windowsLayout(s *stack, sack, ts, ws bool, tsval uint32) []byte {
	b := packet.AppendMSSOption(nil, s.mss)
	if ws {
		b = packet.AppendWindowScaleOption(packet.AppendNOPOption(b), s.wscale)
	}
	if sack {
		b = packet.AppendSACKPermittedOption(packet.AppendNOPOption(packet.AppendNOPOption(b)))
	}
	return b
}

func linuxStack() *stack {
	icmp := uint16(0x5a10)
	return &stack{
		ttl: 64, df: true, mss: 1460, wscale: 7, win: 0xFE88, winNoTS: 0xFAF0,
		layout: linuxLayout, tsHz: 1000, ecn: true,
		ipid: func(kind string, n int) uint16 {
			if kind == "icmp" {
				return icmp + uint16(n)
			}
			return 0
		},
		u1Full: true,
		isn:    randomISN,
	}
}

func windowsStack() *stack {
	return &stack{
		ttl: 128, df: true, mss: 1460, wscale: 8, win: 0xFFFF, winNoTS: 0xFFFF,
		layout: windowsLayout, noTS: true, odd: true, ackJunk: true, echoZ: true,
		ipid:   func(kind string, n int) uint16 { return 0x3000 + uint16(n) }, // one global counter
		u1Full: true, noU1: true,
		isn: randomISN,
	}
}

var isns = [...]uint32{0x1c2a9f13, 0x9e01b7c4, 0x4f7d2e88, 0xd3a04c1b, 0x27c9e5f0, 0xb85d1a36}

func randomISN(i int) uint32 { return isns[i] }

// probeOffers reads what a probe's options offer.
func probeOffers(p Probe) (sack, ts, ws bool) {
	var o packet.TCPOptions
	o.Parse(p.Options)
	return o.SACKPermitted, o.HasTimestamps, o.HasWScale
}

func decode(t *testing.T, b []byte) *packet.Decoded {
	t.Helper()
	d := new(packet.Decoded)
	if err := d.Decode(b, packet.LinkRaw); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return d
}

// reply builds a decoded TCP segment from the target.
func (s *stack) reply(t *testing.T, id uint16, df bool, tcp packet.TCP) *packet.Decoded {
	t.Helper()
	f := packet.Frame{Link: packet.LinkRaw, Src: target, Dst: scanner, TTL: s.ttl - uint8(s.distant), ID: id, DF: df}
	b, err := f.AppendTCP(nil, &tcp, nil)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

const (
	seqBase = 0x5e3a0c11
	ackBase = 0x1d44b390
	tcpBase = 40000
	u1TTL   = 57
)

// respond runs the 16 probes against the stack and collects the replies.
func (s *stack) respond(t *testing.T) *Responses {
	t.Helper()
	r := &Responses{SeqBase: seqBase, AckBase: ackBase, OpenTCP: true, ClosedTCP: true}
	start := time.Date(2026, 11, 28, 4, 0, 0, 0, time.UTC)
	n := map[string]int{}
	next := func(kind string) uint16 {
		id := s.ipid(kind, n[kind])
		n[kind]++
		return id
	}
	ts0 := uint32(0x0badf00d)
	synAck := func(p Probe, seq uint32, at time.Time, flags packet.TCPFlags, win uint16) *packet.Decoded {
		sack, ts, ws := probeOffers(p)
		ts = ts && !s.noTS
		tsval := ts0 + uint32(s.tsHz*at.Sub(start).Seconds())
		w := s.win
		if !ts {
			w = s.winNoTS
		}
		if win != 0 {
			w = win
		}
		tcp := packet.TCP{
			SrcPort: 22, DstPort: tcpBase + p.PortOffset, Seq: seq, Ack: seqBase + p.SeqOffset + 1,
			Flags: flags, Window: w,
		}
		tcp.Options.Raw = s.layout(s, sack, ts, ws, tsval)
		return s.reply(t, next("tcp"), s.df, tcp)
	}
	rst := func(p Probe, withACK bool, seq, ack uint32) *packet.Decoded {
		f := packet.FlagRST
		if withACK {
			f |= packet.FlagACK
		}
		return s.reply(t, next("tcp"), s.df, packet.TCP{SrcPort: 22, DstPort: tcpBase + p.PortOffset, Seq: seq, Ack: ack, Flags: f})
	}
	junk := func(ack uint32) uint32 {
		if s.ackJunk {
			return 0x0a0b0c0d
		}
		return ack
	}
	for _, p := range Probes() {
		switch p.Kind {
		case ProbeSEQ:
			at := start.Add(time.Duration(p.Index) * SeqSpacing)
			r.SeqSent[p.Index] = at
			r.Seq[p.Index] = synAck(p, s.isn(p.Index), at, packet.FlagSYN|packet.FlagACK, 0)
		case ProbeECN:
			f := packet.FlagSYN | packet.FlagACK
			if s.ecn {
				f |= packet.FlagECE
			}
			r.ECN = synAck(p, 0x77665544, start.Add(time.Second), f, s.winNoTS)
			r.ECN.TCP.Ack = seqBase + 1
		case ProbeT:
			switch p.Index {
			case 2:
				if s.odd {
					r.T[2] = rst(p, true, 0, seqBase)
				}
			case 3:
				if s.odd {
					r.T[3] = rst(p, true, 0, junk(seqBase+1))
				}
			case 4, 6:
				r.T[p.Index] = rst(p, false, ackBase, junk(0))
			case 5, 7:
				r.T[p.Index] = rst(p, true, 0, seqBase+1)
			}
		case ProbeIE:
			r.IE[p.Index] = s.echo(t, p, next("icmp"))
		case ProbeU1:
			r.U1Sent = U1Sent{SrcPort: 50000, DstPort: 33434, TTL: u1TTL, IPID: U1IPID, PayloadByte: U1PayloadByte}
			if !s.noU1 {
				r.U1 = s.unreachable(t, &r.U1Sent, next("icmp"))
			}
		}
	}
	return r
}

func (s *stack) echo(t *testing.T, p Probe, id uint16) *packet.Decoded {
	t.Helper()
	code := p.Code
	if s.echoZ {
		code = 0
	}
	df := s.echoDF && p.DF
	f := packet.Frame{Link: packet.LinkRaw, Src: target, Dst: scanner, TTL: s.ttl - uint8(s.distant), ID: id, DF: df}
	m := packet.ICMP{Type: packet.ICMPv4EchoReply, Code: code, Rest: uint32(0x4242+p.Index)<<16 | uint32(p.ICMPSeq), Body: make([]byte, p.DataLen)}
	b, err := f.AppendICMP(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

// unreachable builds the port unreachable for U1, quoting the probe as it
// arrived, and fills in the probe's checksum.
func (s *stack) unreachable(t *testing.T, sent *U1Sent, id uint16) *packet.Decoded {
	t.Helper()
	payload := make([]byte, 300)
	for i := range payload {
		payload[i] = sent.PayloadByte
	}
	pf := packet.Frame{Link: packet.LinkRaw, Src: scanner, Dst: target, TTL: sent.TTL - uint8(s.distant), ID: sent.IPID}
	probe, err := pf.AppendUDP(nil, sent.SrcPort, sent.DstPort, payload)
	if err != nil {
		t.Fatal(err)
	}
	sent.Checksum = uint16(probe[26])<<8 | uint16(probe[27])
	quote := probe
	if !s.u1Full {
		quote = probe[:28]
	}
	f := packet.Frame{Link: packet.LinkRaw, Src: target, Dst: scanner, TTL: s.ttl - uint8(s.distant), ID: id}
	m := packet.ICMP{Type: packet.ICMPv4DestUnreachable, Code: packet.ICMPv4PortUnreachable, Body: quote}
	b, err := f.AppendICMP(nil, &m)
	if err != nil {
		t.Fatal(err)
	}
	return decode(t, b)
}

// freebsdLayout follows tcp_addoptions: MSS; NOP to an odd offset, window
// scale; to an even one, SACK-permitted; NOPs to offset 2 mod 4, timestamp;
// EOL padding to a multiple of four.
func freebsdLayout(s *stack, sack, ts, ws bool, tsval uint32) []byte {
	b := packet.AppendMSSOption(nil, s.mss)
	if ws {
		for len(b)%2 != 1 {
			b = packet.AppendNOPOption(b)
		}
		b = packet.AppendWindowScaleOption(b, s.wscale)
	}
	if sack {
		for len(b)%2 != 0 {
			b = packet.AppendNOPOption(b)
		}
		b = packet.AppendSACKPermittedOption(b)
	}
	if ts {
		for len(b)%4 != 2 {
			b = packet.AppendNOPOption(b)
		}
		b = packet.AppendTimestampsOption(b, tsval, 0xFFFFFFFF)
	}
	for len(b)%4 != 0 {
		b = packet.AppendEOLOption(b)
	}
	return b
}

// xnuLayout: MSS, NOP window scale, NOP NOP timestamp, SACK-permitted, EOL
// padding.
func xnuLayout(s *stack, sack, ts, ws bool, tsval uint32) []byte {
	b := packet.AppendMSSOption(nil, s.mss)
	if ws {
		b = packet.AppendWindowScaleOption(packet.AppendNOPOption(b), s.wscale)
	}
	if ts {
		b = packet.AppendNOPOption(packet.AppendNOPOption(b))
		b = packet.AppendTimestampsOption(b, tsval, 0xFFFFFFFF)
	}
	if sack {
		b = packet.AppendSACKPermittedOption(b)
	}
	for len(b)%4 != 0 {
		b = packet.AppendEOLOption(b)
	}
	return b
}

func freebsdStack() *stack {
	return &stack{
		ttl: 64, df: true, mss: 1460, wscale: 6, win: 0xFFFF, winNoTS: 0xFFFF,
		layout: freebsdLayout, tsHz: 1000, ecn: true,
		ipid: func(kind string, n int) uint16 {
			return map[bool]uint16{true: 0x0100 + uint16(n), false: 0}[kind == "icmp"]
		},
		echoDF: true, isn: randomISN,
	}
}

func macStack() *stack {
	s := freebsdStack()
	s.layout = xnuLayout
	return s
}
