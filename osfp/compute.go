package osfp

import (
	"fmt"
	"time"

	"github.com/picket-scanner/picket/packet"
)

// Responses is what an engine collected from one try of the 16 probes, to
// an IPv4 target (Nmap's IPv6 OS detection is another method): the
// numbers it chose when sending, and each probe's decoded reply (nil for
// none). Every reply must be decoded into its own packet.Decoded over its
// own frame buffer, kept alive until Compute returns. A reply is the first
// one that matched its probe; Nmap ignores later duplicates. It is a plain
// value.
type Responses struct {
	// SeqBase is the sequence number of SEQ probe 1; SEQ probe i carries
	// SeqBase+i-1, and ECN, T2–T7 and the retries carry SeqBase. AckBase is
	// the acknowledgement number of the TCP probes (ECN's is 0).
	SeqBase, AckBase uint32
	// SeqSent are the times the six SEQ probes were (last) sent: the ISR,
	// SP and TS tests divide by their differences.
	SeqSent [6]time.Time
	// Seq are the replies to the SEQ probes, in probe order.
	Seq [6]*packet.Decoded
	// OPSRetry are the replies to the second-phase OPS/WIN retries, used
	// for O and W where Seq has none.
	OPSRetry [6]*packet.Decoded
	// T1Retry is the reply to the T1 retry, used when Seq[0] is nil.
	T1Retry *packet.Decoded
	ECN     *packet.Decoded
	// T holds the replies to T2–T7 at T[2] to T[7]; T[0] and T[1] are
	// unused.
	T [8]*packet.Decoded
	// IE are the echo replies, by probe. IERetransmitted marks a reply to
	// a resent echo request, whose IP ID Nmap leaves out of SEQ.II.
	IE              [2]*packet.Decoded
	IERetransmitted [2]bool
	U1              *packet.Decoded
	// U1Sent is what the U1 probe carried, for the R* tests and distance.
	U1Sent U1Sent

	// OpenTCP and ClosedTCP report that an open and a closed TCP port were
	// probed: only then do ECN, T1–T4 (open) and T5–T7 (closed) without a
	// reply become R=N, rather than being left out.
	OpenTCP, ClosedTCP bool
	// Localhost is set when the target is this machine; Nmap then corrects
	// the IP ID differences for the replies the scan itself causes.
	Localhost bool
}

// U1Sent describes the U1 probe as sent. It is a plain value.
type U1Sent struct {
	SrcPort, DstPort uint16
	TTL              uint8  // its IP TTL, for the hop count
	IPID             uint16 // normally U1IPID
	Checksum         uint16 // its UDP checksum, as on the wire
	PayloadByte      byte   // normally U1PayloadByte
}

// Analysis is a computed fingerprint and what Nmap reports beside it. It
// is a plain value.
type Analysis struct {
	Fingerprint Fingerprint
	// SeqResponses counts the SYN-ACKs with a nonzero ISN. With at least 4
	// of them, SeqIndex is the SP value, Nmap's "TCP Sequence Prediction:
	// Difficulty".
	SeqResponses int
	SeqIndex     int
	// IPID is the class of the IP IDs of the SYN-ACKs (Nmap's "IP ID
	// Sequence Generation").
	IPID IPIDClass
	// TS is the class of the TCP timestamps and TSHz their measured rate.
	TS   TSClass
	TSHz float64
	// Uptime is the guess from the TCP timestamps, valid when HasUptime;
	// LastBoot is SeqSent[0] minus Uptime. Nmap discards claims over two
	// years, leaving an uptime of 0.
	Uptime    time.Duration
	LastBoot  time.Time
	HasUptime bool
	// Distance is the hop count from the TTL quoted in the U1 reply, or -1.
	// DistanceGuess is from the TTL of the first reply and the nearest
	// common initial TTL above it, or -1.
	Distance, DistanceGuess int
}

// Compute returns the fingerprint of one try.
func Compute(r *Responses) Fingerprint { return Analyze(r).Fingerprint }

