package target

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestStream(t *testing.T) {
	tests := []struct {
		name    string
		fam     Family
		specs   []string
		exclude []string
		want    []string
	}{
		{"address", IPv4, []string{"192.0.2.1"}, nil, []string{"192.0.2.1"}},
		{"cidr", IPv4, []string{"192.0.2.5/30"}, nil, addrRange("192.0.2.4", "192.0.2.7")},
		{"octet ranges", IPv4, []string{"10.0.0-1.1-2"}, nil, []string{"10.0.0.1", "10.0.0.2", "10.0.1.1", "10.0.1.2"}},
		{"octet list", IPv4, []string{"10.1,3.0.1"}, nil, []string{"10.1.0.1", "10.3.0.1"}},
		{"whole octet", IPv4, []string{"10.0.0.-"}, nil, addrRange("10.0.0.0", "10.0.0.255")},
		{"input order, not sorted", IPv4, []string{"10.0.0.9", "10.0.0.1"}, nil, []string{"10.0.0.9", "10.0.0.1"}},
		{"dedup address then block", IPv4, []string{"10.0.0.1", "10.0.0.0/30"}, nil, []string{"10.0.0.1", "10.0.0.0", "10.0.0.2", "10.0.0.3"}},
		{"dedup same twice", IPv4, []string{"10.0.0.1", "10.0.0.1"}, nil, []string{"10.0.0.1"}},
		{"dedup block then inner range", IPv4, []string{"10.0.0.0/30", "10.0.0.2-5"}, nil, addrRange("10.0.0.0", "10.0.0.5")},
		{"dedup ranges against ranges", IPv4, []string{"10.0.0.1,3", "10.0.0.1-4"}, nil, []string{"10.0.0.1", "10.0.0.3", "10.0.0.2", "10.0.0.4"}},
		{"hostname", IPv4, []string{"scanme.example"}, nil, []string{"scanme.example (192.0.2.10)"}},
		{"hostname -6", IPv6, []string{"scanme.example"}, nil, []string{"scanme.example (2001:db8::10)"}},
		{"hostname mapped", IPv4, []string{"mapped.example"}, nil, []string{"mapped.example (203.0.113.5)"}},
		{"hostname zone", IPv6, []string{"linklocal.example"}, nil, []string{"linklocal.example (fe80::1%eth0)"}},
		{"hostname cidr names only its address", IPv4, []string{"scanme.example/30"}, nil,
			[]string{"192.0.2.8", "192.0.2.9", "scanme.example (192.0.2.10)", "192.0.2.11"}},
		{"name then its address", IPv4, []string{"scanme.example", "192.0.2.10"}, nil, []string{"scanme.example (192.0.2.10)"}},
		{"address then its name", IPv4, []string{"192.0.2.10", "scanme.example"}, nil, []string{"192.0.2.10"}},
		{"two names, one address", IPv4, []string{"scanme.example", "dup.example"}, nil, []string{"scanme.example (192.0.2.10)"}},
		{"ipv6 cidr", IPv6, []string{"2001:db8::/126"}, nil, []string{"2001:db8::", "2001:db8::1", "2001:db8::2", "2001:db8::3"}},
		{"ipv6 zone", IPv6, []string{"fe80::1%eth0"}, nil, []string{"fe80::1%eth0"}},
		{"ipv6 zone cidr", IPv6, []string{"fe80::%eth1/127"}, nil, []string{"fe80::%eth1", "fe80::1%eth1"}},
		{"ipv6 dedup", IPv6, []string{"2001:db8::1", "2001:db8::/127"}, nil, []string{"2001:db8::1", "2001:db8::"}},
		{"top of ipv6", IPv6, []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}, nil,
			[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"}},
		{"top of ipv4", IPv4, []string{"255.255.255.254/31", "255.255.255.255"}, nil, []string{"255.255.255.254", "255.255.255.255"}},
		{"exclude addresses and ranges", IPv4, []string{"10.0.0.0/29"}, []string{"10.0.0.2", "10.0.0.4-5"},
			[]string{"10.0.0.0", "10.0.0.1", "10.0.0.3", "10.0.0.6", "10.0.0.7"}},
		{"exclude a resolved name's address", IPv4, []string{"scanme.example", "192.0.2.8/30"}, []string{"192.0.2.10"},
			[]string{"192.0.2.8", "192.0.2.9", "192.0.2.11"}},
		{"exclude by name excludes all its addresses", IPv4, []string{"192.0.2.8/30"}, []string{"scanme.example"},
			[]string{"192.0.2.8", "192.0.2.9"}},
		{"exclude by name with bits", IPv4, []string{"192.0.2.0/28"}, []string{"scanme.example/31"},
			cat(addrRange("192.0.2.0", "192.0.2.9"), addrRange("192.0.2.12", "192.0.2.15"))},
		{"exclude everything", IPv4, []string{"10.0.0.0/24", "scanme.example"}, []string{"0.0.0.0/0"}, nil},
		{"exclude ipv6", IPv6, []string{"2001:db8::/125"}, []string{"2001:db8::2/127", "2001:db8::7"},
			[]string{"2001:db8::", "2001:db8::1", "2001:db8::4", "2001:db8::5", "2001:db8::6"}},
		{"exclude ignores zone", IPv6, []string{"fe80::1%eth0"}, []string{"fe80::1"}, nil},
		{"exclude octet ranges", IPv4, []string{"10.0.0-2.0-3"}, []string{"10.0.*.1-2"},
			[]string{"10.0.0.0", "10.0.0.3", "10.0.1.0", "10.0.1.3", "10.0.2.0", "10.0.2.3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := Options{Family: tt.fam, Resolver: testResolver()}
			if tt.exclude != nil {
				o.Exclude = exclusions(t, o, tt.exclude...)
			}
			got, errs := collect(t, specsOf(t, tt.fam, tt.specs...), o)
			if len(errs) > 0 {
				t.Fatalf("errors: %v", errs)
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
			// Build agrees, element by element and by index.
			s, err := Build(context.Background(), specsOf(t, tt.fam, tt.specs...), o)
			if err != nil {
				t.Fatal(err)
			}
			checkSpace(t, s, got)
		})
	}
}

func TestStreamOthers(t *testing.T) {
	o := Options{Resolver: testResolver()}
	for tg, err := range Stream(context.Background(), specsOf(t, IPv4, "scanme.example/31"), o) {
		if err != nil {
			t.Fatal(err)
		}
		switch tg.Addr.String() {
		case "192.0.2.10":
			if tg.Name != "scanme.example" || len(tg.Others) != 1 || tg.Others[0].String() != "192.0.2.11" {
				t.Errorf("named target %+v", tg)
			}
		default:
			if tg.Name != "" || tg.Others != nil {
				t.Errorf("unnamed target %+v", tg)
			}
		}
	}
}

func TestStreamErrors(t *testing.T) {
	res := testResolver()
	tests := []struct {
		name  string
		list  string
		o     Options
		want  []string
		errs  []string
		isErr error
	}{
		{"unknown name", "nosuch.example 10.0.0.1", Options{Resolver: res},
			[]string{"10.0.0.1"}, []string{`target: line 1: "nosuch.example": no such host`}, errNoSuchHost},
		{"no address of the family", "v6only.example", Options{Resolver: res},
			nil, []string{`target: line 1: "v6only.example": failed to resolve: no IPv4 address`}, ErrNoAddress},
		{"no IPv6 address", "v4only.example", Options{Family: IPv6, Resolver: res},
			nil, []string{`target: line 1: "v4only.example": failed to resolve: no IPv6 address`}, ErrNoAddress},
		{"no resolver", "10.0.0.1\nscanme.example", Options{},
			[]string{"10.0.0.1"}, []string{`target: line 2: "scanme.example": hostname given but name resolution is not available`}, ErrNoResolver},
		{"syntax error from the list", "10.0.0.1 10.0.0.256", Options{},
			[]string{"10.0.0.1"}, []string{`target: line 1: "10.0.0.256": octet 4 value 256 out of range 0-255`}, ErrSyntax},
		{"name with bits keeps them in messages", "nosuch.example/24", Options{Resolver: res},
			nil, []string{`target: line 1: "nosuch.example/24": no such host`}, errNoSuchHost},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, errs := collect(t, ReadList(strings.NewReader(tt.list), tt.o.Family), tt.o)
			var msgs []string
			for _, err := range errs {
				msgs = append(msgs, err.Error())
				if !errors.Is(err, tt.isErr) {
					t.Errorf("error %v is not %v", err, tt.isErr)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.want, " ") || strings.Join(msgs, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("got %q %q\nwant %q %q", got, msgs, tt.want, tt.errs)
			}
		})
	}
}

func TestStreamResolverNetwork(t *testing.T) {
	for _, f := range []Family{IPv4, IPv6} {
		res := testResolver()
		collect(t, specsOf(t, f, "scanme.example"), Options{Family: f, Resolver: res})
		if want := map[Family]string{IPv4: "ip4", IPv6: "ip6"}[f]; len(res.nets) != 1 || res.nets[0] != want {
			t.Errorf("%v: resolver asked %q, want %q", f, res.nets, want)
		}
	}
}

func TestStreamOrderWithSlowLookups(t *testing.T) {
	res := testResolver()
	res.delay = map[string]time.Duration{"scanme.example": 30 * time.Millisecond, "mapped.example": 10 * time.Millisecond}
	specs := specsOf(t, IPv4, "10.0.0.1", "scanme.example", "10.0.0.2", "mapped.example", "v4only.example", "10.0.0.3")
	got, errs := collect(t, specs, Options{Resolver: res, Lookups: 4})
	want := []string{"10.0.0.1", "scanme.example (192.0.2.10)", "10.0.0.2", "mapped.example (203.0.113.5)", "v4only.example (198.51.100.7)", "10.0.0.3"}
	if len(errs) > 0 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("got %q %v\nwant %q", got, errs, want)
	}
}

