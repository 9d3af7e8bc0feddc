package job

import (
	"context"
	"net/netip"
	"strings"
	"sync"

	"github.com/picket-scanner/picket/result"
)

// Tracer finds the route to each host of a group (--traceroute), filling
// its Trace. It runs after the group's port scans, with each host's port
// states folded in, so it can send the probe the scan showed gets an
// answer.
type Tracer interface {
	Trace(ctx context.Context, hosts []*result.Host) error
}

// traceHosts traces the hosts of a group, then names their hops by reverse
// DNS, each address once, when names are looked up.
func traceHosts(ctx context.Context, cfg *Config, hosts []*result.Host) error {
	if len(hosts) == 0 {
		return nil
	}
	if err := cfg.Trace.Trace(ctx, hosts); err != nil {
		return err
	}
	if cfg.Names == nil {
		return nil
	}
	var addrs []netip.Addr
	seen := map[netip.Addr]bool{}
	for _, h := range hosts {
		if h.Trace == nil {
			continue
		}
		for _, hop := range h.Trace.Hops {
			if hop.Addr.IsValid() && !seen[hop.Addr] {
				seen[hop.Addr] = true
				addrs = append(addrs, hop.Addr)
			}
		}
	}
	names := lookupNames(ctx, cfg.Names, addrs)
	for _, h := range hosts {
		if h.Trace == nil {
			continue
		}
		for i := range h.Trace.Hops {
			if hop := &h.Trace.Hops[i]; hop.Addr.IsValid() {
				hop.Host = names[hop.Addr]
			}
		}
	}
	return ctx.Err()
}

// lookupNames finds the reverse-DNS name of each address, in parallel as
// nameHosts does; an address without one is missing from the map.
func lookupNames(ctx context.Context, n Namer, addrs []netip.Addr) map[netip.Addr]string {
	out := make(map[netip.Addr]string, len(addrs))
	var mu sync.Mutex // guards out
	sem := make(chan struct{}, nameParallel)
	var wg sync.WaitGroup
	for _, a := range addrs {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			lctx, cancel := context.WithTimeout(ctx, nameTimeout)
			defer cancel()
			names, err := n.LookupAddr(lctx, a.String())
			if err != nil || len(names) == 0 {
				return
			}
			mu.Lock()
			out[a] = strings.TrimSuffix(names[0], ".")
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
