package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/netio"
)

// TestOSOption checks how -O is planned: it needs raw sockets, and
// --datadir must hold Nmap's nmap-os-db.
func TestOSOption(t *testing.T) {
	var stderr bytes.Buffer
	ok := func() error { return nil }
	o, err := ParseOptions([]string{"-O", "--osscan-guess", "--max-os-tries", "2", "198.18.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan(o, &env{stderr: &stderr, rawAvailable: ok})
	if err != nil {
		t.Fatal(err)
	}
	p.close()
	if p.os == nil {
		t.Error("-O planned no OS detection")
	}
	if _, err := plan(o, &env{stderr: &stderr, rawAvailable: func() error { return netio.ErrPermission }}); err == nil || !strings.Contains(err.Error(), "-O sends raw packets") {
		t.Errorf("-O without raw sockets: %v", err)
	}
	dir := t.TempDir()
	o, _ = ParseOptions([]string{"-O", "--datadir", dir, "198.18.0.1"})
	if _, err := plan(o, &env{stderr: &stderr, rawAvailable: ok}); err == nil || !strings.Contains(err.Error(), "--datadir") {
		t.Errorf("-O with a --datadir lacking nmap-os-db: %v", err)
	}
}
