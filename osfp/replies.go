package osfp

import (
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"strconv"

	"github.com/picket-scanner/picket/packet"
)

// The test functions below store the received TTL in decimal under T, as
// Nmap does; Analyze then turns it into the initial TTL (T or TG).

func yn(b bool) string {
	if b {
		return "Y"
	}
	return "N"
}

// ecnTest is the ECN test: R, DF, T, W, O, CC, Q.
func ecnTest(d *packet.Decoded) Test {
	f := d.TCP.Flags
	cc := "O"
	switch {
	case f.Has(packet.FlagECE | packet.FlagCWR):
		cc = "S"
	case f.Has(packet.FlagECE):
		cc = "Y"
	case !f.Has(packet.FlagCWR):
		cc = "N"
	}
	return Test{Name: "ECN", Attrs: []Attr{
		{"R", "Y"},
		{"DF", yn(d.IP.DF)},
		{"T", strconv.Itoa(int(d.IP.TTL))},
		{"W", fmt.Sprintf("%X", d.TCP.Window)},
		{"O", OptionString(d.TCP.Options.Raw)},
		{"CC", cc},
		{"Q", quirks(&d.TCP)},
	}}
}

// tcpTest is T1–T7: R, DF, T, W, S, A, F, O, RD, Q. T1 has no W and O,
// which OPS and WIN cover.
func tcpTest(name string, d *packet.Decoded, seqBase, ackBase uint32, withWO bool) Test {
	t := Test{Name: name, Attrs: make([]Attr, 0, 10)}
	t.Attrs = append(t.Attrs,
		Attr{"R", "Y"},
		Attr{"DF", yn(d.IP.DF)},
		Attr{"T", strconv.Itoa(int(d.IP.TTL))})
	if withWO {
		t.Attrs = append(t.Attrs, Attr{"W", fmt.Sprintf("%X", d.TCP.Window)})
	}
	s := "O"
	switch d.TCP.Seq {
	case 0:
		s = "Z"
	case ackBase:
		s = "A"
	case ackBase + 1:
		s = "A+"
	}
	a := "O"
	switch d.TCP.Ack {
	case 0:
		a = "Z"
	case seqBase:
		a = "S"
	case seqBase + 1:
		a = "S+"
	}
	t.Attrs = append(t.Attrs, Attr{"S", s}, Attr{"A", a}, Attr{"F", FlagString(d.TCP.Flags)})
	if withWO {
		t.Attrs = append(t.Attrs, Attr{"O", OptionString(d.TCP.Options.Raw)})
	}
	rd := "0"
	if d.TCP.Flags&packet.FlagRST != 0 && len(d.Payload) > 0 {
		rd = fmt.Sprintf("%08X", crc32.ChecksumIEEE(d.Payload))
	}
	t.Attrs = append(t.Attrs, Attr{"RD", rd}, Attr{"Q", quirks(&d.TCP)})
	return t
}

// FlagString returns the F value: the flags among ECE, URG, ACK, PSH, RST,
// SYN and FIN, as E, U, A, P, R, S, F in that order, which is not bit order.
func FlagString(f packet.TCPFlags) string {
	defs := [...]struct {
		f packet.TCPFlags
		c byte
	}{
		{packet.FlagECE, 'E'}, {packet.FlagURG, 'U'}, {packet.FlagACK, 'A'}, {packet.FlagPSH, 'P'},
		{packet.FlagRST, 'R'}, {packet.FlagSYN, 'S'}, {packet.FlagFIN, 'F'},
	}
	b := make([]byte, 0, len(defs))
	for _, d := range defs {
		if f&d.f != 0 {
			b = append(b, d.c)
		}
	}
	return string(b)
}

// quirks is the Q value: R when any of the four bits between the data
// offset and CWR is set, U when the urgent pointer is nonzero without URG.
func quirks(t *packet.TCP) string {
	q := ""
	if t.Flags&(packet.FlagAE|packet.FlagsReserved) != 0 {
		q += "R"
	}
	if t.Flags&packet.FlagURG == 0 && t.Urgent != 0 {
		q += "U"
	}
	return q
}

// OptionString returns the O value of raw TCP options, as Nmap's
// get_tcpopt_string writes it: L for each EOL byte (the padding after an
// EOL included), N for NOP, M and the MSS in hexadecimal, W and the window
// scale, S for SACK permitted, T and two digits telling whether TSval and
// TSecr are nonzero. An option cut short makes the whole value empty.
//
// Other kinds (SACK blocks, MPTCP, TCP-AO, ...) are skipped by their length
// and leave no letter. Nmap skips only their kind byte and reads on from
// the length byte, which is a flaw of its C code rather than a behaviour of
// the host; a reply with such options will rarely print the same in both.
func OptionString(raw []byte) string {
	b := make([]byte, 0, 2*len(raw))
	for i := 0; i < len(raw); {
		kind := raw[i]
		rest := len(raw) - i
		switch kind {
		case packet.TCPOptEOL:
			b = append(b, 'L')
			i++
		case packet.TCPOptNOP:
			b = append(b, 'N')
			i++
		case packet.TCPOptMSS:
			if rest < 4 {
				return ""
			}
			b = append(b, 'M')
			b = append(b, fmt.Sprintf("%X", binary.BigEndian.Uint16(raw[i+2:]))...)
			i += 4
		case packet.TCPOptWindowScale:
			if rest < 3 {
				return ""
			}
			b = append(b, 'W')
			b = append(b, fmt.Sprintf("%X", raw[i+2])...)
			i += 3
		case packet.TCPOptSACKPermitted:
			if rest < 2 {
				return ""
			}
			b = append(b, 'S')
			i += 2
		case packet.TCPOptTimestamps:
			if rest < 10 {
				return ""
			}
			b = append(b, 'T',
				bitChar(binary.BigEndian.Uint32(raw[i+2:]) != 0),
				bitChar(binary.BigEndian.Uint32(raw[i+6:]) != 0))
			i += 10
		default:
			if rest < 2 || raw[i+1] < 2 || int(raw[i+1]) > rest {
				return ""
			}
			i += int(raw[i+1])
		}
	}
	return string(b)
}

