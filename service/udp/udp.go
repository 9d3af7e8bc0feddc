// Package udp identifies the service on a UDP port (-sV with -sU): it
// sends the port's protocol payloads (package payload: picket's own, and
// Nmap's with --datadir), and to a port with no payload of its own a
// bounded set of payloads of common services, as many as
// --version-intensity allows, all at once, each from a socket of its own;
// it recognises the replies and reports the service with its product,
// version, extra information and CPE names.
//
// A port that answers anything is open (Nmap's reason udp-response), even
// when nothing recognises the answer: its first bytes are kept, as for an
// unidentified TCP service. A port that answers ICMP port unreachable is
// closed and gives up at once; a silent one costs Tries × Wait.
//
// Every reply is attacker-controlled: reads are bounded in size, in count
// per probe and in time, and the recognisers (package payload) never
// panic; a recogniser that did anyway costs its probe, not the scan.
package udp

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"time"

	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/service"
)

// Conn is the scanner's socket for one probe. *net.UDPConn satisfies it.
// Identify calls Close from one goroutine while another is blocked in
// ReadFromUDPAddrPort, as a net.Conn allows: an implementation must be
// safe for that.
type Conn interface {
	// Write sends on a connected socket.
	Write(b []byte) (int, error)
	// WriteToUDPAddrPort sends on an unconnected socket.
	WriteToUDPAddrPort(b []byte, addr netip.AddrPort) (int, error)
	ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error)
	SetDeadline(t time.Time) error
	Close() error
}

// Identifier identifies the service on UDP ports. Its zero value sends
// picket's own payloads (no generic ones: Intensity 0) over the standard
// library's sockets. It is safe for concurrent use once configured: Identify
// is called for many ports at once.
type Identifier struct {
	// Payloads finds the payloads of a port: picket's own
	// (payload.Builtin()) when nil. With --datadir, Nmap's as well:
	// payload.NewTable(append(payload.All(), nmapPayloads...)).
	Payloads *payload.Table
	// Intensity is --version-intensity, 0 to 9 (Nmap's default is 7): a
	// port with no payload of its own is sent the generic payloads whose
	// rarity is at most Intensity, none at 0. A port's own payloads are
	// sent whatever the intensity, as Nmap does.
	Intensity int
	// Wait is how long a round of probes waits for replies (1s when 0).
	// Probes left unanswered are sent again, up to Tries rounds (2 when
	// 0).
	Wait  time.Duration
	Tries int
	// Timeout bounds the whole identification of one port (10s when 0).
	Timeout time.Duration
	// Dial opens the socket of one probe to addr, bound to source port
	// sport (0: any): connected to addr (net.DialUDP) when connect is
	// set, else unconnected (net.ListenUDP), for protocols whose server
	// answers from another port. Nil uses the standard library; tests
	// open sockets in a lab namespace.
	Dial func(ctx context.Context, addr netip.AddrPort, sport uint16, connect bool) (Conn, error)

	// cookie, if set, makes the probes' cookies (tests replay captured
	// replies); random otherwise.
	cookie func() uint32
}

// Bounds of what one port costs.
const (
	// maxProbes bounds the payloads sent to one port.
	maxProbes = 16
	// maxReplies bounds the datagrams read per probe: a server that
	// answers endlessly is cut off.
	maxReplies = 8
	// readBuffer is the most of one datagram that is read; a longer one
	// is truncated. Version answers are far smaller.
	readBuffer = 8 << 10
)

func (u *Identifier) defaults() (wait time.Duration, tries int, timeout time.Duration) {
	wait, tries, timeout = u.Wait, u.Tries, u.Timeout
	if wait <= 0 {
		wait = time.Second
	}
	if tries <= 0 {
		tries = 2
	}
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return wait, tries, timeout
}

// Identify sends the port's probes and reads what comes back. The port
// answered when the result has a Service.Name or a non-nil Banner (an
// empty datagram gives an empty, non-nil Banner): the port is then open,
// reason udp-response. A closed, filtered or silent port gives the zero
// Identified.
func (u *Identifier) Identify(ctx context.Context, addr netip.AddrPort) service.Identified {
	wait, tries, timeout := u.defaults()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	addr = netip.AddrPortFrom(addr.Addr().Unmap(), addr.Port())

	probes := u.open(ctx, addr, u.plan(addr.Port()))
	if len(probes) == 0 {
		return service.Identified{}
	}
	events := make(chan event, len(probes))
	done := make(chan struct{})
	var wg sync.WaitGroup
	for i := range probes {
		wg.Go(func() { probes[i].read(addr, i, events, done) })
	}
	defer func() {
		close(done)
		for _, p := range probes {
			p.conn.Close()
		}
		wg.Wait()
	}()

	var st outcome
	for round := 0; round < tries && !st.closed; round++ {
		if round > 0 && len(st.matches) > 0 {
			break // something recognised: the rest is not coming
		}
		sent := 0
		for i := range probes {
			if !probes[i].answered && probes[i].send(addr) == nil {
				sent++
			}
		}
		if sent == 0 {
			break
		}
		timer := time.NewTimer(wait)
		settled := false
	collect:
		for {
			select {
			case e := <-events:
				st.add(probes, e)
				if st.closed || st.allAnswered(probes) {
					break collect
				}
				if e.ok && !settled {
					// The replies to probes sent together come
					// together: wait a little for the others.
					settled = true
					timer.Reset(max(wait/4, 50*time.Millisecond))
				}
			case <-timer.C:
				break collect
			case <-ctx.Done():
				timer.Stop()
				return st.result(probes)
			}
		}
		timer.Stop()
	}
	return st.result(probes)
}

