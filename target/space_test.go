package target

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

// The property test works in 10.0.0.0/20, small enough to model every
// address, with specifications drawn from every form.

type model struct {
	fam   Family
	names map[string][]string
}

func randSpec(r *rand.Rand, m *model) string {
	octet := func(span int) string {
		var parts []string
		for n := 1 + r.IntN(3); n > 0; n-- {
			lo := r.IntN(span)
			hi := lo + r.IntN(span-lo)
			if lo == hi {
				parts = append(parts, fmt.Sprint(lo))
			} else {
				parts = append(parts, fmt.Sprintf("%d-%d", lo, hi))
			}
		}
		return strings.Join(parts, ",")
	}
	addr := func() string { return fmt.Sprintf("10.0.%d.%d", r.IntN(16), r.IntN(256)) }
	switch r.IntN(5) {
	case 0:
		return addr()
	case 1:
		return fmt.Sprintf("%s/%d", addr(), 20+r.IntN(13))
	case 2:
		return fmt.Sprintf("10.0.%s.%s", octet(16), octet(256))
	case 3:
		return fmt.Sprintf("10.0.%s.%s/%d", octet(16), octet(256), 26+r.IntN(7))
	default:
		name := fmt.Sprintf("h%d.example", len(m.names))
		m.names[name] = []string{addr(), addr()}
		if r.IntN(3) == 0 {
			return fmt.Sprintf("%s/%d", name, 28+r.IntN(5))
		}
		return name
	}
}

// expand lists a spec's addresses in the universe by brute force, with
// netip and the octet sets, and says which one carries the name.
func (m *model) expand(t *testing.T, s string) (set []netip.Addr, named netip.Addr) {
	sp, err := Parse(s, IPv4)
	if err != nil {
		t.Fatal(err)
	}
	var pre netip.Prefix
	switch sp.kind {
	case kindAddr:
		return []netip.Addr{sp.addr}, netip.Addr{}
	case kindPrefix:
		pre = netip.PrefixFrom(sp.addr, int(sp.bits))
	case kindName:
		named = netip.MustParseAddr(m.names[sp.name][0])
		bits := int(sp.bits)
		if bits < 0 {
			bits = 32
		}
		pre = netip.PrefixFrom(named, bits).Masked()
	}
	for a := netip.MustParseAddr("10.0.0.0"); a.Compare(netip.MustParseAddr("10.0.16.0")) < 0; a = a.Next() {
		in := false
		if sp.kind == kindGrid {
			b := a.As4()
			in = sp.grid[0].has(b[0]) && sp.grid[1].has(b[1]) && sp.grid[2].has(b[2]) && sp.grid[3].has(b[3])
		} else {
			in = pre.Contains(a)
		}
		if in {
			set = append(set, a)
		}
	}
	return set, named
}

func TestDedupExclusionModel(t *testing.T) {
	for _, boxes := range []bool{false, true} {
		t.Run(fmt.Sprintf("boxes=%v", boxes), func(t *testing.T) {
			if boxes {
				forceBoxes(t)
			}
			r := rand.New(rand.NewPCG(11, 12))
			for round := range 150 {
				m := &model{names: map[string][]string{}}
				var specs, excl []string
				for range 1 + r.IntN(6) {
					specs = append(specs, randSpec(r, m))
				}
				for range r.IntN(3) {
					excl = append(excl, randSpec(r, m))
				}
				checkModel(t, round, m, specs, excl)
			}
		})
	}
}

