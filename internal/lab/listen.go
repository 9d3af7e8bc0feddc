package lab

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Handler serves one accepted TCP connection of a Go listener. The lab
// closes the connection when the handler returns, and at Close.
type Handler func(c net.Conn)

// Banner speaks first: it writes s, then holds the connection open,
// discarding what the client sends.
func Banner(s string) Handler {
	return func(c net.Conn) {
		if _, err := io.WriteString(c, s); err == nil {
			io.Copy(io.Discard, c)
		}
	}
}

// Silent accepts and never says anything.
func Silent() Handler {
	return func(c net.Conn) { io.Copy(io.Discard, c) }
}

// Hangup closes each connection as soon as it is accepted.
func Hangup() Handler {
	return func(net.Conn) {}
}

// Echo writes back what it reads.
func Echo() Handler {
	return func(c net.Conn) { io.Copy(c, c) }
}

// Slow writes s one byte at a time, one byte every interval: a tarpit.
func Slow(s string, every time.Duration) Handler {
	return func(c net.Conn) {
		t := time.NewTicker(every)
		defer t.Stop()
		for i := 0; i < len(s); i++ {
			<-t.C
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
		}
		io.Copy(io.Discard, c)
	}
}

// server tracks a listener and its connections so Close can end them.
type server struct {
	mu    sync.Mutex // guards conns, closed
	conns map[io.Closer]struct{}
	close func() error
	wg    sync.WaitGroup
	done  bool
}

func (s *server) track(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		c.Close()
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *server) untrack(c io.Closer) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
}

func (s *server) shutdown() error {
	s.mu.Lock()
	s.done = true
	err := s.close()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
	return err
}

// ServeTCP listens on port of every address of the target, IPv4 and IPv6,
// and serves each connection with h until the lab closes. Port 0 picks a
// free port. It returns the port listened on.
func (t *Target) ServeTCP(port uint16, h Handler) (uint16, error) {
	var ln net.Listener
	err := t.NS.Do(func() error {
		var err error
		ln, err = net.Listen("tcp", fmt.Sprintf(":%d", port))
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("lab: listen tcp %d in %s: %w", port, t.NS.Name, err)
	}
	s := &server{conns: map[io.Closer]struct{}{}, close: ln.Close}
	s.wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			if !s.track(c) {
				return
			}
			s.wg.Go(func() {
				defer s.untrack(c)
				h(c)
			})
		}
	})
	t.lab.addCloser(s.shutdown)
	return uint16(ln.Addr().(*net.TCPAddr).Port), nil
}

// UDPHandler answers one datagram; a nil reply sends nothing.
type UDPHandler func(req []byte, from netip.AddrPort) (reply []byte)

// ServeUDP listens on UDP port of every address of the target and answers
// each datagram with h until the lab closes. It returns the port.
func (t *Target) ServeUDP(port uint16, h UDPHandler) (uint16, error) {
	var pc *net.UDPConn
	err := t.NS.Do(func() error {
		var err error
		pc, err = net.ListenUDP("udp", &net.UDPAddr{Port: int(port)})
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("lab: listen udp %d in %s: %w", port, t.NS.Name, err)
	}
	s := &server{conns: map[io.Closer]struct{}{}, close: pc.Close}
	s.wg.Go(func() {
		buf := make([]byte, 65536)
		for {
			n, from, err := pc.ReadFromUDPAddrPort(buf)
			if errors.Is(err, net.ErrClosed) {
				return
			}
			if err != nil {
				continue
			}
			if reply := h(buf[:n], from); reply != nil {
				pc.WriteToUDPAddrPort(reply, from)
			}
		}
	})
	t.lab.addCloser(s.shutdown)
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port), nil
}

// UDPEcho answers every datagram with itself.
func UDPEcho() UDPHandler {
	return func(req []byte, _ netip.AddrPort) []byte { return req }
}