// probe is one payload in flight on its own socket.
type probe struct {
	p         *payload.Payload
	cookie    uint32
	packet    []byte
	conn      Conn
	connected bool
	answered  bool // a reply came, recognised or not
}

// open builds the packets and opens a socket for each payload. A payload
// that asks for a source port gets it when it can be bound, another port
// otherwise.
func (u *Identifier) open(ctx context.Context, addr netip.AddrPort, plan []*payload.Payload) []probe {
	dial := u.Dial
	if dial == nil {
		dial = dialUDP
	}
	newCookie := u.cookie
	if newCookie == nil {
		newCookie = rand.Uint32
	}
	var probes []probe
	for _, p := range plan {
		cookie := newCookie()
		pr := probe{p: p, cookie: cookie, packet: p.Build(nil, cookie), connected: !p.AnyReplyPort}
		c, err := dial(ctx, addr, p.SourcePort, pr.connected)
		if err != nil && p.SourcePort != 0 {
			c, err = dial(ctx, addr, 0, pr.connected)
		}
		if err != nil {
			continue
		}
		if d, ok := ctx.Deadline(); ok {
			c.SetDeadline(d)
		}
		pr.conn = c
		probes = append(probes, pr)
	}
	return probes
}

func dialUDP(ctx context.Context, addr netip.AddrPort, sport uint16, connect bool) (Conn, error) {
	network := "udp4"
	if addr.Addr().Is6() {
		network = "udp6"
	}
	var local *net.UDPAddr
	if sport != 0 {
		local = &net.UDPAddr{Port: int(sport)}
	}
	if connect {
		return net.DialUDP(network, local, net.UDPAddrFromAddrPort(addr))
	}
	if local == nil {
		local = &net.UDPAddr{}
	}
	return net.ListenUDP(network, local)
}

func (p *probe) send(addr netip.AddrPort) error {
	if p.connected {
		_, err := p.conn.Write(p.packet)
		return err
	}
	_, err := p.conn.WriteToUDPAddrPort(p.packet, addr)
	return err
}

// event is what a probe's reader saw: a reply, recognised or not, or the
// port's refusal.
type event struct {
	probe  int
	reply  []byte // at most service.MaxBanner bytes of it
	match  payload.Match
	ok     bool
	closed bool
}

// read reads the probe's replies until its socket is closed, the probe's
// reply count is spent or a reply is recognised, and reports each.
func (p *probe) read(addr netip.AddrPort, index int, events chan<- event, done <-chan struct{}) {
	buf := make([]byte, readBuffer)
	emit := func(e event) bool {
		select {
		case events <- e:
			return true
		case <-done:
			return false
		}
	}
	for range maxReplies {
		n, from, err := p.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			if refused(err) {
				emit(event{probe: index, closed: true})
			}
			return
		}
		if !p.connected && (from.Addr().Unmap() != addr.Addr() || (!p.p.AnyReplyPort && from.Port() != addr.Port())) {
			continue // another host's datagram on an unconnected socket
		}
		reply := buf[:n]
		m, ok := recognize(p.p, reply, p.cookie)
		if !emit(event{probe: index, reply: append([]byte{}, reply[:min(n, service.MaxBanner)]...), match: m, ok: ok}) || ok {
			return
		}
	}
}

// refused reports an ICMP error the kernel turned into a socket error on
// a connected socket: port unreachable (closed), and the other
// unreachables (filtered). Neither port will answer.
func refused(err error) bool {
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) ||
		errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EACCES) || errors.Is(err, syscall.EPERM)
}

// recognize runs a payload's recogniser, which must not panic; if one
// does, its reply is unrecognised.
func recognize(p *payload.Payload, reply []byte, cookie uint32) (m payload.Match, ok bool) {
	defer func() {
		if r := recover(); r != nil {
			m, ok = payload.Match{}, false
		}
	}()
	return p.Recognize(reply, cookie)
}
