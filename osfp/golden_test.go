package osfp

import (
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\ngot\n%s\nwant\n%s", name, got, want)
	}
}

// The submission forms of the simulated stacks' fingerprints, as Nmap
// would print them after "TCP/IP fingerprint:". These are picket's own
// fixtures, computed from simulated replies.
func TestGoldenSubmissions(t *testing.T) {
	info := sampleInfo()
	lin := Compute(linuxStack().respond(t))
	win := windowsStack()
	win.distant = 3
	w := Compute(win.respond(t))
	golden(t, "linux-wrapped.golden", FormatSubmission(info, true, lin))
	golden(t, "linux-lines.golden", FormatSubmission(info, false, lin))
	info.Distance, info.Method, info.ClosedUDPPort, info.Good = -1, DistanceUnknown, 0, false
	golden(t, "windows-wrapped.golden", FormatSubmission(info, true, w, lin))
}
