package packet

import (
	"encoding/binary"
	"net/netip"
)

// DefaultTTL is the TTL or hop limit of a Frame whose TTL is zero.
const DefaultTTL = 64

// Frame describes the link and IP layers of a probe, and builds whole probe
// frames into a caller's buffer with its Append methods, which compute every
// length and checksum. The zero value builds Ethernet frames once Src and
// Dst are set. A Frame is a plain value; its methods do not modify it, so
// it may be shared by goroutines that do not change it.
type Frame struct {
	Link           LinkType // LinkEthernet or LinkRaw
	SrcMAC, DstMAC MAC      // for LinkEthernet: ours and the next hop's
	// Src and Dst are of one family. IPv4-mapped IPv6 addresses count as
	// IPv4.
	Src, Dst  netip.Addr
	TTL       uint8  // IPv4 TTL or IPv6 hop limit; 0 means DefaultTTL
	TOS       uint8  // IPv4 TOS or IPv6 traffic class
	ID        uint16 // IPv4 identification
	DF        bool   // IPv4 don't fragment
	FlowLabel uint32 // IPv6 flow label
}

// header appends the link and IP headers for a transport segment of length
// n.
func (f *Frame) header(b []byte, src, dst netip.Addr, dstMAC MAC, ttl uint8, proto IPProtocol, n int) ([]byte, error) {
	if !src.IsValid() || !dst.IsValid() || src.Is4() != dst.Is4() {
		return b, errBuild.address
	}
	v6 := src.Is6()
	if (v6 && n > 0xffff) || (!v6 && n > 0xffff-20) {
		return b, errBuild.tooLong
	}
	if ttl == 0 {
		ttl = DefaultTTL
	}
	switch f.Link {
	case LinkEthernet:
		eth := Ethernet{Dst: dstMAC, Src: f.SrcMAC, Type: EtherTypeIPv4}
		if v6 {
			eth.Type = EtherTypeIPv6
		}
		b = eth.AppendTo(b)
	case LinkRaw:
	default:
		return b, errBuild.unsupported
	}
	ip := IP{Version: 4, TOS: f.TOS, Length: uint16(20 + n), ID: uint32(f.ID), DF: f.DF,
		TTL: ttl, Protocol: proto, Src: src, Dst: dst}
	if v6 {
		ip = IP{Version: 6, TOS: f.TOS, FlowLabel: f.FlowLabel, Length: uint16(n),
			TTL: ttl, Protocol: proto, Src: src, Dst: dst}
	}
	off := len(b)
	b = ip.AppendTo(b)
	if !v6 {
		binary.BigEndian.PutUint16(b[off+10:], Checksum(b[off:], 0))
	}
	return b, nil
}

// addrs returns the frame's addresses with IPv4-mapped ones unmapped.
func (f *Frame) addrs() (src, dst netip.Addr) { return f.Src.Unmap(), f.Dst.Unmap() }

// setChecksum computes the checksum of the segment seg, whose checksum field
// is at offset at and holds zero. pseudo selects a pseudo-header checksum.
func setChecksum(seg []byte, at int, proto IPProtocol, src, dst netip.Addr, pseudo bool) {
	var initial uint16
	if pseudo {
		initial = PseudoHeaderSum(proto, src, dst, len(seg))
	}
	c := Checksum(seg, initial)
	if c == 0 && proto == ProtoUDP {
		c = 0xffff // zero would mean no checksum (RFC 768)
	}
	binary.BigEndian.PutUint16(seg[at:], c)
}

// AppendTCP appends a frame carrying the TCP segment t with payload, and
// returns the extended buffer. t.Checksum is ignored and computed; t's
// options are padded to 32 bits, and more than 40 bytes of them are
// refused. On error b is returned unchanged in length.
func (f *Frame) AppendTCP(b []byte, t *TCP, payload []byte) ([]byte, error) {
	if len(t.Options.Raw) > MaxTCPOptionBytes {
		return b, errBuild.tooLong
	}
	src, dst := f.addrs()
	start := len(b)
	b, err := f.header(b, src, dst, f.DstMAC, f.TTL, ProtoTCP, t.HeaderLen()+len(payload))
	if err != nil {
		return b[:start], err
	}
	l4 := len(b)
	b = t.AppendTo(b)
	b = append(b, payload...)
	binary.BigEndian.PutUint16(b[l4+16:], 0)
	setChecksum(b[l4:], 16, ProtoTCP, src, dst, true)
	return b, nil
}

// AppendUDP appends a frame carrying a UDP datagram with payload, and
// returns the extended buffer. On error b is returned unchanged in length.
func (f *Frame) AppendUDP(b []byte, srcPort, dstPort uint16, payload []byte) ([]byte, error) {
	src, dst := f.addrs()
	n := 8 + len(payload)
	if n > 0xffff {
		return b, errBuild.tooLong
	}
	start := len(b)
	b, err := f.header(b, src, dst, f.DstMAC, f.TTL, ProtoUDP, n)
	if err != nil {
		return b[:start], err
	}
	l4 := len(b)
	u := UDP{SrcPort: srcPort, DstPort: dstPort, Length: uint16(n)}
	b = u.AppendTo(b)
	b = append(b, payload...)
	setChecksum(b[l4:], 6, ProtoUDP, src, dst, true)
	return b, nil
}

