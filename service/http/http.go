// Package http identifies web servers: it sends one GET / and reports the
// server's product and version (from the Server header), the page title,
// where it redirects, what authentication it asks for, and the frameworks
// its headers and cookies betray.
//
// The response is read bounded (headers and body each have a cap) and
// parsed by hand, leniently: real servers send bare LFs, folded headers
// and truncated bodies, and an identification must survive all of them.
// Inside TLS the same handshake runs on the *tls.Conn; the engine then
// reports "ssl/http".
package http

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake sends GET / and identifies the server from the answer.
// Safe for concurrent use.
var Handshake = service.Handshake{
	Name:  "http",
	Ports: []uint16{80, 443, 8000, 8008, 8080, 8081, 8443, 8888, 3000, 5000, 9000, 9090},
	Run:   run,
}

// UserAgent is what picket calls itself in requests.
const UserAgent = "Mozilla/5.0 (compatible; picket; +https://github.com/picket-scanner/picket)"

// Bounds on what is read of a response.
const (
	// MaxHeader is the most the status line and headers may take.
	MaxHeader = service.MaxResponse
	// MaxBody is how much of the body is read: the title is near its
	// start.
	MaxBody = 32 << 10
)

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	// An HTTP server never speaks first.
	if len(banner) > 0 {
		return service.Match{}, service.ErrNoMatch
	}
	// Inside TLS whose ALPN chose HTTP/2, an HTTP/1.1 request would only
	// draw a GOAWAY: the service is HTTP all the same.
	if tc, ok := c.(*tls.Conn); ok && tc.ConnectionState().NegotiatedProtocol == "h2" {
		return service.Match{
			Service: result.Service{Name: "http"},
			Details: []service.Detail{{Key: "note", Value: "HTTP/2 chosen by ALPN; offer http/1.1 alone to learn the server"}},
		}, nil
	}
	return Probe(ctx, c, Host(c.RemoteAddr()))
}

// Probe sends GET / with the given Host header on c and identifies the
// server from its answer. It returns an error wrapping service.ErrNoMatch
// when the answer is not HTTP.
func Probe(ctx context.Context, c net.Conn, host string) (service.Match, error) {
	resp, err := Get(ctx, c, host, "/")
	if err != nil {
		return service.Match{}, err
	}
	return Identify(resp), nil
}

// Get sends a GET for path with the given Host header on c, reads the
// response bounded by MaxHeader and MaxBody, and parses it. It honours
// ctx and leaves c open.
func Get(ctx context.Context, c net.Conn, host, path string) (*Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Cancelling ctx cuts the exchange short without closing c, which
	// the caller owns.
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	deadline := service.Deadline(ctx)
	if err := c.SetWriteDeadline(deadline); err != nil {
		return nil, err
	}
	_, err := c.Write(Request(host, path))
	c.SetWriteDeadline(time.Time{})
	if err != nil {
		return nil, fmt.Errorf("http: send request: %w", err)
	}
	b, err := service.ReadAtMost(c, MaxHeader+MaxBody, deadline, complete)
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("http: read response: %w", err)
	}
	return Parse(b)
}

// Request returns the bytes of a GET request for path. Connection: close
// lets a server without Content-Length end the body by closing.
func Request(host, path string) []byte {
	b := make([]byte, 0, 192)
	b = append(b, "GET "...)
	b = append(b, path...)
	b = append(b, " HTTP/1.1\r\nHost: "...)
	b = append(b, host...)
	b = append(b, "\r\nUser-Agent: "+UserAgent+"\r\nAccept: */*\r\nConnection: close\r\n\r\n"...)
	return b
}

// Host returns the Host header for a server at addr: its address, and the
// port unless it is 80 or 443 (either may be the default, depending on
// TLS, and servers accept both forms).
func Host(addr net.Addr) string {
	ap, err := netip.ParseAddrPort(addr.String())
	if err != nil {
		return addr.String()
	}
	ip := ap.Addr().Unmap().WithZone("")
	h := ip.String()
	if ip.Is6() {
		h = "[" + h + "]"
	}
	if p := ap.Port(); p != 80 && p != 443 {
		h += ":" + strconv.Itoa(int(p))
	}
	return h
}

// maxInterim bounds the 1xx responses skipped before the final one.
const maxInterim = 4

// complete reports whether b holds a whole response as far as it will be
// read: headers and the body up to MaxBody, or something that is not
// HTTP at all, which is not worth waiting for.
func complete(b []byte) bool {
	for range maxInterim + 1 {
		if !maybeHTTP(b) {
			return true
		}
		if line, _, ok := bytes.Cut(b, []byte("\n")); ok {
			if _, _, _, valid := statusLine(line); !valid {
				return true
			}
		}
		h, ok := scanHead(b)
		if !ok {
			return len(b) >= MaxHeader
		}
		body := b[h.end:]
		switch {
		case h.interim():
			b = body
			continue
		case !h.hasBody():
			return true
		case len(body) >= MaxBody:
			return true
		case h.chunked:
			return chunkedEnd(body)
		case h.length >= 0:
			return len(body) >= h.length
		}
		return false // the body ends when the server closes
	}
	return true
}

// errNotHTTP, a service.ErrNoMatch, is returned for an answer that is not
// an HTTP response.
var errNotHTTP = fmt.Errorf("http: the answer is not HTTP: %w", service.ErrNoMatch)
