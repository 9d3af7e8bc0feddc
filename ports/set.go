package ports

import (
	"iter"
	"math/bits"
	"strconv"
)

const words = 65536 / 64

// Set is a set of port numbers 0–65535: a 65,536-bit bitmap (8 KiB) with a
// count. The zero value is an empty set ready to use. A nil *Set reads as
// empty; adding to one panics, as with a nil map.
//
// A Set is not safe for concurrent mutation; concurrent reads are safe.
// Copying a Set copies the bitmap, so pass *Set.
type Set struct {
	w [words]uint64
	n int
}

// Add adds port and reports whether it was not in the set before.
func (s *Set) Add(port uint16) bool {
	i, b := port>>6, uint64(1)<<(port&63)
	if s.w[i]&b != 0 {
		return false
	}
	s.w[i] |= b
	s.n++
	return true
}

// AddRange adds every port from lo to hi inclusive and returns how many were
// not in the set before. It does nothing when hi < lo.
func (s *Set) AddRange(lo, hi uint16) int {
	if hi < lo {
		return 0
	}
	added := 0
	for i := lo >> 6; i <= hi>>6; i++ {
		m := ^uint64(0)
		if i == lo>>6 {
			m &= ^uint64(0) << (lo & 63)
		}
		if i == hi>>6 {
			m &= ^uint64(0) >> (63 - hi&63)
		}
		added += bits.OnesCount64(m &^ s.w[i])
		s.w[i] |= m
	}
	s.n += added
	return added
}

// Remove removes port and reports whether it was in the set.
func (s *Set) Remove(port uint16) bool {
	i, b := port>>6, uint64(1)<<(port&63)
	if s.w[i]&b == 0 {
		return false
	}
	s.w[i] &^= b
	s.n--
	return true
}

// Has reports whether port is in the set.
func (s *Set) Has(port uint16) bool {
	return s != nil && s.w[port>>6]&(1<<(port&63)) != 0
}

// Len returns the number of ports in the set.
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return s.n
}

// All yields the ports in ascending order. The set must not change during
// the iteration.
func (s *Set) All() iter.Seq[uint16] {
	return func(yield func(uint16) bool) {
		if s == nil {
			return
		}
		for i, w := range s.w {
			for w != 0 {
				if !yield(uint16(i<<6 | bits.TrailingZeros64(w))) {
					return
				}
				w &= w - 1
			}
		}
	}
}

// AppendPorts appends the ports in ascending order to dst and returns the
// extended slice. It is for callers that need random access (a permutation
// index, say); iterate with All otherwise.
func (s *Set) AppendPorts(dst []uint16) []uint16 {
	if s == nil {
		return dst
	}
	dst = growTo(dst, s.n)
	for p := range s.All() {
		dst = append(dst, p)
	}
	return dst
}

func growTo(dst []uint16, n int) []uint16 {
	if cap(dst)-len(dst) < n {
		g := make([]uint16, len(dst), len(dst)+n)
		copy(g, dst)
		return g
	}
	return dst
}

// Union adds every port of o to s.
func (s *Set) Union(o *Set) {
	if o == nil {
		return
	}
	n := 0
	for i := range s.w {
		s.w[i] |= o.w[i]
		n += bits.OnesCount64(s.w[i])
	}
	s.n = n
}

// Intersect removes from s every port not in o.
func (s *Set) Intersect(o *Set) {
	if o == nil {
		*s = Set{}
		return
	}
	n := 0
	for i := range s.w {
		s.w[i] &= o.w[i]
		n += bits.OnesCount64(s.w[i])
	}
	s.n = n
}

// Subtract removes from s every port in o.
func (s *Set) Subtract(o *Set) {
	if o == nil {
		return
	}
	n := 0
	for i := range s.w {
		s.w[i] &^= o.w[i]
		n += bits.OnesCount64(s.w[i])
	}
	s.n = n
}

// Equal reports whether s and o hold the same ports.
func (s *Set) Equal(o *Set) bool {
	if s.Len() != o.Len() {
		return false
	}
	if s.Len() == 0 {
		return true
	}
	return s.w == o.w
}

// Clone returns a copy of s.
func (s *Set) Clone() *Set {
	c := new(Set)
	if s != nil {
		*c = *s
	}
	return c
}

// String formats the set as Nmap writes port lists, for example in the
// services attribute of XML scaninfo: ascending, runs of consecutive ports
// as ranges, comma separated ("1-1000,8080"). The empty set is "".
func (s *Set) String() string {
	b, _ := s.AppendText(nil)
	return string(b)
}

// AppendText appends the String form to b. It never fails; the error is
// there to satisfy encoding.TextAppender.
func (s *Set) AppendText(b []byte) ([]byte, error) {
	first, start, prev := true, -1, -1
	flush := func() {
		if start < 0 {
			return
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		b = strconv.AppendInt(b, int64(start), 10)
		if prev > start {
			b = append(b, '-')
			b = strconv.AppendInt(b, int64(prev), 10)
		}
	}
	for p := range s.All() {
		if int(p) != prev+1 || start < 0 {
			flush()
			start = int(p)
		}
		prev = int(p)
	}
	flush()
	return b, nil
}
