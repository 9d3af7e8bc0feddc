// Package smb identifies SMB file servers (Windows, Samba) on port 445.
// It negotiates the way Windows clients do: an SMB1 NEGOTIATE offering
// "NT LM 0.12" and the SMB2 dialects, which an SMB2 server answers with an
// SMB2 NEGOTIATE response and an SMB1-only server with its own; then, on an
// SMB2 server, an SMB2 NEGOTIATE offering 2.0.2 to 3.1.1 (with 3.1.1's
// negotiate contexts) that tells the dialect, whether signing is required,
// the server's GUID, clock and capabilities. Last, a SESSION_SETUP carrying
// an NTLMSSP NEGOTIATE_MESSAGE draws the server's CHALLENGE_MESSAGE, whose
// target information names the host and its domain and whose version field
// names the Windows release (or, by its shape, Samba). No authentication is
// completed: the handshake stops at the challenge.
package smb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises SMB by its answers to NEGOTIATE, and learns names
// and OS from the NTLM challenge.
var Handshake = service.Handshake{
	Name:  "microsoft-ds",
	Ports: []uint16{445},
	Run:   run,
}

// maxMessage bounds one SMB message: negotiate and session setup
// responses take a few hundred bytes, so a NetBIOS length beyond this is
// not one of them.
const maxMessage = 16 << 10

// NT status codes the handshake looks at.
const (
	statusOK                     = 0x00000000
	statusPending                = 0x00000103
	statusMoreProcessingRequired = 0xc0000016
)

// errShort says a message is incomplete: more bytes may complete it.
var errShort = errors.New("smb: message incomplete")

func noMatch(why string) error {
	return fmt.Errorf("smb: %s: %w", why, service.ErrNoMatch)
}

// frameLen returns the length of the first NetBIOS session message in b,
// its 4-byte header included: 0 if the header is incomplete, -1 if it is
// not the header of a session message no longer than maxMessage.
func frameLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	// Type 0 is a session message; over direct TCP the other types
	// (session request, keepalive) have no business here.
	n := int(b[1])<<16 | int(b[2])<<8 | int(b[3])
	if b[0] != 0 || n < 4 || n > maxMessage {
		return -1
	}
	return 4 + n
}

// frame wraps an SMB message in its NetBIOS session header.
func frame(msg []byte) []byte {
	n := len(msg)
	return append([]byte{0, byte(n >> 16), byte(n >> 8), byte(n)}, msg...)
}

// conn reads and writes framed messages within the context's deadline.
type conn struct {
	ctx context.Context
	c   net.Conn
}

func (c conn) write(msg []byte) error {
	if err := c.ctx.Err(); err != nil {
		return err
	}
	c.c.SetWriteDeadline(service.Deadline(c.ctx))
	defer c.c.SetWriteDeadline(time.Time{})
	_, err := c.c.Write(frame(msg))
	return err
}

// read returns the next message without its NetBIOS header, or an error
// wrapping service.ErrNoMatch if what came is not a session message.
func (c conn) read() ([]byte, error) {
	if err := c.ctx.Err(); err != nil {
		return nil, err
	}
	complete := func(b []byte) bool {
		n := frameLen(b)
		return n < 0 || n > 0 && len(b) >= n
	}
	b, err := service.ReadAtMost(c.c, maxMessage+4, service.Deadline(c.ctx), complete)
	if err != nil {
		return nil, err
	}
	n := frameLen(b)
	switch {
	case n < 0:
		return nil, noMatch("not a NetBIOS session message")
	case n == 0 || len(b) < n:
		return nil, fmt.Errorf("smb: message cut short after %d bytes: %w", len(b), errShort)
	}
	// Requests go one at a time, so nothing should follow the message.
	return b[4:n], nil
}

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if len(banner) > 0 {
		// An SMB server never speaks first.
		return service.Match{}, noMatch("server spoke first")
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	s, err := Negotiate(ctx, c)
	if err != nil {
		return service.Match{}, err
	}
	return s.Match(), nil
}

// Negotiate speaks to an SMB server on c as far as the NTLM challenge and
// returns what it learned. It returns an error wrapping service.ErrNoMatch
// when c does not speak SMB. Failures after the server has shown it speaks
// SMB (a refused or silent session setup) are not errors: the Server then
// holds what the negotiation told.
func Negotiate(ctx context.Context, c net.Conn) (Server, error) {
	cc := conn{ctx: ctx, c: c}
	if err := cc.write(smb1NegotiateRequest()); err != nil {
		return Server{}, fmt.Errorf("smb: negotiate: %w", err)
	}
	msg, err := cc.read()
	if err != nil {
		if errors.Is(err, service.ErrNoMatch) {
			return Server{}, err
		}
		return Server{}, fmt.Errorf("smb: negotiate: %w", err)
	}
	if isSMB1(msg) {
		s, err := ParseSMB1Negotiate(msg)
		if err != nil {
			return Server{}, err
		}
		return s, nil
	}
	s, err := ParseNegotiate(msg)
	if err != nil {
		return Server{}, err
	}
	next := uint64(1)
	if s.Dialect == dialectWildcard {
		// The server speaks SMB 2.1 or later: negotiate properly.
		if err := cc.write(negotiateRequest(next)); err != nil {
			return s, nil
		}
		next++
		msg, err := cc.read()
		if err != nil {
			return s, nil
		}
		s2, err := ParseNegotiate(msg)
		if err != nil || s2.Status != statusOK {
			return s, nil
		}
		s = s2
	}
	if s.Status != statusOK {
		return s, nil
	}
	if ch, ok := sessionSetup(cc, next); ok {
		s.NTLM = &ch
	}
	return s, nil
}

// sessionSetup sends an NTLMSSP NEGOTIATE_MESSAGE in a SESSION_SETUP and
// returns the server's CHALLENGE_MESSAGE, if it sent one.
func sessionSetup(cc conn, id uint64) (Challenge, bool) {
	if err := cc.write(sessionSetupRequest(id)); err != nil {
		return Challenge{}, false
	}
	// A server may answer STATUS_PENDING first; a few of those at most.
	for range 3 {
		msg, err := cc.read()
		if err != nil {
			return Challenge{}, false
		}
		st, blob, err := ParseSessionSetup(msg)
		if err != nil {
			return Challenge{}, false
		}
		if st == statusPending {
			continue
		}
		ch, err := ParseChallenge(ntlmssp(blob))
		return ch, err == nil
	}
	return Challenge{}, false
}

// le reads little-endian fields with bounds checks.
type le []byte

func (b le) u16(off int) (uint16, bool) {
	if off < 0 || off+2 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint16(b[off:]), true
}

func (b le) u32(off int) (uint32, bool) {
	if off < 0 || off+4 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint32(b[off:]), true
}

func (b le) u64(off int) (uint64, bool) {
	if off < 0 || off+8 > len(b) {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[off:]), true
}

// slice returns b[off:off+n], or false if that is out of bounds.
func (b le) slice(off, n int) ([]byte, bool) {
	if off < 0 || n < 0 || off > len(b) || n > len(b)-off {
		return nil, false
	}
	return b[off : off+n], true
}

// filetime converts a Windows FILETIME (100 ns ticks since 1601) to a
// time, zero for 0 and for values no clock could hold.
func filetime(ft uint64) time.Time {
	const epochDelta = 116444736000000000 // 1601 to 1970 in ticks
	if ft <= epochDelta || ft > epochDelta+uint64(400*365*24*3600)*1e7 {
		return time.Time{}
	}
	d := ft - epochDelta
	return time.Unix(int64(d/1e7), int64(d%1e7)*100).UTC()
}
