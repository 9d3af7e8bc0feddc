package target

import (
	"fmt"
	"iter"
	"math/bits"
	"strconv"
	"strings"
)

// feistelRounds: four rounds of a good mixing function make a Feistel
// network a strong pseudo-random permutation (Luby-Rackoff); the scan needs
// spread, not secrecy.
const feistelRounds = 4

// Permutation is a seeded pseudo-random bijection of [0, n): a small
// Feistel cipher over the smallest even number of bits that holds n-1,
// with cycle walking back into range (fewer than four steps on average).
// It takes O(1) memory and O(1) expected time per index, so a scan engine
// walks a Space of any size in random order, and --shard and resume are
// index arithmetic. A Permutation is an immutable value, safe for
// concurrent use.
type Permutation struct {
	n    uint64
	half uint
	mask uint64
	keys [feistelRounds]uint64
}

// NewPermutation returns the permutation of [0, n) for seed. The same n and
// seed always give the same permutation.
func NewPermutation(n, seed uint64) Permutation {
	p := Permutation{n: n}
	if n > 1 {
		b := bits.Len64(n - 1)
		b += b & 1
		p.half = uint(b / 2)
		p.mask = 1<<p.half - 1
	}
	for i := range p.keys {
		seed += 0x9e3779b97f4a7c15
		p.keys[i] = mix64(seed)
	}
	return p
}

// mix64 is the SplitMix64 finalizer.
func mix64(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// Len returns n.
func (p Permutation) Len() uint64 { return p.n }

// At returns the image of index i; it panics if i >= n.
func (p Permutation) At(i uint64) uint64 {
	if i >= p.n {
		panic(fmt.Sprintf("target: permutation index %d out of range [0:%d]", i, p.n))
	}
	for {
		if i = p.encrypt(i); i < p.n {
			return i
		}
	}
}

// Index is the inverse of At: the i with At(i) == v. It panics if v >= n.
func (p Permutation) Index(v uint64) uint64 {
	if v >= p.n {
		panic(fmt.Sprintf("target: permutation value %d out of range [0:%d]", v, p.n))
	}
	for {
		if v = p.decrypt(v); v < p.n {
			return v
		}
	}
}

func (p Permutation) encrypt(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for _, k := range p.keys {
		l, r = r, l^(mix64(r^k)&p.mask)
	}
	return l<<p.half | r
}

func (p Permutation) decrypt(x uint64) uint64 {
	l, r := x>>p.half, x&p.mask
	for i := len(p.keys) - 1; i >= 0; i-- {
		l, r = r^(mix64(l^p.keys[i])&p.mask), l
	}
	return l<<p.half | r
}

// Shard is one of N shards of a scan (--shard I/N, as in masscan): shard I
// takes the positions k of the permuted order with k mod N == I-1. The
// zero Shard means the whole scan (1/1). A Shard is a value, safe for
// concurrent use.
type Shard struct {
	I, N uint64
}

// ParseShard parses "i/n" with 1 <= i <= n.
func ParseShard(s string) (Shard, error) {
	is, ns, ok := strings.Cut(s, "/")
	i, err1 := strconv.ParseUint(is, 10, 64)
	n, err2 := strconv.ParseUint(ns, 10, 64)
	if !ok || err1 != nil || err2 != nil || i < 1 || i > n {
		return Shard{}, fmt.Errorf("target: shard %q: want i/n with 1 <= i <= n, e.g. --shard 1/4", s)
	}
	return Shard{I: i, N: n}, nil
}

func (s Shard) norm() (first, step uint64) {
	if s.N == 0 {
		return 0, 1
	}
	return s.I - 1, s.N
}

func (s Shard) String() string {
	f, n := s.norm()
	return strconv.FormatUint(f+1, 10) + "/" + strconv.FormatUint(n, 10)
}

// Len returns how many of the positions 0..total-1 belong to s.
func (s Shard) Len(total uint64) uint64 {
	first, step := s.norm()
	if total <= first {
		return 0
	}
	return (total-first-1)/step + 1
}

// Pos returns the position in the whole scan of the shard's j-th item.
func (s Shard) Pos(j uint64) uint64 {
	first, step := s.norm()
	return first + j*step
}

// Walk yields, for the shard's items from its from-th on, the item number j
// (to resume from) and the permuted index to scan.
func (p Permutation) Walk(s Shard, from uint64) iter.Seq2[uint64, uint64] {
	return func(yield func(uint64, uint64) bool) {
		for j, n := from, s.Len(p.n); j < n; j++ {
			if !yield(j, p.At(s.Pos(j))) {
				return
			}
		}
	}
}
