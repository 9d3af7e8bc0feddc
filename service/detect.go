package service

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
)

// Signatures is a signature database: probes to send and patterns to match
// their replies, for services no handshake knows.
type Signatures interface {
	// Plan returns the probes worth sending to a port, best first. A
	// probe with an empty payload listens for a banner (Nmap's NULL
	// probe).
	Plan(port uint16, tls bool, intensity int) []SignatureProbe
}

// SignatureProbe is one probe of a signature database.
type SignatureProbe interface {
	Payload() []byte
	// Wait is how long to wait for its reply (Nmap's totalwaitms).
	Wait() time.Duration
	// TCPWrapped, for a probe that only listens, is how soon after the
	// connection a close without a byte means the service is wrapped
	// (Nmap's tcpwrappedms); zero when the database does not say.
	TCPWrapped() time.Duration
	// Identifies reports whether a hard match that applies to the
	// probe's replies can name service: once a soft match has named the
	// service, only such probes are worth sending.
	Identifies(service string) bool
	// Match matches a reply; soft is set for a match that names the
	// service but not the product (Nmap's softmatch). With service set,
	// only patterns for that service count.
	Match(reply []byte, service string) (m Match, soft, ok bool)
}

// Detector identifies the service on an open port: handshakes first, in
// the order the port and the banner suggest, then signatures. It is safe
// for concurrent use once configured.
type Detector struct {
	Handshakes []Handshake
	// Signatures are tried in order after the handshakes: picket's own,
	// then Nmap's with --datadir.
	Signatures []Signatures
	// TLS wraps a connection in TLS, returning what the TLS handshake
	// learned; nil disables looking inside TLS.
	TLS func(ctx context.Context, c net.Conn) (net.Conn, Match, error)
	// TLSPorts are where TLS is tried before anything else (443, 993,
	// ...).
	TLSPorts []uint16
	// Dial opens a TCP connection to the port.
	Dial func(ctx context.Context, addr netip.AddrPort) (net.Conn, error)
	// Intensity is --version-intensity, 0 to 9 (Nmap's default is 7).
	Intensity int
	// BannerWait is how long a silent service is given to speak first
	// before client-first probes are tried (1s by default).
	BannerWait time.Duration
	// Timeout bounds the whole identification of one port (30s by
	// default).
	Timeout time.Duration
}

// Identified is the outcome of identifying one port.
type Identified struct {
	Match
	// Banner is the first bytes the service sent, kept for the report
	// when nothing identified it.
	Banner []byte
}

func (d *Detector) defaults() (intensity int, bannerWait, timeout time.Duration) {
	intensity, bannerWait, timeout = d.Intensity, d.BannerWait, d.Timeout
	if bannerWait <= 0 {
		bannerWait = time.Second
	}
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	return
}