// AppendICMP appends a frame carrying the ICMP message m: ICMPv4 over IPv4,
// ICMPv6 over IPv6. m.Checksum is ignored and computed. On error b is
// returned unchanged in length.
func (f *Frame) AppendICMP(b []byte, m *ICMP) ([]byte, error) {
	src, dst := f.addrs()
	return f.appendICMP(b, src, dst, f.DstMAC, f.TTL, m)
}

func (f *Frame) appendICMP(b []byte, src, dst netip.Addr, dstMAC MAC, ttl uint8, m *ICMP) ([]byte, error) {
	proto := ProtoICMP
	if src.Is6() {
		proto = ProtoICMPv6
	}
	start := len(b)
	b, err := f.header(b, src, dst, dstMAC, ttl, proto, 8+len(m.Body))
	if err != nil {
		return b[:start], err
	}
	l4 := len(b)
	b = m.AppendTo(b)
	binary.BigEndian.PutUint16(b[l4+2:], 0)
	setChecksum(b[l4:], 2, proto, src, dst, proto == ProtoICMPv6)
	return b, nil
}

// AppendEcho appends an echo request, ICMPv4 or ICMPv6 by the frame's
// family, with identifier id, sequence number seq and data.
func (f *Frame) AppendEcho(b []byte, id, seq uint16, data []byte) ([]byte, error) {
	m := ICMP{Type: ICMPv4EchoRequest, Rest: uint32(id)<<16 | uint32(seq), Body: data}
	if f.Src.Unmap().Is6() {
		m.Type = ICMPv6EchoRequest
	}
	return f.AppendICMP(b, &m)
}

// AppendTimestamp appends an ICMPv4 timestamp request (as nmap -PP sends)
// with identifier id, sequence number seq and the originate timestamp, in
// milliseconds since midnight UT. It is IPv4 only.
func (f *Frame) AppendTimestamp(b []byte, id, seq uint16, originate uint32) ([]byte, error) {
	if !f.Src.Unmap().Is4() {
		return b, errBuild.address
	}
	var body [12]byte
	binary.BigEndian.PutUint32(body[0:4], originate)
	m := ICMP{Type: ICMPv4Timestamp, Rest: uint32(id)<<16 | uint32(seq), Body: body[:]}
	return f.AppendICMP(b, &m)
}

// AppendARPRequest appends an ARP request for f.Dst, from f.SrcMAC and
// f.Src, to f.DstMAC, or to the broadcast address when f.DstMAC is zero. It
// needs LinkEthernet and IPv4 addresses. The frame is not padded to the
// Ethernet minimum; network drivers pad what they send.
func (f *Frame) AppendARPRequest(b []byte) ([]byte, error) {
	src, dst := f.addrs()
	if !src.Is4() || !dst.Is4() {
		return b, errBuild.address
	}
	if f.Link != LinkEthernet {
		return b, errBuild.unsupported
	}
	eth := Ethernet{Dst: f.DstMAC, Src: f.SrcMAC, Type: EtherTypeARP}
	if eth.Dst == (MAC{}) {
		eth.Dst = BroadcastMAC
	}
	b = eth.AppendTo(b)
	a := ARP{Op: ARPRequest, SenderMAC: f.SrcMAC, SenderIP: src, TargetIP: dst}
	return a.AppendTo(b), nil
}

// SolicitedNode returns the solicited-node multicast address of a (RFC 4291
// section 2.7.1), where a neighbor solicitation for it is sent.
func SolicitedNode(a netip.Addr) netip.Addr {
	v := a.As16()
	return netip.AddrFrom16([16]byte{0xff, 0x02, 10: 0, 11: 1, 12: 0xff, 13: v[13], 14: v[14], 15: v[15]})
}

// MulticastMAC returns the Ethernet address an IPv6 multicast address maps
// to (RFC 2464 section 7): 33:33 and its last 32 bits.
func MulticastMAC(a netip.Addr) MAC {
	v := a.As16()
	return MAC{0x33, 0x33, v[12], v[13], v[14], v[15]}
}

// AppendNeighborSolicitation appends an NDP neighbor solicitation for the
// target f.Dst, the IPv6 counterpart of an ARP request. It goes to the
// target's solicited-node multicast address and its multicast MAC, whatever
// f.DstMAC says, with hop limit 255 as RFC 4861 requires. Unless f.Src is
// the unspecified address (duplicate address detection), it carries f.SrcMAC
// as the source link-layer address option.
func (f *Frame) AppendNeighborSolicitation(b []byte) ([]byte, error) {
	src, dst := f.addrs()
	if !src.Is6() || !dst.Is6() {
		return b, errBuild.address
	}
	var body [24]byte
	t := dst.As16()
	copy(body[:16], t[:])
	n := 16
	if !src.IsUnspecified() {
		body[16], body[17] = ndpOptSourceLinkAddr, 1
		copy(body[18:24], f.SrcMAC[:])
		n = 24
	}
	group := SolicitedNode(dst)
	m := ICMP{Type: ICMPv6NeighborSolicitation, Body: body[:n]}
	return f.appendICMP(b, src, group, MulticastMAC(group), 255, &m)
}
