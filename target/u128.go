package target

import (
	"encoding/binary"
	"math/big"
	"math/bits"
	"net/netip"
)

// u128 is an address (or a count of addresses) as one unsigned number, so
// IPv4 and IPv6 share the interval arithmetic. IPv4 addresses use the low 32
// bits.
type u128 struct{ hi, lo uint64 }

var maxU128 = u128{^uint64(0), ^uint64(0)}

func u64(v uint64) u128 { return u128{0, v} }

func (a u128) cmp(b u128) int {
	switch {
	case a.hi < b.hi:
		return -1
	case a.hi > b.hi:
		return 1
	case a.lo < b.lo:
		return -1
	case a.lo > b.lo:
		return 1
	}
	return 0
}

func (a u128) less(b u128) bool { return a.hi < b.hi || a.hi == b.hi && a.lo < b.lo }

func (a u128) isZero() bool { return a.hi == 0 && a.lo == 0 }

func (a u128) add(b u128) (u128, bool) {
	lo, c := bits.Add64(a.lo, b.lo, 0)
	hi, c := bits.Add64(a.hi, b.hi, c)
	return u128{hi, lo}, c != 0
}

// plus adds, wrapping; callers know the sum fits.
func (a u128) plus(b u128) u128 { s, _ := a.add(b); return s }

func (a u128) minus(b u128) u128 {
	lo, c := bits.Sub64(a.lo, b.lo, 0)
	hi, _ := bits.Sub64(a.hi, b.hi, c)
	return u128{hi, lo}
}

func (a u128) inc() u128 { return a.plus(u64(1)) }
func (a u128) dec() u128 { return a.minus(u64(1)) }

func maxOf(a, b u128) u128 {
	if a.less(b) {
		return b
	}
	return a
}

func minOf(a, b u128) u128 {
	if a.less(b) {
		return a
	}
	return b
}

// fits64 reports whether a < 2^64 and returns it.
func (a u128) fits64() (uint64, bool) { return a.lo, a.hi == 0 }

func (a u128) big() *big.Int {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], a.hi)
	binary.BigEndian.PutUint64(b[8:], a.lo)
	return new(big.Int).SetBytes(b[:])
}

// hostMask returns the mask of the host bits of a prefix of the given length
// in a space of width bits (32 or 128).
func hostMask(prefix, width int) u128 {
	n := width - prefix // host bits, 0..128
	switch {
	case n <= 0:
		return u128{}
	case n >= 128:
		return maxU128
	case n >= 64:
		return u128{1<<(n-64) - 1, ^uint64(0)}
	}
	return u128{0, 1<<n - 1}
}

func (a u128) or(m u128) u128     { return u128{a.hi | m.hi, a.lo | m.lo} }
func (a u128) andNot(m u128) u128 { return u128{a.hi &^ m.hi, a.lo &^ m.lo} }

func fromAddr(a netip.Addr) u128 {
	if a.Is4() {
		b := a.As4()
		return u64(uint64(binary.BigEndian.Uint32(b[:])))
	}
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func toAddr(v u128, f Family) netip.Addr {
	if f == IPv4 {
		var b [4]byte
		binary.BigEndian.PutUint32(b[:], uint32(v.lo))
		return netip.AddrFrom4(b)
	}
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], v.hi)
	binary.BigEndian.PutUint64(b[8:], v.lo)
	return netip.AddrFrom16(b)
}

// count is the number of addresses of a set, up to and including 2^128 (all
// of IPv6), which one u128 cannot hold.
type count struct {
	n    u128
	full bool // n wrapped: the count is exactly 2^128
}

// addSpan adds hi-lo+1.
func (c *count) addSpan(lo, hi u128) {
	c.add(hi.minus(lo))
	c.add(u64(1))
}

func (c *count) add(v u128) {
	var carry bool
	c.n, carry = c.n.add(v)
	// Disjoint addresses never exceed 2^128, so one carry marks exactly it.
	c.full = c.full || carry
}

func (c count) big() *big.Int {
	if c.full {
		return new(big.Int).Lsh(big.NewInt(1), 128)
	}
	return c.n.big()
}

func (c count) over(limit uint64) bool {
	return c.full || c.n.hi != 0 || c.n.lo > limit
}
