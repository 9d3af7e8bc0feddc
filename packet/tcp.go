package packet

import "encoding/binary"

// TCPFlags are the 12 bits after the TCP data offset: the eight classic
// flags, AE (accurate ECN, formerly NS) and three reserved bits, kept
// because OS fingerprinting looks at them.
type TCPFlags uint16

// TCP flags.
const (
	FlagFIN TCPFlags = 1 << iota
	FlagSYN
	FlagRST
	FlagPSH
	FlagACK
	FlagURG
	FlagECE
	FlagCWR
	FlagAE

	// FlagsReserved are the three reserved bits above AE.
	FlagsReserved TCPFlags = 0x0e00
)

// Has reports whether every flag of g is set in f.
func (f TCPFlags) Has(g TCPFlags) bool { return f&g == g }

var flagNames = [...]string{"FIN", "SYN", "RST", "PSH", "ACK", "URG", "ECE", "CWR", "AE", "RES9", "RES10", "RES11"}

// String returns the set flags joined by '|', such as "SYN|ACK".
func (f TCPFlags) String() string {
	var b []byte
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			if len(b) > 0 {
				b = append(b, '|')
			}
			b = append(b, name...)
		}
	}
	if len(b) == 0 {
		return "none"
	}
	return string(b)
}

// TCP is a TCP header. It is a plain value, not safe for concurrent
// mutation.
type TCP struct {
	SrcPort, DstPort uint16
	Seq, Ack         uint32
	Flags            TCPFlags
	Window           uint16
	Checksum         uint16 // as received; the Frame builders compute it
	Urgent           uint16
	// Options holds the raw option bytes (Options.Raw), which AppendTo
	// writes, and what Decode parsed from them.
	Options TCPOptions
}

// HeaderLen returns the header length in bytes: 20 plus the options padded
// to 32 bits, at most 60.
func (t *TCP) HeaderLen() int { return 20 + (min(len(t.Options.Raw), MaxTCPOptionBytes)+3)&^3 }

// DataOffset returns the header length in 32-bit words, the data offset
// field.
func (t *TCP) DataOffset() uint8 { return uint8(t.HeaderLen() / 4) }

// Decode reads a TCP header and its options from b and returns the payload.
// A malformed option list does not fail Decode: the ports, flags and
// sequence numbers are still good, which is what a port scan needs; it
// stops the option parsing and is reported in Options.Err.
func (t *TCP) Decode(b []byte) ([]byte, error) {
	*t = TCP{}
	if len(b) < 20 {
		return nil, errTCP.truncated
	}
	hl := int(b[12]>>4) * 4
	if hl < 20 {
		return nil, errTCP.malformed
	}
	if len(b) < hl {
		return nil, errTCP.truncated
	}
	t.SrcPort = binary.BigEndian.Uint16(b[0:2])
	t.DstPort = binary.BigEndian.Uint16(b[2:4])
	t.Seq = binary.BigEndian.Uint32(b[4:8])
	t.Ack = binary.BigEndian.Uint32(b[8:12])
	t.Flags = TCPFlags(binary.BigEndian.Uint16(b[12:14]) & 0x0fff)
	t.Window = binary.BigEndian.Uint16(b[14:16])
	t.Checksum = binary.BigEndian.Uint16(b[16:18])
	t.Urgent = binary.BigEndian.Uint16(b[18:20])
	t.Options.Parse(b[20:hl:hl])
	return b[hl:len(b):len(b)], nil
}

// AppendTo appends the encoded header to b: the fields as they are, the
// checksum included, and Options.Raw padded with zeros (EOL) to 32 bits.
// Options past 40 bytes are cut; the Frame builders refuse them instead.
func (t *TCP) AppendTo(b []byte) []byte {
	opts := t.Options.Raw[:min(len(t.Options.Raw), MaxTCPOptionBytes)]
	hl := t.HeaderLen()
	b = binary.BigEndian.AppendUint16(b, t.SrcPort)
	b = binary.BigEndian.AppendUint16(b, t.DstPort)
	b = binary.BigEndian.AppendUint32(b, t.Seq)
	b = binary.BigEndian.AppendUint32(b, t.Ack)
	b = binary.BigEndian.AppendUint16(b, uint16(hl/4)<<12|uint16(t.Flags&0x0fff))
	b = binary.BigEndian.AppendUint16(b, t.Window)
	b = binary.BigEndian.AppendUint16(b, t.Checksum)
	b = binary.BigEndian.AppendUint16(b, t.Urgent)
	b = append(b, opts...)
	for range hl - 20 - len(opts) {
		b = append(b, 0)
	}
	return b
}

// UDP is a UDP header. It is a plain value, not safe for concurrent
// mutation.
type UDP struct {
	SrcPort, DstPort uint16
	Length           uint16 // header and payload, as in the header
	Checksum         uint16 // as received; 0 over IPv4 means none
}

// Decode reads a UDP header from b and returns the payload, trimmed to the
// UDP length.
func (u *UDP) Decode(b []byte) ([]byte, error) {
	*u = UDP{}
	if len(b) < 8 {
		return nil, errUDP.truncated
	}
	u.SrcPort = binary.BigEndian.Uint16(b[0:2])
	u.DstPort = binary.BigEndian.Uint16(b[2:4])
	u.Length = binary.BigEndian.Uint16(b[4:6])
	u.Checksum = binary.BigEndian.Uint16(b[6:8])
	n := int(u.Length)
	if n < 8 {
		return nil, errUDP.malformed
	}
	if n > len(b) {
		return nil, errUDP.truncated
	}
	return b[8:n:n], nil
}

// AppendTo appends the encoded header to b, the fields as they are.
func (u *UDP) AppendTo(b []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, u.SrcPort)
	b = binary.BigEndian.AppendUint16(b, u.DstPort)
	b = binary.BigEndian.AppendUint16(b, u.Length)
	return binary.BigEndian.AppendUint16(b, u.Checksum)
}
