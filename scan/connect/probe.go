package connect

import (
	"context"
	"net"
	"net/netip"
	"time"

	"github.com/picket-scanner/picket/scan"
)

// Prober makes one connection attempt and says what came of it. The
// default on Linux is a non-blocking connect() that also reads the
// socket's error queue, so an ICMP error is known by its type and code
// (admin-prohibited, host-unreach, port-unreach) and not only by the errno
// it became; it is counted even when the kernel held it as a soft error
// while the connection was still being attempted.
type Prober func(ctx context.Context, addr netip.AddrPort, timeout time.Duration) (scan.Outcome, error)

// dialProber is the portable Prober: net.Dialer, errno only.
func dialProber(dial func(ctx context.Context, addr netip.AddrPort) (net.Conn, error)) Prober {
	return func(ctx context.Context, addr netip.AddrPort, timeout time.Duration) (scan.Outcome, error) {
		dctx, cancel := context.WithTimeout(ctx, timeout)
		c, err := dial(dctx, addr)
		cancel()
		if c != nil {
			if tc, ok := c.(*net.TCPConn); ok {
				tc.SetLinger(0)
			}
			c.Close()
		}
		return classify(err), err
	}
}
