package all

import (
	"context"
	"net"
	"net/netip"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/probes"
)

// sampleSignatures reads the probes package's test database, in Nmap's
// format, written for picket's tests.
func sampleSignatures(t *testing.T) signatures {
	t.Helper()
	f, err := os.Open("../probes/testdata/sample.nmap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, _, err := probes.Parse(f, "sample.nmap")
	if err != nil {
		t.Fatal(err)
	}
	return signatures{db}
}

// TestPlan checks that the detector gets Nmap's directives through the
// adapter: ports and sslports, rarity against the intensity, totalwaitms,
// tcpwrappedms, and fallbacks in what a probe can identify.
func TestPlan(t *testing.T) {
	s := sampleSignatures(t)
	names := func(ps []service.SignatureProbe) []string {
		var out []string
		for _, p := range ps {
			out = append(out, p.(probe).p.Name)
		}
		return out
	}
	for _, tc := range []struct {
		name      string
		port      uint16
		tls       bool
		intensity int
		want      []string
	}{
		{"listed port first, then by rarity", 80, false, 7, []string{"NULL", "Alpha", "Gamma"}},
		{"intensity 9 adds the rare", 80, false, 9, []string{"NULL", "Alpha", "Beta", "Gamma"}},
		{"intensity 0: listed ports only", 25, false, 0, []string{"NULL", "Beta"}},
		{"sslports inside TLS", 443, true, 0, []string{"NULL", "Alpha"}},
		{"sslports are not ports", 443, false, 0, []string{"NULL"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(s.Plan(tc.port, tc.tls, tc.intensity)); !slices.Equal(got, tc.want) {
				t.Errorf("Plan = %v, want %v", got, tc.want)
			}
		})
	}
	null := s.Plan(1, false, 0)[0]
	if null.Wait() != 6*time.Second || null.TCPWrapped() != 3*time.Second {
		t.Errorf("NULL: wait %v, tcpwrapped %v; want 6s, 3s", null.Wait(), null.TCPWrapped())
	}
	beta := s.Plan(25, false, 0)[1]
	if !beta.Identifies("lineproto") || !beta.Identifies("beta") || beta.Identifies("gamma") {
		t.Error("Beta should identify beta and, through its fallback, lineproto; not gamma")
	}
}

// TestDetectorNarrowsNmapProbes runs the detector with the sample
// database on a service whose banner soft-matches: the probes that cannot
// name the service are not sent, and the one that can finds the product.
func TestDetectorNarrowsNmapProbes(t *testing.T) {
	var mu sync.Mutex
	var got []string
	serve := func(c net.Conn) {
		defer c.Close()
		// The greeting goes to a client that waits for it; a probe's
		// payload is answered on its own (net.Pipe has no buffer to hold
		// both).
		b := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.Read(b)
		if err != nil {
			c.SetDeadline(time.Now().Add(2 * time.Second))
			c.Write([]byte("+READY\r\n"))
			c.Read(b)
			return
		}
		mu.Lock()
		got = append(got, string(b[:n]))
		mu.Unlock()
		if string(b[:n]) == "ALPHA\r\n" {
			c.Write([]byte("+READY lineproto 3.1\r\n"))
		}
		c.Read(b)
	}
	d := &service.Detector{
		Signatures: []service.Signatures{sampleSignatures(t)},
		Dial: func(context.Context, netip.AddrPort) (net.Conn, error) {
			a, b := net.Pipe()
			go serve(b)
			return a, nil
		},
		BannerWait: 200 * time.Millisecond,
		Timeout:    10 * time.Second,
		Intensity:  7,
	}
	id := d.Identify(context.Background(), netip.MustParseAddrPort("198.18.0.2:8000"))
	if s := id.Service; s.Name != "lineproto" || s.Product != "Line daemon" || s.Version != "3.1" {
		t.Errorf("got %+v, want lineproto Line daemon 3.1", s)
	}
	mu.Lock()
	defer mu.Unlock()
	if !slices.Equal(got, []string{"ALPHA\r\n"}) {
		t.Errorf("probes received %q, want only Alpha's (Gamma cannot name lineproto)", got)
	}
}
