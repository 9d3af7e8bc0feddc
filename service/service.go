// Package service identifies the software behind an open port (-sV): which
// protocol it speaks, which product and version answer, and what else the
// service says about itself (TLS certificates, SSH host keys, whether FTP
// takes anonymous logins, ...).
//
// Identification combines two methods. Handshakes, one self-contained
// package each under service/ (service/ssh, service/http, ...), speak a
// protocol exactly and report rich detail. A signature database of probes
// and patterns (service/probes) gives breadth. This package holds what
// they share: the Handshake contract, bounded reads, and the Match they
// report.
//
// Everything a service sends is attacker-controlled: handshakes read with
// ReadAtMost and deadlines only, never trust lengths without bounds, and
// never panic.
package service

import (
	"context"
	"errors"
	"io"
	"net"
	"time"

	"github.com/picket-scanner/picket/result"
)

// Handshake speaks one protocol. Handshakes are values registered in one
// ordered list (service/all); the engine never switches on their names.
// A Handshake must be safe for concurrent use: Run is called for many
// ports at once.
type Handshake struct {
	// Name is the protocol's service name as Nmap names it: "ssh",
	// "http", "ftp", "smtp", "mysql", ...
	Name string
	// Ports are where the protocol usually listens, to try it first
	// there. It is recognised on any port all the same.
	Ports []uint16
	// ServerFirst is set for protocols in which the server speaks first
	// (SSH, FTP, SMTP, POP3, IMAP, MySQL, VNC, ...): the engine reads the
	// banner once and offers it to every such handshake.
	ServerFirst bool
	// Detect, for ServerFirst protocols, says cheaply whether a banner
	// looks like this protocol. Nil means Run decides.
	Detect func(banner []byte) bool
	// Run speaks the protocol on c. Banner holds what the server sent
	// before anything was written (nil or empty for client-first
	// protocols, or when the server said nothing). Run returns the match,
	// or ErrNoMatch when the service does not speak this protocol; any
	// other error is a failure of the attempt (a timeout, a reset) that
	// says nothing either way. Run must honour ctx and c's deadlines,
	// read at most what it needs (ReadAtMost), and leave c open: the
	// caller closes it.
	Run func(ctx context.Context, c net.Conn, banner []byte) (Match, error)
}

// ErrNoMatch is returned by Handshake.Run when the service does not speak
// the handshake's protocol.
var ErrNoMatch = errors.New("service: no match")

// Match is what a handshake or a signature learned of a service.
type Match struct {
	// Service holds what Nmap's XML carries: Name (Nmap's service name),
	// Product, Version, ExtraInfo, Hostname, OSType, DeviceType and CPE
	// (CPE 2.3 names: "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*").
	// Method and Conf are filled by the engine.
	Service result.Service
	// Details are further facts, in order, as a handshake reports them:
	// {"host key", "ssh-ed25519 SHA256:..."}, {"anonymous login",
	// "allowed"}, {"certificate subject", "CN=..."}. Keys are lower case.
	Details []Detail
	// TLS is set when the handshake found TLS on the port: the engine
	// then identifies the service inside it (ssl/http, imaps, ...).
	TLS bool
	// WantsTLS is set when the service answered in the clear that it
	// expects TLS (nginx's "plain HTTP request was sent to HTTPS port"):
	// the engine looks inside TLS before it settles for this match.
	WantsTLS bool
}

// Detail is one fact about a service.
type Detail struct {
	Key, Value string
}

// Default bounds for what handshakes read.
const (
	// MaxBanner is the most a banner read keeps.
	MaxBanner = 4096
	// MaxResponse is the most one protocol response may take before the
	// handshake gives up on it.
	MaxResponse = 64 << 10
	// StepTimeout bounds each read or write of a handshake when the
	// caller's context has no nearer deadline.
	StepTimeout = 5 * time.Second
)

// ReadAtMost reads from c until max bytes have arrived, until done says
// the data so far is complete, or until the deadline, whichever is first,
// and returns what it read. Reaching max or the deadline with some data is
// not an error: a service that speaks slowly or endlessly is cut off, not
// waited for. An error is returned only when nothing at all was read.
func ReadAtMost(c net.Conn, max int, deadline time.Time, done func([]byte) bool) ([]byte, error) {
	// A connection the peer has already closed may refuse a deadline;
	// the read below then says so as it should (end of stream).
	c.SetReadDeadline(deadline)
	defer c.SetReadDeadline(time.Time{})
	buf := make([]byte, 0, min(max, 4096))
	for len(buf) < max {
		if len(buf) == cap(buf) {
			buf = append(buf, make([]byte, min(cap(buf), max-len(buf)))...)[:len(buf)]
		}
		n, err := c.Read(buf[len(buf):min(cap(buf), max)])
		buf = buf[:len(buf)+n]
		if done != nil && done(buf) {
			return buf, nil
		}
		if err != nil {
			if len(buf) > 0 {
				return buf, nil
			}
			if errors.Is(err, io.EOF) {
				return nil, io.ErrUnexpectedEOF
			}
			return nil, err
		}
	}
	return buf, nil
}

// Deadline is the deadline of one step of a handshake: StepTimeout from
// now, or ctx's deadline if nearer.
func Deadline(ctx context.Context) time.Time {
	d := time.Now().Add(StepTimeout)
	if cd, ok := ctx.Deadline(); ok && cd.Before(d) {
		return cd
	}
	return d
}

// Line reports whether b holds a complete line ending in "\n": a done
// function for ReadAtMost.
func Line(b []byte) bool { return len(b) > 0 && b[len(b)-1] == '\n' }

// ReadBanner reads what a service says first: like ReadAtMost, but done
// as soon as a line is complete, and once anything has arrived it waits at
// most settle for the rest, since a banner comes in one piece or in a few
// close together. Waiting out the whole deadline would cost every
// server-first service that long.
func ReadBanner(c net.Conn, max int, deadline time.Time, settle time.Duration) ([]byte, error) {
	settled := false
	return ReadAtMost(c, max, deadline, func(b []byte) bool {
		if Line(b) {
			return true
		}
		if !settled && len(b) > 0 {
			settled = true
			if d := time.Now().Add(settle); d.Before(deadline) {
				c.SetReadDeadline(d)
			}
		}
		return false
	})
}
