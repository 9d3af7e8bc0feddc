package grepable

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestOS checks Nmap's OS fields: exact matches, the sequence index and
// the IP ID class.
func TestOS(t *testing.T) {
	sc := fixture.OSDetected()
	var buf bytes.Buffer
	if err := fixture.Play(New(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"Ports: 22/open/tcp//ssh///, 113/closed/tcp//ident///\tOS: Linux 4.19 - 6.x\tSeq Index: 261\tIP ID Seq: All zeros\n",
		"Ports: 22/open/tcp//ssh///, 113/closed/tcp//ident///\tSeq Index: 261\tIP ID Seq: All zeros\n",
		"Ports: 22/open/tcp//ssh///, 113/closed/tcp//ident///\tIP ID Seq: Incremental\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %q in:\n%s", want, out)
		}
	}
}
