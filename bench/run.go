package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/wan"
)

// tool is one command a scenario measures, run in the lab's scanner
// namespace.
type tool struct {
	label string
	path  string
	// args builds the command line given the output file's path.
	args   func(out string) []string
	format format
	truth  openSet
	// timeout kills the run; 0 means defaultTimeout.
	timeout time.Duration
	// maxRuns caps the runs of a slow tool; 0 means every run.
	maxRuns int
	// trickle keeps a datagram a 100 ms arriving from target during the
	// run: masscan's receive thread waits for a packet before it can see
	// that sending is over.
	trickle *lab.Target
	// stdoutFallback reads found ports and progress from nmap -v output
	// when a killed run left no usable XML.
	stdoutFallback bool
	// probes is the number of probes one pass sends, for a rate.
	probes int
	// link, if set, is the emulated link whose counters each run records.
	link *wan.Link
	// services reads what each run's XML says runs on each port (-sV).
	services bool
	// osHosts reads the best OS match each run's XML gives each host (-O).
	osHosts bool
}

// defaultTimeout is a run's time limit unless the tool sets one; a run
// still going stopGrace after its interrupt is killed.
const (
	defaultTimeout = 300 * time.Second
	stopGrace      = 5 * time.Second
)

// measure is one run of one tool.
type measure struct {
	wall, cpu time.Duration
	rssKiB    int64
	timedOut  bool
	failed    string // why the run produced no result, if it did not
	found     openSet
	stats     scanStats
	progress  string // how far a killed run got, if known
	link      wan.Stats
	services  map[uint16]svAnswer // by port, with tool.services
	os        map[string]string   // best OS match by address, with tool.osHosts
}

// format is a tool's output file and its reader.
type format struct {
	file  string
	parse func(path string) (openSet, scanStats, error)
}

var (
	xmlOut  = format{"out.xml", parseXML}   // -oX
	listOut = format{"out.list", parseList} // masscan -oL
)

// commandLine is the command as it is run, with the output file shown by
// its base name.
func (t *tool) commandLine() string {
	name := filepath.Base(t.path)
	return strings.Join(append([]string{name}, t.args(t.format.file)...), " ")
}

// run runs the tool once in the scanner namespace, in a fresh directory
// under dir, and measures it and what it found.
func (t *tool) run(ctx context.Context, l *lab.Lab, dir string) (measure, error) {
	rundir, err := os.MkdirTemp(dir, "run-")
	if err != nil {
		return measure{}, err
	}
	defer os.RemoveAll(rundir) // a /16's XML is large
	out := filepath.Join(rundir, t.format.file)
	m, stdout, err := t.execute(ctx, l, rundir, t.args(out))
	if err != nil {
		return m, err
	}
	found, stats, err := t.format.parse(out)
	m.found, m.stats = found, stats
	if t.services && err == nil {
		m.services, err = parseServices(out)
	}
	if t.osHosts && err == nil {
		m.os, err = parseOS(out)
	}
	switch {
	case m.timedOut && t.stdoutFallback:
		// A killed nmap has written no host yet; -v printed its finds.
		found, progress := parseNmapStdout(stdout)
		m.progress = progress
		if len(found) > len(m.found) {
			m.found = found
		}
	case m.timedOut:
		// A killed run's file is cut short: keep what it holds.
	case err != nil && m.failed == "":
		m.failed = err.Error()
	}
	return m, nil
}

// execute runs the command with the tool's time limit, trickle and link
// counters, and returns its measure and standard output. Only the
// benchmark's own failures, or its cancellation, are errors; a failing
// tool is a measure that says so.
func (t *tool) execute(ctx context.Context, l *lab.Lab, dir string, args []string) (measure, string, error) {
	timeout := t.timeout
	if timeout == 0 {
		timeout = defaultTimeout
	}
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := l.Scanner.Command(tctx, t.path, args...)
	cmd.Dir = dir // masscan writes paused.conf when stopped
	// At the deadline the tool is interrupted by its pid, as by Ctrl-C, so
	// picket can write what it reached; killed if still there 5 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = stopGrace
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr

	stop := func() {}
	if t.trickle != nil {
		var err error
		if stop, err = trickle(ctx, t.trickle); err != nil {
			return measure{}, "", err
		}
	}
	var before wan.Stats
	if t.link != nil {
		before = t.link.Stats()
	}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		stop()
		return measure{}, "", fmt.Errorf("%s: %w", t.label, err)
	}
	werr := cmd.Wait()
	m := measure{wall: time.Since(start)}
	stop()
	if ctx.Err() != nil {
		return m, "", ctx.Err()
	}
	if t.link != nil {
		m.link = linkDelta(before, t.link.Stats())
	}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		m.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		m.rssKiB = ru.Maxrss
	}
	m.timedOut = errors.Is(tctx.Err(), context.DeadlineExceeded)
	if werr != nil && !m.timedOut {
		m.failed = fmt.Sprintf("%v: %s", werr, lastLine(stderr.String()))
	}
	return m, stdout.String(), nil
}

func linkDelta(a, b wan.Stats) wan.Stats {
	d := func(a, b wan.DirStats) wan.DirStats {
		return wan.DirStats{Forwarded: b.Forwarded - a.Forwarded, Bytes: b.Bytes - a.Bytes,
			Lost: b.Lost - a.Lost, QueueDrops: b.QueueDrops - a.QueueDrops, WriteErrors: b.WriteErrors - a.WriteErrors}
	}
	return wan.Stats{AB: d(a.AB, b.AB), BA: d(a.BA, b.BA)}
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

// Trickle bounds: one datagram every trickleEvery, at most trickleMax.
const (
	trickleEvery = 100 * time.Millisecond
	trickleMax   = 600
)

// trickle sends a UDP datagram from the target to the scanner's address
// every trickleEvery until stop is called, at most trickleMax of them.
// The socket is opened in the target's namespace and stays there.
func trickle(ctx context.Context, tg *lab.Target) (stop func(), err error) {
	var conn *net.UDPConn
	err = tg.NS.Do(func() error {
		// Unconnected, so the scanner's port unreachable answers do not
		// come back as write errors.
		conn, err = net.ListenUDP("udp4", &net.UDPAddr{IP: tg.Addr.AsSlice()})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("trickle: %w", err)
	}
	to := net.UDPAddrFromAddrPort(netip.AddrPortFrom(tg.ScannerAddr, 9))
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer conn.Close()
		tick := time.NewTicker(trickleEvery)
		defer tick.Stop()
		for range trickleMax {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			conn.WriteToUDP([]byte("picket bench trickle"), to)
		}
	}()
	return func() { cancel(); <-done }, nil
}
