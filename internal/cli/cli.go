// Package cli is picket's command line: Nmap-compatible scan options and
// picket's own subcommands. It is the only place that turns flags into
// configuration and wires engines and sinks together.
//
// Run is safe to call from several goroutines with distinct streams.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
)

// Version is picket's version, set at link time with -ldflags "-X".
var Version = "0.0.0-dev"

// Exit codes returned by Run.
const (
	ExitOK    = 0
	ExitError = 1 // the scan or command failed
	ExitUsage = 2 // the command line was wrong
)

// usageError marks an error in the command line itself.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

// Run executes one picket command line (without the program name) and
// returns the process exit code.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	err := run(ctx, args, stdin, stdout, stderr)
	if err == nil {
		return ExitOK
	}
	fmt.Fprintf(stderr, "picket: %v\n", err)
	var ue *usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(stderr, "Run 'picket help' for usage.")
		return ExitUsage
	}
	return ExitError
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		printUsage(stdout)
		return nil
	}
	switch args[0] {
	case "help", "-h", "--help":
		printUsage(stdout)
		return nil
	case "version", "-V", "--version":
		fmt.Fprintf(stdout, "picket version %s\n", Version)
		return nil
	}
	return runScan(ctx, args, &env{stdin: stdin, stdout: stdout, stderr: stderr})
}

func printUsage(w io.Writer) {
	fmt.Fprint(w, `picket: a network scanner and exposure monitor

Usage:
  picket [Scan Type(s)] [Options] {target specification}
  picket version

Scan types: -sS (SYN, the default with raw-socket rights), -sA, -sF, -sN, -sX
Ports:      -p <list|range|->, -F, --top-ports N, --exclude-ports, -r
Discovery:  -Pn (treat all hosts as up), -sn (no port scan), -sL (list targets)
Targets:    -iL <file>, --exclude, --excludefile, -6, -n
Timing:     -T0..5, --min-rate, --max-rate, --max-retries, --host-timeout, ...
Output:     -oN/-oX/-oG/-oJ <file>, -oA <base>, --open, --reason, -v
`)
}
