package cli_test

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/osfp"
)

// osTarget is one target of the OS detection lab and what picket's own
// database must call it.
type osTarget struct {
	name    string
	persona func() persona.Personality
	sysctls map[string]string
	want    *regexp.Regexp
}

var osTargets = []osTarget{
	{"windows", persona.Windows, nil, regexp.MustCompile(`^Microsoft Windows`)},
	{"freebsd", persona.FreeBSD, nil, regexp.MustCompile(`^FreeBSD`)},
	{"lwip", persona.LwIP, nil, regexp.MustCompile(`(?i)lwip`)},
	{"linux-persona", persona.Linux, nil, regexp.MustCompile(`^Linux`)},
	// The lab's kernel is 6.x: picket's own database must say so.
	{"linux", nil, nil, regexp.MustCompile(`^Linux .*6\.x`)},
	{"linux-nots", nil, map[string]string{"net.ipv4.tcp_timestamps": "0"}, regexp.MustCompile(`^Linux .*6\.x`)},
}

// osXML is the part of an Nmap or picket XML file about OS detection.
type osXML struct {
	Hosts []struct {
		Address []struct {
			Addr string `xml:"addr,attr"`
			Type string `xml:"addrtype,attr"`
		} `xml:"address"`
		OS struct {
			PortUsed []struct {
				State string `xml:"state,attr"`
				Proto string `xml:"proto,attr"`
				Port  int    `xml:"portid,attr"`
			} `xml:"portused"`
			Matches []struct {
				Name     string `xml:"name,attr"`
				Accuracy int    `xml:"accuracy,attr"`
				Classes  []struct {
					Family string   `xml:"osfamily,attr"`
					CPE    []string `xml:"cpe"`
				} `xml:"osclass"`
			} `xml:"osmatch"`
			Fingerprint []struct {
				Text string `xml:"fingerprint,attr"`
			} `xml:"osfingerprint"`
		} `xml:"os"`
		Distance *struct {
			Value int `xml:"value,attr"`
		} `xml:"distance"`
	} `xml:"host"`
}

// readOSXML returns, per IPv4 address, its top matches (every match with
// the best accuracy) and its fingerprint.
func readOSXML(t *testing.T, path string) (top map[string][]string, fps map[string]string) {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var run osXML
	if err := xml.Unmarshal(raw, &run); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	top, fps = map[string][]string{}, map[string]string{}
	for _, h := range run.Hosts {
		addr := ""
		for _, a := range h.Address {
			if a.Type == "ipv4" {
				addr = a.Addr
			}
		}
		for _, m := range h.OS.Matches {
			if m.Accuracy == h.OS.Matches[0].Accuracy {
				top[addr] = append(top[addr], m.Name)
			}
		}
		if len(h.OS.Fingerprint) > 0 {
			fps[addr] = h.OS.Fingerprint[0].Text
		}
	}
	return top, fps
}

