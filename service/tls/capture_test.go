//go:build capture

package tls

// Regenerates testdata/ from the lab's real servers:
//
//	go test -tags capture -run TestCapture ./service/tls/
//
// Each file holds the bytes the server sent, as read from the socket.

import (
	"context"
	ctls "crypto/tls"
	"encoding/pem"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// tap keeps what the server sent.
type tap struct {
	net.Conn
	mu  sync.Mutex
	got []byte
}

func (t *tap) Read(p []byte) (int, error) {
	n, err := t.Conn.Read(p)
	t.mu.Lock()
	t.got = append(t.got, p[:n]...)
	t.mu.Unlock()
	return n, err
}

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
	dial := func(port uint16) *tap {
		c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(tg.Addr, port))
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return &tap{Conn: c}
	}
	save := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join("testdata", name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: %d bytes", name, len(b))
	}
	hello := func(name string, port uint16, cfg *ctls.Config) {
		c := dial(port)
		cfg.InsecureSkipVerify = true
		tc := ctls.Client(c, cfg)
		err := tc.Handshake()
		t.Logf("%s: handshake: %v", name, err)
		if err == nil {
			st := tc.ConnectionState()
			save(name+".pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: st.PeerCertificates[0].Raw}))
		}
		c.mu.Lock()
		save(name+".bin", c.got)
		c.mu.Unlock()
	}
	// TLS 1.2: the server's first flight (ServerHello, Certificate, ...) is
	// in the clear.
	hello("nginx-tls12", 443, &ctls.Config{MaxVersion: ctls.VersionTLS12, NextProtos: []string{"h2", "http/1.1"}})
	hello("nginx-tls13", 443, &ctls.Config{NextProtos: []string{"h2", "http/1.1"}})
	// OpenSSL 3 refuses TLS 1.0 at its default security level: an alert.
	hello("nginx-tls10-alert", 443, &ctls.Config{MinVersion: ctls.VersionTLS10, MaxVersion: ctls.VersionTLS10})
	// Plain HTTP port: the ClientHello is answered with an HTTP 400.
	hello("nginx-plain-port", 80, &ctls.Config{})
	// sshd sends its banner, then complains about the ClientHello.
	hello("sshd", 22, &ctls.Config{})
}
