package pop3

import (
	"context"
	"flag"
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

// TestLabDovecot runs the handshake against Debian's Dovecot on port 110
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
			rec := &servicetest.Recorder{Conn: servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 110))}
			m := servicetest.RunLikeEngine(t, rec, Handshake)
			s := m.Service
			if s.Name != "pop3" || s.Product != "Dovecot pop3d" || s.Version != "" || s.OSType != "Linux" {
				t.Errorf("got %q %q %q %q; want pop3, Dovecot pop3d, no version (dpkg %s, not on the wire), Linux", s.Name, s.Product, s.Version, s.OSType, d.Version)
			}
			if want := "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"; len(s.CPE) != 1 || s.CPE[0] != want {
				t.Errorf("CPE %q, want %s", s.CPE, want)
			}
			if servicetest.Detail(m, "starttls") != "offered" || servicetest.Detail(m, "capabilities") == "" {
				t.Errorf("details %q; want capabilities and STLS offered", m.Details)
			}
			t.Logf("%s, %q", s.Product, m.Details)
			if *update && addr.Is4() {
				servicetest.WriteTranscript(t, "testdata/dovecot-debian12.txt",
					"Debian 12 Dovecot (dovecot-core "+d.Version+"), the lab's dovecot.conf (STARTTLS, plaintext auth off);\n"+
						"captured by TestLabDovecot -update, picket's handshake the client.", rec.Steps())
			}
		})
	}
}
