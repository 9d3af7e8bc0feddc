package target

import (
	"math/rand/v2"
	"testing"
)

// universe is the size of the brute-force model.
const universe = 600

type bitset [universe]bool

func (b *bitset) intervals() ivals {
	var out ivals
	for x := 0; x < universe; x++ {
		if b[x] && (x == 0 || !b[x-1]) {
			y := x
			for y+1 < universe && b[y+1] {
				y++
			}
			out = append(out, ival{u64(uint64(x)), u64(uint64(y))})
		}
	}
	return out
}

func TestIvsetAdd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for round := range 200 {
		var s ivset
		var model bitset
		maxLen := 1 + r.IntN(40)
		for range r.IntN(400) {
			lo := r.IntN(universe)
			hi := min(lo+r.IntN(maxLen), universe-1)
			s.add(u64(uint64(lo)), u64(uint64(hi)))
			for x := lo; x <= hi; x++ {
				model[x] = true
			}
		}
		got, want := s.all(), model.intervals()
		if len(got) != len(want) {
			t.Fatalf("round %d: %d intervals, want %d", round, len(got), len(want))
		}
		for i := range got {
			if got[i] != want[i] {
				t.Fatalf("round %d: interval %d = %v, want %v", round, i, got[i], want[i])
			}
		}
		for x := range universe {
			iv, ok := s.find(u64(uint64(x)))
			in := ok && !u64(uint64(x)).less(iv.lo)
			if in != model[x] {
				t.Fatalf("round %d: find(%d) membership %v, want %v", round, x, in, model[x])
			}
		}
	}
}

func TestIvsetChunks(t *testing.T) {
	// Many disjoint intervals force chunk splits; a wide one then merges
	// across chunk boundaries.
	var s ivset
	for i := uint64(0); i < 5*chunkMax; i++ {
		s.add(u64(i*10), u64(i*10+1))
	}
	if len(s.chunks) < 2 || s.len() != 5*chunkMax {
		t.Fatalf("%d chunks, %d intervals", len(s.chunks), s.len())
	}
	s.add(u64(12), u64(10*3*chunkMax))
	want := 5*chunkMax - 3*chunkMax + 1
	if s.len() != want {
		t.Fatalf("after merge %d intervals, want %d", s.len(), want)
	}
	all := s.all()
	if all[1] != (ival{u64(10), u64(10*3*chunkMax + 1)}) {
		t.Errorf("merged interval %v", all[1])
	}
}

func TestIvsetTopOfIPv6(t *testing.T) {
	var s ivset
	s.add(maxU128.dec(), maxU128)
	s.add(u128{}, u64(5))
	s.add(u64(6), u64(6)) // adjacent: merges
	if got := s.all(); len(got) != 2 || got[0].hi != u64(6) {
		t.Errorf("got %v", got)
	}
}

func TestUncovered(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	for round := range 300 {
		var a, b bitset
		var sa ivset
		for range r.IntN(30) {
			lo := r.IntN(universe)
			hi := min(lo+r.IntN(30), universe-1)
			sa.add(u64(uint64(lo)), u64(uint64(hi)))
			for x := lo; x <= hi; x++ {
				a[x] = true
			}
		}
		for range r.IntN(10) {
			lo := r.IntN(universe)
			hi := min(lo+r.IntN(50), universe-1)
			for x := lo; x <= hi; x++ {
				b[x] = true
			}
		}
		sb := b.intervals()
		lo := r.IntN(universe)
		hi := min(lo+r.IntN(universe), universe-1)
		var got bitset
		prev := -2
		uncovered(u64(uint64(lo)), u64(uint64(hi)), &sa, sb, func(l, h u128) bool {
			if int(l.lo) <= prev+1 {
				t.Fatalf("round %d: piece %d-%d not maximal after %d", round, l.lo, h.lo, prev)
			}
			for x := l.lo; x <= h.lo; x++ {
				got[x] = true
			}
			prev = int(h.lo)
			return true
		})
		for x := range universe {
			want := x >= lo && x <= hi && !a[x] && !b[x]
			if got[x] != want {
				t.Fatalf("round %d: address %d uncovered=%v, want %v", round, x, got[x], want)
			}
		}
	}
}

func TestIvsetSplit(t *testing.T) {
	// Inserting in descending order lands in the first chunk every time,
	// which must split to stay bounded.
	var s ivset
	n := uint64(5 * chunkMax)
	for i := n; i > 0; i-- {
		s.add(u64(i*3), u64(i*3))
	}
	for _, c := range s.chunks {
		if len(c) > 2*chunkMax {
			t.Fatalf("chunk of %d intervals", len(c))
		}
	}
	all := s.all()
	if uint64(len(all)) != n {
		t.Fatalf("%d intervals", len(all))
	}
	for i, iv := range all {
		if iv.lo != u64(uint64(i+1)*3) {
			t.Fatalf("interval %d = %v", i, iv)
		}
	}
}
