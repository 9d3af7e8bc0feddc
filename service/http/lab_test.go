package http

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"github.com/picket-scanner/picket/service/tls"
)

// TestLab identifies Debian's nginx on 80 and, inside TLS, on 443, over
// IPv4 and IPv6, against the installed package's version; and finds no
// HTTP on sshd's port.
func TestLab(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/nginx", "openssl", "/usr/sbin/sshd", "ssh-keygen")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(t.Context(), lab.DaemonNginx, lab.DaemonSSH)
	if err != nil {
		t.Fatal(err)
	}
	nginx := ds[0]
	dial := func(t *testing.T, a netip.Addr, port uint16) net.Conn {
		t.Helper()
		return servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(a, port))
	}
	wantCPE := "cpe:2.3:a:f5:nginx:" + nginx.Upstream() + ":*:*:*:*:*:*:*"
	check := func(t *testing.T, where string, m service.Match) {
		t.Helper()
		s := m.Service
		if s.Name != "http" || s.Product != "nginx" || s.Version != nginx.Upstream() || !slices.Equal(s.CPE, []string{wantCPE}) {
			t.Errorf("%s: %+v; want http, nginx %s (dpkg %s), %s", where, s, nginx.Upstream(), nginx.Version, wantCPE)
		}
		if !hasDetail(m, "status", "200 OK") || !hasDetail(m, "title", "Welcome to nginx!") {
			t.Errorf("%s: details %v", where, m.Details)
		}
		t.Logf("%s: %s %s %s %v", where, s.Name, s.Product, s.Version, m.Details)
	}
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(a.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()

			m, err := Handshake.Run(ctx, dial(t, a, 80), nil)
			if err != nil {
				t.Fatalf("80: %v", err)
			}
			check(t, "80", m)

			// As the engine does it: TLS first, then HTTP inside.
			tc, info, err := tls.Client(ctx, dial(t, a, 443), "", "http/1.1")
			if err != nil {
				t.Fatalf("443: TLS: %v", err)
			}
			if info.Certificates[0].Subject.CommonName != lab.ZoneName {
				t.Errorf("443: certificate for %s", info.Certificates[0].Subject)
			}
			m, err = Handshake.Run(ctx, tc, nil)
			if err != nil {
				t.Fatalf("443 inside TLS: %v", err)
			}
			check(t, "443 inside TLS", m)

			// Plain HTTP on the TLS port: nginx says so.
			m, err = Handshake.Run(ctx, dial(t, a, 443), nil)
			if err != nil || !hasDetail(m, "note", "the server expects TLS on this port") || m.Service.Version != nginx.Upstream() {
				t.Errorf("443 without TLS: %+v, %v", m, err)
			}

			start := time.Now()
			if _, err := Handshake.Run(ctx, dial(t, a, 22), nil); !errors.Is(err, service.ErrNoMatch) {
				t.Errorf("22: err %v, want ErrNoMatch", err)
			}
			if took := time.Since(start); took > time.Second {
				t.Errorf("22: took %v to tell it is not HTTP", took)
			}
		})
	}
}
