package smtp

import (
	"context"
	"flag"
	"net/netip"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

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
			rec := &servicetest.Recorder{Conn: servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 25))}
			m := servicetest.RunLikeEngine(t, rec, Handshake)
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
			if servicetest.Detail(m, "starttls") != "offered" || !strings.Contains(servicetest.Detail(m, "extensions"), "SIZE 10240000") {
				t.Errorf("details %q; want STARTTLS offered and SIZE 10240000", m.Details)
			}
			t.Logf("%s, host %s, %q", s.Product, s.Hostname, m.Details)
			if *update && addr.Is4() {
				servicetest.WriteTranscript(t, "testdata/postfix-debian12.txt",
					"Debian 12 postfix "+d.Version+", the lab's main.cf (Debian's smtpd_banner, STARTTLS);\n"+
						"captured by TestLabPostfix -update, picket's handshake the client.", rec.Steps())
			}
		})
	}
}
