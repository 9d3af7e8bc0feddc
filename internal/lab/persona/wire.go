package persona

import (
	"encoding/binary"
	"net/netip"
)

// Parsing of received frames. Everything here reads untrusted bytes: each
// length is checked before use, and anything malformed is dropped (parse
// returns false), as a stack would.

const (
	etherIPv4 = 0x0800
	etherARP  = 0x0806
	etherIPv6 = 0x86dd

	protoICMP   = 1
	protoTCP    = 6
	protoUDP    = 17
	protoICMPv6 = 58

	flagFIN = 0x01
	flagSYN = 0x02
	flagRST = 0x04
	flagPSH = 0x08
	flagACK = 0x10
	flagURG = 0x20
	flagECE = 0x40
	flagCWR = 0x80
)

// frame is a decoded received frame. Its slices point into the buffer.
type frame struct {
	dstMAC, srcMAC [6]byte
	etherType      uint16

	// ARP
	arpOp       uint16
	arpSHA      [6]byte
	arpSPA      netip.Addr
	arpTPA      netip.Addr
	arpTHAIsOur bool

	// IP
	v6       bool
	ip       []byte // the IP datagram, trimmed to its stated length
	ihl      int    // IPv4 header length, 40 for IPv6
	src, dst netip.Addr
	ttl      uint8
	tos      uint8
	id       uint16
	df       bool
	proto    uint8
	l4       []byte

	// TCP
	sport, dport uint16
	seq, ack     uint32
	flags        uint8
	window       uint16
	opts         []byte
	payload      []byte

	// ICMP
	icmpType, icmpCode uint8
}

// synOpts is what a SYN offered.
type synOpts struct {
	mss           uint16
	hasMSS        bool
	wscale        bool
	sack          bool
	ts            bool
	tsval, tsecr  uint32
	malformedOpts bool
}

// parse decodes an Ethernet frame carrying ARP, IPv4 or IPv6 (without
// extension headers) and, in IP, TCP, UDP, ICMP or ICMPv6. It checks the
// IPv4 header checksum and the transport checksum.
func parse(b []byte, f *frame) bool {
	*f = frame{}
	if len(b) < 14 {
		return false
	}
	copy(f.dstMAC[:], b[0:6])
	copy(f.srcMAC[:], b[6:12])
	f.etherType = binary.BigEndian.Uint16(b[12:14])
	p := b[14:]
	switch f.etherType {
	case etherARP:
		return parseARP(p, f)
	case etherIPv4:
		if !parseIPv4(p, f) {
			return false
		}
	case etherIPv6:
		if !parseIPv6(p, f) {
			return false
		}
	default:
		return false
	}
	// An IPv4 UDP checksum of 0 means none was computed.
	noSum := !f.v6 && f.proto == protoUDP && len(f.l4) >= 8 && f.l4[6] == 0 && f.l4[7] == 0
	if !noSum && checksum(f.l4, pseudoSum(f.v6, f.proto, f.src, f.dst, len(f.l4))) != 0 {
		return false
	}
	switch f.proto {
	case protoTCP:
		return parseTCP(f)
	case protoUDP:
		if len(f.l4) < 8 {
			return false
		}
		f.sport = binary.BigEndian.Uint16(f.l4[0:2])
		f.dport = binary.BigEndian.Uint16(f.l4[2:4])
		return true
	case protoICMP, protoICMPv6:
		if (f.proto == protoICMP) == f.v6 || len(f.l4) < 8 {
			return false
		}
		f.icmpType, f.icmpCode = f.l4[0], f.l4[1]
		return true
	}
	return false
}

func parseARP(p []byte, f *frame) bool {
	// Ethernet and IPv4 only: htype 1, ptype 0x0800, hlen 6, plen 4.
	if len(p) < 28 || binary.BigEndian.Uint16(p[0:2]) != 1 || binary.BigEndian.Uint16(p[2:4]) != etherIPv4 || p[4] != 6 || p[5] != 4 {
		return false
	}
	f.arpOp = binary.BigEndian.Uint16(p[6:8])
	copy(f.arpSHA[:], p[8:14])
	f.arpSPA = netip.AddrFrom4([4]byte(p[14:18]))
	f.arpTPA = netip.AddrFrom4([4]byte(p[24:28]))
	return true
}

