package job

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/target"
)

// fakeScanner answers every port from a function, and records the groups
// it was given.
type fakeScanner struct {
	mu      sync.Mutex
	groups  [][]netip.Addr
	outcome func(h netip.Addr, port uint16) scan.Outcome
	fail    error // returned on the second group
}

func (f *fakeScanner) Technique() scan.Technique { return scan.SYN }

func (f *fakeScanner) Scan(ctx context.Context, hosts []netip.Addr, ports []uint16) (*scan.Table, scan.Stats, error) {
	f.mu.Lock()
	f.groups = append(f.groups, hosts)
	n := len(f.groups)
	f.mu.Unlock()
	if f.fail != nil && n == 2 {
		return nil, scan.Stats{}, f.fail
	}
	tab := scan.NewTable(scan.SYN, hosts, ports)
	for i, h := range hosts {
		for j, p := range ports {
			tab.Outcome[i*len(ports)+j] = f.outcome(h, p)
		}
	}
	return tab, scan.Stats{Sent: uint64(len(hosts) * len(ports)), Answered: uint64(len(hosts) * len(ports))}, nil
}

type fakeDiscoverer struct{ down map[netip.Addr]bool }

func (d fakeDiscoverer) Discover(_ context.Context, hosts []netip.Addr) ([]Status, error) {
	out := make([]Status, len(hosts))
	for i, h := range hosts {
		out[i] = Status{Up: !d.down[h], Reason: "echo-reply"}
		if d.down[h] {
			out[i].Reason = "no-response"
		}
	}
	return out, nil
}

type fakeNamer map[string]string

func (n fakeNamer) LookupAddr(_ context.Context, addr string) ([]string, error) {
	if name, ok := n[addr]; ok {
		return []string{name + "."}, nil
	}
	return nil, errors.New("no such name")
}

// sink records what it is given.
type sink struct {
	begun, ended bool
	hosts        []*result.Host
	end          *result.Run
}

func (s *sink) Begin(*result.Run) error        { s.begun = true; return nil }
func (s *sink) WriteHost(h *result.Host) error { s.hosts = append(s.hosts, h); return nil }
func (s *sink) End(r *result.Run) error        { s.ended, s.end = true, r; return nil }

func targets(n int) iter.Seq2[target.Target, error] {
	return func(yield func(target.Target, error) bool) {
		for i := range n {
			if !yield(target.Target{Addr: netip.AddrFrom4([4]byte{198, 18, byte(i / 250), byte(1 + i%250)})}, nil) {
				return
			}
		}
	}
}

