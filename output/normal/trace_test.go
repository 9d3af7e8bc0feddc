package normal

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestTrace checks the TRACEROUTE sections against Nmap's layout: the
// probe, aligned columns, "..." for silent TTLs, and the hops shared with
// another host's trace.
func TestTrace(t *testing.T) {
	sc := fixture.Traced()
	var buf bytes.Buffer
	if err := fixture.Play(NewFile(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "traced.nmap", buf.Bytes())
	out := buf.String()
	for _, want := range []string{
		"\n\nTRACEROUTE (using port 113/tcp)\n" +
			"HOP RTT      ADDRESS\n" +
			"1   0.31 ms  gw.lab.example (198.18.0.129)\n" +
			"2   ... 3\n" +
			"4   1.25 ms  198.18.0.145\n" +
			"5   12.50 ms 198.18.0.153\n" +
			"6   ...\n" +
			"7   14.00 ms www.lab.example (198.18.0.2)\n\n",
		"TRACEROUTE (using port 113/tcp)\n" +
			"HOP RTT      ADDRESS\n" +
			"-   Hops 1-6 are the same as for 198.18.0.2\n" +
			"7   15.00 ms www.lab.example (198.18.0.3)\n\n",
		"HOP RTT     ADDRESS\n" +
			"-   Hop 1 is the same as for 198.18.0.2\n" +
			"2   0.70 ms 198.18.0.161\n",
		"Host is up (0.000080s latency).\n\n" +
			"TRACEROUTE (using proto 58/ipv6-icmp)\n" +
			"HOP RTT     ADDRESS\n" +
			"1   0.04 ms fd00:0:1::2\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no\n%s\nin\n%s", want, out)
		}
	}
}
