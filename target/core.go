package target

import "net/netip"

// gridRuns is how many runs an octet-range specification may expand to
// before it is kept as a box with index arithmetic instead.
var gridRuns = 4096 // a variable so tests can force boxes on small grids

// ext is what a run of targets carries besides addresses.
type ext struct {
	name   string // the hostname as the user wrote it
	named  u128   // the address the name resolved to; only it is shown with the name
	others []netip.Addr
	zone   string
}

func (e *ext) target(a netip.Addr, v u128) Target {
	t := Target{Addr: a}
	if e == nil {
		return t
	}
	if e.zone != "" {
		t.Addr = a.WithZone(e.zone)
	}
	if e.name != "" && v == e.named {
		t.Name, t.Others = e.name, e.others
	}
	return t
}

// block is one resolved specification in the form the core works on:
// sorted disjoint intervals, or one large octet-range box.
type block struct {
	ivs []ival
	box *box
	ext *ext
}

// piece is part of an interval block that no earlier specification and no
// exclusion covers. When it meets grid boxes, the first nbox boxes hold cut
// of its addresses, which are not its own.
type piece struct {
	lo, hi u128
	nbox   int32
	cut    uint64
}

// hole is part of a grid box already claimed: sb is how many of the box's own
// addresses lie before it, skip how many are claimed up to its end.
type hole struct {
	lo, hi   uint64
	sb, skip uint64
}

// gbox is a box claimed by a grid specification (or an exclusion), minus
// the holes that earlier specifications and exclusions cover. n is how many
// addresses are left.
type gbox struct {
	box
	holes []hole
	n     uint64
}

// sel returns the k-th address of g left after its holes; k < n.
func (g *gbox) sel(k uint64) uint64 {
	i, j := 0, len(g.holes)
	for i < j { // the last hole with sb <= k
		h := int(uint(i+j) >> 1)
		if g.holes[h].sb <= k {
			i = h + 1
		} else {
			j = h
		}
	}
	if i == 0 {
		return g.box.sel(k)
	}
	return g.box.sel(k + g.holes[i-1].skip)
}

// core assigns every address to the first specification that names it and
// drops excluded ones, without expanding anything: earlier interval blocks
// are merged into one growing interval set, large octet-range blocks become
// disjoint boxes. Stream and Build share it, so both yield the same targets
// in the same order. Not safe for concurrent use.
type core struct {
	fam    Family
	seen   ivset
	xiv    ivals
	boxes  []gbox // exclusion boxes, then grid parts; pairwise disjoint
	total  count
	pieces []piece // the last add's interval pieces
	parts  []int   // the last add's grid parts, indexes into boxes
	ivbuf  []ival
	bbuf   [2][]box
}

func newCore(o *Options) *core {
	c := &core{fam: o.Family}
	if x := o.Exclude; x != nil {
		c.xiv = x.ivs
		for _, b := range x.boxes {
			c.boxes = append(c.boxes, gbox{box: b})
		}
	}
	return c
}

// block turns a resolved specification into a block, reusing c's buffers:
// the block is valid until the next call.
func (c *core) block(r *resolved) block {
	sp := &r.spec
	c.ivbuf = c.ivbuf[:0]
	switch sp.kind {
	case kindAddr:
		v := fromAddr(sp.addr)
		c.ivbuf = append(c.ivbuf, ival{v, v})
		return block{ivs: c.ivbuf, ext: zoneExt(sp.addr)}
	case kindPrefix:
		v := fromAddr(sp.addr)
		c.ivbuf = append(c.ivbuf, ival{v, v.or(hostMask(int(sp.bits), c.fam.width()))})
		return block{ivs: c.ivbuf, ext: zoneExt(sp.addr)}
	case kindGrid:
		b := newBox(*sp.grid)
		if b.countRuns(gridRuns) > gridRuns {
			return block{box: &b}
		}
		b.runs(func(lo, hi uint64) bool {
			c.ivbuf = append(c.ivbuf, ival{u64(lo), u64(hi)})
			return true
		})
		return block{ivs: c.ivbuf}
	case kindName:
		a := r.addrs[0]
		v := fromAddr(a)
		hi := v
		if sp.bits >= 0 {
			m := hostMask(int(sp.bits), c.fam.width())
			v, hi = v.andNot(m), v.or(m)
		}
		c.ivbuf = append(c.ivbuf, ival{v, hi})
		return block{ivs: c.ivbuf, ext: &ext{name: sp.name, named: fromAddr(a), others: r.addrs[1:], zone: a.Zone()}}
	}
	return block{}
}

