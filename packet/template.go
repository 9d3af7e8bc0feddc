package packet

import (
	"encoding/binary"
	"net/netip"
)

// Template is a probe frame built once and stamped out per target: a copy
// of it, made with Probe, is patched with the target's address and port,
// the source port, sequence number and IP ID, and its checksums are
// adjusted by RFC 1624 rather than recomputed. A Template is never modified
// after NewTemplate and is safe for concurrent use.
type Template struct {
	frame     []byte
	link      LinkType
	v6        bool
	transport Transport
	ipOff     int
	l4Off     int
	csumOff   int // of the transport checksum; -1 when there is none to keep
}

// NewTemplate makes a template of frame, which Frame's AppendTCP, AppendUDP,
// AppendICMP or AppendEcho built (or any unfragmented TCP, UDP or ICMP
// frame with correct checksums). It copies frame.
func NewTemplate(frame []byte, link LinkType) (*Template, error) {
	var d Decoded
	if err := d.Decode(frame, link); err != nil {
		return nil, err
	}
	if d.Network != NetworkIPv4 && d.Network != NetworkIPv6 {
		return nil, errTemplate.unsupported
	}
	switch {
	case d.Transport == TransportNone || d.Transport == TransportOther, d.IP.Fragmented():
		return nil, errTemplate.unsupported
	case !d.ChecksumsValid():
		// Incremental updates keep a checksum right only if it was right.
		return nil, errTemplate.malformed
	}
	t := &Template{
		frame:     append([]byte(nil), frame...),
		link:      link,
		v6:        d.Network == NetworkIPv6,
		transport: d.Transport,
	}
	if link == LinkEthernet {
		t.ipOff = d.Ethernet.Len()
	}
	t.l4Off = t.ipOff + len(d.ipHeader)
	switch d.Transport {
	case TransportTCP:
		t.csumOff = t.l4Off + 16
	case TransportUDP:
		t.csumOff = t.l4Off + 6
		if !t.v6 && d.UDP.Checksum == 0 {
			t.csumOff = -1
		}
	default:
		t.csumOff = t.l4Off + 2
	}
	return t, nil
}

// Len returns the length of the template's frame.
func (t *Template) Len() int { return len(t.frame) }

// Transport returns the template's transport layer.
func (t *Template) Transport() Transport { return t.transport }

// Probe copies the template into buf, reusing its storage when it is large
// enough, and returns the copy for patching. It allocates only when buf is
// too small.
func (t *Template) Probe(buf []byte) Probe {
	return Probe{t: t, b: append(buf[:0], t.frame...)}
}

// Probe is one copy of a Template, patched in place. Each setter keeps every
// checksum right. A setter for a field the template's protocol does not
// have (SetSeq on a UDP probe, say) does nothing. A Probe is not safe for
// concurrent use.
type Probe struct {
	t *Template
	b []byte
}

// Bytes returns the frame.
func (p Probe) Bytes() []byte { return p.b }

// fix adjusts the checksums over a field whose one's-complement sum went
// from oldSum to newSum (RFC 1624 equation 3, with the field's words summed
// first so that each checksum costs one update): the IPv4 header checksum if
// ip is set, the transport checksum if l4 is set. The field must start an
// even distance from the start of every region the checksums cover.
func (p Probe) fix(oldSum, newSum uint16, ip, l4 bool) {
	if ip && !p.t.v6 {
		c := p.b[p.t.ipOff+10:]
		binary.BigEndian.PutUint16(c, ChecksumUpdate16(binary.BigEndian.Uint16(c), oldSum, newSum))
	}
	if l4 && p.t.csumOff >= 0 {
		c := p.b[p.t.csumOff:]
		v := ChecksumUpdate16(binary.BigEndian.Uint16(c), oldSum, newSum)
		if v == 0 && p.t.transport == TransportUDP {
			v = 0xffff // zero would mean no checksum (RFC 768)
		}
		binary.BigEndian.PutUint16(c, v)
	}
}