// emptyNmapDataDir is a copy of Nmap's data directory whose nmap-os-db
// has its MatchPoints and no entry: Nmap and picket then print every
// fingerprint.
func emptyNmapDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	f, err := os.Open("/usr/share/nmap/nmap-os-db")
	if err != nil {
		t.Fatalf("Nmap's database is needed (scripts/install-deps.sh installs nmap): %v", err)
	}
	defer f.Close()
	var b strings.Builder
	sc := bufio.NewScanner(f)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "Fingerprint ") {
			break
		}
		in = in || strings.HasPrefix(line, "MatchPoints")
		if in {
			b.WriteString(line + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "nmap-os-db"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir("/usr/share/nmap")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() != "nmap-os-db" {
			if err := os.Symlink(filepath.Join("/usr/share/nmap", e.Name()), filepath.Join(dir, e.Name())); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func fingerprintDiffs(t *testing.T, ours, theirs string) []string {
	t.Helper()
	a, err := osfp.ParseFingerprint(ours)
	if err != nil {
		t.Fatalf("picket's fingerprint: %v\n%s", err, ours)
	}
	b, err := osfp.ParseFingerprint(theirs)
	if err != nil {
		t.Fatalf("nmap's fingerprint: %v\n%s", err, theirs)
	}
	return osfp.DiffStable(a, b)
}

// TestOSDetection runs picket -O and nmap -O side by side on every
// personality of the lab and on its real Linux kernel (as it is and
// without TCP timestamps), all hosts in one run of each.
func TestOSDetection(t *testing.T) {
	lab.RequireCommand(t, "nmap")
	var cfg lab.Config
	for k, c := range osTargets {
		tc := lab.TargetConfig{Sysctls: c.sysctls}
		if c.persona != nil {
			tc.Persona = &persona.Config{Personality: c.persona(), OpenTCP: []uint16{22, 80}, Seed: uint64(k + 1)}
		}
		cfg.Targets = append(cfg.Targets, tc)
	}
	l := lab.Start(t, cfg)
	var addrs []string
	for k, c := range osTargets {
		if c.persona == nil {
			if _, err := l.Targets[k].ServeTCP(22, lab.Banner("SSH-2.0-lab\r\n")); err != nil {
				t.Fatal(err)
			}
		}
		addrs = append(addrs, l.Targets[k].Addr.String())
	}
	dir := t.TempDir()
	empty := emptyNmapDataDir(t)
	common := []string{"-n", "-Pn", "-O", "-p", "22,443"}
	nmap := func(out string, extra ...string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		args := append(append(append(slices.Clone(common), "-oX", out), extra...), addrs...)
		start := time.Now()
		// Not Exec: its 30-second limit is too short for -O on six hosts.
		if b, err := l.Scanner.Command(ctx, "nmap", args...).CombinedOutput(); err != nil {
			t.Fatalf("nmap: %v\n%s", err, b)
		}
		t.Logf("nmap %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	}
	run := func(extra ...string) string {
		t.Helper()
		args := append(append(slices.Clone(common), extra...), addrs...)
		return picket(t, l, args...)
	}

	// (b) The fingerprints, each tool with an empty database.
	nmap(filepath.Join(dir, "nmap-fp.xml"), "--datadir", empty, "--max-os-tries", "1", "-d")
	run("--datadir", empty, "--max-os-tries", "1", "-oX", filepath.Join(dir, "picket-fp.xml"))
	xmllint(t, filepath.Join(dir, "picket-fp.xml"))
	_, nfps := readOSXML(t, filepath.Join(dir, "nmap-fp.xml"))
	_, pfps := readOSXML(t, filepath.Join(dir, "picket-fp.xml"))

	// (a) The best matches in Nmap's database.
	nmap(filepath.Join(dir, "nmap.xml"), "--osscan-guess")
	out := run("--datadir", "/usr/share/nmap", "--osscan-guess", "-v", "-oX", filepath.Join(dir, "picket.xml"),
		"-oG", filepath.Join(dir, "picket.gnmap"), "-oJ", filepath.Join(dir, "picket.jsonl"))
	xmllint(t, filepath.Join(dir, "picket.xml"))
	ntop, _ := readOSXML(t, filepath.Join(dir, "nmap.xml"))
	ptop, _ := readOSXML(t, filepath.Join(dir, "picket.xml"))

	// (c) picket's own database alone.
	own := run("-oX", filepath.Join(dir, "own.xml"), "--osscan-guess")
	otop, _ := readOSXML(t, filepath.Join(dir, "own.xml"))

	var table strings.Builder
	table.WriteString("| target | nmap -O (best, ties) | picket -O --datadir | picket -O (own db) | fingerprint |\n|---|---|---|---|---|\n")
	for k, c := range osTargets {
		a := addrs[k]
		t.Run(c.name, func(t *testing.T) {
			fpNote := "equal"
			if pfps[a] == "" || nfps[a] == "" {
				t.Errorf("a fingerprint is missing: picket %d bytes, nmap %d bytes", len(pfps[a]), len(nfps[a]))
				fpNote = "missing"
			} else if d := fingerprintDiffs(t, pfps[a], nfps[a]); len(d) > 0 {
				t.Errorf("fingerprints differ:\n  %s\npicket:\n%s\nnmap:\n%s", strings.Join(d, "\n  "), pfps[a], nfps[a])
				fpNote = strings.Join(d, "; ")
			}
			best := ""
			if len(ptop[a]) > 0 {
				best = ptop[a][0]
			}
			if best == "" || !slices.Contains(ntop[a], best) {
				t.Errorf("picket's best match %q, nmap's best %q", best, ntop[a])
			}
			mine := ""
			if len(otop[a]) > 0 {
				mine = otop[a][0]
			}
			if !c.want.MatchString(mine) {
				t.Errorf("with its own database picket says %q, want %s", mine, c.want)
			}
			table.WriteString("| " + c.name + " | " + strings.Join(ntop[a], " / ") + " | " + best + " | " + mine + " | " + fpNote + " |\n")
		})
	}
	t.Logf("side by side:\n%s", table.String())

	for _, want := range []string{"Network Distance: 1 hop", "TCP Sequence Prediction: Difficulty=", "IP ID Sequence Generation:"} {
		if !strings.Contains(out, want) {
			t.Errorf("picket -O -v printed no %q:\n%s", want, out)
		}
	}
	if !strings.Contains(own, "OS details: ") && !strings.Contains(own, "Aggressive OS guesses: ") {
		t.Errorf("picket -O printed no OS line:\n%s", own)
	}
	gnmap, err := os.ReadFile(filepath.Join(dir, "picket.gnmap"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(gnmap), "\tIP ID Seq: ") {
		t.Errorf("grepable output has no OS fields:\n%s", gnmap)
	}
	jl, err := os.ReadFile(filepath.Join(dir, "picket.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for line := range strings.Lines(string(jl)) {
		var rec struct {
			Type string `json:"type"`
			OS   *struct {
				Matches []struct {
					Name string `json:"name"`
				} `json:"matches"`
				Distance *int `json:"distance"`
			} `json:"os"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatalf("JSONL: %v: %s", err, line)
		}
		if rec.Type == "host" && rec.OS != nil && len(rec.OS.Matches) > 0 && rec.OS.Distance != nil {
			n++
		}
	}
	if n != len(osTargets) {
		t.Errorf("JSONL: %d hosts with an os object, want %d:\n%s", n, len(osTargets), jl)
	}
}
