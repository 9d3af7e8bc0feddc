package packet

// Network is the network layer of a decoded frame.
type Network uint8

// Network layers.
const (
	NetworkNone Network = iota // not reached, or an EtherType this package does not decode
	NetworkIPv4
	NetworkIPv6
	NetworkARP
)

var networkNames = [...]string{"none", "ipv4", "ipv6", "arp"}

func (n Network) String() string {
	if int(n) < len(networkNames) {
		return networkNames[n]
	}
	return "unknown"
}

// Transport is the transport layer of a decoded datagram.
type Transport uint8

// Transport layers.
const (
	TransportNone Transport = iota // not reached: no IP, or a later fragment
	TransportTCP
	TransportUDP
	TransportICMPv4
	TransportICMPv6
	TransportOther // any other protocol, including ESP and IPv6 No Next Header
)

var transportNames = [...]string{"none", "tcp", "udp", "icmp", "icmpv6", "other"}

func (t Transport) String() string {
	if int(t) < len(transportNames) {
		return transportNames[t]
	}
	return "unknown"
}

// transportOf maps an upper-layer protocol to a Transport. ICMP counts only
// in its own IP version.
func transportOf(version uint8, p IPProtocol) Transport {
	switch {
	case p == ProtoTCP:
		return TransportTCP
	case p == ProtoUDP:
		return TransportUDP
	case p == ProtoICMP && version == 4:
		return TransportICMPv4
	case p == ProtoICMPv6 && version == 6:
		return TransportICMPv6
	}
	return TransportOther
}

// Decoded is a received frame, decoded in place: decode into the same
// Decoded for every frame and nothing is allocated. Its byte slices are
// views into the frame, valid while the frame's buffer is. Network and
// Transport say which of the layer fields are filled; the others are zero.
// A Decoded is not safe for concurrent use; give each receiver its own.
type Decoded struct {
	Link     LinkType
	Ethernet Ethernet // for LinkEthernet

	Network Network
	ARP     ARP // for NetworkARP
	IP      IP  // for NetworkIPv4 and NetworkIPv6

	Transport Transport
	TCP       TCP
	UDP       UDP
	ICMP      ICMP
	// Quote is the datagram quoted by an ICMP error (destination
	// unreachable, time exceeded, packet too big, parameter problem,
	// redirect, source quench).
	Quote Quote
	// NDP is set for an ICMPv6 neighbor solicitation or advertisement.
	NDP NDP

	// Payload is what follows the transport header: TCP or UDP data, an
	// ICMP body, or, for TransportOther and later fragments, everything
	// after the IP header.
	Payload []byte

	ipHeader []byte // the IP header, options and extension headers included
	segment  []byte // the transport header and payload, trimmed to the IP length
}

// Decode decodes frame, which starts with the link-layer header given by
// link, replacing whatever d held. It stops, without error, at a layer it
// does not decode (an unknown EtherType or IP protocol), and at a later
// fragment; the Network and Transport fields say how far it got. It returns
// an *Error wrapping ErrTruncated, ErrMalformed or ErrUnsupported for input
// it cannot decode, with the layers before the failing one filled in. It
// never panics and does not allocate.
func (d *Decoded) Decode(frame []byte, link LinkType) error {
	*d = Decoded{Link: link}
	b := frame
	switch link {
	case LinkEthernet:
		p, err := d.Ethernet.Decode(b)
		if err != nil {
			return err
		}
		switch d.Ethernet.Type {
		case EtherTypeIPv4, EtherTypeIPv6:
			b = p
		case EtherTypeARP:
			d.Network = NetworkARP
			return d.ARP.Decode(p)
		default:
			return nil
		}
	case LinkRaw:
	default:
		return errLink.unsupported
	}
	return d.decodeIP(b)
}

func (d *Decoded) decodeIP(b []byte) error {
	if len(b) == 0 {
		return errIP.truncated
	}
	v := b[0] >> 4
	if d.Link == LinkEthernet && (d.Ethernet.Type == EtherTypeIPv6) != (v == 6) {
		return errEthernet.malformed // the EtherType and the IP version disagree
	}
	var p []byte
	var err error
	switch v {
	case 4:
		d.Network = NetworkIPv4
		p, err = d.IP.decode4(b, false)
	case 6:
		d.Network = NetworkIPv6
		p, err = d.IP.decode6(b, false)
	default:
		return errIP.malformed
	}
	if err != nil {
		return err
	}
	hl := d.IP.HeaderLen()
	d.ipHeader = b[:hl:hl]
	d.segment = p
	d.Payload = p
	if d.IP.FragOffset != 0 {
		return nil
	}
	d.Transport = transportOf(d.IP.Version, d.IP.Protocol)
	switch d.Transport {
	case TransportTCP:
		d.Payload, err = d.TCP.Decode(p)
	case TransportUDP:
		d.Payload, err = d.UDP.Decode(p)
	case TransportICMPv4, TransportICMPv6:
		err = d.decodeICMP(p)
	}
	return err
}

func (d *Decoded) decodeICMP(b []byte) error {
	if err := d.ICMP.Decode(b); err != nil {
		d.Payload = nil
		return err
	}
	d.Payload = d.ICMP.Body
	v6 := d.Transport == TransportICMPv6
	switch {
	case isICMPError(v6, d.ICMP.Type):
		d.Quote.decode(d.ICMP.Body)
	case v6 && (d.ICMP.Type == ICMPv6NeighborSolicitation || d.ICMP.Type == ICMPv6NeighborAdvertisement):
		return d.NDP.decode(&d.ICMP)
	}
	return nil
}

// ChecksumsValid reports whether the IPv4 header checksum and the transport
// checksum (with its pseudo-header) are right; it is false for a frame
// without IP. It is not part of Decode
// because a frame captured on its way out, or on a veth with checksum
// offload, legitimately carries a partial checksum. A fragment's transport
// checksum cannot be checked and is not; an IPv4 UDP checksum of zero means
// none and passes.
func (d *Decoded) ChecksumsValid() bool {
	if d.Network != NetworkIPv4 && d.Network != NetworkIPv6 {
		return false
	}
	if d.Network == NetworkIPv4 && Sum(d.ipHeader, 0) != 0xffff {
		return false
	}
	if d.IP.Fragmented() {
		return true
	}
	switch d.Transport {
	case TransportTCP, TransportUDP, TransportICMPv6:
		if d.Transport == TransportUDP && d.Network == NetworkIPv4 && d.UDP.Checksum == 0 {
			return true
		}
		seg := d.segment
		if d.Transport == TransportUDP {
			seg = seg[:d.UDP.Length]
		}
		return Sum(seg, PseudoHeaderSum(d.IP.Protocol, d.IP.Src, d.IP.Dst, len(seg))) == 0xffff
	case TransportICMPv4:
		return Sum(d.segment, 0) == 0xffff
	}
	return true
}
