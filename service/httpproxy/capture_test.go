//go:build capture

package httpproxy

// Regenerates testdata/ from the lab's real servers:
//
//	go test -tags capture -run TestCapture ./service/httpproxy/
//
// Each file holds the bytes the server sent in answer to Request, as read
// from the socket until it closed.

import (
	"context"
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
	lab.RequireCommand(t, "/usr/sbin/nginx")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(context.Background(), lab.DaemonNginx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", d.Package, d.Version)
	c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(tg.Addr, 80))
	defer c.Close()
	c.SetDeadline(time.Now().Add(3 * time.Second))
	c.Write(Request(c.RemoteAddr().String()))
	b, err := io.ReadAll(c)
	t.Logf("%d bytes, %v", len(b), err)
	if err := os.WriteFile(filepath.Join("testdata", "nginx-connect.txt"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
