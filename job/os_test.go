package job

import (
	"context"
	"net/netip"
	"sync"
	"testing"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// fakeOS names every host after its address and checks that it is given
// the group's tables.
type fakeOS struct {
	mu     sync.Mutex
	groups [][]netip.Addr
}

func (f *fakeOS) DetectOS(_ context.Context, hosts []netip.Addr, tables []*scan.Table) ([]*result.OSResult, error) {
	f.mu.Lock()
	f.groups = append(f.groups, hosts)
	f.mu.Unlock()
	out := make([]*result.OSResult, len(hosts))
	for i, a := range hosts {
		if len(tables) != 1 || tables[0].Hosts[i] != a {
			continue
		}
		if a.As4()[3]%2 == 0 {
			continue // skipped, as --osscan-limit would
		}
		out[i] = &result.OSResult{Matches: []result.OSMatch{{Name: a.String()}}, Exact: true}
	}
	return out, nil
}

func TestRunOS(t *testing.T) {
	fs := &fakeScanner{outcome: func(netip.Addr, uint16) scan.Outcome { return scan.SynAck }}
	var s sink
	det := &fakeOS{}
	_, err := Run(context.Background(), Config{
		Targets: targets(5), Scans: []PortScan{{Scanner: fs, Ports: []uint16{22}}},
		GroupSize: 2, OS: det, Run: &result.Run{}, Sink: &s,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(det.groups) != 3 {
		t.Errorf("OS detection ran on %d groups, want 3", len(det.groups))
	}
	for _, h := range s.hosts {
		odd := h.Addr.As4()[3]%2 == 1
		switch {
		case odd && (h.OS == nil || h.OS.Matches[0].Name != h.Addr.String()):
			t.Errorf("host %s: OS %+v, want its own", h.Addr, h.OS)
		case !odd && h.OS != nil:
			t.Errorf("host %s was skipped, yet has OS %+v", h.Addr, h.OS)
		}
	}
}
