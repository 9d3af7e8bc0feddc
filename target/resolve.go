package target

import (
	"context"
	"iter"
	"net/netip"
	"sync"
	"time"
)

// Resolver resolves hostnames. *net.Resolver satisfies it; tests use a
// fake. network is "ip4" or "ip6", the run's family. Lookups run in
// parallel, so an implementation must be safe for concurrent use.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Defaults for Options' zero values.
const (
	defaultLookups       = 32
	defaultLookupTimeout = 30 * time.Second
)

// resolved is a specification with its hostname resolved: addrs holds the
// addresses of the run's family, in the resolver's order.
type resolved struct {
	spec   Spec
	addrs  []netip.Addr
	err    error
	lookup bool // err came from resolving, not from parsing
}

type slot struct {
	r    resolved
	done chan struct{} // closed when the lookup ends; nil if there is none
}

// resolveAll resolves the hostnames among specs, up to o.Lookups at a time,
// and yields every specification in input order. Hostnames are looked up
// ahead while earlier ones are consumed, as Nmap resolves in batches.
func resolveAll(ctx context.Context, specs iter.Seq2[Spec, error], o *Options) iter.Seq[resolved] {
	return func(yield func(resolved) bool) {
		ctx, cancel := context.WithCancel(ctx)
		var wg sync.WaitGroup
		defer func() {
			cancel()
			wg.Wait()
		}()
		window := o.Lookups
		if window <= 0 {
			window = defaultLookups
		}
		ring := make([]slot, window)
		head, n := 0, 0
		ready := func() bool {
			d := ring[head].done
			if d == nil {
				return true
			}
			select {
			case <-d:
				return true
			default:
				return false
			}
		}
		pop := func() bool {
			s := &ring[head]
			if s.done != nil {
				<-s.done
			}
			r := s.r
			*s = slot{}
			head = (head + 1) % window
			n--
			return yield(r)
		}
		for sp, err := range specs {
			for n > 0 && ready() {
				if !pop() {
					return
				}
			}
			isName := err == nil && sp.kind == kindName
			if n == 0 && !isName {
				if !yield(resolved{spec: sp, err: err}) {
					return
				}
				continue
			}
			if n == window && !pop() {
				return
			}
			s := &ring[(head+n)%window]
			n++
			s.r = resolved{spec: sp, err: err}
			if isName {
				s.done = make(chan struct{})
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer close(s.done)
					s.r.addrs, s.r.err = o.lookup(ctx, s.r.spec)
					s.r.lookup = s.r.err != nil
				}()
			}
		}
		for n > 0 {
			if !pop() {
				return
			}
		}
	}
}

// lookup resolves a hostname specification to the addresses of the run's
// family.
func (o *Options) lookup(ctx context.Context, sp Spec) ([]netip.Addr, error) {
	fail := func(err error) ([]netip.Addr, error) {
		return nil, &Error{Spec: sp.String(), Line: int(sp.line), Err: err}
	}
	if o.Resolver == nil {
		return fail(why(ErrNoResolver, "hostname given but name resolution is not available"))
	}
	timeout := o.LookupTimeout
	if timeout <= 0 {
		timeout = defaultLookupTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	all, err := o.Resolver.LookupNetIP(ctx, o.Family.network(), sp.name)
	if err != nil {
		return fail(err)
	}
	addrs := all[:0:0]
	for _, a := range all {
		if o.Family == IPv4 && a.Unmap().Is4() {
			addrs = append(addrs, a.Unmap())
		} else if o.Family == IPv6 && a.Is6() && !a.Is4In6() {
			addrs = append(addrs, a)
		}
	}
	if len(addrs) == 0 {
		return fail(why(ErrNoAddress, "failed to resolve: no %v address", o.Family))
	}
	return addrs, nil
}
