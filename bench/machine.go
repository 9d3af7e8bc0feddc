package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// machine describes where and with what the benchmark ran.
type machine struct {
	date                 time.Time
	cpus                 int
	cpuModel, kernel     string
	load                 string
	picket, nmap, masscn string
}

func describeMachine(ctx context.Context, picket string) (*machine, error) {
	m := &machine{date: time.Now().UTC(), cpus: runtime.NumCPU()}
	m.kernel = readTrim("/proc/sys/kernel/osrelease")
	m.load = loadAvg()
	m.cpuModel = cpuModel()
	var err error
	if m.picket, err = picketVersion(ctx, picket); err != nil {
		return nil, err
	}
	if m.nmap, err = versionLine(ctx, nmapPath, "Nmap version"); err != nil {
		return nil, err
	}
	if m.masscn, err = versionLine(ctx, masscanPath, "Masscan version"); err != nil {
		return nil, err
	}
	return m, nil
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return "unknown"
	}
	return strings.TrimSpace(string(b))
}

func cpuModel() string {
	f, err := os.Open("/proc/cpuinfo")
	if err != nil {
		return "unknown CPU"
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

// versionLine runs "path --version" and returns its line that starts with
// prefix, up to the first parenthesis.
func versionLine(ctx context.Context, path, prefix string) (string, error) {
	out, err := exec.CommandContext(ctx, path, "--version").CombinedOutput()
	if err != nil && len(out) == 0 { // masscan --version exits non-zero
		return "", fmt.Errorf("%s --version: %w", path, err)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, prefix) {
			line, _, _ = strings.Cut(line, "(")
			return strings.TrimSpace(line), nil
		}
	}
	return "", fmt.Errorf("%s --version: no %q line in %q", path, prefix, out)
}

// picketVersion is "picket version X" and the commit of the working tree
// it was built from (GOFLAGS may turn off go build's own VCS stamp).
func picketVersion(ctx context.Context, bin string) (string, error) {
	out, err := exec.CommandContext(ctx, bin, "version").Output()
	if err != nil {
		return "", fmt.Errorf("picket version: %w", err)
	}
	v := string(bytes.TrimSpace(out))
	rev, err := exec.CommandContext(ctx, "git", "--no-optional-locks", "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return v, nil // not a git checkout
	}
	v += ", commit " + string(bytes.TrimSpace(rev))
	// diff exits 1 when the tree differs from HEAD.
	if exec.CommandContext(ctx, "git", "--no-optional-locks", "diff", "--quiet", "HEAD").Run() != nil {
		v += " with uncommitted changes"
	}
	return v, nil
}
