package servicetest

import (
	"context"
	"errors"
	"net"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/service"
)

// RunFunc is a handshake's Run.
type RunFunc func(ctx context.Context, c net.Conn, banner []byte) (service.Match, error)

// Converse replays steps as the server, in a synctest bubble, reading the
// client's steps with the Unit that unit makes for the bubble's test, and
// returns what run made of the conversation, given banner as already
// read.
func Converse(t *testing.T, steps []Step, unit func(*testing.T) Unit, run RunFunc, banner []byte) (m service.Match, err error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		c := Replay(steps, unit(t))
		defer c.Close()
		m, err = run(context.Background(), c, banner)
	})
	return m, err
}

// ConverseHandshake replays steps against h as Converse does. For a
// server-first protocol the first server step is handed to Run as the
// banner, as the engine reads it.
func ConverseHandshake(t *testing.T, h service.Handshake, steps []Step, unit func(*testing.T) Unit) (service.Match, error) {
	t.Helper()
	var banner []byte
	if h.ServerFirst && len(steps) > 0 && steps[0].Server {
		banner, steps = steps[0].Data, steps[1:]
	}
	return Converse(t, steps, unit, h.Run, banner)
}

// CutBanner splits a conversation where the engine stopped reading the
// greeting: it returns what was read, greeting[:cut], and the steps that
// follow, the rest of the greeting (if any: a pipe's empty write waits
// for a reader) and then lines as Script reads them.
func CutBanner(greeting string, cut int, lines ...string) ([]byte, []Step) {
	steps := Script(append([]string{"S " + greeting[cut:]}, lines...)...)
	if cut == len(greeting) {
		steps = steps[1:]
	}
	return []byte(greeting[:cut]), steps
}

// HostileCase is a server that misbehaves and what a handshake must make
// of it.
type HostileCase struct {
	Name   string
	Banner string         // what the engine read before Run
	Serve  func(net.Conn) // the server; it returns once the client's end is closed
	// Match says the banner sufficed: Run returns its match, details
	// may be missing.
	Match bool
	ErrIs error // else, the error Run returns
	// Check, if set, checks a match further.
	Check func(t *testing.T, m service.Match)
}

// Hostile runs run against each server in a synctest bubble: the clock
// is fake, so one byte a second costs nothing, and a goroutine left
// blocked fails the test. Run must return within limit, with a match of
// product where the case says it matches.
func Hostile(t *testing.T, run RunFunc, limit time.Duration, product string, tests []HostileCase) {
	t.Helper()
	for _, tt := range tests {
		t.Run(tt.Name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				m, took, err := exchange(tt.Serve, func(c net.Conn) (service.Match, error) {
					return run(context.Background(), c, []byte(tt.Banner))
				})
				if took > limit {
					t.Errorf("took %v", took)
				}
				if tt.Match {
					if err != nil || m.Service.Product != product {
						t.Fatalf("got %+v, %v; want the banner's match", m.Service, err)
					}
					if tt.Check != nil {
						tt.Check(t, m)
					}
					return
				}
				if !errors.Is(err, tt.ErrIs) {
					t.Fatalf("err %v, want %v", err, tt.ErrIs)
				}
			})
		})
	}
}

// WithDeadline runs run against serve, in a synctest bubble, with a
// context that ends after d, and fails the test if run returns later. It
// returns what run returned, once serve has returned; serve's end of the
// pipe is closed after it returns, the client's after run returns.
func WithDeadline(t *testing.T, run RunFunc, d time.Duration, serve func(net.Conn)) (m service.Match, err error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), d)
		defer cancel()
		var took time.Duration
		m, took, err = exchange(serve, func(c net.Conn) (service.Match, error) { return run(ctx, c, nil) })
		if took > d {
			t.Errorf("returned after %v, past the %v deadline", took, d)
		}
	})
	return m, err
}

// exchange runs serve on one end of a pipe and run on the other, closes
// the client's end, and waits for serve to return (closing its end after
// it). It reports how long run took.
func exchange(serve func(net.Conn), run func(net.Conn) (service.Match, error)) (service.Match, time.Duration, error) {
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		serve(server)
		server.Close()
		close(done)
	}()
	start := time.Now()
	m, err := run(client)
	took := time.Since(start)
	client.Close()
	<-done
	return m, took, err
}

// ContextCancel checks that run gives up soon after its context is
// cancelled, a second into a conversation with a silent server.
func ContextCancel(t *testing.T, run RunFunc) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		defer client.Close()
		go Silent(server)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		if _, err := run(ctx, client, nil); err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("after cancel: %v, %v", err, time.Since(start))
		}
	})
}

// Details builds Details from keys and values in turn.
func Details(kv ...string) []service.Detail {
	var d []service.Detail
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, service.Detail{Key: kv[i], Value: kv[i+1]})
	}
	return d
}

// Detail returns the value of m's first detail named key, or "".
func Detail(m service.Match, key string) string {
	for _, d := range m.Details {
		if d.Key == key {
			return d.Value
		}
	}
	return ""
}

// Against runs run, given banner as already read, against serve, in a
// synctest bubble, and returns what run returned, once serve has
// returned; serve's end of the pipe is closed after it returns, the
// client's after run returns.
func Against(t *testing.T, run RunFunc, banner []byte, serve func(net.Conn)) (m service.Match, err error) {
	t.Helper()
	synctest.Test(t, func(t *testing.T) {
		m, _, err = exchange(serve, func(c net.Conn) (service.Match, error) {
			return run(context.Background(), c, banner)
		})
	})
	return m, err
}

// Play runs run against a server that sends stream whatever the client
// says, in a synctest bubble, for fuzzing: the handshake must neither
// panic nor hang.
func Play(t *testing.T, run RunFunc, banner, stream []byte) {
	t.Helper()
	Against(t, run, banner, DrainThen(Write(string(stream))))
}
