package wan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sys/unix"
)

// Link forwards frames between two TAP devices with impairments. It is
// safe for concurrent use.
type Link struct {
	a, b  *os.File
	epoch time.Time
	efd   int     // eventfd that wakes the releasing thread
	one   [8]byte // the eventfd increment, 1
	wg    sync.WaitGroup

	mu         sync.Mutex // guards the fields below; in dirs, all but the counters
	cfg        Config
	seed       int64 // the seed in use; cfg.Seed may be 0
	dirs       [2]direction
	closed     bool
	sleepUntil int64 // due time the releaser sleeps toward; MinInt64 while it works
	signaled   bool  // an eventfd wake-up is pending

	closeOnce sync.Once
	closeErr  error
}

// direction is one way through the link.
type direction struct {
	src, dst *os.File
	pcg      *rand.PCG
	rng      *rand.Rand
	held     frameHeap
	queued   timeRing // departures of frames queued for Rate
	busy     int64    // when the serializer is next free
	lastDue  int64
	seq      uint64

	forwarded, bytes, lost, queueDrops, writeErrors atomic.Uint64
}

// newLink starts forwarding between a and b, two non-blocking files that
// each read and write one whole frame per call. It owns them from then on.
func newLink(a, b *os.File, cfg Config) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		a.Close()
		b.Close()
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		a.Close()
		b.Close()
		return nil, fmt.Errorf("wan: eventfd: %w", err)
	}
	l := &Link{a: a, b: b, epoch: time.Now(), efd: efd, cfg: cfg, sleepUntil: math.MaxInt64}
	binary.NativeEndian.PutUint64(l.one[:], 1)
	l.seed = cfg.Seed
	if l.seed == 0 {
		l.seed = rand.Int64()
	}
	l.dirs[0].src, l.dirs[0].dst = a, b
	l.dirs[1].src, l.dirs[1].dst = b, a
	for i := range l.dirs {
		d := &l.dirs[i]
		d.pcg = rand.NewPCG(uint64(l.seed), uint64(i))
		d.rng = rand.New(d.pcg)
	}
	l.wg.Add(3)
	go l.read(&l.dirs[0])
	go l.read(&l.dirs[1])
	go l.release()
	return l, nil
}

// SetConfig changes the impairments from the next frame on; frames already
// held keep their due times. A new non-zero Seed restarts the random
// source. It panics if cfg is not valid (see Config.Validate).
func (l *Link) SetConfig(cfg Config) {
	if err := cfg.Validate(); err != nil {
		panic(err)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if cfg.Seed != 0 && cfg.Seed != l.seed {
		l.seed = cfg.Seed
		for i := range l.dirs {
			l.dirs[i].pcg.Seed(uint64(l.seed), uint64(i))
		}
	}
	l.cfg = cfg
}

// Config returns the configuration in force.
func (l *Link) Config() Config {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg
}

// Stats returns the link's counters.
func (l *Link) Stats() Stats {
	return Stats{AB: l.dirs[0].stats(), BA: l.dirs[1].stats()}
}

func (d *direction) stats() DirStats {
	return DirStats{
		Forwarded:   d.forwarded.Load(),
		Bytes:       d.bytes.Load(),
		Lost:        d.lost.Load(),
		QueueDrops:  d.queueDrops.Load(),
		WriteErrors: d.writeErrors.Load(),
	}
}

// Close stops forwarding, drops the frames held, closes both devices
// (which deletes TAPs) and waits for the forwarder to end. It returns the
// first call's result on every call.
func (l *Link) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		l.closed = true
		l.mu.Unlock()
		l.wake()
		// Closing wakes the readers; the devices go when the last
		// read or write using them has returned, before Wait does.
		l.closeErr = errors.Join(l.a.Close(), l.b.Close())
		l.wg.Wait()
		unix.Close(l.efd)
	})
	return l.closeErr
}

func (l *Link) now() int64 { return int64(time.Since(l.epoch)) }

func (l *Link) wake() {
	unix.Write(l.efd, l.one[:])
}

// read takes frames off d.src until the file is closed.
func (l *Link) read(d *direction) {
	defer l.wg.Done()
	buf := getLarge()
	defer func() { largePool.Put(buf) }()
	for {
		n, err := d.src.Read(*buf)
		if err != nil {
			// Closed, or the device is gone with its namespace:
			// either way nothing more will come.
			return
		}
		if n == 0 {
			continue
		}
		if n <= smallBuf {
			s := smallPool.Get().(*[]byte)
			copy(*s, (*buf)[:n])
			l.admit(d, s, n)
			continue
		}
		l.admit(d, buf, n)
		buf = getLarge()
	}
}

