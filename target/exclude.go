package target

import (
	"context"
	"fmt"
	"iter"
	"net/netip"
)

// Exclusions is a set of addresses never to scan (--exclude,
// --excludefile): sorted disjoint intervals searched by bisection, plus
// large octet-range specifications kept as boxes. It is immutable and safe
// for concurrent use.
type Exclusions struct {
	fam   Family
	ivs   ivals
	boxes []box // pairwise disjoint
}

// NewExclusions resolves and merges exclusion specifications (the same
// syntax as targets). As in Nmap, a hostname excludes every address it
// resolves to, each with the specification's /bits, and any error is
// fatal: an exclusion silently lost would scan what the user meant to
// spare. o.Exclude is ignored.
func NewExclusions(ctx context.Context, specs iter.Seq2[Spec, error], o Options) (*Exclusions, error) {
	x := &Exclusions{fam: o.Family}
	c := core{fam: o.Family}
	var parts [2][]box
	for r := range resolveAll(ctx, specs, &o) {
		if err := ctx.Err(); err != nil {
			return nil, fmt.Errorf("target: %w", err)
		}
		if r.err != nil {
			return nil, r.err
		}
		addrs := r.addrs
		if r.spec.kind != kindName {
			addrs = []netip.Addr{{}}
		}
		for _, a := range addrs {
			r.addrs = []netip.Addr{a}
			b := c.block(&r)
			x.ivs = append(x.ivs, b.ivs...)
			if b.box == nil {
				continue
			}
			// Keep the boxes disjoint so that the core can sum over them.
			parts[0] = append(parts[0][:0], *b.box)
			for i := range x.boxes {
				parts[1] = parts[1][:0]
				for j := range parts[0] {
					parts[1] = parts[0][j].minus(&x.boxes[i], parts[1])
				}
				parts[0], parts[1] = parts[1], parts[0]
			}
			x.boxes = append(x.boxes, parts[0]...)
		}
	}
	x.ivs = normalize(x.ivs)
	return x, nil
}

// Contains reports whether a is excluded. A zone does not matter.
func (x *Exclusions) Contains(a netip.Addr) bool {
	if x == nil {
		return false
	}
	if x.fam == IPv4 {
		if a = a.Unmap(); !a.Is4() {
			return false
		}
	} else if !a.Is6() || a.Is4In6() {
		return false
	}
	v := fromAddr(a)
	if x.ivs.contains(v) {
		return true
	}
	for i := range x.boxes {
		if x.boxes[i].has(v.lo) {
			return true
		}
	}
	return false
}
