package wan

import "sync"

// Frame buffers come in two sizes: most frames a scanner sends or draws
// out are small (a SYN is 54–78 bytes), and a held frame should not pin a
// full-size buffer.
const (
	smallBuf = 256
	largeBuf = 2048 // MTU 1500 + Ethernet header + VLAN tag, rounded up
)

var (
	smallPool = sync.Pool{New: func() any { b := make([]byte, smallBuf); return &b }}
	largePool = sync.Pool{New: func() any { b := make([]byte, largeBuf); return &b }}
)

func getLarge() *[]byte { return largePool.Get().(*[]byte) }

func putBuf(p *[]byte) {
	if cap(*p) == smallBuf {
		smallPool.Put(p)
	} else {
		largePool.Put(p)
	}
}

// frame is a held frame: (*buf)[:n], due to leave at due.
type frame struct {
	due int64  // nanoseconds since the link's epoch
	seq uint64 // arrival order, to keep equal due times FIFO
	buf *[]byte
	n   int
}

func (f *frame) before(g *frame) bool {
	return f.due < g.due || f.due == g.due && f.seq < g.seq
}

// frameHeap is a min-heap of frames by due time, then arrival. In FIFO mode
// due times never decrease, so it releases in arrival order. It grows by
// append up to its largest size and then allocates no more.
type frameHeap []frame

func (h *frameHeap) push(f frame) {
	*h = append(*h, f)
	s := *h
	for i := len(s) - 1; i > 0; {
		p := (i - 1) / 2
		if !s[i].before(&s[p]) {
			break
		}
		s[i], s[p] = s[p], s[i]
		i = p
	}
}

func (h *frameHeap) pop() frame {
	s := *h
	top := s[0]
	last := len(s) - 1
	s[0] = s[last]
	s[last] = frame{}
	s = s[:last]
	for i := 0; ; {
		l, m := 2*i+1, i
		if l < len(s) && s[l].before(&s[m]) {
			m = l
		}
		if r := l + 1; r < len(s) && s[r].before(&s[m]) {
			m = r
		}
		if m == i {
			break
		}
		s[i], s[m] = s[m], s[i]
		i = m
	}
	*h = s
	return top
}

// timeRing is a FIFO of the departure times of frames queued for Rate.
// Departures never decrease, so the frames still queued at t are those
// behind the last departure <= t.
type timeRing struct {
	buf  []int64
	head int
	n    int
}

func (r *timeRing) push(t int64) {
	if r.n == len(r.buf) {
		nb := make([]int64, max(16, 2*len(r.buf)))
		for i := range r.n {
			nb[i] = r.buf[(r.head+i)%len(r.buf)]
		}
		r.buf, r.head = nb, 0
	}
	r.buf[(r.head+r.n)%len(r.buf)] = t
	r.n++
}

// expire forgets the departures at or before now.
func (r *timeRing) expire(now int64) {
	for r.n > 0 && r.buf[r.head] <= now {
		r.head = (r.head + 1) % len(r.buf)
		r.n--
	}
}
