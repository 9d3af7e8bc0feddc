package target

import (
	"math/bits"
	"strconv"
	"strings"
)

// octetSet is a set of values of one IPv4 octet.
type octetSet [4]uint64

func (s *octetSet) setRange(lo, hi int) {
	for v := lo; v <= hi; v++ {
		s[v>>6] |= 1 << (v & 63)
	}
}

func (s *octetSet) has(v uint8) bool { return s[v>>6]&(1<<(v&63)) != 0 }

func (s *octetSet) count() int {
	return bits.OnesCount64(s[0]) + bits.OnesCount64(s[1]) + bits.OnesCount64(s[2]) + bits.OnesCount64(s[3])
}

func (s *octetSet) full() bool { return s[0]&s[1]&s[2]&s[3] == ^uint64(0) }

func (s *octetSet) empty() bool { return s[0]|s[1]|s[2]|s[3] == 0 }

// only returns the single value of a one-element set.
func (s *octetSet) only() (uint8, bool) {
	if s.count() != 1 {
		return 0, false
	}
	for i, w := range s {
		if w != 0 {
			return uint8(i<<6 | bits.TrailingZeros64(w)), true
		}
	}
	return 0, false
}

// rank is the number of elements below v, for v in 0..256.
func (s *octetSet) rank(v int) int {
	w := v >> 6
	n := 0
	for i := 0; i < w && i < 4; i++ {
		n += bits.OnesCount64(s[i])
	}
	if w < 4 {
		n += bits.OnesCount64(s[w] & (1<<(v&63) - 1))
	}
	return n
}

// sel returns the k-th smallest element; k < count().
func (s *octetSet) sel(k int) int {
	for i, w := range s {
		c := bits.OnesCount64(w)
		if k >= c {
			k -= c
			continue
		}
		pos := 0 // select within the word by halving
		for width := 32; width > 0; width >>= 1 {
			if c := bits.OnesCount64(w & (1<<width - 1)); k >= c {
				k -= c
				w >>= width
				pos += width
			}
		}
		return i<<6 | pos
	}
	panic("target: octet select out of range")
}

// runs calls fn for each maximal run of consecutive values.
func (s *octetSet) runs(fn func(lo, hi int)) {
	for v := 0; v < 256; {
		if !s.has(uint8(v)) {
			v++
			continue
		}
		lo := v
		for v < 256 && s.has(uint8(v)) {
			v++
		}
		fn(lo, v-1)
	}
}

// grid is a product of four octet sets: the addresses of one octet-range
// specification.
type grid [4]octetSet

// mask widens each octet as Nmap applies a netmask to ranges: every value
// that differs from a member only in host bits becomes a member.
func (g *grid) mask(prefix int) {
	for d := range g {
		free := 8 - min(max(prefix-8*d, 0), 8)
		if free == 0 {
			continue
		}
		var out octetSet
		span := 1<<free - 1
		for v := 0; v < 256; v++ {
			if g[d].has(uint8(v)) {
				out.setRange(v&^span, v|span)
			}
		}
		g[d] = out
	}
}

func (g *grid) String() string {
	var b strings.Builder
	for d := range g {
		if d > 0 {
			b.WriteByte('.')
		}
		if g[d].full() {
			b.WriteByte('*')
			continue
		}
		first := true
		g[d].runs(func(lo, hi int) {
			if !first {
				b.WriteByte(',')
			}
			first = false
			b.WriteString(strconv.Itoa(lo))
			if hi > lo {
				b.WriteByte('-')
				b.WriteString(strconv.Itoa(hi))
			}
		})
	}
	return b.String()
}

// box is a grid prepared for index arithmetic: the addresses of a product
// are ranked and selected in O(1) per octet, so a large octet-range
// specification is never expanded. Addresses are uint64 so that 2^32 can
// stand for "past the end".
type box struct {
	o    grid
	mul  [4]uint64 // mul[d]: how many addresses one step of octet d spans
	size uint64
	lo   uint64 // smallest address
	hi   uint64 // largest address
}

func newBox(g grid) box {
	b := box{o: g}
	b.size = 1
	for d := 3; d >= 0; d-- {
		b.mul[d] = b.size
		b.size *= uint64(g[d].count())
	}
	if b.size > 0 {
		b.lo, b.hi = b.sel(0), b.sel(b.size-1)
	}
	return b
}

