// Package ssh identifies SSH servers: the product and version from the
// identification string (RFC 4253 §4.2), the algorithms the server offers
// from its SSH_MSG_KEXINIT, and its host key's fingerprint from the first
// message of a key exchange that picket starts and abandons.
package ssh

import (
	"bytes"
	"context"
	"errors"
	"net"
	"strings"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake speaks SSH. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:        "ssh",
	Ports:       []uint16{22, 2222},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// clientIdent is picket's identification string.
const clientIdent = "SSH-2.0-picket\r\n"

// Detect reports whether a banner holds an SSH identification, or starts
// one.
func Detect(banner []byte) bool {
	_, _, err := ParseIdent(banner)
	return err == nil || (errors.Is(err, errShort) && bytes.HasPrefix(banner, []byte("SSH-")))
}

// Run reads the server's identification (completing banner if needed)
// and, for SSH 2, exchanges KEXINIT messages and starts a key exchange to
// learn the host key. Once the identification is read the match stands:
// a later failure only leaves details out.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	return run(ctx, c, banner, defaultPrefs)
}

func run(ctx context.Context, c net.Conn, banner []byte, p prefs) (service.Match, error) {
	defer service.Watch(ctx, c)()
	id, rest, err := readIdent(ctx, c, banner)
	if err != nil {
		return service.Match{}, err
	}
	m := service.Match{
		Service: Describe(id),
		Details: []service.Detail{{Key: "identification", Value: id.Line}},
	}
	if id.Proto != "2.0" && id.Proto != "1.99" {
		return m, nil // SSH 1 only: nothing more to learn without speaking it
	}
	s := &stream{c: c, ctx: ctx, buf: rest}
	if err := s.write([]byte(clientIdent)); err != nil {
		return m, nil
	}
	ki, err := s.kexInit()
	if err != nil {
		return m, nil
	}
	m.Details = append(m.Details, algorithmDetails(ki)...)
	if hk, err := s.hostKey(ki, p); err == nil {
		m.Details = append(m.Details, service.Detail{Key: "host key", Value: hk.String()})
	}
	return m, nil
}

// readIdent completes the banner up to the identification line and
// returns it with the bytes that followed it.
func readIdent(ctx context.Context, c net.Conn, banner []byte) (Ident, []byte, error) {
	const limit = service.MaxBanner + maxIdentLine
	buf := banner[:len(banner):len(banner)] // appends copy: the caller's banner stays as it was
	deadline := service.Deadline(ctx)
	for {
		id, off, err := ParseIdent(buf)
		switch {
		case err == nil:
			return id, bytes.Clone(buf[off:]), nil
		case !errors.Is(err, errShort):
			return Ident{}, nil, err
		case len(buf) >= limit:
			return Ident{}, nil, service.ErrNoMatch
		case len(buf) > 0 && buf[len(buf)-1] == '\n':
			// Whole lines and none an identification. RFC 4253 allows
			// lines before it, but servers that send them send them
			// with it, in one write: waiting longer would only make
			// every other line-based protocol wait out a timeout.
			return Ident{}, nil, service.ErrNoMatch
		}
		if err := ctx.Err(); err != nil {
			return Ident{}, nil, err
		}
		b, err := service.ReadAtMost(c, limit-len(buf), deadline, hasLineEnd)
		if err != nil {
			return Ident{}, nil, err
		}
		buf = append(buf, b...)
	}
}

func hasLineEnd(b []byte) bool { return bytes.IndexByte(b, '\n') >= 0 }