// Analyze computes every test as Nmap's osscan2 does, and the side results.
func Analyze(r *Responses) Analysis {
	a := Analysis{Distance: -1, DistanceGuess: -1}
	var tests [13]*Test // SEQ, OPS, WIN, ECN, T1–T7, U1, IE
	tests[0] = a.seq(r)
	tests[1], tests[2] = opsWin(r)
	if r.ECN != nil && isTCP(r.ECN) {
		t := ecnTest(r.ECN)
		tests[3] = &t
	}
	t1 := r.Seq[0]
	if t1 == nil || !isTCP(t1) {
		t1 = r.T1Retry
	}
	if t1 != nil && isTCP(t1) {
		t := tcpTest("T1", t1, r.SeqBase, r.AckBase, false)
		tests[4] = &t
	}
	for n := 2; n <= 7; n++ {
		if d := r.T[n]; d != nil && isTCP(d) {
			t := tcpTest(fmt.Sprintf("T%d", n), d, r.SeqBase, r.AckBase, true)
			tests[3+n] = &t
		}
	}
	if t, dist, ok := u1Test(r.U1, &r.U1Sent); ok {
		tests[11] = &t
		a.Distance = dist
	}
	if t, ok := ieTest(r.IE); ok {
		tests[12] = &t
	}
	for i := 3; i < len(tests); i++ {
		if tests[i] == nil {
			if i <= 7 && r.OpenTCP || i >= 8 && i <= 10 && r.ClosedTCP || i >= 11 {
				tests[i] = &Test{Name: testOrder[i], Attrs: []Attr{{"R", "N"}}}
			}
			continue
		}
		a.fixTTL(tests[i])
	}
	for _, t := range tests {
		if t != nil {
			a.Fingerprint.Tests = append(a.Fingerprint.Tests, *t)
		}
	}
	return a
}

// fixTTL replaces the received TTL, which the test functions store in
// decimal, with the initial TTL in hexadecimal: exact (T) when the U1 reply
// gave the hop count, guessed (TG) otherwise.
func (a *Analysis) fixTTL(t *Test) {
	for i, at := range t.Attrs {
		if at.Name != "T" {
			continue
		}
		var ttl int
		fmt.Sscan(at.Value, &ttl)
		if a.DistanceGuess == -1 {
			a.DistanceGuess = InitialTTL(uint8(ttl)) - ttl
		}
		if a.Distance != -1 {
			t.Attrs[i].Value = fmt.Sprintf("%X", uint16(ttl+a.Distance-1))
		} else {
			t.Attrs[i] = Attr{"TG", fmt.Sprintf("%X", InitialTTL(uint8(ttl)))}
		}
		return
	}
}

// InitialTTL is Nmap's guess at the TTL a reply started with: the nearest
// of 32, 64, 128 and 255 at or above the one received.
func InitialTTL(ttl uint8) int {
	switch {
	case ttl <= 32:
		return 32
	case ttl <= 64:
		return 64
	case ttl <= 128:
		return 128
	}
	return 255
}

func isTCP(d *packet.Decoded) bool {
	return d.Network == packet.NetworkIPv4 && d.Transport == packet.TransportTCP
}

func isSynAck(d *packet.Decoded) bool {
	return d != nil && isTCP(d) && d.TCP.Flags&packet.FlagRST == 0 &&
		d.TCP.Flags.Has(packet.FlagSYN|packet.FlagACK)
}

// opsWin builds OPS and WIN, which Nmap prints only when all six replies
// (to the SEQ probes or their retries, RSTs included) are there.
func opsWin(r *Responses) (*Test, *Test) {
	ops := Test{Name: "OPS", Attrs: make([]Attr, 0, 6)}
	win := Test{Name: "WIN", Attrs: make([]Attr, 0, 6)}
	for i := range 6 {
		d := r.Seq[i]
		if d == nil || !isTCP(d) {
			d = r.OPSRetry[i]
		}
		if d == nil || !isTCP(d) {
			return nil, nil
		}
		ops.Attrs = append(ops.Attrs, Attr{fmt.Sprintf("O%d", i+1), OptionString(d.TCP.Options.Raw)})
		win.Attrs = append(win.Attrs, Attr{fmt.Sprintf("W%d", i+1), fmt.Sprintf("%X", d.TCP.Window)})
	}
	return &ops, &win
}
