package osdetect_test

import (
	"bufio"
	"context"
	"encoding/xml"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan/osdetect"
)

// The lab's targets: four personas and the real Linux kernel, as it is and
// without TCP timestamps. Each has TCP 22 open and 443 closed.
const (
	openPort   = 22
	closedPort = 443
)

type labCase struct {
	name    string
	persona *persona.Personality
	sysctls map[string]string
	family  *regexp.Regexp // what picket's own database must name
}

func personality(p persona.Personality) *persona.Personality { return &p }

var labCases = []labCase{
	{"windows", personality(persona.Windows()), nil, regexp.MustCompile(`^Microsoft Windows`)},
	{"freebsd", personality(persona.FreeBSD()), nil, regexp.MustCompile(`^FreeBSD`)},
	{"lwip", personality(persona.LwIP()), nil, regexp.MustCompile(`(?i)lwip`)},
	{"linux-persona", personality(persona.Linux()), nil, regexp.MustCompile(`^Linux`)},
	// The lab's kernel is 6.x: the range must hold it.
	{"linux", nil, nil, regexp.MustCompile(`^Linux .*6\.x`)},
	{"linux-nots", nil, map[string]string{"net.ipv4.tcp_timestamps": "0"}, regexp.MustCompile(`^Linux .*6\.x`)},
}

var (
	shared    *lab.Lab
	sharedErr error
	sharedOne sync.Once
)

// osLab returns the lab shared by this package's tests: target i is
// labCases[i].
func osLab(t *testing.T) *lab.Lab {
	t.Helper()
	lab.Require(t)
	sharedOne.Do(func() {
		var cfg lab.Config
		for k, c := range labCases {
			tc := lab.TargetConfig{Sysctls: c.sysctls}
			if c.name == "linux" {
				tc.ExtraAddrs = manyHosts - 1
			}
			if c.persona != nil {
				tc.Persona = &persona.Config{Personality: *c.persona, OpenTCP: []uint16{openPort, 80}, Seed: uint64(k + 1)}
			}
			cfg.Targets = append(cfg.Targets, tc)
		}
		shared, sharedErr = lab.New(cfg)
		if sharedErr != nil {
			return
		}
		for k, c := range labCases {
			if c.persona == nil {
				if _, err := shared.Targets[k].ServeTCP(openPort, lab.Banner("SSH-2.0-lab\r\n")); err != nil {
					sharedErr = err
					return
				}
			}
		}
	})
	if sharedErr != nil {
		t.Fatalf("build lab: %v", sharedErr)
	}
	return shared
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared != nil {
		if err := shared.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "tear down lab: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}

// nmapDB reads the installed Nmap's database, and a copy of it with no
// entries, under which every fingerprint is printed.
func nmapDB(t *testing.T) (full *osfp.DB, emptyDir string) {
	t.Helper()
	const path = "/usr/share/nmap/nmap-os-db"
	f, err := os.Open(path)
	if err != nil {
		t.Fatalf("Nmap's database is needed: %v", err)
	}
	defer f.Close()
	if full, err = osfp.ParseDB(f); err != nil {
		t.Fatal(err)
	}
	full.Source = path
	emptyDir = emptyNmapDataDir(t)
	return full, emptyDir
}

// emptyNmapDataDir makes a data directory for Nmap (and picket's
// --datadir) whose nmap-os-db holds only the MatchPoints of the installed
// one, and the installed Nmap's other files.
func emptyNmapDataDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src, err := os.Open("/usr/share/nmap/nmap-os-db")
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	var b strings.Builder
	sc := bufio.NewScanner(src)
	in := false
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "MatchPoints") {
			in = true
		}
		if in {
			if strings.HasPrefix(line, "Fingerprint ") {
				break
			}
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
		if e.Name() == "nmap-os-db" {
			continue
		}
		if err := os.Symlink(filepath.Join("/usr/share/nmap", e.Name()), filepath.Join(dir, e.Name())); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// detect runs picket's OS detection on tg from the scanner namespace.
func detect(t *testing.T, l *lab.Lab, cfg osdetect.Config, targets ...osdetect.Target) []*result.OSResult {
	t.Helper()
	d, err := osdetect.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var out []*result.OSResult
	err = l.Scanner.Do(func() error {
		var err error
		out, err = d.Detect(ctx, targets)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func target(a netip.Addr) osdetect.Target {
	return osdetect.Target{Addr: a, OpenTCP: openPort, ClosedTCP: closedPort, SRTT: time.Millisecond}
}

// nmapRun is what Nmap's XML says of the OS of one host.
type nmapRun struct {
	Hosts []struct {
		OS struct {
			Matches []struct {
				Name     string `xml:"name,attr"`
				Accuracy int    `xml:"accuracy,attr"`
			} `xml:"osmatch"`
			Fingerprints []struct {
				Text string `xml:"fingerprint,attr"`
			} `xml:"osfingerprint"`
		} `xml:"os"`
	} `xml:"host"`
}

// nmapOS runs nmap -O against addr in the lab and returns its matches and
// fingerprint (printed only when no match is exact, or with an empty
// database).
func nmapOS(t *testing.T, l *lab.Lab, addr netip.Addr, args ...string) (top []string, fp string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	xmlPath := filepath.Join(t.TempDir(), "nmap.xml")
	all := append([]string{"-n", "-Pn", "-O", "-p", fmt.Sprintf("%d,%d", openPort, closedPort), "-oX", xmlPath}, args...)
	all = append(all, addr.String())
	if out, err := l.Scanner.Command(ctx, "nmap", all...).CombinedOutput(); err != nil {
		t.Fatalf("nmap: %v\n%s", err, out)
	}
	raw, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatal(err)
	}
	var run nmapRun
	if err := xml.Unmarshal(raw, &run); err != nil {
		t.Fatal(err)
	}
	if len(run.Hosts) != 1 {
		t.Fatalf("nmap reported %d hosts", len(run.Hosts))
	}
	o := run.Hosts[0].OS
	for _, m := range o.Matches {
		if m.Accuracy == o.Matches[0].Accuracy {
			top = append(top, m.Name)
		}
	}
	if len(o.Fingerprints) > 0 {
		fp = o.Fingerprints[0].Text
	}
	return top, fp
}
