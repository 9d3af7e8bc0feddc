package postgresql

import (
	"context"
	"net/netip"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabPostgreSQL identifies Debian's PostgreSQL in the lab (SCRAM over
// TCP, TLS on) over IPv4 and IPv6. The server keeps its version to itself
// before a login; SCRAM with channel binding, offered inside TLS, narrows
// it to 11 or later, which the lab's dpkg version must satisfy.
func TestLabPostgreSQL(t *testing.T) {
	bins, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(bins) == 0 {
		lab.RequireCommand(t, "/usr/lib/postgresql/bin/postgres") // skips, or fails in CI
	}
	lab.RequireCommand(t, "openssl", "setpriv")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(t.Context(), lab.DaemonPostgreSQL)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", d.Package, d.Version)
	major, _, _ := strings.Cut(d.Upstream(), ".")
	if n, err := strconv.Atoi(major); err != nil || n < 11 {
		t.Fatalf("PostgreSQL %s: the range asserted below would not hold", d.Upstream())
	}

	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 5432))
		ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
		m, err := Handshake.Run(ctx, c, nil)
		cancel()
		c.Close()
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		s := m.Service
		if s.Name != "postgresql" || s.Product != "PostgreSQL DB" || s.Version != "11 or later" {
			t.Errorf("%s: %+v; want postgresql, PostgreSQL DB, 11 or later", addr, s)
		}
		want := []service.Detail{
			{Key: "tls", Value: "offered"}, {Key: "tls version", Value: "TLS 1.3"},
			{Key: "authentication", Value: "SCRAM-SHA-256-PLUS, SCRAM-SHA-256"},
		}
		if !reflect.DeepEqual(m.Details, want) {
			t.Errorf("%s: details %v, want %v", addr, m.Details, want)
		}
		t.Logf("%s: %s %s %v %v", addr, s.Product, s.Version, s.CPE, m.Details)
	}
}