// admit decides the fate of a frame that arrived now, and holds it until
// its due time unless it is dropped. It takes ownership of p.
func (l *Link) admit(d *direction, p *[]byte, n int) {
	now := l.now()
	l.mu.Lock()
	cfg := &l.cfg
	if l.closed || len(d.held) >= MaxHeld {
		l.mu.Unlock()
		d.queueDrops.Add(1)
		putBuf(p)
		return
	}
	depart := now
	if cfg.Rate > 0 {
		d.queued.expire(now)
		if d.queued.n >= cfg.queueLen() {
			l.mu.Unlock()
			d.queueDrops.Add(1)
			putBuf(p)
			return
		}
		depart = max(now, d.busy) + int64(n)*8*int64(time.Second)/cfg.Rate
		d.busy = depart
		d.queued.push(depart)
	}
	if cfg.Loss > 0 && d.rng.Float64() < cfg.Loss {
		l.mu.Unlock()
		d.lost.Add(1)
		putBuf(p)
		return
	}
	due := depart + int64(cfg.Delay)
	if cfg.Jitter > 0 {
		due += int64((2*d.rng.Float64() - 1) * float64(cfg.Jitter))
		due = max(due, depart)
	}
	if !cfg.Reorder {
		due = max(due, d.lastDue)
	}
	d.lastDue = max(d.lastDue, due)
	d.seq++
	d.held.push(frame{due: due, seq: d.seq, buf: p, n: n})
	wake := due < l.sleepUntil && !l.signaled
	if wake {
		l.signaled = true
	}
	l.mu.Unlock()
	if wake {
		l.wake()
	}
}

// releaseBatch bounds the frames written per look at the queues.
const releaseBatch = 64

type outgoing struct {
	d *direction
	f frame
}

// release writes held frames to their far ends at their due times. It runs
// on a locked OS thread with a fine timer slack, sleeping in ppoll on the
// eventfd until the earliest due time or a wake-up.
func (l *Link) release() {
	defer l.wg.Done()
	// Never unlocked: the thread's timer slack is changed, so it must
	// end with this goroutine rather than return to the runtime's pool.
	runtime.LockOSThread()
	unix.Prctl(unix.PR_SET_TIMERSLACK, 1, 0, 0, 0)

	batch := make([]outgoing, 0, releaseBatch)
	pfd := []unix.PollFd{{Fd: int32(l.efd), Events: unix.POLLIN}}
	var ts unix.Timespec
	var drain [8]byte
	for {
		l.mu.Lock()
		if l.closed {
			for i := range l.dirs {
				h := &l.dirs[i].held
				for len(*h) > 0 {
					putBuf(h.pop().buf)
				}
			}
			l.mu.Unlock()
			return
		}
		l.signaled = false
		now := l.now()
		next := int64(math.MaxInt64)
		for i := range l.dirs {
			d := &l.dirs[i]
			for len(d.held) > 0 && d.held[0].due <= now && len(batch) < releaseBatch {
				batch = append(batch, outgoing{d, d.held.pop()})
			}
			if len(d.held) > 0 {
				next = min(next, d.held[0].due)
			}
		}
		if len(batch) > 0 {
			l.sleepUntil = math.MinInt64 // busy: it looks again after writing
		} else {
			l.sleepUntil = next
		}
		l.mu.Unlock()

		if len(batch) > 0 {
			for i := range batch {
				o := &batch[i]
				if _, err := o.d.dst.Write((*o.f.buf)[:o.f.n]); err != nil {
					o.d.writeErrors.Add(1)
				} else {
					o.d.forwarded.Add(1)
					o.d.bytes.Add(uint64(o.f.n))
				}
				putBuf(o.f.buf)
				*o = outgoing{}
			}
			batch = batch[:0]
			continue
		}
		var timeout *unix.Timespec
		if next != math.MaxInt64 {
			ts = unix.NsecToTimespec(max(0, next-l.now()))
			timeout = &ts
		}
		if _, err := unix.Ppoll(pfd, timeout, nil); err != nil && err != unix.EINTR {
			// Cannot happen with a valid eventfd; do not spin.
			time.Sleep(time.Millisecond)
		}
		if pfd[0].Revents&unix.POLLIN != 0 {
			unix.Read(l.efd, drain[:])
		}
	}
}
