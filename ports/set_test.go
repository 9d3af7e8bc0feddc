package ports

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/picket-scanner/picket/result"
)

func setOf(ports ...uint16) *Set {
	s := new(Set)
	for _, p := range ports {
		s.Add(p)
	}
	return s
}

func rangeSet(lo, hi uint16) *Set {
	s := new(Set)
	s.AddRange(lo, hi)
	return s
}

// checkSet compares s with want, the reference model, in every way a Set
// can be read.
func checkSet(t *testing.T, s *Set, want map[uint16]bool) {
	t.Helper()
	if s.Len() != len(want) {
		t.Errorf("Len() = %d, want %d", s.Len(), len(want))
	}
	var sorted []uint16
	for p := range want {
		sorted = append(sorted, p)
	}
	slices.Sort(sorted)
	if got := slices.Collect(s.All()); !slices.Equal(got, sorted) {
		t.Errorf("All() = %v, want %v", got, sorted)
	}
	for _, p := range []uint16{0, 1, 63, 64, 65535} {
		if s.Has(p) != want[p] {
			t.Errorf("Has(%d) = %v, want %v", p, s.Has(p), want[p])
		}
	}
}

func TestSetAddRemove(t *testing.T) {
	s := new(Set)
	if !s.Add(80) || s.Add(80) {
		t.Error("Add(80) twice: want true then false")
	}
	if !s.Add(0) || !s.Add(65535) {
		t.Error("Add of the end ports failed")
	}
	checkSet(t, s, map[uint16]bool{0: true, 80: true, 65535: true})
	if !s.Remove(80) || s.Remove(80) {
		t.Error("Remove(80) twice: want true then false")
	}
	checkSet(t, s, map[uint16]bool{0: true, 65535: true})
}

func TestSetAddRange(t *testing.T) {
	tests := []struct {
		name      string
		before    *Set
		lo, hi    uint16
		wantAdded int
		wantLen   int
		wantStr   string
	}{
		{"single", nil, 80, 80, 1, 1, "80"},
		{"port zero", nil, 0, 0, 1, 1, "0"},
		{"whole range", nil, 0, 65535, 65536, 65536, "0-65535"},
		{"one word exactly", nil, 64, 127, 64, 64, "64-127"},
		{"across a word boundary", nil, 63, 64, 2, 2, "63-64"},
		{"last word", nil, 65500, 65535, 36, 36, "65500-65535"},
		{"backwards adds nothing", nil, 10, 9, 0, 0, ""},
		{"overlap counts only new", setOf(5, 7, 200), 1, 10, 8, 11, "1-10,200"},
		{"all present", rangeSet(1, 1000), 10, 20, 0, 1000, "1-1000"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.before.Clone()
			if got := s.AddRange(tt.lo, tt.hi); got != tt.wantAdded {
				t.Errorf("AddRange(%d, %d) = %d, want %d", tt.lo, tt.hi, got, tt.wantAdded)
			}
			if s.Len() != tt.wantLen {
				t.Errorf("Len() = %d, want %d", s.Len(), tt.wantLen)
			}
			if got := s.String(); got != tt.wantStr {
				t.Errorf("String() = %q, want %q", got, tt.wantStr)
			}
		})
	}
}

func TestSetOps(t *testing.T) {
	a := func() *Set { return setOf(1, 2, 3, 64, 1000, 65535) }
	b := setOf(2, 3, 4, 1000, 40000)
	tests := []struct {
		name string
		op   func(s *Set)
		want string
	}{
		{"union", func(s *Set) { s.Union(b) }, "1-4,64,1000,40000,65535"},
		{"intersect", func(s *Set) { s.Intersect(b) }, "2-3,1000"},
		{"subtract", func(s *Set) { s.Subtract(b) }, "1,64,65535"},
		{"union nil", func(s *Set) { s.Union(nil) }, "1-3,64,1000,65535"},
		{"intersect nil empties", func(s *Set) { s.Intersect(nil) }, ""},
		{"subtract nil", func(s *Set) { s.Subtract(nil) }, "1-3,64,1000,65535"},
		{"subtract self", func(s *Set) { s.Subtract(s.Clone()) }, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := a()
			tt.op(s)
			if got := s.String(); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			if n := len(slices.Collect(s.All())); s.Len() != n {
				t.Errorf("Len() = %d but All() yields %d ports", s.Len(), n)
			}
		})
	}
}