// Identify identifies the service at addr. A port nothing identifies
// comes back with an empty Service.Name and its banner, if any.
func (d *Detector) Identify(ctx context.Context, addr netip.AddrPort) Identified {
	_, bannerWait, timeout := d.defaults()
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	port := addr.Port()
	var soft Match // a softmatch, kept in case nothing better comes

	// 1. TLS first where it usually is; then a client-first protocol that
	// usually lives on this port, so HTTP on 80 does not wait out a
	// banner timeout. A service that says in the clear that it wants TLS
	// is looked at inside TLS before its plaintext answer is taken.
	if d.TLS != nil && slices.Contains(d.TLSPorts, port) {
		if id, ok := d.insideTLS(ctx, addr, port); ok {
			return id
		}
	}
	var plain *Identified
	for _, h := range d.ordered(port, false) {
		if !slices.Contains(h.Ports, port) {
			break
		}
		if m, ok := d.try(ctx, addr, h, nil); ok {
			if !m.WantsTLS || d.TLS == nil {
				return Identified{Match: m}
			}
			if id, ok := d.insideTLS(ctx, addr, port); ok {
				return id
			}
			plain = &Identified{Match: m}
			break
		}
	}
	if plain != nil {
		return *plain
	}

	// 2. Listen for a banner; offer it to the server-first protocols.
	c, err := d.Dial(ctx, addr)
	if err != nil {
		return Identified{}
	}
	dialed := time.Now()
	banner, berr := ReadBanner(c, MaxBanner, earliest(ctx, bannerWait), bannerSettle)
	// A service that accepts and hangs up at once, before a word, is
	// behind a wrapper that refused us (Nmap's "tcpwrapped"), if nothing
	// else gets a word out of it either.
	wrapped := errors.Is(berr, io.ErrUnexpectedEOF) && time.Since(dialed) < d.wrappedWithin(port)
	if len(banner) > 0 {
		for _, h := range d.ordered(port, true) {
			if h.Detect != nil && !h.Detect(banner) {
				continue
			}
			if c == nil {
				if c, err = d.Dial(ctx, addr); err != nil {
					return Identified{Banner: banner}
				}
				// The banner comes again on a new connection.
				if _, err := ReadBanner(c, MaxBanner, earliest(ctx, bannerWait), bannerSettle); err != nil {
					c.Close()
					c = nil
					continue
				}
			}
			m, err := d.run(ctx, h, c, banner)
			c.Close()
			c = nil
			if err == nil {
				return Identified{Match: m, Banner: banner}
			}
		}
		if c != nil {
			c.Close()
		}
		if m, isSoft, ok := d.signatures(ctx, d.plainDial(addr), port, false, banner); ok {
			if !isSoft {
				return Identified{Match: m, Banner: banner}
			}
			soft = m
		}
		return Identified{Match: soft, Banner: banner}
	}
	c.Close()

	// 3. Silent: TLS, then the client-first protocols inside or out.
	if d.TLS != nil {
		if id, ok := d.insideTLS(ctx, addr, port); ok {
			return id
		}
	}
	for _, h := range d.ordered(port, false) {
		if m, ok := d.try(ctx, addr, h, nil); ok {
			return Identified{Match: m}
		}
	}
	// The banner wait above was the listening probes' turn: an empty,
	// non-nil banner keeps them from listening again.
	if m, isSoft, ok := d.signatures(ctx, d.plainDial(addr), port, false, []byte{}); ok && !isSoft {
		return Identified{Match: m}
	} else if ok {
		soft = m
	}
	if soft.Service.Name == "" && wrapped {
		soft = Match{Service: result.Service{Name: "tcpwrapped"}}
	}
	return Identified{Match: soft}
}

// insideTLS tries TLS on the port and identifies the service inside.
func (d *Detector) insideTLS(ctx context.Context, addr netip.AddrPort, port uint16) (Identified, bool) {
	dialTLS := func() (net.Conn, Match, bool) {
		c, err := d.Dial(ctx, addr)
		if err != nil {
			return nil, Match{}, false
		}
		tc, tm, err := d.TLS(ctx, c)
		if err != nil {
			c.Close()
			return nil, Match{}, false
		}
		return tc, tm, true
	}
	tc, tm, ok := dialTLS()
	if !ok {
		return Identified{}, false
	}
	m, found := Match{}, false
	// A client-first protocol known on this port (HTTP on 443) is asked
	// at once, without waiting for a banner that will not come.
	for _, h := range d.ordered(port, false) {
		if !slices.Contains(h.Ports, port) {
			break
		}
		if tc == nil {
			if tc, _, ok = dialTLS(); !ok {
				break
			}
		}
		r, err := d.run(ctx, h, tc, nil)
		tc.Close()
		tc = nil
		if err == nil {
			return d.tlsResult(r, tm, nil), true
		}
	}
	if tc == nil {
		if tc, _, ok = dialTLS(); !ok {
			return d.tlsResult(Match{Service: result.Service{Name: "ssl"}}, tm, nil), true
		}
	}
	_, bannerWait, _ := d.defaults()
	inner, _ := ReadBanner(tc, MaxBanner, earliest(ctx, bannerWait/2), bannerSettle)
	if len(inner) > 0 {
		for _, h := range d.ordered(port, true) {
			if h.Detect != nil && !h.Detect(inner) {
				continue
			}
			if tc == nil {
				if tc, _, ok = dialTLS(); !ok {
					break
				}
				if _, err := ReadBanner(tc, MaxBanner, earliest(ctx, bannerWait/2), bannerSettle); err != nil {
					break
				}
			}
			r, err := d.run(ctx, h, tc, inner)
			tc.Close()
			tc = nil
			if err == nil {
				m, found = r, true
				break
			}
		}
	} else {
		for _, h := range d.ordered(port, false) {
			if tc == nil {
				if tc, _, ok = dialTLS(); !ok {
					break
				}
			}
			r, err := d.run(ctx, h, tc, nil)
			tc.Close()
			tc = nil
			if err == nil {
				m, found = r, true
				break
			}
		}
	}
	if tc != nil {
		tc.Close()
	}
	if !found {
		// The signatures, inside TLS: the probes that list the port in
		// sslports first.
		tlsDial := func(context.Context) (net.Conn, error) {
			c, _, ok := dialTLS()
			if !ok {
				return nil, errors.New("service: TLS handshake failed")
			}
			return c, nil
		}
		m, _, found = d.signatures(ctx, tlsDial, port, true, append([]byte{}, inner...))
	}
	if !found {
		// TLS alone is something: the report says "ssl".
		m = Match{Service: result.Service{Name: "ssl"}}
	}
	return d.tlsResult(m, tm, inner), true
}