func TestStreamLookupsInFlight(t *testing.T) {
	// With a window of 3, the slow first name must not hold back the
	// lookups of the next two.
	res := testResolver()
	res.delay = map[string]time.Duration{"scanme.example": 50 * time.Millisecond}
	specs := specsOf(t, IPv4, "scanme.example", "mapped.example", "v4only.example")
	next, stop := pull(Stream(context.Background(), specs, Options{Resolver: res, Lookups: 3}))
	defer stop()
	if _, err, _ := next(); err != nil {
		t.Fatal(err)
	}
	res.mu.Lock()
	n := len(res.lookups)
	res.mu.Unlock()
	if n != 3 {
		t.Errorf("%d lookups started by the time the first ended, want 3", n)
	}
}

func TestStreamLookupTimeout(t *testing.T) {
	res := testResolver()
	res.delay = map[string]time.Duration{"scanme.example": time.Hour}
	_, errs := collect(t, specsOf(t, IPv4, "scanme.example"), Options{Resolver: res, LookupTimeout: 10 * time.Millisecond})
	if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("errors %v", errs)
	}
}

func TestStreamCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	n := 0
	var last error
	for _, err := range Stream(ctx, specsOf(t, IPv4, "10.0.0.0/12"), Options{}) {
		if err != nil {
			last = err
			continue
		}
		if n++; n == 10 {
			cancel()
		}
	}
	if !errors.Is(last, context.Canceled) || n > 10+ctxCheckEvery {
		t.Errorf("after cancel: %d targets, error %v", n, last)
	}
}

