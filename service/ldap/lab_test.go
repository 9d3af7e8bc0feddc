package ldap

import (
	"context"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabReplay runs the handshake over the lab's network, from the
// scanner namespace, against answers captured from Debian's slapd and
// Samba AD DC and replayed by a server in a target namespace, over IPv4
// and IPv6.:
// the real servers were captured once by TestCaptureSlapd and
// TestCaptureSambaDC, and this test keeps the real-socket path under CI.
func TestLabReplay(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	for _, tc := range []struct {
		file             string
		port             uint16
		product, version string
	}{
		{"slapd-2.5-monitor.txt", 389, "OpenLDAP", "2.5.13+dfsg-5"},
		{"samba-4.17-dc.txt", 3268, "Samba AD DC", "4.17.12-Debian"},
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
			if s := m.Service; s.Name != "ldap" || s.Product != tc.product || s.Version != tc.version {
				t.Errorf("%s %s: %+v", tc.file, ap, s)
			}
			t.Logf("%s %s: %s %q %q %v", tc.file, ap, m.Service.Name, m.Service.Product, m.Service.Version, m.Details)
		}
	}
}

// TestLabSlapd runs the handshake against the lab's real slapd (Debian's
// package, no monitor database), over IPv4 and IPv6.
func TestLabSlapd(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.StartDaemon(t.Context(), lab.DaemonSlapd); err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		ap := netip.AddrPortFrom(addr, 389)
		c := servicetest.Dial(t, l.Scanner, "tcp", ap)
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		m, err := Handshake.Run(ctx, c, nil)
		cancel()
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", ap, err)
		}
		if s := m.Service; s.Name != "ldap" || s.Product != "OpenLDAP" || s.Version != "" || !strings.Contains(fmt.Sprint(m.Details), lab.LDAPSuffix) {
			t.Errorf("%s: %+v %v; want ldap OpenLDAP, no version (no monitor database), naming context %s", ap, s, m.Details, lab.LDAPSuffix)
		}
		t.Logf("%s: %s %q %q %v", ap, m.Service.Name, m.Service.Product, m.Service.Version, m.Details)
	}
}
