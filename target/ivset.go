package target

import "slices"

// ival is an inclusive range of addresses.
type ival struct{ lo, hi u128 }

// finder finds, in a set of disjoint intervals, the first interval that ends
// at or after x.
type finder interface {
	find(x u128) (ival, bool)
}

// ivals is a sorted slice of disjoint, non-adjacent intervals.
type ivals []ival

func (s ivals) find(x u128) (ival, bool) {
	i, j := 0, len(s)
	for i < j {
		h := int(uint(i+j) >> 1)
		if s[h].hi.less(x) {
			i = h + 1
		} else {
			j = h
		}
	}
	if i == len(s) {
		return ival{}, false
	}
	return s[i], true
}

func (s ivals) contains(x u128) bool {
	iv, ok := s.find(x)
	return ok && !x.less(iv.lo)
}

// normalize sorts and merges overlapping and adjacent intervals in place.
func normalize(s []ival) ivals {
	slices.SortFunc(s, func(a, b ival) int { return a.lo.cmp(b.lo) })
	out := s[:0]
	for _, iv := range s {
		if n := len(out); n > 0 && touches(out[n-1].hi, iv.lo) {
			out[n-1].hi = maxOf(out[n-1].hi, iv.hi)
			continue
		}
		out = append(out, iv)
	}
	return out
}

// touches reports whether an interval starting at lo overlaps or adjoins one
// ending at hi (lo <= hi+1, without overflowing at the top of IPv6).
func touches(hi, lo u128) bool {
	return !hi.less(lo) || hi.inc() == lo
}

// chunkMax bounds a chunk of an ivset, so an insertion moves at most this
// many intervals.
const chunkMax = 512

// ivset is a growing set of addresses kept as sorted disjoint intervals in
// chunks, for the addresses already claimed by earlier specifications.
// Adjacent and overlapping intervals merge, so sequential input stays one
// interval. Not safe for concurrent use.
type ivset struct {
	chunks [][]ival
}

// locate returns the position of the first interval ending at or after x.
func (s *ivset) locate(x u128) (ci, ii int) {
	i, j := 0, len(s.chunks)
	for i < j {
		h := int(uint(i+j) >> 1)
		c := s.chunks[h]
		if c[len(c)-1].hi.less(x) {
			i = h + 1
		} else {
			j = h
		}
	}
	if i == len(s.chunks) {
		return i, 0
	}
	c := s.chunks[i]
	a, b := 0, len(c)
	for a < b {
		h := int(uint(a+b) >> 1)
		if c[h].hi.less(x) {
			a = h + 1
		} else {
			b = h
		}
	}
	return i, a
}

func (s *ivset) find(x u128) (ival, bool) {
	ci, ii := s.locate(x)
	if ci == len(s.chunks) {
		return ival{}, false
	}
	return s.chunks[ci][ii], true
}

func (s *ivset) len() int {
	n := 0
	for _, c := range s.chunks {
		n += len(c)
	}
	return n
}

// add merges [lo, hi] into the set.
func (s *ivset) add(lo, hi u128) {
	from := lo
	if !lo.isZero() {
		from = lo.dec() // an interval ending just before lo merges too
	}
	ci, ii := s.locate(from)
	if ci == len(s.chunks) {
		if ci == 0 || len(s.chunks[ci-1]) >= chunkMax {
			s.chunks = append(s.chunks, make([]ival, 0, 8))
			ci++
		}
		s.chunks[ci-1] = append(s.chunks[ci-1], ival{lo, hi})
		return
	}
	c := s.chunks[ci]
	if !touches(hi, c[ii].lo) {
		s.chunks[ci] = slices.Insert(c, ii, ival{lo, hi})
		s.split(ci)
		return
	}
	// Merge every interval from (ci, ii) on that touches [lo, hi].
	merged := ival{minOf(lo, c[ii].lo), hi}
	cj, ij := ci, ii
	for cj < len(s.chunks) {
		cc := s.chunks[cj]
		if !touches(hi, cc[ij].lo) {
			break
		}
		merged.hi = maxOf(merged.hi, cc[ij].hi)
		if ij++; ij == len(cc) {
			cj, ij = cj+1, 0
		}
	}
	// Remove [(ci,ii), (cj,ij)) and put merged at (ci,ii).
	if cj == ci {
		s.chunks[ci] = slices.Replace(c, ii, ij, merged)
		return
	}
	s.chunks[ci] = append(c[:ii], merged)
	if cj < len(s.chunks) && ij > 0 {
		s.chunks[cj] = slices.Delete(s.chunks[cj], 0, ij)
	}
	s.chunks = slices.Delete(s.chunks, ci+1, cj)
}

func (s *ivset) split(ci int) {
	c := s.chunks[ci]
	if len(c) <= 2*chunkMax {
		return
	}
	right := slices.Clone(c[chunkMax:])
	s.chunks[ci] = c[:chunkMax:chunkMax]
	s.chunks = slices.Insert(s.chunks, ci+1, right)
}

// all returns the set as one sorted slice.
func (s *ivset) all() ivals {
	out := make(ivals, 0, s.len())
	for _, c := range s.chunks {
		out = append(out, c...)
	}
	return out
}

// uncovered calls fn with each maximal part of [lo, hi] that neither a nor b
// covers, in ascending order, until fn returns false.
func uncovered(lo, hi u128, a, b finder, fn func(lo, hi u128) bool) {
	x := lo
	for {
		// Skip what is covered. Each finder returns the first interval ending
		// at or after x; one starting after x bounds the free part.
		end := hi
		covered := false
		for _, f := range [2]finder{a, b} {
			if f == nil {
				continue
			}
			iv, ok := f.find(x)
			if !ok {
				continue
			}
			if !x.less(iv.lo) {
				covered = true
				if !iv.hi.less(hi) {
					return
				}
				x = iv.hi.inc()
				break
			}
			end = minOf(end, iv.lo.dec())
		}
		if covered {
			continue
		}
		if !fn(x, end) || !end.less(hi) {
			return
		}
		x = end.inc()
	}
}