func checkModel(t *testing.T, round int, m *model, specs, excl []string) {
	t.Helper()
	res := &fakeResolver{names: m.names}
	o := Options{Resolver: res, AllowLarge: true}
	excluded := map[netip.Addr]bool{}
	if len(excl) > 0 {
		o.Exclude = exclusions(t, o, excl...)
		for _, s := range excl {
			sp, _ := Parse(s, IPv4)
			set, _ := m.expand(t, s)
			if sp.kind == kindName { // every address of the name
				for _, a := range m.names[sp.name][1:] {
					extra, _ := m.expand(t, strings.Replace(s, sp.name, a, 1))
					set = append(set, extra...)
				}
			}
			for _, a := range set {
				excluded[a] = true
			}
		}
		for a := netip.MustParseAddr("10.0.0.0"); a.Compare(netip.MustParseAddr("10.0.16.0")) < 0; a = a.Next() {
			if o.Exclude.Contains(a) != excluded[a] {
				t.Fatalf("round %d: exclude %q: Contains(%v) = %v", round, excl, a, !excluded[a])
			}
		}
	}
	got, errs := collect(t, specsOf(t, IPv4, specs...), o)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	seen := map[netip.Addr]bool{}
	var want []string
	i := 0
	for _, s := range specs {
		set, named := m.expand(t, s)
		var group []string
		for _, a := range set {
			if seen[a] || excluded[a] {
				continue
			}
			seen[a] = true
			tg := Target{Addr: a}
			if a == named {
				tg.Name = strings.SplitN(s, "/", 2)[0]
			}
			group = append(group, tg.String())
		}
		want = append(want, group...)
		if i+len(group) > len(got) {
			t.Fatalf("round %d: %q exclude %q: only %d targets, want %d so far", round, specs, excl, len(got), i+len(group))
		}
		part := slices.Clone(got[i : i+len(group)])
		// A large octet range cut by an earlier one may yield its boxes out
		// of order; everything else ascends.
		sp, _ := Parse(s, IPv4)
		if sp.kind == kindGrid {
			slices.SortFunc(part, func(a, b string) int {
				return netip.MustParseAddr(a).Compare(netip.MustParseAddr(b))
			})
		}
		if !slices.Equal(part, group) {
			t.Fatalf("round %d: %q exclude %q: spec %q gave\n%q\nwant\n%q", round, specs, excl, s, part, group)
		}
		i += len(group)
	}
	if i != len(got) {
		t.Fatalf("round %d: %d targets, want %d", round, len(got), i)
	}
	s, err := Build(context.Background(), specsOf(t, IPv4, specs...), o)
	if err != nil {
		t.Fatal(err)
	}
	checkSpace(t, s, got)
}

func TestSpaceCountIPv6(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		count string
		first []string
	}{
		{"all of IPv6", []string{"::/0"}, "340282366920938463463374607431768211456", []string{"::", "::1", "::2"}},
		{"two halves", []string{"8000::/1", "::/1"}, "340282366920938463463374607431768211456", []string{"8000::", "8000::1"}},
		{"past uint64", []string{"2001:db8::/63"}, "36893488147419103232", []string{"2001:db8::", "2001:db8::1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Build(context.Background(), specsOf(t, IPv6, tt.specs...), Options{Family: IPv6, AllowLarge: true})
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Count().String(); got != tt.count {
				t.Errorf("Count = %s, want %s", got, tt.count)
			}
			if n, ok := s.Len(); ok || n != math.MaxUint64 {
				t.Errorf("Len = %d, %v", n, ok)
			}
			for k, want := range tt.first {
				if got := s.At(uint64(k)).String(); got != want {
					t.Errorf("At(%d) = %s, want %s", k, got, want)
				}
			}
			if got := s.At(math.MaxUint64 - 1).Addr; got.IsUnspecified() {
				t.Errorf("At(max) = %v", got)
			}
		})
	}
}

func TestSpaceCountIPv4(t *testing.T) {
	s, err := Build(context.Background(), specsOf(t, IPv4, "0.0.0.0/0"), Options{AllowLarge: true})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := s.Len(); !ok || n != 1<<32 || s.Count().Cmp(big.NewInt(1<<32)) != 0 {
		t.Errorf("Len = %d, %v", n, ok)
	}
	if got := s.At(1<<32 - 1).String(); got != "255.255.255.255" {
		t.Errorf("last = %s", got)
	}
}

