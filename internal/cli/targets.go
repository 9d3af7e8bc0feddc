package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"iter"
	"net"
	"os"
	"sync/atomic"

	"github.com/picket-scanner/picket/job"
	"github.com/picket-scanner/picket/target"
)

func buildTargets(ctx context.Context, o *Options, e *env) (iter.Seq2[target.Target, error], uint64, error) {
	fam := target.IPv4
	if o.IPv6 {
		fam = target.IPv6
	}
	resolver := resolverFor(o.DNSServers)
	opts := target.Options{Family: fam, AllowLarge: o.AllowLargeScope, Resolver: resolver}
	var excl []iter.Seq2[target.Spec, error]
	for _, x := range o.Exclude {
		excl = append(excl, target.ParseExclude(x, fam))
	}
	if o.ExcludeFile != "" {
		f, err := os.Open(o.ExcludeFile)
		if err != nil {
			return nil, 0, fmt.Errorf("--excludefile: %w", err)
		}
		defer f.Close()
		excl = append(excl, target.ReadList(f, fam))
	}
	if len(excl) > 0 {
		x, err := target.NewExclusions(ctx, chain(excl...), opts)
		if err != nil {
			return nil, 0, err
		}
		opts.Exclude = x
	}
	specs := []iter.Seq2[target.Spec, error]{target.ParseArgs(o.Targets, fam)}
	if o.InputList != "" {
		var r io.Reader = e.stdin
		if o.InputList != "-" {
			f, err := os.Open(o.InputList)
			if err != nil {
				return nil, 0, fmt.Errorf("-iL: %w", err)
			}
			defer f.Close()
			r = f
		}
		specs = append(specs, target.ReadList(r, fam))
	}
	space, err := target.Build(ctx, chain(specs...), opts)
	if err != nil {
		if errors.Is(err, target.ErrLargeScope) {
			return nil, 0, usagef("%v", err)
		}
		return nil, 0, err
	}
	for _, w := range space.Warnings() {
		fmt.Fprintf(e.stderr, "WARNING: %v\n", w)
	}
	n, _ := space.Len()
	if o.resume != nil {
		n -= min(n, uint64(len(o.resume.done)))
	}
	return func(yield func(target.Target, error) bool) {
		for t := range space.All() {
			if o.resume != nil && o.resume.done[t.Addr] {
				continue
			}
			if !yield(t, nil) {
				return
			}
		}
	}, n, nil
}

func chain[T any](seqs ...iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for _, s := range seqs {
			for v, err := range s {
				if !yield(v, err) {
					return
				}
			}
		}
	}
}

// namer is the reverse-DNS resolver, or nil with -n.
func namer(o *Options) job.Namer {
	if o.NoResolve {
		return nil
	}
	return resolverFor(o.DNSServers)
}

// resolverFor returns the system resolver, or one that asks the given DNS
// servers (--dns-servers) in turn.
func resolverFor(servers []string) *net.Resolver {
	if len(servers) == 0 {
		return net.DefaultResolver
	}
	var next atomic.Uint64
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		s := servers[(next.Add(1)-1)%uint64(len(servers))]
		if _, _, err := net.SplitHostPort(s); err != nil {
			s = net.JoinHostPort(s, "53")
		}
		var d net.Dialer
		return d.DialContext(ctx, network, s)
	}}
}
