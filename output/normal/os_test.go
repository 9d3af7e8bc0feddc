package normal

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestOS checks the OS lines against Nmap's: the classification and OS
// details of an exact match, the guesses and the fingerprint otherwise,
// and uptime, distance and sequences with -v.
func TestOS(t *testing.T) {
	sc := fixture.OSDetected()
	var buf bytes.Buffer
	if err := fixture.Play(NewFile(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "os.nmap", buf.Bytes())
	out := buf.String()
	for _, want := range []string{
		"Device type: general purpose\nRunning: Linux 5.X|6.X\nOS CPE: cpe:/o:linux:linux_kernel:5 cpe:/o:linux:linux_kernel:6\n" +
			"OS details: Linux 4.19 - 6.x\nUptime guess: 1.500 days (since Thu Nov 26 13:02:03 2026)\nNetwork Distance: 1 hop\n" +
			"TCP Sequence Prediction: Difficulty=261 (Good luck!)\nIP ID Sequence Generation: All zeros\n",
		"Device type: general purpose\nRunning (JUST GUESSING): FreeBSD 13.X (91%)\nOS CPE: cpe:/o:freebsd:freebsd:13\n" +
			"Aggressive OS guesses: FreeBSD 11.0 - 14.x (91%)\n" +
			"No exact OS matches for host (If you know what OS is running on it, see https://nmap.org/submit/ ).\n" +
			"TCP/IP fingerprint:\nOS:SCAN(V=0.1%E=4%",
		"Warning: OSScan results may be unreliable because we could not find at least 1 open and 1 closed port\n" +
			"No OS matches for host\nNetwork Distance: 2 hops\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing:\n%s\nin:\n%s", want, out)
		}
	}
}
