// Command picket is a network scanner and exposure monitor.
//
// All of the command line lives in internal/cli; main only wires the process
// to it: a context cancelled by Ctrl-C, the standard streams, the exit code.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/picket-scanner/picket/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli.Run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
