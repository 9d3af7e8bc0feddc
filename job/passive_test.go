package job

import (
	"context"
	"net/netip"
	"slices"
	"testing"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// passiveScanner is a scanner whose table keeps, for every host but the
// second, a SYN-ACK as the lab's Linux kernel sends it.
type passiveScanner struct{ fakeScanner }

func (p *passiveScanner) Scan(ctx context.Context, hosts []netip.Addr, ports []uint16) (*scan.Table, scan.Stats, error) {
	tab, st, err := p.fakeScanner.Scan(ctx, hosts, ports)
	if err != nil {
		return tab, st, err
	}
	tab.Passive = make([][]osfp.Sample, len(hosts))
	for i := range hosts {
		if i == 1 {
			continue
		}
		tab.Passive[i] = []osfp.Sample{{Version: 4, TTL: 64, DF: true, Flags: packet.FlagSYN | packet.FlagACK,
			Window: 64240, Options: []byte{2, 4, 5, 0xb4}, Port: 22, ToSYN: true, Offered: osfp.OfferMSS}}
	}
	return tab, st, nil
}

func TestRunPassiveOS(t *testing.T) {
	ps := &passiveScanner{fakeScanner{outcome: func(_ netip.Addr, p uint16) scan.Outcome {
		if p == 22 {
			return scan.SynAck
		}
		return scan.None
	}}}
	var s sink
	if _, err := Run(context.Background(), Config{
		Targets: targets(3),
		Scans:   []PortScan{{Scanner: ps, Ports: []uint16{22, 23}}},
		Run:     &result.Run{}, Sink: &s,
	}); err != nil {
		t.Fatal(err)
	}
	if len(s.hosts) != 3 {
		t.Fatalf("%d hosts", len(s.hosts))
	}
	for i, h := range s.hosts {
		g := h.OSPassive
		if i == 1 {
			if g != nil {
				t.Errorf("host %s kept no replies but has a passive guess %+v", h.Addr, g)
			}
			continue
		}
		if g == nil || g.Family != "linux" || g.Name != "Linux" || g.Confidence < 80 || !slices.Contains(g.Evidence, "TTL 64") {
			t.Errorf("host %s: passive guess %+v, want Linux", h.Addr, g)
		}
	}
}
