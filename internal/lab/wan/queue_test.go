package wan

import (
	"errors"
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

func TestValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"zero", Config{}, true},
		{"typical", Config{Delay: 25 * time.Millisecond, Jitter: time.Millisecond, Loss: 0.1, Rate: 20e6, QueueLen: 100, Seed: 3}, true},
		{"cut", Config{Loss: 1}, true},
		{"negative delay", Config{Delay: -1}, false},
		{"negative jitter", Config{Jitter: -1}, false},
		{"loss above one", Config{Loss: 1.5}, false},
		{"negative loss", Config{Loss: -0.1}, false},
		{"NaN loss", Config{Loss: math.NaN()}, false},
		{"negative rate", Config{Rate: -1}, false},
		{"negative queue", Config{QueueLen: -1}, false},
		{"huge queue", Config{QueueLen: MaxHeld + 1}, false},
		{"huge delay", Config{Delay: math.MaxInt64}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if (err == nil) != tt.ok {
				t.Fatalf("Validate() = %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrBadConfig) {
				t.Errorf("Validate() = %v, not an ErrBadConfig", err)
			}
		})
	}
}

func TestFrameHeapOrder(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	var h frameHeap
	for i := range 1000 {
		h.push(frame{due: r.Int64N(50), seq: uint64(i)})
	}
	prev := frame{due: -1}
	for len(h) > 0 {
		f := h.pop()
		if f.before(&prev) {
			t.Fatalf("popped %+v after %+v", f, prev)
		}
		prev = f
	}
}

func TestTimeRing(t *testing.T) {
	var r timeRing
	for i := range int64(40) {
		r.push(i)
		if i%3 == 0 {
			r.expire(i / 2)
		}
	}
	r.expire(29)
	if r.n != 10 || r.buf[r.head] != 30 {
		t.Fatalf("after expire(29): n=%d front=%d, want 10 and 30", r.n, r.buf[r.head])
	}
	r.expire(100)
	if r.n != 0 {
		t.Fatalf("after expire(100): n=%d", r.n)
	}
}