func TestSetNilAndEqual(t *testing.T) {
	var nilSet *Set
	if nilSet.Len() != 0 || nilSet.Has(1) || nilSet.String() != "" || len(nilSet.AppendPorts(nil)) != 0 {
		t.Error("a nil *Set must read as empty")
	}
	if !nilSet.Equal(new(Set)) || !new(Set).Equal(nilSet) {
		t.Error("nil and empty sets must be equal")
	}
	if setOf(1, 2).Equal(setOf(1, 3)) || !setOf(1, 2).Equal(setOf(2, 1)) {
		t.Error("Equal compares contents")
	}
	c := setOf(5)
	d := c.Clone()
	d.Add(6)
	if c.Has(6) {
		t.Error("Clone must not share the bitmap")
	}
}

func TestSetAppendPorts(t *testing.T) {
	s := setOf(443, 22, 80)
	got := s.AppendPorts([]uint16{7})
	if want := []uint16{7, 22, 80, 443}; !slices.Equal(got, want) {
		t.Errorf("AppendPorts = %v, want %v", got, want)
	}
}

func TestSetAllStopsEarly(t *testing.T) {
	n := 0
	for range rangeSet(1, 1000).All() {
		n++
		if n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("iterated %d times, want 3", n)
	}
}

// TestSetRandom checks Set against a map under a seeded random sequence of
// operations.
func TestSetRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	s := new(Set)
	model := map[uint16]bool{}
	for range 5000 {
		p := uint16(r.IntN(65536))
		switch r.IntN(3) {
		case 0:
			if s.Add(p) == model[p] {
				t.Fatalf("Add(%d) disagrees with the model", p)
			}
			model[p] = true
		case 1:
			if s.Remove(p) != model[p] {
				t.Fatalf("Remove(%d) disagrees with the model", p)
			}
			delete(model, p)
		case 2:
			hi := p + uint16(r.IntN(200))
			if hi < p {
				hi = 65535
			}
			want := 0
			for q := int(p); q <= int(hi); q++ {
				if !model[uint16(q)] {
					want++
				}
				model[uint16(q)] = true
			}
			if got := s.AddRange(p, hi); got != want {
				t.Fatalf("AddRange(%d, %d) = %d, want %d", p, hi, got, want)
			}
		}
	}
	checkSet(t, s, model)
}

func TestSetStringRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for i := range 50 {
		s := new(Set)
		for range r.IntN(300) + 1 {
			lo := uint16(r.IntN(65536))
			s.AddRange(lo, lo+uint16(min(r.IntN(5), 65535-int(lo))))
		}
		spec, err := Parse(s.String(), nil)
		if err != nil {
			t.Fatalf("case %d: Parse(%q): %v", i, s.String(), err)
		}
		if !spec.TCP.Equal(s) || !spec.UDP.Equal(s) {
			t.Fatalf("case %d: %q does not read back as itself", i, s.String())
		}
	}
}

func BenchmarkSetAll(b *testing.B) {
	s := rangeSet(1, 65535)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for range s.All() {
			n++
		}
		if n != 65535 {
			b.Fatal(n)
		}
	}
}

func BenchmarkSetAllSparse(b *testing.B) {
	s := Default().Top(result.TCP, DefaultTop)
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		for range s.All() {
			n++
		}
		if n != DefaultTop {
			b.Fatal(n)
		}
	}
}

func BenchmarkSetString(b *testing.B) {
	s := Default().Top(result.TCP, DefaultTop)
	b.ReportAllocs()
	buf := make([]byte, 0, 8192)
	for b.Loop() {
		buf, _ = s.AppendText(buf[:0])
	}
}
