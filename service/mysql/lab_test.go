package mysql

import (
	"context"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabMariaDB identifies Debian's MariaDB in the lab, over IPv4 and
// IPv6 as the engine would (a banner read, Detect, Run), and checks the
// version against dpkg's. From the target's own loopback, for which the
// lab has no account, the server refuses with error 1130: still MariaDB.
func TestLabMariaDB(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/mariadbd", "mariadb-install-db", "setpriv")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(t.Context(), lab.DaemonMariaDB)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", d.Package, d.Version)
	// Debian's version without its epoch, e.g. "10.11.19-0+deb12u1".
	_, debian, _ := strings.Cut(d.Version, ":")

	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		m := labRun(t, l.Scanner, netip.AddrPortFrom(addr, 3306))
		s := m.Service
		if s.Name != "mysql" || s.Product != "MariaDB" || !strings.Contains(s.Version, d.Upstream()) {
			t.Errorf("%s: %+v; want mysql, MariaDB, version with %s", addr, s, d.Upstream())
		}
		if s.Version != debian {
			t.Errorf("%s: version %q, want Debian's %q", addr, s.Version, debian)
		}
		if len(s.CPE) != 1 || s.CPE[0] != "cpe:2.3:a:mariadb:mariadb:"+d.Upstream()+":*:*:*:*:*:*:*" {
			t.Errorf("%s: CPE %q", addr, s.CPE)
		}
		if s.OSType != "Linux" {
			t.Errorf("%s: OS type %q, want Linux from the Debian revision", addr, s.OSType)
		}
		t.Logf("%s: %s %s %v %v", addr, s.Product, s.Version, s.CPE, m.Details)
	}

	m := labRun(t, tg.NS, netip.MustParseAddrPort("127.0.0.1:3306"))
	if s := m.Service; s.Product != "MariaDB" || !strings.Contains(s.ExtraInfo, "not allowed") {
		t.Errorf("loopback: %+v; want MariaDB and the 1130 message", s)
	}
	t.Logf("127.0.0.1: %s (%s) %v", m.Service.Product, m.Service.ExtraInfo, m.Details)
}

// labRun connects from ns and runs the handshake as the engine does.
func labRun(t *testing.T, ns *lab.Namespace, ap netip.AddrPort) service.Match {
	t.Helper()
	c := servicetest.Dial(t, ns, "tcp", ap)
	defer c.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	banner, err := service.ReadAtMost(c, service.MaxBanner, time.Now().Add(2*time.Second), complete)
	if err != nil {
		t.Fatalf("%s: banner: %v", ap, err)
	}
	if !Detect(banner) {
		t.Fatalf("%s: Detect refuses %q", ap, banner)
	}
	m, err := Handshake.Run(ctx, c, banner)
	if err != nil {
		t.Fatalf("%s: %v", ap, err)
	}
	return m
}