func (p Probe) patch16(off int, v uint16, ip, l4 bool) {
	w := p.b[off : off+2]
	p.fix(binary.BigEndian.Uint16(w), v, ip, l4)
	binary.BigEndian.PutUint16(w, v)
}

func (p Probe) patch32(off int, v uint32, ip, l4 bool) {
	w := p.b[off : off+4]
	old := binary.BigEndian.Uint32(w)
	p.fix(fold(uint64(old>>16)+uint64(old&0xffff)), fold(uint64(v>>16)+uint64(v&0xffff)), ip, l4)
	binary.BigEndian.PutUint32(w, v)
}

// SetDst sets the destination address, which must be of the template's
// family; an IPv4-mapped address counts as IPv4.
func (p Probe) SetDst(a netip.Addr) error { return p.setAddr(a, true) }

// SetSrc sets the source address, which must be of the template's family.
func (p Probe) SetSrc(a netip.Addr) error { return p.setAddr(a, false) }

func (p Probe) setAddr(a netip.Addr, dst bool) error {
	// The addresses are in the TCP, UDP and ICMPv6 pseudo-headers, but
	// ICMPv4 has none.
	l4 := p.t.transport != TransportICMPv4
	if p.t.v6 {
		if !a.Is6() || a.Is4In6() {
			return errTemplate.address
		}
		off := p.t.ipOff + 8
		if dst {
			off += 16
		}
		v := a.As16()
		w := p.b[off : off+16]
		p.fix(Sum(w, 0), Sum(v[:], 0), false, l4)
		copy(w, v[:])
		return nil
	}
	a = a.Unmap()
	if !a.Is4() {
		return errTemplate.address
	}
	off := p.t.ipOff + 12
	if dst {
		off += 4
	}
	v := a.As4()
	p.patch32(off, binary.BigEndian.Uint32(v[:]), true, l4)
	return nil
}

// SetDstMAC sets the destination MAC address of an Ethernet frame.
func (p Probe) SetDstMAC(m MAC) {
	if p.t.link == LinkEthernet {
		copy(p.b[0:6], m[:])
	}
}

func (p Probe) hasPorts() bool {
	return p.t.transport == TransportTCP || p.t.transport == TransportUDP
}

// SetSrcPort sets the TCP or UDP source port.
func (p Probe) SetSrcPort(port uint16) {
	if p.hasPorts() {
		p.patch16(p.t.l4Off, port, false, true)
	}
}

// SetDstPort sets the TCP or UDP destination port.
func (p Probe) SetDstPort(port uint16) {
	if p.hasPorts() {
		p.patch16(p.t.l4Off+2, port, false, true)
	}
}

// SetSeq sets the TCP sequence number.
func (p Probe) SetSeq(seq uint32) {
	if p.t.transport == TransportTCP {
		p.patch32(p.t.l4Off+4, seq, false, true)
	}
}

// SetAck sets the TCP acknowledgment number.
func (p Probe) SetAck(ack uint32) {
	if p.t.transport == TransportTCP {
		p.patch32(p.t.l4Off+8, ack, false, true)
	}
}

// SetID sets the IPv4 identification.
func (p Probe) SetID(id uint16) {
	if !p.t.v6 {
		p.patch16(p.t.ipOff+4, id, true, false)
	}
}

// SetTTL sets the IPv4 TTL or IPv6 hop limit, as a traceroute varies it.
func (p Probe) SetTTL(ttl uint8) {
	if p.t.v6 {
		p.b[p.t.ipOff+7] = ttl // in no checksum
		return
	}
	// The TTL shares a 16-bit word with the protocol.
	p.patch16(p.t.ipOff+8, uint16(ttl)<<8|uint16(p.b[p.t.ipOff+9]), true, false)
}

// SetEcho sets the identifier and sequence number of an ICMP echo or
// timestamp request.
func (p Probe) SetEcho(id, seq uint16) {
	if p.t.transport == TransportICMPv4 || p.t.transport == TransportICMPv6 {
		p.patch32(p.t.l4Off+4, uint32(id)<<16|uint32(seq), false, true)
	}
}
