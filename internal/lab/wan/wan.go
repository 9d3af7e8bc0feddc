// Package wan emulates a wide-area link between two network namespaces:
// delay, jitter, random loss and a bandwidth cap with a tail-dropping
// queue, for kernels without netem.
//
// A Link is a pair of TAP devices, one in each namespace, and a userspace
// forwarder between them. Frames read from one TAP are held for their due
// time and written to the other; each direction is impaired on its own.
// Frames are released by one OS thread per link that sleeps until absolute
// deadlines with the kernel's timer slack turned down: measured here, a
// release is ~30 µs late at the median, where a Go timer is ~600 µs late
// (the runtime's poller sleeps in whole milliseconds).
package wan

import (
	"errors"
	"fmt"
	"math"
	"time"
)

// Config is the impairment of an emulated link, applied to each direction
// on its own. The zero value is a perfect link.
type Config struct {
	// Delay is the one-way propagation delay.
	Delay time.Duration
	// Jitter varies each frame's delay uniformly within ±Jitter around
	// Delay (never below zero). Frames keep their order unless Reorder is
	// set: a frame never leaves before the one ahead of it, which shifts
	// the mean delay up a little when Jitter is large beside the spacing
	// of frames.
	Jitter time.Duration
	// Reorder lets a frame whose jitter is smaller overtake earlier ones.
	Reorder bool
	// Loss is the probability that a frame is lost on the wire, in [0,1];
	// 1 cuts the link. A lost frame has used its share of Rate.
	Loss float64
	// Rate caps the bandwidth in bits per second, counting each Ethernet
	// frame from its header to its payload's end (no preamble, FCS or
	// gap). Frames wait their turn in a queue of QueueLen frames, then
	// take len*8/Rate to serialize; a frame that finds the queue full is
	// dropped, as by a router. 0 is unlimited.
	Rate int64
	// QueueLen is the number of frames queued per direction for Rate,
	// counting the frame being serialized, at most MaxHeld. 0 means
	// DefaultQueueLen.
	QueueLen int
	// Seed seeds the random source of loss and jitter; 0 picks a random
	// seed. The two directions draw from different streams of one seed.
	Seed int64
}

const (
	// DefaultQueueLen is the queue length used when Config.QueueLen is 0.
	DefaultQueueLen = 1000
	// MaxHeld bounds the frames a direction holds at once, queued for
	// Rate or in flight for Delay; a frame beyond it is dropped as by a
	// full queue. With a 25 ms delay it allows ~650,000 frames/s.
	MaxHeld = 16384
)

// ErrBadConfig is wrapped by the errors of Config.Validate.
var ErrBadConfig = errors.New("wan: invalid config")

// Validate reports whether c is a usable configuration.
func (c Config) Validate() error {
	switch {
	case c.Delay < 0:
		return fmt.Errorf("%w: negative delay %v", ErrBadConfig, c.Delay)
	case c.Jitter < 0:
		return fmt.Errorf("%w: negative jitter %v", ErrBadConfig, c.Jitter)
	case !(c.Loss >= 0 && c.Loss <= 1): // also catches NaN
		return fmt.Errorf("%w: loss %v outside [0,1]", ErrBadConfig, c.Loss)
	case c.Rate < 0:
		return fmt.Errorf("%w: negative rate %d", ErrBadConfig, c.Rate)
	case c.QueueLen < 0 || c.QueueLen > MaxHeld:
		return fmt.Errorf("%w: queue length %d outside [0,%d]", ErrBadConfig, c.QueueLen, MaxHeld)
	case c.Delay > math.MaxInt64/4 || c.Jitter > math.MaxInt64/4:
		return fmt.Errorf("%w: delay or jitter too long", ErrBadConfig)
	}
	return nil
}

// queueLen is the effective queue length.
func (c *Config) queueLen() int {
	if c.QueueLen == 0 {
		return DefaultQueueLen
	}
	return c.QueueLen
}

// Stats counts a link's frames since New, per direction.
type Stats struct {
	AB DirStats // read from the first TAP (aIf), written to the second
	BA DirStats // read from bIf, written to aIf
}

// DirStats counts the frames of one direction.
type DirStats struct {
	Forwarded   uint64 // frames delivered to the far TAP
	Bytes       uint64 // bytes of the frames delivered
	Lost        uint64 // frames dropped by Loss
	QueueDrops  uint64 // frames dropped by a full queue
	WriteErrors uint64 // frames the far TAP refused (down, or closing)
}
