package output_test

import (
	"bytes"
	"errors"
	"net/netip"
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

func TestText(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"plain", "OpenSSH 9.2p1", "OpenSSH 9.2p1"},
		{"UTF-8 kept", "Grüße ✓ 日本", "Grüße ✓ 日本"},
		{"escape sequence", "\x1b[2J", `\x1b[2J`},
		{"NUL", "a\x00b", `a\x00b`},
		{"line breaks and tab", "a\r\n\tb", `a\x0d\x0a\x09b`},
		{"DEL and C1", "\x7f\u0085", `\x7f\u0085`},
		{"invalid UTF-8", "\xff\xc3(", `\xff\xc3(`},
		{"bidi override", "\u202egnp.exe", `\u202egnp.exe`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"noncharacter", "\ufffe", `\ufffe`},
		{"replacement character kept", "\ufffd", "\ufffd"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := output.Text(tc.in); got != tc.want {
				t.Errorf("Text(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCountPorts(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
		n    int
		ok   bool
	}{
		{"empty", "", 0, true},
		{"one", "80", 1, true},
		{"range and list", "1-1000,8080", 1001, true},
		{"all", "1-65535", 65535, true},
		{"reversed", "10-1", 0, false},
		{"junk", "http", 0, false},
		{"too large", "1-70000", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, ok := output.CountPorts(tc.in)
			if n != tc.n || ok != tc.ok {
				t.Errorf("CountPorts(%q) = %d, %v; want %d, %v", tc.in, n, ok, tc.n, tc.ok)
			}
		})
	}
}

func TestCPE22(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"application", "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*", "cpe:/a:openbsd:openssh:9.2p1"},
		{"os without version", "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*", "cpe:/o:linux:linux_kernel"},
		{"update and NA", "cpe:2.3:a:vendor:prod:1.0:-:*:*:*:*:*:*", "cpe:/a:vendor:prod:1.0:-"},
		{"escaped punctuation", `cpe:2.3:a:acme:web\!app:1.0\.1:*:*:*:*:*:*:*`, "cpe:/a:acme:web%21app:1.0.1"},
		{"extended fields packed", "cpe:2.3:a:acme:app:2:*:*:*:*:android:*:*", "cpe:/a:acme:app:2::~~~android~~"},
		{"already 2.2", "cpe:/a:f5:nginx:1.22.1", "cpe:/a:f5:nginx:1.22.1"},
		{"not a CPE", "banana", "banana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := output.CPE22(tc.in); got != tc.want {
				t.Errorf("CPE22(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestShown(t *testing.T) {
	up := fixture.BasicHost()
	closedOnly := result.Host{State: result.HostUp, Ports: []result.Port{{State: result.Closed}}}
	condensed := result.Host{State: result.HostUp, Extra: []result.ExtraPorts{{State: result.OpenFiltered, Count: 1000}}}
	down := result.Host{State: result.HostDown}
	for _, tc := range []struct {
		name    string
		h       *result.Host
		verbose int
		open    bool
		want    bool
	}{
		{"up", &up, 0, false, true},
		{"down", &down, 0, false, false},
		{"down verbose", &down, 1, false, true},
		{"down verbose --open", &down, 1, true, false},
		{"open port --open", &up, 0, true, true},
		{"no open port --open", &closedOnly, 0, true, false},
		{"condensed open|filtered --open", &condensed, 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := output.Shown(tc.h, tc.verbose, tc.open); got != tc.want {
				t.Errorf("Shown = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestPortsOpen(t *testing.T) {
	h := fixture.BasicHost()
	before := fixture.BasicHost()
	ports, extra := output.Ports(&h, true)
	if len(ports) != 2 || ports[0].Number != 22 || ports[1].Number != 80 {
		t.Errorf("listed %+v", ports)
	}
	want := []result.ExtraPorts{
		{State: result.Closed, Count: 991, Reasons: []result.ReasonCount{{Reason: result.ReasonReset, Protocol: result.TCP, Count: 991}}},
		{State: result.Filtered, Count: 7, Reasons: []result.ReasonCount{
			{Reason: result.ReasonNoResponse, Protocol: result.TCP, Count: 6},
			{Reason: result.ReasonAdminProhibited, Protocol: result.TCP, Count: 1},
		}},
	}
	if !reflect.DeepEqual(extra, want) {
		t.Errorf("extra = %+v\nwant    %+v", extra, want)
	}
	if !reflect.DeepEqual(h, before) {
		t.Error("Ports modified the host")
	}
	if p, e := output.Ports(&h, false); len(p) != 4 || len(e) != 2 {
		t.Error("without --open the host's own lists are returned")
	}
}

type recorder struct {
	mu    sync.Mutex
	calls []string
	fail  error
}

func (r *recorder) note(s string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls = append(r.calls, s)
	return r.fail
}

func (r *recorder) Begin(*result.Run) error        { return r.note("begin") }
func (r *recorder) WriteHost(h *result.Host) error { return r.note(h.Addr.String()) }
func (r *recorder) End(*result.Run) error          { return r.note("end") }

func TestMulti(t *testing.T) {
	bad := errors.New("disk full")
	a, b, c := &recorder{}, &recorder{fail: bad}, &recorder{}
	w := output.Multi(a, nil, b, c)
	sc := fixture.Interrupted()
	// The engine carries on when one file fails; so must the others.
	errs := []error{w.Begin(&sc.Begin), w.WriteHost(&sc.Hosts[0]), w.WriteHost(&sc.Hosts[1]), w.End(&sc.End)}
	for i, err := range errs {
		if !errors.Is(err, bad) {
			t.Errorf("call %d = %v, want %v", i, err, bad)
		}
	}
	want := []string{"begin", "198.18.0.1", "198.18.0.2", "end"}
	if !reflect.DeepEqual(a.calls, want) || !reflect.DeepEqual(c.calls, want) {
		t.Errorf("healthy writers saw %v and %v, want %v", a.calls, c.calls, want)
	}
}

func TestMultiOrder(t *testing.T) {
	a, b := &recorder{}, &recorder{}
	w := output.Multi(a, b)
	run := result.Run{}
	if err := w.Begin(&run); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			h := result.Host{Addr: netip.AddrFrom4([4]byte{198, 18, 1, byte(i)})}
			if err := w.WriteHost(&h); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if err := w.End(&run); err != nil {
		t.Fatal(err)
	}
	if len(a.calls) != 52 || !reflect.DeepEqual(a.calls, b.calls) {
		t.Errorf("writers saw different orders:\n%v\n%v", a.calls, b.calls)
	}
}

type format struct{}

func (format) AppendBegin(b []byte, _ *result.Run) []byte { return append(b, "begin\n"...) }
func (format) AppendHost(b []byte, h *result.Host) []byte {
	return append(b, h.Addr.String()+"\n"...)
}
func (format) AppendEnd(b []byte, _ *result.Run) []byte { return append(b, "end\n"...) }

// countingWriter records each Write call, to show a host is handed over
// in one call, not left in a buffer.
type countingWriter struct {
	bytes.Buffer
	writes int
}

func (w *countingWriter) Write(p []byte) (int, error) {
	w.writes++
	return w.Buffer.Write(p)
}

func TestStream(t *testing.T) {
	var cw countingWriter
	s := output.NewStream("test", &cw, format{})
	run := result.Run{}
	h := result.Host{Addr: netip.MustParseAddr("fd00::1")}
	if err := s.Begin(&run); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHost(&h); err != nil {
		t.Fatal(err)
	}
	if cw.writes != 2 || !strings.HasSuffix(cw.String(), "fd00::1\n") {
		t.Errorf("after one host: %d writes, %q", cw.writes, cw.String())
	}
	if err := s.Begin(&run); !errors.Is(err, output.ErrOrder) {
		t.Errorf("second Begin = %v", err)
	}
	if err := s.End(&run); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteHost(&h); !errors.Is(err, output.ErrOrder) {
		t.Errorf("WriteHost after End = %v", err)
	}
}

func TestAllNames(t *testing.T) {
	n, x, g := output.AllNames("scans/lab")
	if n != "scans/lab.nmap" || x != "scans/lab.xml" || g != "scans/lab.gnmap" {
		t.Errorf("AllNames = %q %q %q", n, x, g)
	}
}

func TestSummary(t *testing.T) {
	r := fixture.Basic().End
	if got, want := output.Summary(&r), "4 IP addresses (1 host up) scanned in 2.50 seconds"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
	r = result.Run{HostsUp: 1}
	if got, want := output.Summary(&r), "1 IP address (1 host up) scanned in 0.00 seconds"; got != want {
		t.Errorf("Summary = %q, want %q", got, want)
	}
}