// tlsResult is the service found inside TLS, with the TLS handshake's
// details first.
func (d *Detector) tlsResult(m, tlsMatch Match, inner []byte) Identified {
	m.TLS = true
	m.Service.Tunnel = "ssl"
	m.Details = append(slices.Clip(tlsMatch.Details), m.Details...)
	return Identified{Match: m, Banner: inner}
}

// try runs a client-first handshake on a fresh connection.
func (d *Detector) try(ctx context.Context, addr netip.AddrPort, h Handshake, banner []byte) (Match, bool) {
	c, err := d.Dial(ctx, addr)
	if err != nil {
		return Match{}, false
	}
	defer c.Close()
	m, err := d.run(ctx, h, c, banner)
	return m, err == nil
}

// tcpWrapped is how soon a connection must be closed, without a byte, to
// count as wrapped, unless a signature database says (Nmap's NULL probe
// has tcpwrappedms 3000).
const tcpWrapped = 2 * time.Second

// wrappedWithin is the tcpwrapped window for a port: that of the first
// listening probe that sets one, else tcpWrapped.
func (d *Detector) wrappedWithin(port uint16) time.Duration {
	intensity, _, _ := d.defaults()
	for _, db := range d.Signatures {
		for _, p := range db.Plan(port, false, intensity) {
			if len(p.Payload()) == 0 && p.TCPWrapped() > 0 {
				return p.TCPWrapped()
			}
		}
	}
	return tcpWrapped
}

// bannerSettle is how long a banner read waits for more once the service
// has started speaking.
const bannerSettle = 100 * time.Millisecond

// guessTimeout bounds a handshake tried on a port it is not known for: a
// service that does not speak the protocol often just waits, and the next
// guess should not wait with it.
const guessTimeout = 3 * time.Second

func (d *Detector) run(ctx context.Context, h Handshake, c net.Conn, banner []byte) (m Match, err error) {
	if p, ok := remotePort(c); !ok || !slices.Contains(h.Ports, p) {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, guessTimeout)
		defer cancel()
	}
	defer func() {
		// A handshake must not panic on hostile input; if one does,
		// the port is unidentified, not the scan lost.
		if r := recover(); r != nil {
			m, err = Match{}, errors.New("service: handshake panicked")
		}
	}()
	m, err = h.Run(ctx, c, banner)
	if err == nil && m.Service.Name == "" {
		m.Service.Name = h.Name
	}
	return m, err
}

// remotePort is the port c is connected to, when c says.
func remotePort(c net.Conn) (uint16, bool) {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return uint16(a.Port), true
	}
	return 0, false
}

