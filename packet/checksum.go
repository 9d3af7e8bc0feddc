package packet

import (
	"encoding/binary"
	"net/netip"
)

// Sum adds the bytes of b, as big-endian 16-bit words, to the partial
// one's-complement sum initial (RFC 1071) and returns the folded sum, not
// complemented. A message may be summed in pieces, each starting from the
// previous result, as long as every piece but the last has an even length.
func Sum(b []byte, initial uint16) uint16 {
	// Adding 32-bit words into 64 bits cannot overflow for any packet size,
	// and folds to the same 16-bit sum because 2^16 ≡ 1 (mod 2^16-1).
	s := uint64(initial)
	for len(b) >= 8 {
		v := binary.BigEndian.Uint64(b)
		s += v>>32 + v&0xffffffff
		b = b[8:]
	}
	if len(b) >= 4 {
		s += uint64(binary.BigEndian.Uint32(b))
		b = b[4:]
	}
	if len(b) >= 2 {
		s += uint64(binary.BigEndian.Uint16(b))
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint64(b[0]) << 8
	}
	return fold(s)
}

func fold(s uint64) uint16 {
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return uint16(s)
}

// Checksum returns the Internet checksum of b, starting from the partial
// sum initial (zero, or a pseudo-header sum): the complement of Sum. Computed
// over a header whose checksum field holds a correct checksum, it returns 0.
func Checksum(b []byte, initial uint16) uint16 {
	return ^Sum(b, initial)
}

// PseudoHeaderSum returns the partial sum of the pseudo-header that TCP, UDP
// and ICMPv6 checksums cover: RFC 793 for IPv4, RFC 8200 section 8.1 for
// IPv6, chosen by the family of the addresses. length is the transport
// header plus payload.
func PseudoHeaderSum(proto IPProtocol, src, dst netip.Addr, length int) uint16 {
	// Both layouts sum to the same words: addresses, protocol, length. The
	// IPv6 length is 32 bits, whose high half is zero for any real segment.
	s := uint64(proto) + uint64(length>>16) + uint64(length&0xffff)
	if src.Is4() && dst.Is4() {
		a, b := src.As4(), dst.As4()
		s += uint64(binary.BigEndian.Uint32(a[:])) + uint64(binary.BigEndian.Uint32(b[:]))
	} else {
		a, b := src.As16(), dst.As16()
		s += uint64(Sum(a[:], 0)) + uint64(Sum(b[:], 0))
	}
	return fold(s)
}

// ChecksumUpdate16 returns checksum hc updated for one 16-bit word of the
// covered data changing from old to new, by RFC 1624 equation 3, which
// unlike RFC 1141's form is right when the result is 0 or 0xffff.
func ChecksumUpdate16(hc, old, new uint16) uint16 {
	s := uint32(^hc) + uint32(^old) + uint32(new)
	s = s>>16 + s&0xffff
	s = s>>16 + s&0xffff
	return ^uint16(s)
}

// ChecksumUpdate32 is ChecksumUpdate16 for a 32-bit field, such as an IPv4
// address or a TCP sequence number, that starts on an even offset.
func ChecksumUpdate32(hc uint16, old, new uint32) uint16 {
	s := uint64(^hc) + uint64(^uint16(old>>16)) + uint64(^uint16(old)) +
		uint64(new>>16) + uint64(new&0xffff)
	return ^fold(s)
}

// ChecksumUpdate is ChecksumUpdate16 for a field of any even length, such
// as an IPv6 address, that starts on an even offset. old and new must have
// the same length.
func ChecksumUpdate(hc uint16, old, new []byte) uint16 {
	// The complement distributes over a one's-complement sum, so the sum of
	// the complemented old words is the complement of their sum.
	s := uint64(^hc) + uint64(^Sum(old, 0)) + uint64(Sum(new, 0))
	return ^fold(s)
}
