package osfp

import (
	"time"

	"github.com/picket-scanner/picket/packet"
)

// ProbeKind says which test a probe feeds. Like Target, DistanceMethod,
// IPIDClass and TSClass, it is a small value type, safe to copy and share.
type ProbeKind uint8

// Probe kinds.
const (
	ProbeSEQ ProbeKind = iota + 1 // the six SYNs: SEQ, OPS, WIN, and T1 from the first
	ProbeIE                       // the two ICMP echo requests
	ProbeU1                       // the UDP datagram to a closed port
	ProbeECN                      // the SYN with CWR and ECE
	ProbeT                        // T2–T7
)

// Target says which port of the host a probe goes to.
type Target uint8

// Probe targets.
const (
	TargetNone      Target = iota // ICMP
	TargetOpenTCP                 // an open TCP port
	TargetClosedTCP               // a closed TCP port
	TargetClosedUDP               // a closed UDP port
)

// Probe describes one of the 16 probes, as Nmap sends it, for an engine to
// build. Numbers the engine picks per host (sequence base, source ports,
// ICMP identifier) are given as offsets from the values it chooses, so that
// a reply can be matched to its probe as Nmap does: by the destination port
// of a TCP reply (TCPPortBase + PortOffset), by the identifier of an echo
// reply, and by the ports quoted in the ICMP error for U1.
//
// Nmap gives every probe but U1 a random IP ID, and the TCP and ICMP probes
// a random TTL of 37 to 59 unless --ttl is given; U1's TTL is (Unix time
// mod 14) + 51. Any TTL works, but U1's must be recorded in U1Sent.TTL,
// since the hop count comes from it. Probe values are plain; Probes returns
// a fresh slice.
type Probe struct {
	Name   string // SEQ1–SEQ6, IE1, IE2, U1, ECN, T2–T7
	Kind   ProbeKind
	Index  int // 0–5 for SEQ, 0–1 for IE, 2–7 for T, 0 otherwise
	Target Target
	// Delay is how long after the previous probe of the same phase to send
	// this one: Nmap spaces the SEQ probes 100 ms apart so that the six
	// replies span about 500 ms, which the ISR and TS tests assume.
	Delay time.Duration

	DF  bool  // IPv4 don't fragment
	TOS uint8 // IPv4 type of service

	// TCP probes.
	PortOffset uint16          // source port = the engine's TCP port base + PortOffset
	Flags      packet.TCPFlags // reserved bits included (ECN sets one)
	Window     uint16
	Urgent     uint16
	Options    []byte // raw TCP options; timestamps carry TSval 0xFFFFFFFF, TSecr 0
	// SeqOffset is added to the engine's sequence base (Responses.SeqBase);
	// the acknowledgement number is Responses.AckBase, or 0 when AckZero.
	SeqOffset uint32
	AckZero   bool

	// ICMP echo probes: the identifier is the engine's base + Index, the
	// sequence number ICMPSeq, and the data DataLen zero bytes.
	Code    uint8
	ICMPSeq uint16
	DataLen int

	// U1: IPID is the IP identification, and the payload DataLen bytes of
	// PayloadByte, so the datagram is 328 bytes long.
	IPID        uint16
	PayloadByte byte
}

// Nmap's fixed probe values, from its published description of the probes.
const (
	// U1IPID is the IP ID of the U1 probe.
	U1IPID = 0x1042
	// U1PayloadByte fills the 300 bytes of U1's payload ('C').
	U1PayloadByte = 0x43
	// U1Length is the IP total length of U1; RIPL is G when it comes back.
	U1Length = 328
	// IESeq is the ICMP sequence number of the first echo probe.
	IESeq = 295
	// IECode is the nonzero code of the first echo probe; CD=S means the
	// replies echoed it.
	IECode = 9
	// ECNUrgent is the urgent pointer of the ECN probe, sent without URG.
	ECNUrgent = 0xF7F5
	// SeqSpacing is the delay between the SEQ probes.
	SeqSpacing = 100 * time.Millisecond
)

// Port offsets from the engine's TCP source port base, as Nmap lays them
// out: SEQ 0–5, retried OPS/WIN probes 6–11, ECN 12, T1–T7 13–19.
const (
	offsetOPSRetry = 6
	offsetECN      = 12
	offsetT1       = 13
)

// seqOpts builds the options of the six SEQ probes, O1–O6 of Nmap's
// description.
func seqOpts(i int) []byte {
	var b []byte
	ts := func(b []byte) []byte { return packet.AppendTimestampsOption(b, 0xFFFFFFFF, 0) }
	switch i {
	case 0: // window scale 10, NOP, MSS 1460, timestamp, SACK permitted
		b = packet.AppendWindowScaleOption(b, 10)
		b = packet.AppendNOPOption(b)
		b = packet.AppendMSSOption(b, 1460)
		b = ts(b)
		b = packet.AppendSACKPermittedOption(b)
	case 1: // MSS 1400, window scale 0, SACK permitted, timestamp, EOL
		b = packet.AppendMSSOption(b, 1400)
		b = packet.AppendWindowScaleOption(b, 0)
		b = packet.AppendSACKPermittedOption(b)
		b = ts(b)
		b = packet.AppendEOLOption(b)
	case 2: // timestamp, NOP, NOP, window scale 5, NOP, MSS 640
		b = ts(b)
		b = packet.AppendNOPOption(b)
		b = packet.AppendNOPOption(b)
		b = packet.AppendWindowScaleOption(b, 5)
		b = packet.AppendNOPOption(b)
		b = packet.AppendMSSOption(b, 640)
	case 3: // SACK permitted, timestamp, window scale 10, EOL
		b = packet.AppendSACKPermittedOption(b)
		b = ts(b)
		b = packet.AppendWindowScaleOption(b, 10)
		b = packet.AppendEOLOption(b)
	case 4: // MSS 536, SACK permitted, timestamp, window scale 10, EOL
		b = packet.AppendMSSOption(b, 536)
		b = packet.AppendSACKPermittedOption(b)
		b = ts(b)
		b = packet.AppendWindowScaleOption(b, 10)
		b = packet.AppendEOLOption(b)
	case 5: // MSS 265, SACK permitted, timestamp
		b = packet.AppendMSSOption(b, 265)
		b = packet.AppendSACKPermittedOption(b)
		b = ts(b)
	}
	return b
}