func TestStreamCancelDuringLookup(t *testing.T) {
	res := testResolver()
	res.delay = map[string]time.Duration{"scanme.example": time.Hour}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	var errs []error
	for _, err := range Stream(ctx, specsOf(t, IPv4, "scanme.example", "10.0.0.1"), Options{Resolver: res}) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	if len(errs) != 1 || !errors.Is(errs[0], context.DeadlineExceeded) {
		t.Errorf("errors %v", errs)
	}
}

func TestStreamScope(t *testing.T) {
	tests := []struct {
		name  string
		specs []string
		o     Options
		err   bool // Build refuses
		first bool // Stream refuses before its first target
	}{
		{"2^24 is allowed", []string{"10.0.0.0/8"}, Options{}, false, false},
		{"duplicates do not count", []string{"10.0.0.0/8", "10.0.0.0/8", "10.1.2.3"}, Options{}, false, false},
		{"past 2^24", []string{"10.0.0.0/8", "11.0.0.0/32"}, Options{}, true, false},
		{"one big block", []string{"10.0.0.0/7"}, Options{}, true, true},
		{"exclusions count", []string{"10.0.0.0/7"}, Options{Exclude: exclusions(t, Options{}, "11.0.0.0/8")}, false, false},
		{"large octet ranges", []string{"1-2.*.*.*"}, Options{}, true, true},
		{"allowed with --allow-large-scope", []string{"10.0.0.0/7"}, Options{AllowLarge: true}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(context.Background(), specsOf(t, IPv4, tt.specs...), tt.o)
			if (err != nil) != tt.err {
				t.Fatalf("Build error %v, want error %v", err, tt.err)
			}
			if tt.err && (!errors.Is(err, ErrLargeScope) || !strings.Contains(err.Error(), "--allow-large-scope")) {
				t.Errorf("Build error %v", err)
			}
			for _, err := range Stream(context.Background(), specsOf(t, IPv4, tt.specs...), tt.o) {
				if (err != nil) != tt.first || tt.first && !errors.Is(err, ErrLargeScope) {
					t.Errorf("Stream's first item: error %v, want error %v", err, tt.first)
				}
				break
			}
		})
	}
}

