package ftp

import (
	"context"
	"flag"
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

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
			rec := &servicetest.Recorder{Conn: servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 21))}
			m := servicetest.RunLikeEngine(t, rec, Handshake)
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
			if got := servicetest.Detail(m, "anonymous login"); got != "allowed" {
				t.Errorf("anonymous login %q, want allowed (the lab's vsftpd.conf)", got)
			}
			if servicetest.Detail(m, "system") != "UNIX Type: L8" || servicetest.Detail(m, "features") == "" {
				t.Errorf("details %q", m.Details)
			}
			t.Logf("%s %s, %q", s.Product, s.Version, m.Details)
			if *update && addr.Is4() {
				servicetest.WriteTranscript(t, "testdata/vsftpd-debian12.txt",
					"Debian 12 vsftpd "+d.Version+", Debian's vsftpd.conf with anonymous_enable=YES;\n"+
						"captured by TestLabVsftpd -update, picket's handshake the client.", rec.Steps())
			}
		})
	}
}