func (b *box) has(x uint64) bool {
	return b.o[0].has(uint8(x>>24)) && b.o[1].has(uint8(x>>16)) && b.o[2].has(uint8(x>>8)) && b.o[3].has(uint8(x))
}

// rank is the number of addresses of b below x, for x in 0..2^32.
func (b *box) rank(x uint64) uint64 {
	if x > 0xffffffff {
		return b.size
	}
	var r uint64
	for d := 0; d < 4; d++ {
		v := uint8(x >> (24 - 8*d))
		r += uint64(b.o[d].rank(int(v))) * b.mul[d]
		if !b.o[d].has(v) {
			break
		}
	}
	return r
}

// in returns how many addresses of b lie in [lo, hi].
func (b *box) in(lo, hi uint64) uint64 {
	if hi < b.lo || lo > b.hi {
		return 0
	}
	return b.rank(hi+1) - b.rank(lo)
}

// sel returns the k-th smallest address of b; k < size.
func (b *box) sel(k uint64) uint64 {
	var x uint64
	for d := 0; d < 4; d++ {
		q := k / b.mul[d]
		k -= q * b.mul[d]
		x = x<<8 | uint64(b.o[d].sel(int(q)))
	}
	return x
}

func (b *box) intersects(c *box) bool {
	for d := range b.o {
		x, y := &b.o[d], &c.o[d]
		if x[0]&y[0]|x[1]&y[1]|x[2]&y[2]|x[3]&y[3] == 0 {
			return false
		}
	}
	return true
}

// minus appends b \ c to out as disjoint boxes: the d-th piece agrees with
// c on the octets before d, differs from it on octet d, and is free after.
func (b *box) minus(c *box, out []box) []box {
	if !b.intersects(c) {
		return append(out, *b)
	}
	var both grid
	for d := range both {
		for w := range both[d] {
			both[d][w] = b.o[d][w] & c.o[d][w]
		}
	}
	for d := 0; d < 4; d++ {
		var g grid
		copy(g[:d], both[:d])
		copy(g[d+1:], b.o[d+1:])
		for w := range g[d] {
			g[d][w] = b.o[d][w] &^ c.o[d][w]
		}
		if !g[d].empty() {
			out = append(out, newBox(g))
		}
	}
	return out
}

// runs calls fn for each maximal run of consecutive addresses of b in
// ascending order, until fn returns false. Trailing whole octets are folded
// into the runs, so the cost follows the number of runs, not of addresses.
func (b *box) runs(fn func(lo, hi uint64) bool) {
	last := 3
	for last >= 0 && b.o[last].full() {
		last--
	}
	if last < 0 {
		fn(0, 0xffffffff)
		return
	}
	shift := uint(8 * (3 - last))
	var oruns [][2]uint64
	b.o[last].runs(func(lo, hi int) { oruns = append(oruns, [2]uint64{uint64(lo), uint64(hi)}) })
	prefixes := uint64(1)
	for d := 0; d < last; d++ {
		prefixes *= uint64(b.o[d].count())
	}
	var cur [2]uint64
	have := false
	for p := uint64(0); p < prefixes; p++ {
		var pre uint64
		k := p
		for d := 0; d < last; d++ {
			m := b.mul[d] / b.mul[last-1]
			q := k / m
			k -= q * m
			pre = pre<<8 | uint64(b.o[d].sel(int(q)))
		}
		for _, r := range oruns {
			lo := (pre<<8 | r[0]) << shift
			hi := (pre<<8|r[1])<<shift | (1<<shift - 1)
			if have && cur[1]+1 == lo {
				cur[1] = hi
				continue
			}
			if have && !fn(cur[0], cur[1]) {
				return
			}
			cur, have = [2]uint64{lo, hi}, true
		}
	}
	if have {
		fn(cur[0], cur[1])
	}
}

// countRuns counts b's runs, stopping past limit.
func (b *box) countRuns(limit int) int {
	n := 0
	b.runs(func(lo, hi uint64) bool {
		n++
		return n <= limit
	})
	return n
}
