package trace

import (
	"encoding/binary"
	"math/bits"
	"net/netip"

	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
)

// Each probe says which TTL and which try it is, in a field that every
// answer echoes: the source port of a TCP or UDP probe, which the target's
// reply and a router's quote both carry, or the sequence number of an echo
// request. Two bits are the try, the rest the TTL.
const (
	tryBits  = 2
	maxTries = 1 << tryBits
	// MaxTTL is the highest TTL a trace may reach.
	MaxTTL = 63
	// portSpan is the block of source ports one run uses.
	portSpan = (MaxTTL + 1) << tryBits
)

// codec stamps probes and validates answers statelessly: a TCP probe's
// sequence number and an echo request's identifier are keyed hashes of the
// destination, so an answer that does not echo them is not ours. It is
// immutable and safe for concurrent use.
type codec struct {
	key  [3]uint64
	base uint16 // the first source port
}

func newCodec(seed uint64) codec {
	var c codec
	for i := range c.key {
		seed = mix(seed + uint64(i) + 1)
		c.key[i] = seed
	}
	// Above the raw engine's floor, so the socket filters agree in kind.
	c.base = 61000 + uint16(mix(seed)%(65536-61000-portSpan))
	return c
}

// mix is SplitMix64's finalizer.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

func (c codec) hash(dst netip.Addr, x uint64) uint64 {
	a := dst.As16()
	h1, l1 := bits.Mul64(binary.BigEndian.Uint64(a[:8])^c.key[0], binary.BigEndian.Uint64(a[8:])^c.key[1])
	h2, l2 := bits.Mul64(h1^l1^c.key[2], x^c.key[0])
	return h2 ^ l2
}

// tag is the TTL and try of a probe as one number.
func tag(ttl, try int) uint16 { return uint16(ttl<<tryBits | try) }

func untag(v uint16) (ttl, try int, ok bool) {
	ttl, try = int(v>>tryBits), int(v&(maxTries-1))
	return ttl, try, ttl >= 1 && ttl <= MaxTTL
}

// sport is the source port of a TCP or UDP probe.
func (c codec) sport(ttl, try int) uint16 { return c.base + tag(ttl, try) }

func (c codec) fromPort(p uint16) (ttl, try int, ok bool) {
	if p < c.base || p-c.base >= portSpan {
		return 0, 0, false
	}
	return untag(p - c.base)
}

// seq is the sequence number of a TCP probe.
func (c codec) seq(dst netip.Addr, dport, sport uint16) uint32 {
	return uint32(c.hash(dst, uint64(dport)<<16|uint64(sport)) >> 16)
}

// echoID is the identifier of an echo request to dst.
func (c codec) echoID(dst netip.Addr) uint16 { return uint16(c.hash(dst, 1<<40) >> 24) }

// kind is what an answer says of the probe's TTL.
type kind uint8

const (
	kindNone    kind = iota
	kindTarget       // the host itself answered: it is this many hops away, or fewer
	kindHop          // a router's time exceeded: the host is farther
	kindUnreach      // a router's destination unreachable: the path ends there
)

// answer is a validated answer to a probe.
type answer struct {
	dst      netip.Addr // the probe's destination
	proto    result.Protocol
	port     uint16 // the probe's destination port
	ttl, try int
	from     netip.Addr
	kind     kind
}

// match validates a decoded frame as an answer to one of the run's probes.
// Which host and method the answer belongs to is left to the caller, who
// checks dst, proto and port against what it sent.
func (c codec) match(d *packet.Decoded) (answer, bool) {
	if d.Network != packet.NetworkIPv4 && d.Network != packet.NetworkIPv6 || d.IP.Fragmented() {
		return answer{}, false
	}
	src := d.IP.Src.Unmap()
	switch d.Transport {
	case packet.TransportTCP:
		t := &d.TCP
		if !t.Flags.Has(packet.FlagRST) && !t.Flags.Has(packet.FlagSYN|packet.FlagACK) {
			return answer{}, false
		}
		ttl, try, ok := c.fromPort(t.DstPort)
		if !ok || !t.Flags.Has(packet.FlagACK) || t.Ack != c.seq(src, t.SrcPort, t.DstPort)+1 {
			return answer{}, false
		}
		return answer{dst: src, proto: result.TCP, port: t.SrcPort, ttl: ttl, try: try, from: src, kind: kindTarget}, true
	case packet.TransportUDP:
		// A datagram echoes only the ports: that is all there is to check.
		ttl, try, ok := c.fromPort(d.UDP.DstPort)
		if !ok {
			return answer{}, false
		}
		return answer{dst: src, proto: result.UDP, port: d.UDP.SrcPort, ttl: ttl, try: try, from: src, kind: kindTarget}, true
	case packet.TransportICMPv4, packet.TransportICMPv6:
		return c.matchICMP(d, src)
	}
	return answer{}, false
}

func (c codec) matchICMP(d *packet.Decoded, src netip.Addr) (answer, bool) {
	v6 := d.Transport == packet.TransportICMPv6
	m := &d.ICMP
	echoReply, exceeded, unreach := uint8(packet.ICMPv4EchoReply), uint8(packet.ICMPv4TimeExceeded), uint8(packet.ICMPv4DestUnreachable)
	if v6 {
		echoReply, exceeded, unreach = packet.ICMPv6EchoReply, packet.ICMPv6TimeExceeded, packet.ICMPv6DestUnreachable
	}
	switch m.Type {
	case echoReply:
		ttl, try, ok := untag(m.Seq())
		if !ok || m.ID() != c.echoID(src) {
			return answer{}, false
		}
		return answer{dst: src, ttl: ttl, try: try, from: src, kind: kindTarget}, true
	case exceeded, unreach:
		if m.Type == exceeded && m.Code != 0 {
			return answer{}, false // reassembly time exceeded says nothing of the path
		}
	default:
		return answer{}, false
	}
	q := &d.Quote
	if q.IP.Version == 0 || (q.IP.Version == 6) != v6 {
		return answer{}, false
	}
	a := answer{dst: q.IP.Dst.Unmap(), from: src}
	var ok bool
	switch q.Transport {
	case packet.TransportTCP:
		if !q.HasSeq() {
			return answer{}, false
		}
		a.proto, a.port = result.TCP, q.DstPort
		a.ttl, a.try, ok = c.fromPort(q.SrcPort)
		ok = ok && q.Seq == c.seq(a.dst, q.DstPort, q.SrcPort)
	case packet.TransportUDP:
		if !q.HasPorts() {
			return answer{}, false
		}
		a.proto, a.port = result.UDP, q.DstPort
		a.ttl, a.try, ok = c.fromPort(q.SrcPort)
	case packet.TransportICMPv4, packet.TransportICMPv6:
		req := uint8(packet.ICMPv4EchoRequest)
		if v6 {
			req = packet.ICMPv6EchoRequest
		}
		if len(q.Data) < 8 || q.ICMPType != req || q.ICMPID != c.echoID(a.dst) {
			return answer{}, false
		}
		a.ttl, a.try, ok = untag(q.ICMPSeq)
	}
	if !ok {
		return answer{}, false
	}
	switch {
	case m.Type == exceeded:
		a.kind = kindHop
	case src == a.dst:
		a.kind = kindTarget // its port, or its protocol, is closed
	default:
		a.kind = kindUnreach
	}
	return a, true
}