func bitChar(b bool) byte {
	if b {
		return '1'
	}
	return '0'
}

// u1Test is the U1 test, from the ICMP port unreachable that answers the
// UDP probe: R, DF, T, IPL, UN, RIPL, RID, RIPCK, RUCK, RUD. It also
// returns the hop count the quoted TTL gives. ok is false when d is not a
// port unreachable quoting the probe, which leaves R=N.
func u1Test(d *packet.Decoded, sent *U1Sent) (t Test, distance int, ok bool) {
	if d == nil || d.Network != packet.NetworkIPv4 || d.Transport != packet.TransportICMPv4 ||
		d.ICMP.Type != packet.ICMPv4DestUnreachable || d.ICMP.Code != packet.ICMPv4PortUnreachable {
		return Test{}, 0, false
	}
	q := &d.Quote
	body := d.ICMP.Body
	// Nmap wants at least an IP and a UDP header quoted.
	if len(body) < 28 || q.IP.Version != 4 || q.Transport != packet.TransportUDP {
		return Test{}, 0, false
	}
	hl := q.IP.HeaderLen()
	if len(body) < hl+8 || q.SrcPort != sent.SrcPort || q.DstPort != sent.DstPort {
		return Test{}, 0, false
	}
	ripl := "G"
	if q.IP.Length != U1Length {
		ripl = fmt.Sprintf("%X", q.IP.Length)
	}
	rid := "G"
	if uint16(q.IP.ID) != sent.IPID {
		rid = fmt.Sprintf("%X", uint16(q.IP.ID))
	}
	// RIPCK: Nmap checksums the first 20 bytes of the quoted header with
	// the checksum field zeroed, whatever the header length.
	ripck := "Z"
	if q.IP.Checksum != 0 {
		s := packet.Sum(body[0:10], 0)
		s = packet.Sum(body[12:20], s)
		ripck = "I"
		if ^s == q.IP.Checksum {
			ripck = "G"
		}
	}
	udp := body[hl : hl+8]
	ruck := "G"
	if ck := binary.BigEndian.Uint16(udp[6:8]); ck != sent.Checksum {
		ruck = fmt.Sprintf("%X", ck)
	}
	rud := "G"
	for _, c := range body[hl+8:] {
		if c != sent.PayloadByte {
			rud = "I"
			break
		}
	}
	t = Test{Name: "U1", Attrs: []Attr{
		{"R", "Y"},
		{"DF", yn(d.IP.DF)},
		{"T", strconv.Itoa(int(d.IP.TTL))},
		{"IPL", fmt.Sprintf("%X", d.IP.Length)},
		{"UN", fmt.Sprintf("%X", uint16(d.ICMP.Rest))},
		{"RIPL", ripl},
		{"RID", rid},
		{"RIPCK", ripck},
		{"RUCK", ruck},
		{"RUD", rud},
	}}
	return t, int(sent.TTL) - int(q.IP.TTL) + 1, true
}

// ieTest is the IE test from the two echo replies: R, DFI, T, CD. Nmap
// needs both; with one, IE is R=N.
func ieTest(ie [2]*packet.Decoded) (Test, bool) {
	a, b := ie[0], ie[1]
	if a == nil || b == nil || !isEchoReply(a) || !isEchoReply(b) {
		return Test{}, false
	}
	dfi := "O"
	switch {
	case a.IP.DF && b.IP.DF:
		dfi = "Y"
	case a.IP.DF && !b.IP.DF:
		dfi = "S"
	case !a.IP.DF && !b.IP.DF:
		dfi = "N"
	}
	cd := "O"
	switch c1, c2 := a.ICMP.Code, b.ICMP.Code; {
	case c1 == c2 && c1 == 0:
		cd = "Z"
	case c1 == c2:
		cd = fmt.Sprintf("%X", c1)
	case c1 == IECode && c2 == 0:
		cd = "S"
	}
	return Test{Name: "IE", Attrs: []Attr{
		{"R", "Y"},
		{"DFI", dfi},
		{"T", strconv.Itoa(int(a.IP.TTL))},
		{"CD", cd},
	}}, true
}
