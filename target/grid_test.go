package target

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// randGrid draws a small product: octets 0 and 1 fixed or small sets, the
// last two random, so brute force stays cheap.
func randGrid(r *rand.Rand) grid {
	var g grid
	g[0].setRange(10, 10)
	for d := 1; d < 4; d++ {
		span := 8
		if d == 1 {
			span = 3
		}
		for n := 1 + r.IntN(3); n > 0; n-- {
			lo := r.IntN(span)
			hi := lo + r.IntN(span-lo)
			g[d].setRange(lo, hi)
		}
	}
	return g
}

// members lists a box's addresses by brute force.
func members(g grid) []uint64 {
	var out []uint64
	for a := 0; a < 256; a++ {
		for b := 0; b < 256; b++ {
			for c := 0; c < 256; c++ {
				for d := 0; d < 256; d++ {
					if g[0].has(uint8(a)) && g[1].has(uint8(b)) && g[2].has(uint8(c)) && g[3].has(uint8(d)) {
						out = append(out, uint64(a)<<24|uint64(b)<<16|uint64(c)<<8|uint64(d))
					}
				}
				if !g[2].has(uint8(c)) && c > 16 {
					break
				}
			}
			if !g[1].has(uint8(b)) && b > 16 {
				break
			}
		}
		if !g[0].has(uint8(a)) && a > 16 {
			break
		}
	}
	return out
}

func TestBoxRankSelect(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for range 50 {
		g := randGrid(r)
		b := newBox(g)
		want := members(g)
		if b.size != uint64(len(want)) || b.lo != want[0] || b.hi != want[len(want)-1] {
			t.Fatalf("%s: size %d lo %d hi %d, want %d %d %d", g.String(), b.size, b.lo, b.hi, len(want), want[0], want[len(want)-1])
		}
		for k, x := range want {
			if got := b.sel(uint64(k)); got != x {
				t.Fatalf("%s: sel(%d) = %d, want %d", g.String(), k, got, x)
			}
			if got := b.rank(x); got != uint64(k) {
				t.Fatalf("%s: rank(%d) = %d, want %d", g.String(), x, got, k)
			}
			if !b.has(x) || b.has(x+1) != slices.Contains(want, x+1) {
				t.Fatalf("%s: has(%d) wrong", g.String(), x)
			}
		}
		// in() against counting, on random intervals around the box.
		for range 20 {
			lo := b.lo - 300 + r.Uint64N(b.hi-b.lo+600)
			hi := lo + r.Uint64N(2000)
			n := uint64(0)
			for _, x := range want {
				if x >= lo && x <= hi {
					n++
				}
			}
			if got := b.in(lo, hi); got != n {
				t.Fatalf("%s: in(%d,%d) = %d, want %d", g.String(), lo, hi, got, n)
			}
		}
		// runs() covers exactly the members, maximal and ascending.
		var fromRuns []uint64
		prev := int64(-2)
		b.runs(func(lo, hi uint64) bool {
			if int64(lo) <= prev+1 {
				t.Fatalf("%s: run %d-%d not maximal after %d", g.String(), lo, hi, prev)
			}
			for x := lo; x <= hi; x++ {
				fromRuns = append(fromRuns, x)
			}
			prev = int64(hi)
			return true
		})
		if !slices.Equal(fromRuns, want) {
			t.Fatalf("%s: runs differ from members", g.String())
		}
	}
}

func TestBoxRankEnds(t *testing.T) {
	var g grid
	for d := range g {
		g[d].setRange(0, 255)
	}
	b := newBox(g)
	if b.size != 1<<32 || b.rank(1<<32) != 1<<32 || b.rank(0) != 0 || b.sel(1<<32-1) != 1<<32-1 {
		t.Errorf("full box: size %d", b.size)
	}
	n := 0
	b.runs(func(lo, hi uint64) bool { n++; return lo == 0 && hi == 1<<32-1 })
	if n != 1 {
		t.Errorf("full box has %d runs", n)
	}
}

func TestBoxMinus(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		a, c := newBox(randGrid(r)), newBox(randGrid(r))
		parts := a.minus(&c, nil)
		var got []uint64
		for i := range parts {
			got = append(got, members(parts[i].o)...)
		}
		slices.Sort(got)
		var want []uint64
		for _, x := range members(a.o) {
			if !c.has(x) {
				want = append(want, x)
			}
		}
		if !slices.Equal(got, want) { // equal sorted lists also prove disjointness
			t.Fatalf("%s minus %s: got %d addresses, want %d", a.o.String(), c.o.String(), len(got), len(want))
		}
	}
}

func TestCountRuns(t *testing.T) {
	tests := []struct {
		name string
		spec string
		want int
	}{
		{"one octet", "10.0.0.1-5", 1},
		{"two runs", "10.0.0.1-5,7", 2},
		{"wraps across octets", "10.0.0-1.*", 1},
		{"ends meet", "10.0.0-2.0,255", 4},
		{"many", "10.0-255.0-255.1", gridRuns + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := Parse(tt.spec, IPv4)
			if err != nil {
				t.Fatal(err)
			}
			b := newBox(*sp.grid)
			if got := b.countRuns(gridRuns); got != tt.want {
				t.Errorf("countRuns = %d, want %d", got, tt.want)
			}
		})
	}
}
