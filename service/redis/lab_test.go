package redis

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabRedis identifies Debian's Redis in the lab (no password,
// protected mode off) over IPv4 and IPv6, checks the version against
// dpkg's, and that the open door is reported.
func TestLabRedis(t *testing.T) {
	lab.RequireCommand(t, "/usr/bin/redis-server", "setpriv")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(t.Context(), lab.DaemonRedis)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", d.Package, d.Version)
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 6379))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		m, err := Handshake.Run(ctx, c, nil)
		cancel()
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		s := m.Service
		if s.Name != "redis" || s.Product != "Redis key-value store" || s.Version != d.Upstream() {
			t.Errorf("%s: %+v; want redis, Redis key-value store %s", addr, s, d.Upstream())
		}
		if len(s.CPE) != 1 || s.CPE[0] != "cpe:2.3:a:redis:redis:"+d.Upstream()+":*:*:*:*:*:*:*" {
			t.Errorf("%s: CPE %q", addr, s.CPE)
		}
		if s.OSType != "Linux" {
			t.Errorf("%s: OS type %q, want Linux", addr, s.OSType)
		}
		if len(m.Details) == 0 || m.Details[0].Key != "authentication" || m.Details[0].Value != "not required" {
			t.Errorf("%s: details %v; want authentication not required first", addr, m.Details)
		}
		t.Logf("%s: %s %s %v %v", addr, s.Product, s.Version, s.CPE, m.Details)
	}
}
