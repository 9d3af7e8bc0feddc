package output

import (
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/picket-scanner/picket/result"
)

// Format renders the three steps of a run in one format. A Format keeps
// whatever it needs between steps (verbosity from Begin, counters) and
// need not be safe for concurrent use: Stream calls it from one goroutine
// at a time, in order.
type Format interface {
	// AppendBegin appends the report's header.
	AppendBegin(b []byte, run *result.Run) []byte
	// AppendHost appends one finished host, or nothing when the format
	// leaves the host out (a down host without -v, say).
	AppendHost(b []byte, h *result.Host) []byte
	// AppendEnd appends the report's end. The result must leave a
	// complete, valid document whatever run says (interrupted, failed).
	AppendEnd(b []byte, run *result.Run) []byte
}

// ErrOrder is returned when Writer's methods are called out of order:
// WriteHost or End after End.
var ErrOrder = errors.New("output: call out of order")

// Stream is the Writer of every picket format: it renders each step with
// its Format and hands it to the underlying io.Writer in one Write call,
// so nothing waits in a buffer when the process dies. It is safe for
// concurrent use; calls are serialized.
type Stream struct {
	name string
	mu   sync.Mutex
	w    io.Writer
	f    Format
	buf  []byte

	begun, ended bool
	err          error
}

// NewStream returns a Writer that writes f to w. Name prefixes its errors
// (the format's package name).
func NewStream(name string, w io.Writer, f Format) *Stream {
	return &Stream{name: name, w: w, f: f}
}

var _ Writer = (*Stream)(nil)

// Begin writes the report's header.
func (s *Stream) Begin(run *result.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.begun || s.ended {
		return fmt.Errorf("%s: begin twice: %w", s.name, ErrOrder)
	}
	s.begun = true
	s.buf = s.f.AppendBegin(s.buf[:0], run)
	return s.flush("write header")
}

// WriteHost writes one finished host at once. Before Begin it is an
// error; the engine always begins a run first.
func (s *Stream) WriteHost(h *result.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if !s.begun || s.ended {
		return fmt.Errorf("%s: host %s outside a run: %w", s.name, h.Addr, ErrOrder)
	}
	s.buf = s.f.AppendHost(s.buf[:0], h)
	return s.flush("write host " + h.Addr.String())
}

// End writes the report's end. Without Begin it writes the header first,
// so even a run stopped before it began leaves a valid file.
func (s *Stream) End(run *result.Run) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	if s.ended {
		return fmt.Errorf("%s: end twice: %w", s.name, ErrOrder)
	}
	s.buf = s.buf[:0]
	if !s.begun {
		s.begun = true
		s.buf = s.f.AppendBegin(s.buf, run)
	}
	s.ended = true
	s.buf = s.f.AppendEnd(s.buf, run)
	return s.flush("write end")
}

func (s *Stream) flush(op string) error {
	if len(s.buf) == 0 {
		return nil
	}
	// A host's bytes can be large (-p- with many open ports); don't let
	// one huge host pin its buffer for the rest of the run.
	defer func() {
		if cap(s.buf) > 1<<20 {
			s.buf = nil
		}
	}()
	if _, err := s.w.Write(s.buf); err != nil {
		s.err = fmt.Errorf("%s: %s: %w", s.name, op, err)
		return s.err
	}
	return nil
}
