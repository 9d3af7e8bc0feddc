package packet

import (
	"encoding/binary"
	"net/netip"
)

// ICMPv4 types.
const (
	ICMPv4EchoReply        = 0
	ICMPv4DestUnreachable  = 3
	ICMPv4SourceQuench     = 4
	ICMPv4Redirect         = 5
	ICMPv4EchoRequest      = 8
	ICMPv4TimeExceeded     = 11
	ICMPv4ParameterProblem = 12
	ICMPv4Timestamp        = 13
	ICMPv4TimestampReply   = 14
)

// ICMPv4 destination unreachable codes that decide a port's state.
const (
	ICMPv4NetUnreachable      = 0
	ICMPv4HostUnreachable     = 1
	ICMPv4ProtocolUnreachable = 2
	ICMPv4PortUnreachable     = 3
	ICMPv4FragmentationNeeded = 4
	ICMPv4NetProhibited       = 9
	ICMPv4HostProhibited      = 10
	ICMPv4AdminProhibited     = 13
)

// ICMPv6 types.
const (
	ICMPv6DestUnreachable       = 1
	ICMPv6PacketTooBig          = 2
	ICMPv6TimeExceeded          = 3
	ICMPv6ParameterProblem      = 4
	ICMPv6EchoRequest           = 128
	ICMPv6EchoReply             = 129
	ICMPv6NeighborSolicitation  = 135
	ICMPv6NeighborAdvertisement = 136
)

// ICMPv6 destination unreachable codes.
const (
	ICMPv6NoRoute         = 0
	ICMPv6AdminProhibited = 1
	ICMPv6BeyondScope     = 2
	ICMPv6AddrUnreachable = 3
	ICMPv6PortUnreachable = 4
	ICMPv6SourcePolicy    = 5
	ICMPv6RejectRoute     = 6
)

// ICMP is an ICMPv4 or ICMPv6 message: both start with the same 8 bytes.
// Which one it is comes from the IP layer. It is a plain value, not safe
// for concurrent mutation.
type ICMP struct {
	Type, Code uint8
	Checksum   uint16 // as received; the Frame builders compute it
	// Rest is the second 32-bit word: echo identifier and sequence, the
	// MTU of an ICMPv6 packet too big (and of an ICMPv4 fragmentation
	// needed in its low 16 bits), a parameter problem pointer, NDP flags.
	Rest uint32
	// Body is what follows the first 8 bytes: echo data, timestamps, the
	// quoted packet of an error, the NDP target and options.
	Body []byte
}

// ID returns the echo or timestamp identifier.
func (m *ICMP) ID() uint16 { return uint16(m.Rest >> 16) }

// Seq returns the echo or timestamp sequence number.
func (m *ICMP) Seq() uint16 { return uint16(m.Rest) }

// Timestamps returns the three timestamps of an ICMPv4 timestamp or
// timestamp reply, in milliseconds since midnight UT, and false if the body
// is too short for them.
func (m *ICMP) Timestamps() (originate, receive, transmit uint32, ok bool) {
	if len(m.Body) < 12 {
		return 0, 0, 0, false
	}
	return binary.BigEndian.Uint32(m.Body[0:4]), binary.BigEndian.Uint32(m.Body[4:8]),
		binary.BigEndian.Uint32(m.Body[8:12]), true
}

// Decode reads an ICMP message from b. The body is a view into b.
func (m *ICMP) Decode(b []byte) error {
	*m = ICMP{}
	if len(b) < 8 {
		return errICMP.truncated
	}
	m.Type, m.Code = b[0], b[1]
	m.Checksum = binary.BigEndian.Uint16(b[2:4])
	m.Rest = binary.BigEndian.Uint32(b[4:8])
	m.Body = b[8:len(b):len(b)]
	return nil
}

// AppendTo appends the encoded message to b: the fields as they are, the
// checksum included, then the body.
func (m *ICMP) AppendTo(b []byte) []byte {
	b = append(b, m.Type, m.Code)
	b = binary.BigEndian.AppendUint16(b, m.Checksum)
	b = binary.BigEndian.AppendUint32(b, m.Rest)
	return append(b, m.Body...)
}

// isICMPError reports whether an ICMP type is an error that quotes the
// datagram that caused it.
func isICMPError(v6 bool, typ uint8) bool {
	if v6 {
		return typ >= ICMPv6DestUnreachable && typ <= ICMPv6ParameterProblem
	}
	switch typ {
	case ICMPv4DestUnreachable, ICMPv4SourceQuench, ICMPv4Redirect, ICMPv4TimeExceeded, ICMPv4ParameterProblem:
		return true
	}
	return false
}

