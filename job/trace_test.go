package job

import (
	"context"
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// fakeTracer gives every host a route of one router and itself, and
// records what it saw of the hosts.
type fakeTracer struct {
	groups int
	ports  int // ports seen folded into the hosts, over all calls
	router netip.Addr
}

func (f *fakeTracer) Trace(_ context.Context, hosts []*result.Host) error {
	f.groups++
	for _, h := range hosts {
		f.ports += len(h.Ports)
		h.Trace = &result.Trace{Protocol: result.TCP, Port: 22, Hops: []result.Hop{{TTL: 1, Addr: f.router}, {TTL: 2}, {TTL: 3, Addr: h.Addr}}}
	}
	return nil
}

// TestTracePhase checks that the trace runs per group after the port
// scans, with the ports folded into the hosts, and that its
// hops are named as hosts are.
func TestTracePhase(t *testing.T) {
	fs := &fakeScanner{outcome: func(_ netip.Addr, p uint16) scan.Outcome {
		if p == 22 {
			return scan.SynAck
		}
		return scan.Reset
	}}
	tr := &fakeTracer{router: netip.MustParseAddr("198.18.9.1")}
	var s sink
	_, err := Run(context.Background(), Config{
		Targets:   targets(5),
		Scans:     []PortScan{{Scanner: fs, Ports: []uint16{22, 80}}},
		GroupSize: 3,
		Names:     fakeNamer{"198.18.9.1": "gw.test", "198.18.0.2": "two.test"},
		Trace:     tr,
		Run:       &result.Run{},
		Sink:      &s,
	})
	if err != nil {
		t.Fatal(err)
	}
	if tr.groups != 2 || tr.ports != 10 {
		t.Errorf("traced %d groups seeing %d ports, want 2 groups and 10 ports", tr.groups, tr.ports)
	}
	if len(s.hosts) != 5 {
		t.Fatalf("%d hosts written", len(s.hosts))
	}
	for _, h := range s.hosts {
		if h.Trace == nil || len(h.Trace.Hops) != 3 {
			t.Fatalf("%s: trace %+v", h.Addr, h.Trace)
		}
		hops := h.Trace.Hops
		if hops[0].Host != "gw.test" || hops[1].Host != "" {
			t.Errorf("%s: hops named %q, %q", h.Addr, hops[0].Host, hops[1].Host)
		}
		want := ""
		if h.Addr == netip.MustParseAddr("198.18.0.2") {
			want = "two.test"
		}
		if hops[2].Host != want {
			t.Errorf("%s: last hop named %q, want %q", h.Addr, hops[2].Host, want)
		}
	}
}
