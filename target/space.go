package target

import (
	"context"
	"fmt"
	"iter"
	"math"
	"math/big"
)

// Space is the deduplicated, excluded set of targets of a run, indexed
// 0..Len()-1 in Stream's order, so a scan engine can walk it in a
// permutation (see Permutation), shard it and resume it by index without
// a list of addresses. It holds one record per run of consecutive targets.
// A Space is immutable and safe for concurrent use.
type Space struct {
	fam      Family
	runs     []run
	boxes    []gbox
	exts     []*ext
	total    count
	warnings []error
}

// run is a stretch of consecutive indexes: a range of addresses, a range
// minus grid boxes, or a grid part.
type run struct {
	start  u128 // index of the run's first target
	lo, hi u128 // the addresses of an interval piece
	part   int32
	nbox   int32
	ext    int32
}

// Build resolves and indexes the targets of specs. Bad syntax, a
// specification of the wrong family and a scope past MaxScope (without
// Options.AllowLarge) are fatal, as is the context's end. A hostname that
// does not resolve is not: it is left out and reported in Warnings, as Nmap
// warns "Failed to resolve" and goes on.
func Build(ctx context.Context, specs iter.Seq2[Spec, error], o Options) (*Space, error) {
	if err := o.check(); err != nil {
		return nil, err
	}
	s := &Space{fam: o.Family}
	c := newCore(&o)
	for r := range resolveAll(ctx, specs, &o) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if r.err != nil {
			if !r.lookup {
				return nil, r.err
			}
			s.warnings = append(s.warnings, r.err)
			continue
		}
		b := c.block(&r)
		c.add(&b)
		if !o.AllowLarge && c.total.over(MaxScope) {
			return nil, scopeError(c.total)
		}
		e := int32(-1)
		if b.ext != nil {
			e = int32(len(s.exts))
			s.exts = append(s.exts, b.ext)
		}
		for _, p := range c.pieces {
			s.addPiece(p, e)
		}
		for _, bi := range c.parts {
			if c.boxes[bi].n > 0 {
				s.addRun(run{part: int32(bi), ext: e}, u64(c.boxes[bi].n))
			}
		}
	}
	s.boxes = c.boxes
	return s, nil
}

func (s *Space) addPiece(p piece, e int32) {
	if n := len(s.runs); n > 0 && p.nbox == 0 && e < 0 {
		last := &s.runs[n-1]
		if last.part < 0 && last.nbox == 0 && last.ext < 0 && last.hi != maxU128 && last.hi.inc() == p.lo {
			last.hi = p.hi
			s.total.addSpan(p.lo, p.hi)
			return
		}
	}
	r := run{lo: p.lo, hi: p.hi, part: -1, nbox: p.nbox, ext: e}
	if p.nbox == 0 {
		r.start = s.total.n
		s.runs = append(s.runs, r)
		s.total.addSpan(p.lo, p.hi)
		return
	}
	s.addRun(r, u64(p.hi.lo-p.lo.lo+1-p.cut))
}

func (s *Space) addRun(r run, n u128) {
	r.start = s.total.n
	s.runs = append(s.runs, r)
	s.total.add(n)
}

// Len returns the number of targets, and false when it does not fit in a
// uint64 (a large IPv6 scope): then Len is math.MaxUint64 and only that
// many targets are reachable by index.
func (s *Space) Len() (uint64, bool) {
	if n, ok := s.total.n.fits64(); ok && !s.total.full {
		return n, true
	}
	return math.MaxUint64, false
}

// Count returns the exact number of targets.
func (s *Space) Count() *big.Int { return s.total.big() }

// Warnings returns the errors about hostnames that did not resolve.
func (s *Space) Warnings() []error { return s.warnings }

// At returns the target at index k. It panics if k is out of range, as a
// slice does.
func (s *Space) At(k uint64) Target {
	if n, ok := s.Len(); k >= n && ok {
		panic(fmt.Sprintf("target: index %d out of range [0:%d]", k, n))
	}
	i, j := 0, len(s.runs)
	for i < j { // the last run starting at or before k
		h := int(uint(i+j) >> 1)
		if st := s.runs[h].start; st.hi == 0 && st.lo <= k {
			i = h + 1
		} else {
			j = h
		}
	}
	r := &s.runs[i-1]
	off := k - r.start.lo
	var v u128
	switch {
	case r.part >= 0:
		v = u64(s.boxes[r.part].sel(off))
	case r.nbox > 0:
		p := piece{lo: r.lo, hi: r.hi, nbox: r.nbox}
		v = u64(selPiece(&p, s.boxes, off))
	default:
		v = r.lo.plus(u64(off))
	}
	return s.ext(r).target(toAddr(v, s.fam), v)
}

func (s *Space) ext(r *run) *ext {
	if r.ext < 0 {
		return nil
	}
	return s.exts[r.ext]
}

// All yields every target in index order.
func (s *Space) All() iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for i := range s.runs {
			r := &s.runs[i]
			e := s.ext(r)
			emit := func(v u128) bool { return yield(e.target(toAddr(v, s.fam), v)) }
			if r.part >= 0 {
				if !walkPart(&s.boxes[r.part], emit) {
					return
				}
				continue
			}
			p := piece{lo: r.lo, hi: r.hi, nbox: r.nbox}
			if !walkPiece(&p, s.boxes, emit) {
				return
			}
		}
	}
}
