package smtp

import (
	"context"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
)

// TestLabPostfix runs the handshake against Debian's Postfix over IPv4 and
// IPv6. Postfix keeps its version to itself: the product must be named and
// the version left empty. With -update it rewrites the captured transcript
// in testdata/.
func TestLabPostfix(t *testing.T) {
	lab.RequireCommand(t, "/usr/lib/postfix/sbin/master")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(context.Background(), lab.DaemonPostfix)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(addr.String(), func(t *testing.T) {
			rec := &recorder{Conn: dialFromScanner(t, l, netip.AddrPortFrom(addr, 25))}
			m := runLikeEngine(t, rec)
			s := m.Service
			if s.Name != "smtp" || s.Product != "Postfix smtpd" || s.Version != "" {
				t.Errorf("got %q %q %q; want smtp, Postfix smtpd, no version (dpkg %s, not on the wire)", s.Name, s.Product, s.Version, d.Version)
			}
			if want := "mail." + lab.ZoneName; s.Hostname != want || s.OSType != "Linux" {
				t.Errorf("hostname %q, ostype %q; want %s, Linux", s.Hostname, s.OSType, want)
			}
			if want := "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"; len(s.CPE) != 1 || s.CPE[0] != want {
				t.Errorf("CPE %q, want %s", s.CPE, want)
			}
			if detail(m, "starttls") != "offered" || !strings.Contains(detail(m, "extensions"), "SIZE 10240000") {
				t.Errorf("details %q; want STARTTLS offered and SIZE 10240000", m.Details)
			}
			t.Logf("%s, host %s, %q", s.Product, s.Hostname, m.Details)
			if *update && addr.Is4() {
				writeTranscript(t, "testdata/postfix-debian12.txt",
					"Debian 12 postfix "+d.Version+", the lab's main.cf (Debian's smtpd_banner, STARTTLS);\n"+
						"captured by TestLabPostfix -update, picket's handshake the client.", rec.steps)
			}
		})
	}
}

// dialFromScanner connects from the lab's scanner namespace; the socket
// stays in it after Do returns.
func dialFromScanner(t *testing.T, l *lab.Lab, ap netip.AddrPort) net.Conn {
	t.Helper()
	var c net.Conn
	if err := l.Scanner.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", ap.String(), 5*time.Second)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// runLikeEngine reads the banner as the engine does, then runs the
// handshake.
func runLikeEngine(t *testing.T, c net.Conn) service.Match {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	banner, err := service.ReadAtMost(c, service.MaxBanner, service.Deadline(ctx), service.Line)
	if err != nil {
		t.Fatalf("banner: %v", err)
	}
	if !Handshake.Detect(banner) {
		t.Fatalf("Detect(%q) = false", banner)
	}
	m, err := Handshake.Run(ctx, c, banner)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return m
}

func detail(m service.Match, key string) string {
	for _, d := range m.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}