// algorithmDetails lists what a server offers, one detail per kind; a
// direction is named only where the two differ.
func algorithmDetails(k KexInit) []service.Detail {
	d := []service.Detail{
		{Key: "kex algorithms", Value: strings.Join(k.Kex, ",")},
		{Key: "host key algorithms", Value: strings.Join(k.HostKey, ",")},
	}
	for _, pair := range []struct {
		key      string
		c2s, s2c []string
	}{
		{"encryption algorithms", k.CiphersC2S, k.CiphersS2C},
		{"mac algorithms", k.MACsC2S, k.MACsS2C},
		{"compression algorithms", k.CompressionC2S, k.CompressionS2C},
	} {
		c2s, s2c := strings.Join(pair.c2s, ","), strings.Join(pair.s2c, ",")
		if c2s == s2c {
			d = append(d, service.Detail{Key: pair.key, Value: c2s})
			continue
		}
		d = append(d,
			service.Detail{Key: pair.key + " (client to server)", Value: c2s},
			service.Detail{Key: pair.key + " (server to client)", Value: s2c})
	}
	return d
}

// stream is the binary packet protocol before encryption: what it reads
// beyond a packet waits in buf for the next.
type stream struct {
	c   net.Conn
	ctx context.Context
	buf []byte
}

// maxSkipped bounds the SSH_MSG_IGNORE and SSH_MSG_DEBUG packets a server
// may send where picket waits for another message.
const maxSkipped = 8

var (
	errDisconnect = errors.New("ssh: server disconnected")
	errUnexpected = errors.New("ssh: unexpected message")
	errNoCommon   = errors.New("ssh: no key exchange or host key format in common")
)

func (s *stream) write(p []byte) error { return service.Send(s.ctx, s.c, p) }

// fill reads until buf holds n bytes or the deadline passes.
func (s *stream) fill(n int, deadline time.Time) error {
	for len(s.buf) < n {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		b, err := service.ReadAtMost(s.c, n-len(s.buf), deadline, nil)
		if err != nil {
			return err
		}
		s.buf = append(s.buf, b...)
	}
	return nil
}

// packet reads one binary packet and returns its payload.
func (s *stream) packet() ([]byte, error) {
	deadline := service.Deadline(s.ctx)
	if err := s.fill(5, deadline); err != nil {
		return nil, err
	}
	n, err := packetLen(s.buf)
	if err != nil {
		return nil, err
	}
	if err := s.fill(n, deadline); err != nil {
		return nil, err
	}
	p := bytes.Clone(payload(s.buf[:n]))
	s.buf = s.buf[n:]
	return p, nil
}

// expect reads packets until one of type msg, skipping the ones a server
// may send at any time.
func (s *stream) expect(msg byte) ([]byte, error) {
	for range maxSkipped {
		p, err := s.packet()
		if err != nil {
			return nil, err
		}
		switch p[0] {
		case msg:
			return p, nil
		case msgIgnore, msgDebug:
			continue
		case msgDisconnect:
			return nil, errDisconnect
		default:
			return nil, errUnexpected
		}
	}
	return nil, errUnexpected
}

func (s *stream) kexInit() (KexInit, error) {
	p, err := s.expect(msgKexInit)
	if err != nil {
		return KexInit{}, err
	}
	return ParseKexInit(p)
}

// hostKey sends picket's KEXINIT and the first key exchange message in
// one write, reads the server's reply for its host key, and says goodbye.
func (s *stream) hostKey(server KexInit, p prefs) (HostKey, error) {
	kex, alg, ok := p.choose(server)
	if !ok {
		return HostKey{}, errNoCommon
	}
	body, err := kex.init()
	if err != nil {
		return HostKey{}, err
	}
	out := appendPacket(nil, clientKexInit(server, kex.name, alg))
	out = appendPacket(out, append([]byte{msgKexDHInit}, body...))
	if err := s.write(out); err != nil {
		return HostKey{}, err
	}
	reply, err := s.expect(msgKexDHReply)
	if err != nil {
		return HostKey{}, err
	}
	k, err := hostKeyFromReply(reply)
	if err == nil {
		s.write(appendPacket(nil, disconnect))
	}
	return k, err
}

// disconnect is the payload of SSH_MSG_DISCONNECT "by application" (11),
// with a description and no language tag: leaving politely makes the
// server log a disconnect rather than an error.
var disconnect = []byte("\x01\x00\x00\x00\x0b\x00\x00\x00\x0cpicket: done\x00\x00\x00\x00")