func TestRunGroupsAndFolds(t *testing.T) {
	fs := &fakeScanner{outcome: func(_ netip.Addr, p uint16) scan.Outcome {
		if p == 22 {
			return scan.SynAck
		}
		return scan.Reset
	}}
	down := netip.MustParseAddr("198.18.0.3")
	var s sink
	var prog Progress
	ports := make([]uint16, 100)
	for i := range ports {
		ports[i] = uint16(i + 1)
	}
	run, err := Run(context.Background(), Config{
		Targets:     targets(10),
		Discover:    fakeDiscoverer{down: map[netip.Addr]bool{down: true}},
		Scans:       []PortScan{{Scanner: fs, Ports: ports}},
		GroupSize:   4,
		ServiceName: func(result.Protocol, uint16) string { return "svc" },
		Names:       fakeNamer{"198.18.0.1": "first.test", "198.18.0.3": "down.test"},
		Progress:    &prog,
		Run:         &result.Run{},
		Sink:        &s,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs.groups) != 3 || len(fs.groups[0]) != 3 || len(fs.groups[0])+len(fs.groups[1])+len(fs.groups[2]) != 9 {
		t.Errorf("scanned groups %v, want groups of 4, 4 and 2 hosts, the down one left out", fs.groups)
	}
	if len(s.hosts) != 10 || run.HostsUp != 9 || run.HostsDown != 1 || prog.HostsDone.Load() != 10 || prog.HostsUp.Load() != 9 {
		t.Fatalf("%d hosts written, %d up, %d down; progress %d/%d", len(s.hosts), run.HostsUp, run.HostsDown, prog.HostsDone.Load(), prog.HostsUp.Load())
	}
	for _, h := range s.hosts {
		switch {
		case h.Addr == down:
			if h.State != result.HostDown || len(h.Hostnames) != 0 {
				t.Errorf("down host %+v: want down, and unnamed without NameAll", h)
			}
		case len(h.Ports) != 1 || h.Ports[0].Number != 22 || h.Ports[0].Service.Name != "svc" ||
			len(h.Extra) != 1 || h.Extra[0].Count != 99:
			t.Errorf("host %s: ports %+v extra %+v", h.Addr, h.Ports, h.Extra)
		}
		if h.Addr == netip.MustParseAddr("198.18.0.1") && (len(h.Hostnames) != 1 || h.Hostnames[0] != (result.Hostname{Name: "first.test", Type: "PTR"})) {
			t.Errorf("198.18.0.1 names %+v, want first.test (PTR)", h.Hostnames)
		}
	}
	if run.Stats.ProbesSent != 900 {
		t.Errorf("%d probes sent in the stats, want 900", run.Stats.ProbesSent)
	}
}

func TestRunInterrupted(t *testing.T) {
	fs := &fakeScanner{outcome: func(netip.Addr, uint16) scan.Outcome { return scan.Reset }, fail: fmt.Errorf("raw: %w", context.Canceled)}
	var s sink
	run, err := Run(context.Background(), Config{
		Targets: targets(8), Scans: []PortScan{{Scanner: fs, Ports: []uint16{80}}},
		GroupSize: 3, Run: &result.Run{}, Sink: &s,
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want the engine's cancellation", err)
	}
	if len(s.hosts) != 3 || !s.ended || !run.Interrupted {
		t.Errorf("%d hosts written, ended %v, interrupted %v: want the first group's 3, and a closed run", len(s.hosts), s.ended, run.Interrupted)
	}
}

func TestListOnly(t *testing.T) {
	var s sink
	_, err := Run(context.Background(), Config{
		Targets: targets(3), ListOnly: true, Names: fakeNamer{"198.18.0.2": "two.test"},
		Scans: []PortScan{{Scanner: &fakeScanner{}, Ports: []uint16{80}}}, Run: &result.Run{}, Sink: &s,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(s.hosts) != 3 || s.hosts[1].State != result.HostUnknown || len(s.hosts[1].Hostnames) != 1 {
		t.Errorf("list scan wrote %+v", s.hosts)
	}
}

type fakeIdentifier struct {
	mu   sync.Mutex
	seen []netip.AddrPort
}

func (f *fakeIdentifier) Identify(_ context.Context, a netip.AddrPort) service.Identified {
	f.mu.Lock()
	f.seen = append(f.seen, a)
	f.mu.Unlock()
	if a.Port() == 22 {
		return service.Identified{Match: service.Match{Service: result.Service{Name: "ssh", Product: "OpenSSH", Version: "9.2p1"}}}
	}
	return service.Identified{Banner: []byte("\x00hi\r\n")}
}

func TestRunVersions(t *testing.T) {
	fs := &fakeScanner{outcome: func(_ netip.Addr, p uint16) scan.Outcome {
		if p == 22 || p == 9100 || p == 4444 {
			return scan.SynAck
		}
		return scan.Reset
	}}
	fi := &fakeIdentifier{}
	var s sink
	_, err := Run(context.Background(), Config{
		Targets:     targets(2),
		Scans:       []PortScan{{Scanner: fs, Ports: []uint16{22, 80, 4444, 9100}}},
		Versions:    fi,
		VersionSkip: func(p uint16) bool { return p == 9100 },
		ServiceName: func(_ result.Protocol, p uint16) string {
			return map[uint16]string{22: "ssh", 4444: "krb524", 9100: "jetdirect"}[p]
		},
		Run: &result.Run{}, Sink: &s,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(fi.seen) != 4 {
		t.Errorf("identified %v, want ports 22 and 4444 of both hosts (9100 skipped, 80 closed)", fi.seen)
	}
	for _, h := range s.hosts {
		for _, p := range h.Ports {
			switch p.Number {
			case 22:
				if p.Service.Method != "probed" || p.Service.Conf != 10 || p.Service.Product != "OpenSSH" {
					t.Errorf("port 22 service %+v", p.Service)
				}
			case 4444:
				if p.Service.Name != "krb524" || p.Service.Method != "table" || p.Service.Fingerprint != `\x00hi\r\n` {
					t.Errorf("port 4444 service %+v: want the table name and the banner kept", p.Service)
				}
			case 9100:
				if p.Service.Method != "table" {
					t.Errorf("port 9100 was probed: %+v", p.Service)
				}
			}
		}
	}
}

// reportingScanner reports port 22 open at once, then takes a while to
// finish: version detection should not wait for it.
type reportingScanner struct {
	fakeScanner
	finished time.Time
}

func (r *reportingScanner) ScanReporting(ctx context.Context, hosts []netip.Addr, ports []uint16, onOpen func(int, uint16)) (*scan.Table, scan.Stats, error) {
	for i := range hosts {
		onOpen(i, 22)
	}
	time.Sleep(300 * time.Millisecond)
	tab, st, err := r.Scan(ctx, hosts, ports)
	r.finished = time.Now()
	return tab, st, err
}

type timedIdentifier struct {
	mu    sync.Mutex
	first time.Time
	calls int
}

func (f *timedIdentifier) Identify(context.Context, netip.AddrPort) service.Identified {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.first.IsZero() {
		f.first = time.Now()
	}
	f.calls++
	return service.Identified{Match: service.Match{Service: result.Service{Name: "ssh", Product: "OpenSSH"}}}
}

func TestVersionsPipelined(t *testing.T) {
	rs := &reportingScanner{fakeScanner: fakeScanner{outcome: func(_ netip.Addr, p uint16) scan.Outcome {
		if p == 22 {
			return scan.SynAck
		}
		return scan.Reset
	}}}
	ti := &timedIdentifier{}
	var s sink
	if _, err := Run(context.Background(), Config{
		Targets: targets(3), Scans: []PortScan{{Scanner: rs, Ports: []uint16{22, 80}}},
		Versions: ti, Run: &result.Run{}, Sink: &s,
	}); err != nil {
		t.Fatal(err)
	}
	if ti.calls != 3 {
		t.Errorf("%d identifications, want one per host (reported early, not repeated after the scan)", ti.calls)
	}
	if !ti.first.Before(rs.finished) {
		t.Errorf("version detection started %v after the port scan ended: not pipelined", ti.first.Sub(rs.finished))
	}
	for _, h := range s.hosts {
		if len(h.Ports) != 2 || h.Ports[0].Number != 22 || h.Ports[0].Service.Product != "OpenSSH" {
			t.Errorf("%s: ports %+v, want 22 identified and 80 closed", h.Addr, h.Ports)
		}
	}
}
