package target

import (
	"context"
	"fmt"
	"iter"
	"net/netip"
	"time"
)

// MaxScope is the largest number of addresses a run may scan unless
// Options.AllowLarge is set (--allow-large-scope).
const MaxScope = 1 << 24

// Options say how specifications become targets. The zero value scans IPv4,
// refuses scopes past MaxScope, resolves no names and excludes nothing.
// Stream, Build and NewExclusions take a copy and only read it, so one
// Options may be shared by concurrent calls.
type Options struct {
	Family     Family      // IPv6 with -6
	AllowLarge bool        // --allow-large-scope: no MaxScope limit
	Resolver   Resolver    // resolves hostnames; nil makes each hostname an error
	Exclude    *Exclusions // --exclude and --excludefile; nil excludes nothing
	// Lookups bounds the name lookups in flight; zero means 32.
	Lookups int
	// LookupTimeout bounds each name lookup; zero means 30 s.
	LookupTimeout time.Duration
}

// Target is one address to scan. Name is the hostname the user gave for
// it, empty for an address specification, so output can say "scan report
// for Name (Addr)"; Others are the name's further addresses of the run's
// family, which Nmap lists as "not scanned". A Target is a value, safe for
// concurrent use; Others is shared and must not be modified.
type Target struct {
	Addr   netip.Addr
	Name   string
	Others []netip.Addr
}

// String returns "name (addr)" or "addr", as Nmap's reports name a host.
func (t Target) String() string {
	if t.Name == "" {
		return t.Addr.String()
	}
	return t.Name + " (" + t.Addr.String() + ")"
}

// ScopeError is the error for a scope past MaxScope. It matches
// ErrLargeScope. It is a value, safe for concurrent use.
type ScopeError struct {
	Size string // the number of addresses, in decimal
}

func (e *ScopeError) Error() string {
	return fmt.Sprintf("target: the targets cover %s addresses, more than %d (2^24); check the specifications, or pass --allow-large-scope to scan them all", e.Size, MaxScope)
}

func (e *ScopeError) Is(target error) bool { return target == ErrLargeScope }

func (o *Options) check() error {
	if o.Exclude != nil && o.Exclude.fam != o.Family {
		return fmt.Errorf("target: exclusions are %v but the targets are %v", o.Exclude.fam, o.Family)
	}
	return nil
}

func scopeError(c count) error { return &ScopeError{Size: c.big().String()} }

// ctxCheckEvery is how many targets a long specification yields between
// looks at the context.
const ctxCheckEvery = 1 << 16

// Stream yields the targets of specs in Nmap's order: specification by
// specification, each one's addresses ascending. It holds one specification
// at a time, not a list of addresses, so a huge -iL list streams in bounded
// memory; what grows is the set of addresses already yielded, kept as
// merged intervals (sequential input stays one interval).
//
// Each address is yielded once, by the first specification that names it,
// and never if excluded. Hostnames are resolved as they come, several ahead
// at a time. An error about one specification (bad syntax, a name that does
// not resolve) is yielded and the stream goes on; the caller may stop.
// Errors that end the stream: the context's, and a ScopeError when the
// addresses yielded would pass MaxScope without Options.AllowLarge.
func Stream(ctx context.Context, specs iter.Seq2[Spec, error], o Options) iter.Seq2[Target, error] {
	return func(yield func(Target, error) bool) {
		if err := o.check(); err != nil {
			yield(Target{}, err)
			return
		}
		c := newCore(&o)
		for r := range resolveAll(ctx, specs, &o) {
			if err := ctx.Err(); err != nil {
				yield(Target{}, fmt.Errorf("target: %w", err))
				return
			}
			if r.err != nil {
				if !yield(Target{}, r.err) {
					return
				}
				continue
			}
			b := c.block(&r)
			c.add(&b)
			if !o.AllowLarge && c.total.over(MaxScope) {
				yield(Target{}, scopeError(c.total))
				return
			}
			left := ctxCheckEvery
			var cerr error // set when the context, not the caller, stops a walk
			emit := func(v u128) bool {
				if left--; left == 0 {
					left = ctxCheckEvery
					if cerr = ctx.Err(); cerr != nil {
						return false
					}
				}
				if b.ext == nil {
					return yield(Target{Addr: toAddr(v, o.Family)}, nil)
				}
				return yield(b.ext.target(toAddr(v, o.Family), v), nil)
			}
			ok := true
			for i := 0; ok && i < len(c.pieces); i++ {
				ok = walkPiece(&c.pieces[i], c.boxes, emit)
			}
			for i := 0; ok && i < len(c.parts); i++ {
				ok = walkPart(&c.boxes[c.parts[i]], emit)
			}
			if !ok {
				if cerr != nil {
					yield(Target{}, fmt.Errorf("target: %w", cerr))
				}
				return
			}
		}
	}
}