func parseIPv4(p []byte, f *frame) bool {
	if len(p) < 20 || p[0]>>4 != 4 {
		return false
	}
	ihl := int(p[0]&0x0f) * 4
	total := int(binary.BigEndian.Uint16(p[2:4]))
	if ihl < 20 || total < ihl || total > len(p) {
		return false
	}
	if checksum(p[:ihl], 0) != 0 {
		return false
	}
	frag := binary.BigEndian.Uint16(p[6:8])
	if frag&0x3fff != 0 { // MF or an offset: no reassembly here
		return false
	}
	f.ip = p[:total]
	f.ihl = ihl
	f.tos = p[1]
	f.id = binary.BigEndian.Uint16(p[4:6])
	f.df = frag&0x4000 != 0
	f.ttl = p[8]
	f.proto = p[9]
	f.src = netip.AddrFrom4([4]byte(p[12:16]))
	f.dst = netip.AddrFrom4([4]byte(p[16:20]))
	f.l4 = p[ihl:total]
	return true
}

func parseIPv6(p []byte, f *frame) bool {
	if len(p) < 40 || p[0]>>4 != 6 {
		return false
	}
	plen := int(binary.BigEndian.Uint16(p[4:6]))
	if 40+plen > len(p) {
		return false
	}
	f.v6 = true
	f.ip = p[:40+plen]
	f.ihl = 40
	f.tos = p[0]<<4 | p[1]>>4
	f.proto = p[6]
	f.ttl = p[7]
	f.src = netip.AddrFrom16([16]byte(p[8:24]))
	f.dst = netip.AddrFrom16([16]byte(p[24:40]))
	f.l4 = p[40 : 40+plen]
	return true
}

func parseTCP(f *frame) bool {
	t := f.l4
	if len(t) < 20 {
		return false
	}
	off := int(t[12]>>4) * 4
	if off < 20 || off > len(t) {
		return false
	}
	f.sport = binary.BigEndian.Uint16(t[0:2])
	f.dport = binary.BigEndian.Uint16(t[2:4])
	f.seq = binary.BigEndian.Uint32(t[4:8])
	f.ack = binary.BigEndian.Uint32(t[8:12])
	f.flags = t[13]
	f.window = binary.BigEndian.Uint16(t[14:16])
	f.opts = t[20:off]
	f.payload = t[off:]
	return true
}

// parseSynOpts reads the options of a SYN. A malformed list stops the
// walk; what was read before it counts, as in most stacks.
func parseSynOpts(opts []byte) synOpts {
	var o synOpts
	for i := 0; i < len(opts); {
		kind := opts[i]
		if kind == 0 { // end of list
			break
		}
		if kind == 1 { // NOP
			i++
			continue
		}
		if i+1 >= len(opts) {
			o.malformedOpts = true
			break
		}
		l := int(opts[i+1])
		if l < 2 || i+l > len(opts) {
			o.malformedOpts = true
			break
		}
		v := opts[i+2 : i+l]
		switch {
		case kind == 2 && l == 4:
			o.hasMSS, o.mss = true, binary.BigEndian.Uint16(v)
		case kind == 3 && l == 3:
			o.wscale = true
		case kind == 4 && l == 2:
			o.sack = true
		case kind == 8 && l == 10:
			o.ts = true
			o.tsval = binary.BigEndian.Uint32(v[0:4])
			o.tsecr = binary.BigEndian.Uint32(v[4:8])
		}
		i += l
	}
	return o
}

// segLen is the sequence space a segment uses: its data, SYN and FIN.
func segLen(f *frame) uint32 {
	n := uint32(len(f.payload))
	if f.flags&flagSYN != 0 {
		n++
	}
	if f.flags&flagFIN != 0 {
		n++
	}
	return n
}

// checksum is the Internet checksum of b, starting from a partial sum.
// Over a packet with its checksum field filled it is 0.
func checksum(b []byte, initial uint32) uint16 {
	s := initial
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}

// pseudoSum is the partial sum of the pseudo-header, or 0 for ICMPv4,
// which has none.
func pseudoSum(v6 bool, proto uint8, src, dst netip.Addr, n int) uint32 {
	if proto == protoICMP {
		return 0
	}
	var s uint32
	add := func(b []byte) {
		for i := 0; i+1 < len(b); i += 2 {
			s += uint32(b[i])<<8 | uint32(b[i+1])
		}
	}
	if v6 {
		a, b := src.As16(), dst.As16()
		add(a[:])
		add(b[:])
	} else {
		a, b := src.As4(), dst.As4()
		add(a[:])
		add(b[:])
	}
	s += uint32(proto) + uint32(n&0xffff) + uint32(n>>16)
	return s
}
