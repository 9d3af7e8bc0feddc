package target

import (
	"math"
	"strings"
	"testing"
)

// checkBijection walks all of [0, n) and checks At is a bijection whose
// inverse is Index.
func checkBijection(t *testing.T, n, seed uint64) {
	t.Helper()
	p := NewPermutation(n, seed)
	hit := make([]bool, n)
	for i := range n {
		v := p.At(i)
		if v >= n || hit[v] {
			t.Fatalf("n=%d seed=%d: At(%d) = %d repeats or is out of range", n, seed, i, v)
		}
		hit[v] = true
		if back := p.Index(v); back != i {
			t.Fatalf("n=%d seed=%d: Index(At(%d)) = %d", n, seed, i, back)
		}
	}
}

func TestPermutationBijection(t *testing.T) {
	sizes := []uint64{1, 2, 3, 4, 5, 7, 8, 13, 16, 17, 31, 32, 64, 97, 127, 128, 251, 256, 1000, 1024, 4096, 65521, 65536, 100003}
	for _, n := range sizes {
		for _, seed := range []uint64{0, 1, 42, math.MaxUint64} {
			checkBijection(t, n, seed)
		}
	}
}

func TestPermutationShuffles(t *testing.T) {
	const n = 10000
	a, b := NewPermutation(n, 1), NewPermutation(n, 2)
	fixed, same, ascending := 0, 0, 0
	for i := range uint64(n) {
		if a.At(i) == i {
			fixed++
		}
		if a.At(i) == b.At(i) {
			same++
		}
		if i > 0 && a.At(i) > a.At(i-1) {
			ascending++
		}
	}
	// A random permutation has about 1 fixed point, 1 agreement with
	// another, and half its steps ascending.
	if fixed > 20 || same > 20 || ascending < n*4/10 || ascending > n*6/10 {
		t.Errorf("fixed %d, same %d, ascending %d of %d: not a shuffle", fixed, same, ascending, n)
	}
	if NewPermutation(n, 7).At(123) != NewPermutation(n, 7).At(123) {
		t.Error("same seed, different permutation")
	}
}

func TestPermutationHuge(t *testing.T) {
	for _, n := range []uint64{1 << 32, 1<<40 + 3, math.MaxUint64} {
		p := NewPermutation(n, 99)
		for _, i := range []uint64{0, 1, n / 2, n - 1} {
			v := p.At(i)
			if v >= n || p.Index(v) != i {
				t.Errorf("n=%d: At(%d) = %d, Index back %d", n, i, v, p.Index(v))
			}
		}
	}
}

func TestPermutationPanics(t *testing.T) {
	for _, f := range []func(){
		func() { NewPermutation(0, 1).At(0) },
		func() { NewPermutation(5, 1).At(5) },
		func() { NewPermutation(5, 1).Index(5) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			f()
		}()
	}
}

func TestShardsPartition(t *testing.T) {
	for _, total := range []uint64{0, 1, 2, 3, 10, 97, 1000} {
		for n := uint64(1); n <= 7; n++ {
			p := NewPermutation(total, 5)
			hit := make([]int, total)
			var sum uint64
			for i := uint64(1); i <= n; i++ {
				s := Shard{I: i, N: n}
				sum += s.Len(total)
				for j, v := range p.Walk(s, 0) {
					if k := s.Pos(j); k%n != i-1 {
						t.Fatalf("shard %v item %d at position %d", s, j, k)
					}
					hit[v]++
				}
			}
			if sum != total {
				t.Fatalf("total %d, %d shards: lengths sum to %d", total, n, sum)
			}
			for v, h := range hit {
				if h != 1 {
					t.Fatalf("total %d, %d shards: index %d scanned %d times", total, n, v, h)
				}
			}
		}
	}
}

func TestShardResume(t *testing.T) {
	p := NewPermutation(1000, 3)
	s := Shard{I: 2, N: 3}
	var all, resumed []uint64
	for _, v := range p.Walk(s, 0) {
		all = append(all, v)
	}
	for j, v := range p.Walk(s, 100) {
		if j < 100 {
			t.Fatalf("resumed at %d", j)
		}
		resumed = append(resumed, v)
	}
	if len(all) != 333 || len(resumed) != 233 || resumed[0] != all[100] {
		t.Errorf("len %d, resumed %d", len(all), len(resumed))
	}
	// The zero Shard is the whole scan.
	n := 0
	for range p.Walk(Shard{}, 0) {
		n++
	}
	if n != 1000 || (Shard{}).String() != "1/1" {
		t.Errorf("zero shard walked %d", n)
	}
}

func TestParseShard(t *testing.T) {
	tests := []struct {
		in   string
		want Shard
		err  bool
	}{
		{"1/1", Shard{1, 1}, false},
		{"2/4", Shard{2, 4}, false},
		{"4/4", Shard{4, 4}, false},
		{"0/4", Shard{}, true},
		{"5/4", Shard{}, true},
		{"1/0", Shard{}, true},
		{"1", Shard{}, true},
		{"a/b", Shard{}, true},
		{"-1/4", Shard{}, true},
		{"", Shard{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseShard(tt.in)
			if (err != nil) != tt.err || got != tt.want {
				t.Errorf("ParseShard(%q) = %v, %v", tt.in, got, err)
			}
			if err != nil && !strings.Contains(err.Error(), "--shard 1/4") {
				t.Errorf("error %v does not say what to write", err)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String = %s", got)
			}
		})
	}
}
