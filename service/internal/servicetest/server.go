package servicetest

import (
	"io"
	"net"
	"testing"
	"time"
)

// Fake servers, each for one end of a net.Pipe. Each returns once the
// client end is closed.

// Silent reads whatever the client sends and never answers.
func Silent(c net.Conn) { io.Copy(io.Discard, c); c.Close() }

// Write sends s, then stays silent.
func Write(s string) func(net.Conn) {
	return func(c net.Conn) { c.Write([]byte(s)); Silent(c) }
}

// Endless sends s again and again.
func Endless(s string) func(net.Conn) {
	return func(c net.Conn) {
		for {
			if _, err := c.Write([]byte(s)); err != nil {
				return
			}
		}
	}
}

// Slow sends s one byte a second, then stays silent.
func Slow(s string) func(net.Conn) {
	return func(c net.Conn) {
		for i := range len(s) {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
		}
		Silent(c)
	}
}

// DrainThen reads what the client sends in the background while serve
// talks: a pipe's writes wait for a reader.
func DrainThen(serve func(net.Conn)) func(net.Conn) {
	return func(c net.Conn) {
		go io.Copy(io.Discard, c)
		serve(c)
	}
}

// Pipe returns the client end of a net.Pipe whose server end serve runs
// on; both close when the test ends, and the server's goroutine must have
// returned by then (synctest reports it otherwise).
func Pipe(t *testing.T, serve func(net.Conn)) net.Conn {
	t.Helper()
	client, server := net.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		serve(server)
	}()
	t.Cleanup(func() {
		client.Close()
		server.Close()
		<-done
	})
	return client
}

// Answer reads the client's request, which must be request, sends reply,
// then reads until the client closes: a server for protocols whose
// clients speak first with a fixed probe.
func Answer(t *testing.T, request string, reply []byte) func(net.Conn) {
	return func(c net.Conn) {
		req := make([]byte, len(request))
		if _, err := io.ReadFull(c, req); err != nil || string(req) != request {
			t.Errorf("request %q, %v", req, err)
			return
		}
		c.Write(reply)
		io.Copy(io.Discard, c)
	}
}

// Hangup sends s, reading what the client sends meanwhile, and closes.
func Hangup(s string) func(net.Conn) {
	return func(c net.Conn) {
		go io.Copy(io.Discard, c)
		c.Write([]byte(s))
		c.Close()
	}
}
