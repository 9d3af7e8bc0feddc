package packet

import (
	"encoding/binary"
	"net/netip"
)

// IPProtocol is an IP protocol number: the IPv4 Protocol field, or an IPv6
// Next Header value.
type IPProtocol uint8

// IP protocol numbers this package knows.
const (
	ProtoHopByHop IPProtocol = 0 // IPv6 hop-by-hop options
	ProtoICMP     IPProtocol = 1
	ProtoTCP      IPProtocol = 6
	ProtoUDP      IPProtocol = 17
	ProtoRouting  IPProtocol = 43 // IPv6 routing header
	ProtoFragment IPProtocol = 44 // IPv6 fragment header
	ProtoESP      IPProtocol = 50
	ProtoAH       IPProtocol = 51
	ProtoICMPv6   IPProtocol = 58
	ProtoNoNext   IPProtocol = 59 // IPv6: nothing follows
	ProtoDestOpts IPProtocol = 60 // IPv6 destination options
)

// MaxExtensionHeaders bounds the IPv6 extension headers Decode walks before
// it gives up on reaching the upper layer, so a hostile chain costs little.
const MaxExtensionHeaders = 8

// IP is an IPv4 or IPv6 header. Fields that exist in only one version say
// so; the others mean the same in both. It is a plain value, not safe for
// concurrent mutation.
type IP struct {
	Version   uint8  // 4 or 6; AppendTo encodes IPv6 for 6 and IPv4 otherwise
	TOS       uint8  // IPv4 type of service or IPv6 traffic class: DSCP and ECN
	FlowLabel uint32 // IPv6 only, 20 bits
	// Length is the length field as in the header: the IPv4 total length,
	// or the IPv6 payload length (extension headers included).
	Length uint16
	// ID is the IPv4 identification, or the identification of an IPv6
	// fragment header.
	ID uint32
	// Reserved, DF and MF are the IPv4 flags. MF is also set from an IPv6
	// fragment header.
	Reserved, DF, MF bool
	// FragOffset is the fragment offset in bytes, from the IPv4 header or an
	// IPv6 fragment header. When it is not zero the transport header is in
	// another fragment.
	FragOffset uint16
	TTL        uint8 // IPv4 time to live or IPv6 hop limit
	// NextHeader is the IPv6 fixed header's Next Header field: the first
	// extension header if there is one. For IPv4 it equals Protocol.
	NextHeader IPProtocol
	// Protocol is the upper-layer protocol, after any extension headers.
	Protocol IPProtocol
	Checksum uint16 // IPv4 header checksum, as received
	Src, Dst netip.Addr
	// Options are the IPv4 options, or all IPv6 extension headers up to the
	// upper layer, as a view into the decoded bytes.
	Options []byte
	// HasFragment reports an IPv6 fragment header, even an atomic one
	// (offset 0, MF clear).
	HasFragment bool
}

// Fragmented reports whether the datagram is a fragment of a larger one.
func (ip *IP) Fragmented() bool { return ip.MF || ip.FragOffset != 0 || ip.HasFragment }

// HeaderLen returns the length of the encoded header: IPv4 options padded
// to 32 bits, IPv6 extension headers included.
func (ip *IP) HeaderLen() int {
	if ip.Version == 6 {
		return 40 + len(ip.Options)
	}
	return 20 + (min(len(ip.Options), 40)+3)&^3
}

// Decode reads an IPv4 or IPv6 header, by the version in its first nibble,
// and walks IPv6 extension headers to the upper layer. It returns the
// upper-layer bytes, trimmed to the length the header gives, so an Ethernet
// frame's padding is dropped.
func (ip *IP) Decode(b []byte) ([]byte, error) {
	*ip = IP{}
	if len(b) == 0 {
		return nil, errIP.truncated
	}
	switch b[0] >> 4 {
	case 4:
		return ip.decode4(b, false)
	case 6:
		return ip.decode6(b, false)
	}
	return nil, errIP.malformed
}

// decode4 reads an IPv4 header. A quoted header, inside an ICMP error, is
// read leniently: its length field describes the original datagram, not the
// few bytes quoted, and some stacks are known to rewrite it.
func (ip *IP) decode4(b []byte, quoted bool) ([]byte, error) {
	if len(b) < 20 {
		return nil, errIPv4.truncated
	}
	if b[0]>>4 != 4 {
		return nil, errIPv4.malformed
	}
	hl := int(b[0]&0x0f) * 4
	if hl < 20 {
		return nil, errIPv4.malformed
	}
	if len(b) < hl {
		return nil, errIPv4.truncated
	}
	ip.Version = 4
	ip.TOS = b[1]
	ip.Length = binary.BigEndian.Uint16(b[2:4])
	ip.ID = uint32(binary.BigEndian.Uint16(b[4:6]))
	ff := binary.BigEndian.Uint16(b[6:8])
	ip.Reserved = ff&0x8000 != 0
	ip.DF = ff&0x4000 != 0
	ip.MF = ff&0x2000 != 0
	ip.FragOffset = (ff & 0x1fff) * 8
	ip.TTL = b[8]
	ip.Protocol = IPProtocol(b[9])
	ip.NextHeader = ip.Protocol
	ip.Checksum = binary.BigEndian.Uint16(b[10:12])
	ip.Src = netip.AddrFrom4([4]byte(b[12:16]))
	ip.Dst = netip.AddrFrom4([4]byte(b[16:20]))
	ip.Options = b[20:hl:hl]
	total := int(ip.Length)
	if quoted {
		end := len(b)
		if total >= hl && total < end {
			end = total
		}
		return b[hl:end:end], nil
	}
	if total < hl {
		return nil, errIPv4.malformed
	}
	if total > len(b) {
		return nil, errIPv4.truncated
	}
	return b[hl:total:total], nil
}