func TestBuildErrors(t *testing.T) {
	res := testResolver()
	list := "10.0.0.1 nosuch.example v6only.example 10.0.0.2"
	s, err := Build(context.Background(), ReadList(strings.NewReader(list), IPv4), Options{Resolver: res})
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := s.Len(); n != 2 || len(s.Warnings()) != 2 || !errors.Is(s.Warnings()[1], ErrNoAddress) {
		t.Errorf("Len %d, warnings %v", n, s.Warnings())
	}
	_, err = Build(context.Background(), ReadList(strings.NewReader("10.0.0.1 10.0.0.999"), IPv4), Options{})
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("syntax error: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Build(ctx, specsOf(t, IPv4, "10.0.0.1"), Options{}); !errors.Is(err, context.Canceled) {
		t.Errorf("canceled: %v", err)
	}
}

func TestSpaceAtPanics(t *testing.T) {
	s, err := Build(context.Background(), specsOf(t, IPv4, "10.0.0.0/30"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if recover() == nil {
			t.Error("At(4) did not panic")
		}
	}()
	s.At(4)
}

func TestSpaceEmpty(t *testing.T) {
	s, err := Build(context.Background(), specsOf(t, IPv4), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if n, ok := s.Len(); n != 0 || !ok {
		t.Errorf("Len = %d %v", n, ok)
	}
	for range s.All() {
		t.Error("empty space yields")
	}
}

func TestSpaceMergesRuns(t *testing.T) {
	var specs []string
	for i := range 1000 {
		specs = append(specs, fmt.Sprintf("10.0.%d.%d", i/256, i%256))
	}
	s, err := Build(context.Background(), specsOf(t, IPv4, specs...), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.runs) != 1 {
		t.Errorf("%d runs for sequential addresses, want 1", len(s.runs))
	}
	if got := s.At(999).String(); got != "10.0.3.231" {
		t.Errorf("At(999) = %s", got)
	}
}

// TestLargeOctetRanges uses real boxes (more than gridRuns runs) against
// intervals and exclusions, checked by membership rather than by listing.
func TestLargeOctetRanges(t *testing.T) {
	o := Options{AllowLarge: true}
	o.Exclude = exclusions(t, o, "10.0.0.0/16", "10.*.*.255")
	specs := specsOf(t, IPv4, "10.0.5.0/24", "10.0-255.0-255.1,7", "10.0-3.*.7", "10.2.0.0/16")
	s, err := Build(context.Background(), specs, o)
	if err != nil {
		t.Fatal(err)
	}
	// 10.0.5.0/24: all excluded. 10.x.y.{1,7} minus 10.0/16: 255*256*2.
	// 10.0-3.*.7 adds nothing new. 10.2/16 adds 65536-256 (x.255) - 512 (.1 and .7 taken).
	want := uint64(255*256*2 + 65536 - 256 - 512)
	n, _ := s.Len()
	if n != want {
		t.Fatalf("Len = %d, want %d", n, want)
	}
	seen := map[netip.Addr]bool{}
	k := uint64(0)
	for tg := range s.All() {
		a := tg.Addr.As4()
		if seen[tg.Addr] || o.Exclude.Contains(tg.Addr) || a[0] != 10 {
			t.Fatalf("target %d: %v repeated or excluded", k, tg.Addr)
		}
		if k%997 == 0 && s.At(k).String() != tg.String() {
			t.Fatalf("At(%d) = %v, All gave %v", k, s.At(k), tg)
		}
		seen[tg.Addr] = true
		k++
	}
	if k != want {
		t.Fatalf("All yielded %d", k)
	}
	// The same through Stream.
	i := uint64(0)
	for tg, err := range Stream(context.Background(), specsOf(t, IPv4, "10.0.5.0/24", "10.0-255.0-255.1,7", "10.0-3.*.7", "10.2.0.0/16"), o) {
		if err != nil {
			t.Fatal(err)
		}
		if i%991 == 0 && s.At(i).String() != tg.String() {
			t.Fatalf("Stream target %d = %v, At gives %v", i, tg, s.At(i))
		}
		i++
	}
	if i != want {
		t.Fatalf("Stream yielded %d", i)
	}
}