func TestScopeErrorMessage(t *testing.T) {
	_, err := Build(context.Background(), specsOf(t, IPv4, "10.0.0.0/7"), Options{})
	want := "target: the targets cover 33554432 addresses, more than 16777216 (2^24); check the specifications, or pass --allow-large-scope to scan them all"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	_, err = Build(context.Background(), specsOf(t, IPv6, "2001:db8::/64"), Options{Family: IPv6})
	if err == nil || !strings.Contains(err.Error(), "18446744073709551616 addresses") {
		t.Errorf("got %v", err)
	}
}

func TestStreamFamilyMismatch(t *testing.T) {
	x := exclusions(t, Options{}, "10.0.0.1")
	_, errs := collect(t, specsOf(t, IPv6, "2001:db8::1"), Options{Family: IPv6, Exclude: x})
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "exclusions are IPv4 but the targets are IPv6") {
		t.Errorf("errors %v", errs)
	}
}

func TestStreamStopEarly(t *testing.T) {
	res := testResolver()
	res.delay = map[string]time.Duration{"scanme.example": 20 * time.Millisecond}
	n := 0
	for range Stream(context.Background(), specsOf(t, IPv4, "10.0.0.0/24", "scanme.example", "mapped.example"), Options{Resolver: res}) {
		if n++; n == 3 {
			break
		}
	}
	if n != 3 {
		t.Errorf("got %d", n)
	}
}

// TestStreamHugeList streams a million-line list through a pipe and checks
// that the heap does not grow with it.
func TestStreamHugeList(t *testing.T) {
	lines := 1_000_000
	if testing.Short() {
		lines = 100_000
	}
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriter(pw)
		for i := range lines {
			// Sequential addresses, a duplicate now and then, and comments.
			a := 10<<24 | i
			fmt.Fprintf(w, "%d.%d.%d.%d", a>>24, a>>16&255, a>>8&255, a&255)
			switch i % 10 {
			case 3:
				fmt.Fprintf(w, " %d.%d.%d.%d # again\n", a>>24, a>>16&255, a>>8&255, a&255)
			case 7:
				io.WriteString(w, "\t")
			default:
				io.WriteString(w, "\n")
			}
		}
		w.Flush()
		pw.Close()
	}()
	var ms runtime.MemStats
	heapAt := func() uint64 {
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return ms.HeapAlloc
	}
	var first uint64
	n := 0
	for tg, err := range Stream(context.Background(), ReadList(pr, IPv4), Options{}) {
		if err != nil {
			t.Fatal(err)
		}
		a := tg.Addr.As4()
		if got := int(a[1])<<16 | int(a[2])<<8 | int(a[3]); got != n {
			t.Fatalf("target %d is %v", n, tg.Addr)
		}
		n++
		if n == lines/10 {
			first = heapAt()
		}
	}
	last := heapAt()
	if n != lines {
		t.Fatalf("got %d targets, want %d", n, lines)
	}
	if last > first+256<<10 {
		t.Errorf("heap grew from %d to %d bytes over %d lines", first, last, lines)
	}
	t.Logf("heap %d KiB after %d lines, %d KiB after %d", first>>10, lines/10, last>>10, lines)
}