// Quote is the datagram quoted by an ICMP error: its IP header and the first
// bytes of its transport header, which is what a scanner needs to match the
// error to the probe that caused it. It is a plain value, not safe for
// concurrent mutation.
type Quote struct {
	// IP is the quoted header, read leniently: its length fields describe
	// the original datagram. IP.Version is 0 when nothing usable is quoted.
	IP        IP
	Transport Transport
	// SrcPort and DstPort are those of a quoted TCP or UDP header, when at
	// least 4 bytes of it are quoted.
	SrcPort, DstPort uint16
	// Seq is the sequence number of a quoted TCP header, when at least 8
	// bytes of it are quoted.
	Seq uint32
	// ICMPType, ICMPCode, ICMPID and ICMPSeq are those of a quoted ICMP
	// message, such as an echo request that expired in transit.
	ICMPType, ICMPCode uint8
	ICMPID, ICMPSeq    uint16
	// Data are the quoted bytes after the IP header, usually 8.
	Data []byte
}

// HasPorts reports whether the quote holds the ports of a TCP or UDP header.
func (q *Quote) HasPorts() bool {
	return (q.Transport == TransportTCP || q.Transport == TransportUDP) && len(q.Data) >= 4
}

// HasSeq reports whether the quote holds a TCP sequence number.
func (q *Quote) HasSeq() bool { return q.Transport == TransportTCP && len(q.Data) >= 8 }

// decode reads what it can of a quoted datagram. A short or damaged quote is
// not an error of the ICMP message around it: it only matches nothing.
func (q *Quote) decode(b []byte) {
	*q = Quote{}
	if len(b) == 0 {
		return
	}
	var p []byte
	var err error
	switch b[0] >> 4 {
	case 4:
		p, err = q.IP.decode4(b, true)
	case 6:
		p, err = q.IP.decode6(b, true)
	default:
		return
	}
	if err != nil {
		if q.IP.Version == 4 {
			q.IP = IP{}
		}
		return // an IPv6 quote keeps its addresses, which can still match
	}
	q.Data = p
	if q.IP.FragOffset != 0 {
		return // a later fragment quotes no transport header
	}
	q.Transport = transportOf(q.IP.Version, q.IP.Protocol)
	switch q.Transport {
	case TransportTCP, TransportUDP:
		if len(p) >= 4 {
			q.SrcPort = binary.BigEndian.Uint16(p[0:2])
			q.DstPort = binary.BigEndian.Uint16(p[2:4])
		}
		if q.Transport == TransportTCP && len(p) >= 8 {
			q.Seq = binary.BigEndian.Uint32(p[4:8])
		}
	case TransportICMPv4, TransportICMPv6:
		if len(p) >= 2 {
			q.ICMPType, q.ICMPCode = p[0], p[1]
		}
		if len(p) >= 8 {
			q.ICMPID = binary.BigEndian.Uint16(p[4:6])
			q.ICMPSeq = binary.BigEndian.Uint16(p[6:8])
		}
	}
}

// NDP options.
const (
	ndpOptSourceLinkAddr = 1
	ndpOptTargetLinkAddr = 2
)

// NDP is a neighbor solicitation or advertisement (RFC 4861), the IPv6
// counterpart of ARP. It is a plain value, not safe for concurrent
// mutation.
type NDP struct {
	Target netip.Addr
	// Router, Solicited and Override are the flags of an advertisement.
	Router, Solicited, Override bool
	// SrcLinkAddr is the source link-layer address option, which a
	// solicitation carries.
	SrcLinkAddr    MAC
	HasSrcLinkAddr bool
	// TargetLinkAddr is the target link-layer address option, which an
	// advertisement carries: the answer a scanner is after.
	TargetLinkAddr    MAC
	HasTargetLinkAddr bool
}

// decode reads a solicitation or advertisement from its ICMPv6 message.
func (n *NDP) decode(m *ICMP) error {
	*n = NDP{}
	if len(m.Body) < 16 {
		return errNDP.truncated
	}
	n.Target = netip.AddrFrom16([16]byte(m.Body[0:16]))
	if m.Type == ICMPv6NeighborAdvertisement {
		n.Router = m.Rest&(1<<31) != 0
		n.Solicited = m.Rest&(1<<30) != 0
		n.Override = m.Rest&(1<<29) != 0
	}
	// Every option is a multiple of 8 bytes and at least 8, so the walk is
	// bounded by the message length; RFC 4861 says to drop a message with
	// an option of length 0.
	for opts := m.Body[16:]; len(opts) > 0; {
		if len(opts) < 2 {
			return errNDP.truncated
		}
		l := int(opts[1]) * 8
		if l == 0 {
			return errNDP.malformed
		}
		if l > len(opts) {
			return errNDP.truncated
		}
		switch opts[0] {
		case ndpOptSourceLinkAddr:
			copy(n.SrcLinkAddr[:], opts[2:8])
			n.HasSrcLinkAddr = true
		case ndpOptTargetLinkAddr:
			copy(n.TargetLinkAddr[:], opts[2:8])
			n.HasTargetLinkAddr = true
		}
		opts = opts[l:]
	}
	return nil
}