func (ip *IP) decode6(b []byte, quoted bool) ([]byte, error) {
	if len(b) < 40 {
		return nil, errIPv6.truncated
	}
	vtf := binary.BigEndian.Uint32(b[0:4])
	if vtf>>28 != 6 {
		return nil, errIPv6.malformed
	}
	ip.Version = 6
	ip.TOS = uint8(vtf >> 20)
	ip.FlowLabel = vtf & 0xfffff
	ip.Length = binary.BigEndian.Uint16(b[4:6])
	ip.NextHeader = IPProtocol(b[6])
	ip.Protocol = ip.NextHeader
	ip.TTL = b[7]
	ip.Src = netip.AddrFrom16([16]byte(b[8:24]))
	ip.Dst = netip.AddrFrom16([16]byte(b[24:40]))
	p := b[40:]
	// A zero payload length with more than 65,535 bytes behind it is a
	// jumbogram or a Linux BIG TCP aggregate: take what is there. Fewer
	// bytes are Ethernet padding.
	if n := int(ip.Length); !quoted && (n != 0 || len(p) <= 0xffff) {
		if n > len(p) {
			return nil, errIPv6.truncated
		}
		p = p[:n:n]
	}
	next, off := ip.NextHeader, 0
walk:
	for i := 0; ; i++ {
		switch next {
		case ProtoHopByHop, ProtoRouting, ProtoDestOpts, ProtoAH, ProtoFragment:
		default:
			break walk
		}
		if i == MaxExtensionHeaders {
			return nil, errIPv6.unsupported
		}
		rest := p[off:]
		if len(rest) < 8 { // every extension header is at least 8 bytes
			return nil, errIPv6.truncated
		}
		n := 8
		switch next {
		case ProtoAH:
			n = (int(rest[1]) + 2) * 4
		case ProtoFragment:
			ff := binary.BigEndian.Uint16(rest[2:4])
			ip.HasFragment = true
			ip.FragOffset = ff & 0xfff8
			ip.MF = ff&1 != 0
			ip.ID = binary.BigEndian.Uint32(rest[4:8])
		default:
			n = (int(rest[1]) + 1) * 8
		}
		if len(rest) < n {
			return nil, errIPv6.truncated
		}
		next = IPProtocol(rest[0])
		ip.Protocol = next
		off += n
		if ip.FragOffset != 0 {
			break // a later fragment: the upper-layer header is not here
		}
	}
	ip.Options = p[:off:off]
	return p[off:], nil
}

// AppendTo appends the encoded header to b: the fields as they are, the
// checksum included. IPv4 options are padded with zeros to 32 bits and cut
// at 40 bytes; IPv6 extension headers are written verbatim after the fixed
// header, whose Next Header is then NextHeader rather than Protocol. An
// address of the wrong family is written as zeros.
func (ip *IP) AppendTo(b []byte) []byte {
	if ip.Version == 6 {
		next := ip.Protocol
		if len(ip.Options) > 0 {
			next = ip.NextHeader
		}
		b = binary.BigEndian.AppendUint32(b, 6<<28|uint32(ip.TOS)<<20|ip.FlowLabel&0xfffff)
		b = binary.BigEndian.AppendUint16(b, ip.Length)
		b = append(b, byte(next), ip.TTL)
		b = append16(b, ip.Src)
		b = append16(b, ip.Dst)
		return append(b, ip.Options...)
	}
	opts := ip.Options[:min(len(ip.Options), 40)]
	hl := ip.HeaderLen()
	b = append(b, 0x40|byte(hl/4), ip.TOS)
	b = binary.BigEndian.AppendUint16(b, ip.Length)
	b = binary.BigEndian.AppendUint16(b, uint16(ip.ID))
	ff := ip.FragOffset / 8
	if ip.Reserved {
		ff |= 0x8000
	}
	if ip.DF {
		ff |= 0x4000
	}
	if ip.MF {
		ff |= 0x2000
	}
	b = binary.BigEndian.AppendUint16(b, ff)
	b = append(b, ip.TTL, byte(ip.Protocol))
	b = binary.BigEndian.AppendUint16(b, ip.Checksum)
	b = append4(b, ip.Src)
	b = append4(b, ip.Dst)
	b = append(b, opts...)
	for range hl - 20 - len(opts) {
		b = append(b, 0)
	}
	return b
}
