package target

import (
	"context"
	"errors"
	"iter"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeResolver answers from a table and never touches the network. A name
// listed in delay answers after that long, to shuffle completion order.
type fakeResolver struct {
	names map[string][]string
	delay map[string]time.Duration

	mu      sync.Mutex
	lookups []string
	nets    []string
}

var errNoSuchHost = errors.New("no such host")

func (r *fakeResolver) LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error) {
	r.mu.Lock()
	r.lookups = append(r.lookups, host)
	r.nets = append(r.nets, network)
	r.mu.Unlock()
	if d := r.delay[host]; d > 0 {
		t := time.NewTimer(d)
		defer t.Stop()
		select {
		case <-t.C:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	ss, ok := r.names[strings.ToLower(host)]
	if !ok {
		return nil, errNoSuchHost
	}
	var out []netip.Addr
	for _, s := range ss {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

func testResolver() *fakeResolver {
	return &fakeResolver{names: map[string][]string{
		"scanme.example":    {"192.0.2.10", "192.0.2.11", "2001:db8::10"},
		"v6only.example":    {"2001:db8::20", "2001:db8::21"},
		"v4only.example":    {"198.51.100.7"},
		"dup.example":       {"192.0.2.10"},
		"mapped.example":    {"::ffff:203.0.113.5"},
		"linklocal.example": {"fe80::1%eth0"},
	}}
}

// specsOf parses each string, failing the test on a bad one.
func specsOf(t testing.TB, f Family, ss ...string) iter.Seq2[Spec, error] {
	t.Helper()
	var out []Spec
	for _, s := range ss {
		sp, err := Parse(s, f)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		out = append(out, sp)
	}
	return func(yield func(Spec, error) bool) {
		for _, sp := range out {
			if !yield(sp, nil) {
				return
			}
		}
	}
}

// collect runs Stream and returns the targets as strings and the errors.
func collect(t testing.TB, specs iter.Seq2[Spec, error], o Options) (got []string, errs []error) {
	t.Helper()
	for tg, err := range Stream(context.Background(), specs, o) {
		if err != nil {
			errs = append(errs, err)
			continue
		}
		got = append(got, tg.String())
	}
	return got, errs
}

// addrRange lists from..to inclusive, IPv4.
func addrRange(from, to string) []string {
	a, b := netip.MustParseAddr(from), netip.MustParseAddr(to)
	var out []string
	for ; a.Compare(b) <= 0; a = a.Next() {
		out = append(out, a.String())
	}
	return out
}

func cat(parts ...[]string) []string { return slices.Concat(parts...) }

func exclusions(t testing.TB, o Options, ss ...string) *Exclusions {
	t.Helper()
	x, err := NewExclusions(context.Background(), specsOf(t, o.Family, ss...), o)
	if err != nil {
		t.Fatalf("NewExclusions(%q): %v", ss, err)
	}
	return x
}

// forceBoxes makes every multi-run octet range a box for the test.
func forceBoxes(t *testing.T) {
	t.Helper()
	old := gridRuns
	gridRuns = 1
	t.Cleanup(func() { gridRuns = old })
}

func openTestdata(t *testing.T, name string) *os.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func pull(s iter.Seq2[Target, error]) (func() (Target, error, bool), func()) {
	return iter.Pull2(s)
}

// checkSpace compares a Space with the expected targets: by All and by At.
func checkSpace(t *testing.T, s *Space, want []string) {
	t.Helper()
	var all []string
	for tg := range s.All() {
		all = append(all, tg.String())
	}
	if strings.Join(all, " ") != strings.Join(want, " ") {
		t.Fatalf("Space.All = %q\nwant %q", all, want)
	}
	n, ok := s.Len()
	if !ok || n != uint64(len(want)) || s.Count().Uint64() != n {
		t.Fatalf("Space.Len = %d, %v, Count %v; want %d", n, ok, s.Count(), len(want))
	}
	for k := range n {
		if got := s.At(k).String(); got != want[k] {
			t.Fatalf("Space.At(%d) = %s, want %s", k, got, want[k])
		}
	}
}