// seqWindows are the windows of the six SEQ probes.
var seqWindows = [6]uint16{1, 63, 4, 4, 16, 512}

// tOpts builds the options of T2–T7: window scale (10, or 15 for T7), NOP,
// MSS 265, timestamp, SACK permitted.
func tOpts(wscale uint8) []byte {
	b := packet.AppendWindowScaleOption(nil, wscale)
	b = packet.AppendNOPOption(b)
	b = packet.AppendMSSOption(b, 265)
	b = packet.AppendTimestampsOption(b, 0xFFFFFFFF, 0)
	return packet.AppendSACKPermittedOption(b)
}

// ecnReserved is the reserved bit the ECN probe sets: the highest of the
// four bits between the data offset and CWR (Nmap's th_x2 = 8).
const ecnReserved packet.TCPFlags = 0x0800

// Probes returns the 16 probes in the order Nmap sends them: the six SEQ
// SYNs 100 ms apart, then the two echo requests, U1, ECN and T2–T7.
//
// Nmap also resends, in the second phase, a SEQ probe's twin for OPS and
// WIN when a SEQ probe got no reply (same options and window, source port
// offset 6–11), and the first SEQ probe as T1 (offset 13) when it got none;
// [RetryProbe] describes those. Their replies go in Responses.OPSRetry and
// Responses.T1Retry.
func Probes() []Probe {
	ps := make([]Probe, 0, 16)
	for i := range 6 {
		d := SeqSpacing
		if i == 0 {
			d = 0
		}
		ps = append(ps, Probe{
			Name: "SEQ" + string(rune('1'+i)), Kind: ProbeSEQ, Index: i, Target: TargetOpenTCP, Delay: d,
			PortOffset: uint16(i), Flags: packet.FlagSYN, Window: seqWindows[i], Options: seqOpts(i),
			SeqOffset: uint32(i),
		})
	}
	ps = append(ps,
		Probe{Name: "IE1", Kind: ProbeIE, Index: 0, DF: true, TOS: 0, Code: IECode, ICMPSeq: IESeq, DataLen: 120},
		Probe{Name: "IE2", Kind: ProbeIE, Index: 1, TOS: 0x04, Code: 0, ICMPSeq: IESeq + 1, DataLen: 150},
		Probe{Name: "U1", Kind: ProbeU1, Target: TargetClosedUDP, IPID: U1IPID, PayloadByte: U1PayloadByte, DataLen: 300},
		Probe{
			Name: "ECN", Kind: ProbeECN, Target: TargetOpenTCP, PortOffset: offsetECN,
			Flags: packet.FlagSYN | packet.FlagECE | packet.FlagCWR | ecnReserved, Window: 3, Urgent: ECNUrgent,
			Options: []byte{3, 3, 10, 1, 2, 4, 0x05, 0xb4, 4, 2, 1, 1}, AckZero: true,
		},
	)
	ts := []struct {
		target Target
		df     bool
		flags  packet.TCPFlags
		window uint16
		wscale uint8
	}{
		{TargetOpenTCP, true, 0, 128, 10}, // T2: no flags
		{TargetOpenTCP, false, packet.FlagSYN | packet.FlagFIN | packet.FlagURG | packet.FlagPSH, 256, 10}, // T3
		{TargetOpenTCP, true, packet.FlagACK, 1024, 10},                                                    // T4
		{TargetClosedTCP, false, packet.FlagSYN, 31337, 10},                                                // T5
		{TargetClosedTCP, true, packet.FlagACK, 32768, 10},                                                 // T6
		{TargetClosedTCP, false, packet.FlagFIN | packet.FlagPSH | packet.FlagURG, 65535, 15},              // T7
	}
	for i, t := range ts {
		n := i + 2
		ps = append(ps, Probe{
			Name: "T" + string(rune('0'+n)), Kind: ProbeT, Index: n, Target: t.target, DF: t.df,
			PortOffset: offsetT1 + uint16(n-1), Flags: t.flags, Window: t.window, Options: tOpts(t.wscale),
		})
	}
	return ps
}

// RetryProbe describes the second-phase twin of SEQ probe i (0–5): with
// forT1 false, the OPS/WIN retry Nmap sends when SEQ probe i got no reply;
// with forT1 true (i is then ignored), the T1 retry, a copy of SEQ probe 1.
// Both carry the sequence base itself, and their own source port offset.
func RetryProbe(i int, forT1 bool) Probe {
	if forT1 {
		i = 0
	}
	p := Probes()[i]
	p.Delay = 0
	if forT1 {
		p.Name, p.Kind, p.Index, p.PortOffset, p.SeqOffset = "T1", ProbeT, 1, offsetT1, 0
		return p
	}
	p.Name = "OPS" + string(rune('1'+i))
	p.PortOffset, p.SeqOffset = offsetOPSRetry+uint16(i), 0
	return p
}
