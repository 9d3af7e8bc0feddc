package servicetest

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Namespace runs code in a network namespace: the lab's *lab.Namespace.
// It is an interface so that this package need not import the lab, which
// stands above the handshakes among picket's packages.
type Namespace interface {
	Do(fn func() error) error
}

// Dial connects to ap over network ("tcp", "udp") from ns, the lab's
// scanner namespace as a rule; the socket stays in ns after Do returns.
// The connection is closed when the test ends.
func Dial(t testing.TB, ns Namespace, network string, ap netip.AddrPort) net.Conn {
	t.Helper()
	var c net.Conn
	if err := ns.Do(func() error {
		var err error
		c, err = net.DialTimeout(network, ap.String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// RunLikeEngine reads the banner as the engine does, checks that h
// detects it, then runs h.
func RunLikeEngine(t *testing.T, c net.Conn, h service.Handshake) service.Match {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	banner, err := service.ReadAtMost(c, service.MaxBanner, service.Deadline(ctx), service.Line)
	if err != nil {
		t.Fatalf("banner: %v", err)
	}
	if !h.Detect(banner) {
		t.Fatalf("Detect(%q) = false", banner)
	}
	m, err := h.Run(ctx, c, banner)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m
}
