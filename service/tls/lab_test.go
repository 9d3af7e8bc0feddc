package tls

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLab runs the handshake against Debian's nginx (443 with the lab's
// self-signed certificate, 80 plain) and sshd, over IPv4 and IPv6.
func TestLab(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/nginx", "openssl", "/usr/sbin/sshd", "ssh-keygen")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.StartDaemons(t.Context(), lab.DaemonNginx, lab.DaemonSSH); err != nil {
		t.Fatal(err)
	}
	dial := func(t *testing.T, a netip.Addr, port uint16) net.Conn {
		t.Helper()
		return servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(a, port))
	}
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(a.String(), func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()

			m, err := Handshake.Run(ctx, dial(t, a, 443), nil)
			if err != nil {
				t.Fatalf("443: %v", err)
			}
			d := map[string]string{}
			for _, x := range m.Details {
				d[x.Key] = x.Value
			}
			want := map[string]string{
				"tls version":             "TLS 1.3",
				"alpn":                    "http/1.1", // nginx without http2
				"certificate subject":     "CN=" + lab.ZoneName + ",O=picket lab",
				"certificate issuer":      "CN=" + lab.ZoneName + ",O=picket lab",
				"certificate sans":        "DNS:" + lab.ZoneName + ", DNS:*." + lab.ZoneName + ", IP:" + tg.Addr.String() + ", IP:" + tg.Addr6.String(),
				"certificate expired":     "no",
				"certificate key":         "RSA 2048",
				"certificate self-signed": "yes",
			}
			for k, v := range want {
				if d[k] != v {
					t.Errorf("443: %s = %q, want %q", k, d[k], v)
				}
			}
			if !m.TLS || m.Service.Name != "ssl" || len(d["certificate sha-256"]) != 64 {
				t.Errorf("443: %+v", m)
			}
			t.Logf("443: %v", m.Details)

			for _, port := range []uint16{80, 22} {
				start := time.Now()
				if _, err := Handshake.Run(ctx, dial(t, a, port), nil); !errors.Is(err, service.ErrNoMatch) {
					t.Errorf("%d: err %v, want ErrNoMatch", port, err)
				}
				if took := time.Since(start); took > time.Second {
					t.Errorf("%d: took %v to tell it is not TLS", port, took)
				}
			}

			// What the engine does: TLS, then another protocol inside.
			tc, info, err := Client(ctx, dial(t, a, 443), lab.ZoneName, "http/1.1")
			if err != nil {
				t.Fatal(err)
			}
			if info.ALPN != "http/1.1" || info.Certificates[0].Subject.CommonName != lab.ZoneName {
				t.Errorf("Client: ALPN %q, subject %s", info.ALPN, info.Certificates[0].Subject)
			}
			tc.SetDeadline(time.Now().Add(5 * time.Second))
			if _, err := tc.Write([]byte("HEAD / HTTP/1.0\r\n\r\n")); err != nil {
				t.Fatal(err)
			}
			b, err := service.ReadAtMost(tc, 4096, time.Now().Add(5*time.Second), nil)
			if err != nil || !strings.HasPrefix(string(b), "HTTP/1.1 200 OK") {
				t.Errorf("HEAD inside TLS: %q, %v", b, err)
			}
		})
	}
}
