package timing

import (
	"sync"
	"time"
)

// A Clock tells the time. Nothing in picket's timing logic reads the wall
// clock itself: engines read a Clock once per batch and pass the instant to
// the methods here, so tests and simulations drive time by hand.
// Implementations must be safe for concurrent use.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real clock. It is safe for concurrent use.
type SystemClock struct{}

// Now returns time.Now(), with its monotonic reading.
func (SystemClock) Now() time.Time { return time.Now() }

// A FakeClock is a Clock that moves only when told to, for tests and
// simulations. It is safe for concurrent use.
type FakeClock struct {
	mu  sync.Mutex
	now time.Time
}

// NewFakeClock returns a FakeClock reading start.
func NewFakeClock(start time.Time) *FakeClock { return &FakeClock{now: start} }

// Now returns the fake time.
func (c *FakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the fake time forward by d and returns the new time.
func (c *FakeClock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Set moves the fake time to t, forward or back.
func (c *FakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}
