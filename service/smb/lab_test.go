package smb

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabReplay runs the handshake over the lab's network, from the
// scanner namespace, against Samba's captured answers replayed by a
// server in a target namespace, over IPv4 and IPv6. The real
// smbd was captured
// once by TestCaptureSamba, and this test keeps the real-socket path, the
// framing across TCP segments included, under CI.
func TestLabReplay(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	for _, tc := range []struct {
		file    string
		port    uint16
		dialect string
	}{
		{"samba-4.17-deb12.txt", 445, "3.1.1"},
		{"samba-4.17-smb1.txt", 1445, "NT LM 0.12 (SMB1 only)"},
	} {
		if _, err := tg.ServeTCP(tc.port, replayer(servicetest.ReadHexTranscript(t, "testdata/"+tc.file))); err != nil {
			t.Fatal(err)
		}
		for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
			ap := netip.AddrPortFrom(addr, tc.port)
			c := servicetest.Dial(t, l.Scanner, "tcp", ap)
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			m, err := Handshake.Run(ctx, c, nil)
			cancel()
			c.Close()
			if err != nil {
				t.Fatalf("%s %s: %v", tc.file, ap, err)
			}
			if m.Service.Name != "microsoft-ds" || servicetest.Detail(m, "dialect") != tc.dialect || m.Service.Hostname != "LABSMB" {
				t.Errorf("%s %s: %+v %v", tc.file, ap, m.Service, m.Details)
			}
			t.Logf("%s %s: %s %q %v", tc.file, ap, m.Service.Name, m.Service.Product, m.Details)
		}
	}
}

// TestLabSamba runs the handshake against the lab's real smbd (Debian's
// package, a standalone server), over IPv4 and IPv6.
func TestLabSamba(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.StartDaemon(t.Context(), lab.DaemonSamba); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		ap := netip.AddrPortFrom(addr, 445)
		c := servicetest.Dial(t, l.Scanner, "tcp", ap)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		m, err := Handshake.Run(ctx, c, nil)
		cancel()
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", ap, err)
		}
		if s := m.Service; s.Name != "microsoft-ds" || s.Product != "Samba smbd" || s.Hostname != lab.SambaName || servicetest.Detail(m, "dialect") != "3.1.1" {
			t.Errorf("%s: %+v %v; want microsoft-ds Samba smbd on %s, dialect 3.1.1", ap, s, m.Details, lab.SambaName)
		}
		t.Logf("%s: %s %q %q %v", ap, m.Service.Name, m.Service.Product, m.Service.Version, m.Details)
	}
}
