package osdetect_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/scan/osdetect"
)

// TestAgainstNmap runs picket and nmap -O on every target of the lab:
// with Nmap's database picket's best match must be among Nmap's best,
// the deterministic tests of their fingerprints must be equal, and with
// picket's own database alone the family must be right.
func TestAgainstNmap(t *testing.T) {
	l := osLab(t)
	full, emptyDir := nmapDB(t)
	empty := parseDir(t, emptyDir)
	own, err := osfp.Own()
	if err != nil {
		t.Fatal(err)
	}
	var report strings.Builder
	for k, c := range labCases {
		t.Run(c.name, func(t *testing.T) {
			addr := l.Targets[k].Addr
			// The fingerprints first, each tool with an empty database so
			// that both print one, then the matches.
			_, nfpText := nmapOS(t, l, addr, "--datadir", emptyDir, "--max-os-tries", "1", "-d")
			ours := detect(t, l, osdetect.Config{DBs: []*osfp.DB{empty}, MaxTries: 1}, target(addr))[0]
			if ours == nil || ours.Fingerprint == "" {
				t.Fatalf("picket printed no fingerprint: %+v", ours)
			}
			nfp, err := osfp.ParseFingerprint(nfpText)
			if err != nil {
				t.Fatalf("nmap's fingerprint: %v\n%s", err, nfpText)
			}
			pfp, err := osfp.ParseFingerprint(ours.Fingerprint)
			if err != nil {
				t.Fatalf("picket's fingerprint: %v\n%s", err, ours.Fingerprint)
			}
			if d := osfp.DiffStable(pfp, nfp); len(d) > 0 {
				t.Errorf("fingerprints differ on %s:\n  %s\npicket:\n%s\nnmap:\n%s", c.name, strings.Join(d, "\n  "), ours.Fingerprint, nfpText)
			}

			top, _ := nmapOS(t, l, addr, "--osscan-guess")
			res := detect(t, l, osdetect.Config{DBs: []*osfp.DB{full}, Guess: true}, target(addr))[0]
			if res == nil || len(res.Matches) == 0 {
				t.Fatalf("picket matched nothing in Nmap's database (nmap: %q)", top)
			}
			best := res.Matches[0]
			if !slices.Contains(top, best.Name) {
				t.Errorf("picket's best match %q (%d%%), nmap's best %q", best.Name, best.Accuracy, top)
			}

			mine := detect(t, l, osdetect.Config{DBs: []*osfp.DB{own}, Guess: true}, target(addr))[0]
			name := ""
			if mine != nil && len(mine.Matches) > 0 {
				name = mine.Matches[0].Name
			}
			if !c.family.MatchString(name) {
				t.Errorf("picket's own database says %q, want %s", name, c.family)
			}
			line := c.name + ": nmap " + strings.Join(top, " | ") + " ; picket+nmap-os-db " + best.Name +
				" (" + strconv.Itoa(best.Accuracy) + "%) ; picket own db " + name
			t.Log(line)
			report.WriteString(line + "\n")
		})
	}
	t.Logf("side by side:\n%s", report.String())
}

// parseDir reads dir/nmap-os-db.
func parseDir(t *testing.T, dir string) *osfp.DB {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, "nmap-os-db"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, err := osfp.ParseDB(f)
	if err != nil {
		t.Fatal(err)
	}
	return db
}
