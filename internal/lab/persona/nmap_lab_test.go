package persona_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
)

// openPorts are the persona targets' open TCP ports; closedPort is closed.
var openPorts = []uint16{22, 80}

const closedPort = 443

// personaCases are the personalities under test, in the lab's target
// order, with what Nmap's OS guess must name.
var personaCases = []struct {
	name string
	p    persona.Personality
	want *regexp.Regexp
}{
	{"windows", persona.Windows(), regexp.MustCompile(`(?i)microsoft windows`)},
	{"freebsd", persona.FreeBSD(), regexp.MustCompile(`(?i)freebsd`)},
	{"lwip", persona.LwIP(), regexp.MustCompile(`(?i)lwip`)},
	{"linux", persona.Linux(), regexp.MustCompile(`(?i)linux`)},
}

var (
	shared    *lab.Lab
	sharedErr error
	sharedOne sync.Once
)

// personaLab returns the lab shared by this package's tests, whose target
// i is personaCases[i]; TestMain tears it down.
func personaLab(t *testing.T) *lab.Lab {
	t.Helper()
	lab.Require(t)
	sharedOne.Do(func() {
		var cfg lab.Config
		for k, c := range personaCases {
			cfg.Targets = append(cfg.Targets, lab.TargetConfig{Persona: &persona.Config{
				Personality: c.p, OpenTCP: openPorts, Seed: uint64(k + 1),
			}})
		}
		shared, sharedErr = lab.New(cfg)
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

// bestGuess is Nmap's first OS match: an exact one, or its best guess.
var bestGuess = regexp.MustCompile(`(?m)^(?:OS details|Aggressive OS guesses): ([^,\n]*)`)

// osLines keeps Nmap's lines about the OS.
var osLines = regexp.MustCompile(`(?m)^(Device type|Running|OS CPE|OS details|Aggressive OS guesses|No exact OS matches|Network Distance|TCP/IP fingerprint).*$`)

func TestNmapOSGuess(t *testing.T) {
	lab.RequireCommand(t, "nmap")
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg := l.Targets[k]
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			ports := fmt.Sprintf("%d,%d,%d", openPorts[0], openPorts[1], closedPort)
			out, err := l.Scanner.Exec(ctx, "nmap", "-n", "-O", "-Pn", "--osscan-guess", "-p", ports, "--max-os-tries", "1", tg.Addr.String())
			if err != nil {
				t.Fatalf("nmap: %v\n%s", err, out)
			}
			lines := strings.Join(osLines.FindAllString(string(out), -1), "\n")
			t.Logf("nmap -O on %s (%s):\n%s", c.name, tg.Addr, lines)
			best := bestGuess.FindStringSubmatch(string(out))
			if best == nil {
				t.Fatalf("nmap made no OS guess for %s:\n%s", c.name, out)
			}
			if !c.want.MatchString(best[1]) {
				t.Errorf("nmap's best OS guess for %s is %q, want a match of %s:\n%s", c.name, best[1], c.want, lines)
			}
		})
	}
}
