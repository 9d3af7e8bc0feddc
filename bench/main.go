// Command bench measures picket against Nmap and masscan side by side in
// the network lab (internal/lab) and writes BENCHMARKS.md. It must run as
// root, from the repository root:
//
//	go run ./bench [-runs 3] [-out BENCHMARKS.md] [-only NAME]
//
// Each scenario builds its own lab and runs the tools in turn, run by run
// (picket, nmap, masscan, picket, ...), so the machine's changing load
// falls on all of them alike.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
)

// bench is one invocation: the binary under test and where runs write.
type bench struct {
	picket string
	dir    string
	runs   int
}

func main() {
	log.SetFlags(log.Ltime)
	log.SetPrefix("bench: ")
	runs := flag.Int("runs", 3, "runs of each tool per scenario")
	out := flag.String("out", "BENCHMARKS.md", "the report to write")
	only := flag.String("only", "", "run one scenario: "+names())
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, *runs, *out, *only)
	stop()
	if err != nil {
		log.Print(err)
		os.Exit(1)
	}
}

func names() string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return strings.Join(n, ", ")
}

func run(ctx context.Context, runs int, out, only string) error {
	if os.Geteuid() != 0 {
		return errors.New("the lab needs root: run as root (sudo go run ./bench)")
	}
	if runs < 1 {
		return errors.New("-runs must be at least 1")
	}
	todo := scenarios
	if only != "" {
		todo = nil
		for _, s := range scenarios {
			if s.name == only {
				todo = append(todo, s)
			}
		}
		if todo == nil {
			return fmt.Errorf("-only %q: no such scenario; one of %s", only, names())
		}
	}
	dir, err := os.MkdirTemp("", "picket-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	b := &bench{dir: dir, runs: runs, picket: filepath.Join(dir, "picket")}
	if err := b.build(ctx); err != nil {
		return err
	}
	m, err := describeMachine(ctx, b.picket)
	if err != nil {
		return err
	}
	sections := map[string]string{}
	for _, s := range todo {
		sec, err := b.scenario(ctx, s)
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		sections[s.name] = sec
	}
	return writeReport(out, m, sections, only != "")
}

func (b *bench) build(ctx context.Context) error {
	cmd := exec.CommandContext(ctx, "go", "build", "-o", b.picket, "./cmd/picket")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("go build ./cmd/picket (run from the repository root): %v\n%s", err, out)
	}
	return nil
}

// scenario builds the scenario's lab, runs its tools interleaved, and
// returns its section of the report. The lab is torn down on every path.
func (b *bench) scenario(ctx context.Context, s scenario) (string, error) {
	log.Printf("%s: building the lab", s.name)
	l, err := lab.New(s.cfg)
	if err != nil {
		return "", err
	}
	defer func() {
		if err := l.Close(); err != nil {
			log.Printf("%s: tearing down the lab: %v", s.name, err)
		}
	}()
	p, err := s.plan(ctx, b, l)
	if err != nil {
		return "", err
	}
	runs := b.runs
	if p.scale {
		runs = 1
	}
	results := make([][]measure, len(p.tools))
	for r := range runs {
		for i, t := range p.tools {
			if t.maxRuns > 0 && r >= t.maxRuns {
				continue
			}
			m, err := t.run(ctx, l, b.dir)
			if err != nil {
				return "", err
			}
			log.Printf("%s: run %d/%d: %s: %s", s.name, r+1, runs, t.label, m.summary(t))
			results[i] = append(results[i], m)
		}
	}
	return renderSection(s, p, results, runs, time.Now()), nil
}
