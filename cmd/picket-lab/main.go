// Command picket-lab brings picket's test lab up by hand, so that anyone can
// watch a scan with tcpdump or reproduce a benchmark on the network the tests
// use:
//
//	picket-lab up [flags]   build the lab, print its addresses, wait for Ctrl-C, tear it down
//	picket-lab status       list lab namespaces on this machine
//	picket-lab down         remove a hand-made lab left behind (after kill -9)
//	picket-lab demo BIN ARGS...   build a small lab, run BIN ARGS... TARGET in its
//	                        scanner namespace, tear the lab down
//
// It needs root. The scanner namespace is pklab-scanner, targets are
// pklab-t0, pklab-t1, ...; run picket inside the scanner namespace with
// "ip netns exec pklab-scanner picket ...".
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/wan"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "picket-lab:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: picket-lab up|status|down [flags]")
	}
	switch args[0] {
	case "up":
		return up(ctx, args[1:], out)
	case "status":
		names, err := lab.Namespaces()
		if err != nil {
			return err
		}
		if len(names) == 0 {
			fmt.Fprintln(out, "no lab namespaces")
		}
		for _, n := range names {
			fmt.Fprintln(out, n)
		}
		return nil
	case "demo":
		return demo(ctx, args[1:], out)
	case "down":
		gone, err := lab.DownManual()
		for _, n := range gone {
			fmt.Fprintln(out, "removed", n)
		}
		return err
	}
	return fmt.Errorf("unknown command %q: up, status, down or demo", args[0])
}

func up(ctx context.Context, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	targets := fs.Int("targets", 1, "number of target hosts, each in its own namespace")
	extra := fs.Int("extra", 0, "extra IPv4 addresses on each target (198.18.i.3, ...)")
	prefix := fs.String("prefix", "", "a prefix answered whole by target 0, e.g. 198.19.0.0/16")
	wanDelay := fs.Duration("wan-delay", 0, "join the last target through the emulated WAN link with this one-way delay")
	wanJitter := fs.Duration("wan-jitter", 0, "jitter of the WAN link")
	wanLoss := fs.Float64("wan-loss", 0, "random loss of the WAN link, each direction, 0-1")
	wanRate := fs.Int64("wan-rate", 0, "bandwidth cap of the WAN link in bits per second, 0 for none")
	daemons := fs.String("daemons", "", `real daemons to start on target 0: "all" or a list such as ssh,nginx`)
	listen := fs.String("listen", "", "TCP ports on target 0 served by a Go listener that sends a banner, e.g. 22,80,8080")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg := lab.Config{Manual: true}
	for i := 0; i < *targets; i++ {
		tc := lab.TargetConfig{ExtraAddrs: *extra}
		if i == 0 && *prefix != "" {
			p, err := netip.ParsePrefix(*prefix)
			if err != nil {
				return fmt.Errorf("-prefix: %w", err)
			}
			tc.Prefix = p
		}
		if i == *targets-1 && (*wanDelay > 0 || *wanLoss > 0 || *wanRate > 0 || *wanJitter > 0) {
			tc.WAN = &wan.Config{Delay: *wanDelay, Jitter: *wanJitter, Loss: *wanLoss, Rate: *wanRate}
		}
		cfg.Targets = append(cfg.Targets, tc)
	}
	if names, _ := lab.Namespaces(); len(names) > 0 {
		for _, n := range names {
			if strings.HasPrefix(n, lab.ManualPrefix+"-") {
				return fmt.Errorf("a lab is already up (%s): run 'picket-lab down' first", n)
			}
		}
	}
	l, err := lab.New(cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	t0 := l.Targets[0]
	if *listen != "" {
		for _, s := range strings.Split(*listen, ",") {
			p, err := strconv.ParseUint(strings.TrimSpace(s), 10, 16)
			if err != nil {
				return fmt.Errorf("-listen %q: a port number", s)
			}
			if _, err := t0.ServeTCP(uint16(p), lab.Banner(fmt.Sprintf("picket-lab port %d\r\n", p))); err != nil {
				return err
			}
		}
	}
	if *daemons != "" {
		kinds := lab.AllDaemons()
		if *daemons != "all" {
			kinds = nil
			for _, k := range strings.Split(*daemons, ",") {
				kinds = append(kinds, lab.DaemonKind(strings.TrimSpace(k)))
			}
		}
		ds, err := t0.StartDaemons(ctx, kinds...)
		if err != nil {
			return err
		}
		for _, d := range ds {
			fmt.Fprintf(out, "daemon %-10s %s %s on %v\n", d.Kind, d.Package, d.Version, d.Ports)
		}
	}
	fmt.Fprintf(out, "scanner namespace %s\n", l.Scanner.Name)
	for i, t := range l.Targets {
		kind := "veth"
		if t.Link != nil {
			kind = "emulated WAN"
		}
		last := t.Addrs[len(t.Addrs)-1]
		fmt.Fprintf(out, "target %d: namespace %s, %s link %s <-> %s, addresses %s-%s and %s",
			i, t.NS.Name, kind, t.ScannerIface, t.Iface, t.Addr, last, t.Addr6)
		if t.Prefix.IsValid() {
			fmt.Fprintf(out, ", prefix %s", t.Prefix)
		}
		fmt.Fprintln(out)
	}
	fmt.Fprintf(out, "\nrun a scan:  ip netns exec %s ./picket -sS -p- %s\n", l.Scanner.Name, t0.Addr)
	fmt.Fprintf(out, "watch it:    ip netns exec %s tcpdump -ni %s\n", l.Scanner.Name, t0.ScannerIface)
	fmt.Fprintln(out, "Ctrl-C tears the lab down.")
	<-ctx.Done()
	fmt.Fprintln(out, "tearing down")
	done := make(chan error, 1)
	go func() { done <- l.Close() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		return fmt.Errorf("teardown still running after 30s")
	}
}

// demo builds a target with a few services, a dropped block and a rejected
// block, and runs a scanner command against it from the scanner namespace.
func demo(ctx context.Context, args []string, out io.Writer) error {
	if len(args) == 0 {
		return fmt.Errorf("usage: picket-lab demo PROGRAM [ARGS...]: the target's address is appended")
	}
	l, err := lab.New(lab.Config{Manual: true})
	if err != nil {
		return err
	}
	defer l.Close()
	t := l.Targets[0]
	for _, p := range []uint16{22, 80, 443, 8080} {
		if _, err := t.ServeTCP(p, lab.Banner(fmt.Sprintf("picket-lab port %d\r\n", p))); err != nil {
			return err
		}
	}
	if err := t.Firewall(
		lab.Rule{Proto: "tcp", From: 1000, To: 1009, Action: lab.Drop},
		lab.Rule{Proto: "tcp", From: 2000, To: 2002, Action: lab.RejectAdminProhibited},
	); err != nil {
		return err
	}
	fmt.Fprintf(out, "lab target %s: open 22, 80, 443, 8080; 1000-1009 dropped; 2000-2002 rejected (admin-prohibited); the rest closed\n", t.Addr)
	fmt.Fprintf(out, "running in %s: %s %s\n\n", l.Scanner.Name, strings.Join(args, " "), t.Addr)
	prog, err := filepath.Abs(args[0])
	if err != nil {
		return err
	}
	cmd := l.Scanner.Command(ctx, prog, append(args[1:], t.Addr.String())...)
	cmd.Stdout, cmd.Stderr = out, os.Stderr
	return cmd.Run()
}
