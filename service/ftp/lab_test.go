package ftp

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
)

// TestLabVsftpd runs the handshake against Debian's vsftpd (anonymous
// login on) over IPv4 and IPv6 and checks it against dpkg's version. With
// -update it rewrites the captured transcript in testdata/.
func TestLabVsftpd(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/vsftpd")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(context.Background(), lab.DaemonVsftpd)
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(addr.String(), func(t *testing.T) {
			rec := &recorder{Conn: dialFromScanner(t, l, netip.AddrPortFrom(addr, 21))}
			m := runLikeEngine(t, rec)
			s := m.Service
			if s.Name != "ftp" || s.Product != "vsftpd" || s.Version != d.Upstream() {
				t.Errorf("got %q %q %q; want ftp, vsftpd, %s (dpkg %s)", s.Name, s.Product, s.Version, d.Upstream(), d.Version)
			}
			if s.OSType != "Unix" {
				t.Errorf("ostype %q, want Unix (from SYST)", s.OSType)
			}
			if want := "cpe:2.3:a:beasts:vsftpd:" + d.Upstream() + ":*:*:*:*:*:*:*"; len(s.CPE) != 1 || s.CPE[0] != want {
				t.Errorf("CPE %q, want %s", s.CPE, want)
			}
			if got := detail(m, "anonymous login"); got != "allowed" {
				t.Errorf("anonymous login %q, want allowed (the lab's vsftpd.conf)", got)
			}
			if detail(m, "system") != "UNIX Type: L8" || detail(m, "features") == "" {
				t.Errorf("details %q", m.Details)
			}
			t.Logf("%s %s, %q", s.Product, s.Version, m.Details)
			if *update && addr.Is4() {
				writeTranscript(t, "testdata/vsftpd-debian12.txt",
					"Debian 12 vsftpd "+d.Version+", Debian's vsftpd.conf with anonymous_enable=YES;\n"+
						"captured by TestLabVsftpd -update, picket's handshake the client.", rec.steps)
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
