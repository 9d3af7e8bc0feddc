package imap

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
)

// TestLabDovecot runs the handshake against Debian's Dovecot on port 143
// over IPv4 and IPv6. Dovecot keeps its version to itself: the product
// must be named and the version left empty. With -update it rewrites the
// captured transcript in testdata/.
func TestLabDovecot(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/dovecot")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(context.Background(), lab.DaemonDovecot)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(addr.String(), func(t *testing.T) {
			rec := &recorder{Conn: dialFromScanner(t, l, netip.AddrPortFrom(addr, 143))}
			m := runLikeEngine(t, rec)
			s := m.Service
			if s.Name != "imap" || s.Product != "Dovecot imapd" || s.Version != "" || s.OSType != "Linux" {
				t.Errorf("got %q %q %q %q; want imap, Dovecot imapd, no version (dpkg %s, not on the wire), Linux", s.Name, s.Product, s.Version, s.OSType, d.Version)
			}
			if want := "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"; len(s.CPE) != 1 || s.CPE[0] != want {
				t.Errorf("CPE %q, want %s", s.CPE, want)
			}
			if detail(m, "starttls") != "offered" || detail(m, "capabilities") == "" || detail(m, "server id") != "name=Dovecot" {
				t.Errorf("details %q; want capabilities, STARTTLS offered, ID name=Dovecot", m.Details)
			}
			t.Logf("%s, %q", s.Product, m.Details)
			if *update && addr.Is4() {
				writeTranscript(t, "testdata/dovecot-debian12.txt",
					"Debian 12 Dovecot (dovecot-core "+d.Version+"), the lab's dovecot.conf (STARTTLS, plaintext auth off);\n"+
						"captured by TestLabDovecot -update, picket's handshake the client.", rec.steps)
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
