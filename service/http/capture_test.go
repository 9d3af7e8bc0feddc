//go:build capture

package http

// Regenerates testdata/*.txt from the lab's real servers:
//
//	go test -tags capture -run TestCapture ./service/http/
//
// Each file holds the bytes the server sent in answer to Request, as read
// from the socket until it closed.

import (
	"context"
	ctls "crypto/tls"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestCapture(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/nginx", "/usr/sbin/sshd")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(context.Background(), lab.DaemonNginx, lab.DaemonSSH)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Logf("%s %s", d.Package, d.Version)
	}
	capture := func(name string, port uint16, tls bool, path string) {
		c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(tg.Addr, port))
		defer c.Close()
		c.SetDeadline(time.Now().Add(3 * time.Second))
		if tls {
			tc := ctls.Client(c, &ctls.Config{InsecureSkipVerify: true})
			if err := tc.Handshake(); err != nil {
				t.Fatal(err)
			}
			c = tc
		}
		c.Write(Request(Host(c.RemoteAddr()), path))
		b, err := io.ReadAll(c)
		t.Logf("%s: %d bytes, %v", name, len(b), err)
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	capture("nginx-200.txt", 80, false, "/")
	capture("nginx-404.txt", 80, false, "/nothing-here")
	capture("nginx-tls-200.txt", 443, true, "/")
	capture("nginx-plain-to-tls.txt", 443, false, "/")
	capture("sshd.txt", 22, false, "/")
}