func zoneExt(a netip.Addr) *ext {
	if a.Zone() == "" {
		return nil
	}
	return &ext{zone: a.Zone()}
}

// add claims b's addresses that are not claimed yet, leaving them in
// c.pieces or c.parts, and returns how many there are.
func (c *core) add(b *block) count {
	c.pieces, c.parts = c.pieces[:0], c.parts[:0]
	if b.box != nil {
		return c.addBox(b.box)
	}
	var n count
	nb := len(c.boxes)
	for _, iv := range b.ivs {
		uncovered(iv.lo, iv.hi, &c.seen, &c.xiv, func(lo, hi u128) bool {
			p := piece{lo: lo, hi: hi}
			for i := range c.boxes[:nb] {
				p.cut += c.boxes[i].in(lo.lo, hi.lo)
			}
			if p.cut == 0 {
				n.addSpan(lo, hi)
			} else {
				left := hi.lo - lo.lo + 1 - p.cut
				if left == 0 {
					return true
				}
				p.nbox = int32(nb)
				n.add(u64(left))
			}
			c.pieces = append(c.pieces, p)
			return true
		})
	}
	for _, iv := range b.ivs {
		c.seen.add(iv.lo, iv.hi)
	}
	c.total.add(n.n)
	c.total.full = c.total.full || n.full
	return n
}

func (c *core) addBox(b *box) count {
	parts := append(c.bbuf[0][:0], *b)
	for i := range c.boxes {
		next := c.bbuf[1][:0]
		for j := range parts {
			next = parts[j].minus(&c.boxes[i].box, next)
		}
		c.bbuf[0], c.bbuf[1] = next, parts
		parts = next
	}
	var n count
	for i := range parts {
		g := gbox{box: parts[i]}
		var removed uint64
		gap := func(lo, hi uint64) {
			if k := g.in(lo, hi); k > 0 {
				g.holes = append(g.holes, hole{lo: lo, hi: hi, sb: g.rank(lo) - removed, skip: removed + k})
				removed += k
			}
		}
		next := g.lo
		uncovered(u64(g.lo), u64(g.hi), &c.seen, &c.xiv, func(lo, hi u128) bool {
			if next < lo.lo {
				gap(next, lo.lo-1)
			}
			next = hi.lo + 1
			return true
		})
		if next <= g.hi {
			gap(next, g.hi)
		}
		g.n = g.size - removed
		c.parts = append(c.parts, len(c.boxes))
		c.boxes = append(c.boxes, g)
		n.add(u64(g.n))
	}
	c.total.add(n.n)
	return n
}

// inBoxes reports whether x lies in one of the first nb boxes.
func inBoxes(boxes []gbox, nb int32, x uint64) bool {
	for i := range boxes[:nb] {
		if boxes[i].has(x) {
			return true
		}
	}
	return false
}

// walkPiece calls fn with each address of p in ascending order, until fn
// returns false.
func walkPiece(p *piece, boxes []gbox, fn func(u128) bool) bool {
	if p.nbox == 0 {
		for v := p.lo; ; v = v.inc() {
			if !fn(v) {
				return false
			}
			if v == p.hi {
				return true
			}
		}
	}
	for x := p.lo.lo; x <= p.hi.lo; x++ {
		if !inBoxes(boxes, p.nbox, x) && !fn(u64(x)) {
			return false
		}
	}
	return true
}

// walkPart calls fn with each address of g left after its holes, in order.
func walkPart(g *gbox, fn func(u128) bool) bool {
	h := 0
	for k := uint64(0); k < g.size; k++ {
		x := g.box.sel(k)
		for h < len(g.holes) && g.holes[h].hi < x {
			h++
		}
		if h < len(g.holes) && g.holes[h].lo <= x {
			k = g.rank(g.holes[h].hi+1) - 1
			continue
		}
		if !fn(u64(x)) {
			return false
		}
	}
	return true
}

// selPiece returns the k-th address of p (a piece that meets boxes): the
// smallest x whose count of own addresses in [lo, x] reaches k+1.
func selPiece(p *piece, boxes []gbox, k uint64) uint64 {
	start := p.lo.lo
	var base uint64
	for i := range boxes[:p.nbox] {
		base += boxes[i].rank(start)
	}
	own := func(x uint64) uint64 { // own addresses in [start, x]
		cut := -base
		for i := range boxes[:p.nbox] {
			cut += boxes[i].rank(x + 1)
		}
		return x - start + 1 - cut
	}
	lo, hi := start, p.hi.lo
	for lo < hi {
		m := lo + (hi-lo)/2
		if own(m) > k {
			hi = m
		} else {
			lo = m + 1
		}
	}
	return lo
}
