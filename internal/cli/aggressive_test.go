package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/netio"
)

// TestAggressiveOption checks that -A is -O -sV --traceroute (and -sC,
// which runs nothing yet and says so with -v), and that -sC alone is
// refused rather than ignored.
func TestAggressiveOption(t *testing.T) {
	o, err := ParseOptions([]string{"-A", "-v", "198.18.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	p, err := plan(o, &env{stderr: &stderr, rawAvailable: func() error { return nil }})
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if p.os == nil || p.versions == nil || p.trace == nil {
		t.Errorf("-A planned OS detection %v, version detection %v, traceroute %v: want all three", p.os != nil, p.versions != nil, p.trace != nil)
	}
	if !strings.Contains(stderr.String(), "no scripts yet") {
		t.Errorf("-A -v did not say that -sC runs nothing: %q", stderr.String())
	}

	o, _ = ParseOptions([]string{"-A", "198.18.0.1"})
	if _, err := plan(o, &env{stderr: &stderr, rawAvailable: func() error { return netio.ErrPermission }}); err == nil || !strings.Contains(err.Error(), "raw packets") {
		t.Errorf("-A without raw sockets: %v, want an error naming raw packets", err)
	}

	o, _ = ParseOptions([]string{"-sC", "198.18.0.1"})
	if _, err := plan(o, &env{stderr: &stderr, rawAvailable: func() error { return nil }}); err == nil || !strings.Contains(err.Error(), "-sC") {
		t.Errorf("-sC: %v, want an error saying it is not available", err)
	}
}