// ordered returns the handshakes of one kind (server-first or not), those
// that list the port first, in their registered order otherwise.
func (d *Detector) ordered(port uint16, serverFirst bool) []Handshake {
	var hit, rest []Handshake
	for _, h := range d.Handshakes {
		if h.ServerFirst != serverFirst {
			continue
		}
		if slices.Contains(h.Ports, port) {
			hit = append(hit, h)
		} else {
			rest = append(rest, h)
		}
	}
	return append(hit, rest...)
}

// dialer opens one connection for a signature probe: plain TCP, or TLS.
type dialer func(ctx context.Context) (net.Conn, error)

func (d *Detector) plainDial(addr netip.AddrPort) dialer {
	return func(ctx context.Context) (net.Conn, error) { return d.Dial(ctx, addr) }
}

// signatures sends the databases' probes and matches their replies, as
// Nmap does: the port's probes first, then the others as rare as the
// intensity allows (the databases' Plan), each reply read until a hard
// match or the probe's wait. A banner already read stands for the
// listening probes' reply; an empty one means the service was silent. A
// soft match names the service: from then on only the probes that can
// identify that service are sent, and only its patterns count, except at
// intensity 9 (--version-all), where Nmap does not narrow.
func (d *Detector) signatures(ctx context.Context, dial dialer, port uint16, tls bool, banner []byte) (Match, bool, bool) {
	intensity, _, _ := d.defaults()
	var soft Match
	haveSoft, narrowTo := false, ""
	for _, db := range d.Signatures {
		for _, p := range db.Plan(port, tls, intensity) {
			if ctx.Err() != nil {
				return soft, true, haveSoft
			}
			if narrowTo != "" && !p.Identifies(narrowTo) {
				continue
			}
			reply := banner
			if len(p.Payload()) > 0 || reply == nil {
				reply = d.exchange(ctx, dial, p, narrowTo)
			}
			if len(reply) == 0 {
				continue
			}
			m, isSoft, ok := p.Match(reply, narrowTo)
			if !ok {
				continue
			}
			if !isSoft {
				return m, false, true
			}
			if !haveSoft {
				soft, haveSoft = m, true
				if intensity < 9 {
					narrowTo = m.Service.Name
				}
			}
		}
	}
	return soft, true, haveSoft
}

// exchange sends one probe on a fresh connection and reads the reply until
// it makes a hard match (for service, when set), the connection closes or
// the probe's wait is over.
func (d *Detector) exchange(ctx context.Context, dial dialer, p SignatureProbe, service string) []byte {
	c, err := dial(ctx)
	if err != nil {
		return nil
	}
	defer c.Close()
	if len(p.Payload()) > 0 {
		c.SetWriteDeadline(Deadline(ctx))
		if _, err := c.Write(p.Payload()); err != nil {
			return nil
		}
	}
	wait := p.Wait()
	if wait <= 0 {
		wait = 5 * time.Second
	}
	reply, _ := ReadAtMost(c, MaxResponse, earliest(ctx, wait), func(b []byte) bool {
		_, soft, ok := p.Match(b, service)
		return ok && !soft
	})
	return reply
}

// earliest returns now+d, or ctx's deadline if sooner.
func earliest(ctx context.Context, d time.Duration) time.Time {
	t := time.Now().Add(d)
	if cd, ok := ctx.Deadline(); ok && cd.Before(t) {
		return cd
	}
	return t
}

// Fingerprint renders the first bytes of an unidentified service for the
// report: printable ASCII kept, everything else escaped, bounded.
func Fingerprint(banner []byte) string {
	const max = 256
	var b strings.Builder
	for i, c := range banner {
		if i == max {
			b.WriteString("...")
			break
		}
		switch {
		case c == '\\':
			b.WriteString(`\\`)
		case c >= 0x20 && c < 0x7f:
			b.WriteByte(c)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		default:
			b.WriteString(`\x`)
			b.WriteByte("0123456789abcdef"[c>>4])
			b.WriteByte("0123456789abcdef"[c&15])
		}
	}
	return b.String()
}
