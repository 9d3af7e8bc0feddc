package cli

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/netio"
)

// TestTracerouteOption checks that --traceroute asks for raw sockets and,
// with them, sets up a tracer; a list scan traces nothing.
func TestTracerouteOption(t *testing.T) {
	for _, c := range []struct {
		name   string
		args   []string
		rawErr error
		trace  bool
		err    string
	}{
		{"privileged", []string{"--traceroute", "198.18.0.1"}, nil, true, ""},
		{"ping scan", []string{"-sn", "--traceroute", "198.18.0.1"}, nil, true, ""},
		{"list scan", []string{"-sL", "--traceroute", "198.18.0.1"}, nil, false, ""},
		{"unprivileged", []string{"-sT", "--traceroute", "198.18.0.1"}, netio.ErrPermission, false, "--traceroute sends raw packets"},
		{"without", []string{"198.18.0.1"}, nil, false, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			o, err := ParseOptions(c.args)
			if err != nil {
				t.Fatal(err)
			}
			var stderr bytes.Buffer
			p, err := plan(o, &env{stderr: &stderr, rawAvailable: func() error { return c.rawErr }})
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want one saying %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer p.close()
			if (p.trace != nil) != c.trace {
				t.Errorf("tracer %v, want one: %v", p.trace, c.trace)
			}
		})
	}
}
