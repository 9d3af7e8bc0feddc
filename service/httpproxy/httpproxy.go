// Package httpproxy recognises HTTP proxies: it asks the server to
// CONNECT to itself, the very address and port being scanned, so that no
// traffic goes anywhere else, and reads the answer. A proxy answers as a
// proxy (200 Connection established, 407 Proxy Authentication Required,
// or a refusal carrying proxy headers); a web server refuses the method.
package httpproxy

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/http"
)

// Handshake recognises an HTTP proxy and whether it tunnels (CONNECT) for
// anyone. Safe for concurrent use.
var Handshake = service.Handshake{
	Name:  "http-proxy",
	Ports: []uint16{3128, 8080, 8118, 8888, 8000, 8123, 3129, 6588},
	Run:   run,
}

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if len(banner) > 0 {
		return service.Match{}, service.ErrNoMatch // proxies do not speak first
	}
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	deadline := service.Deadline(ctx)
	if err := c.SetWriteDeadline(deadline); err != nil {
		return service.Match{}, err
	}
	_, err := c.Write(Request(c.RemoteAddr().String()))
	c.SetWriteDeadline(time.Time{})
	if err != nil {
		return service.Match{}, fmt.Errorf("httpproxy: send CONNECT: %w", err)
	}
	b, err := service.ReadAtMost(c, http.MaxHeader, deadline, headDone)
	if err != nil {
		if ctx.Err() != nil {
			return service.Match{}, ctx.Err()
		}
		return service.Match{}, fmt.Errorf("httpproxy: read answer: %w", err)
	}
	r, err := http.Parse(b)
	if err != nil {
		return service.Match{}, err
	}
	return Identify(r)
}

// Request returns a CONNECT request for target ("198.18.0.2:3128",
// "[fd00::2]:3128").
func Request(target string) []byte {
	return []byte("CONNECT " + target + " HTTP/1.1\r\nHost: " + target +
		"\r\nUser-Agent: " + http.UserAgent + "\r\n\r\n")
}

// headDone reports whether b holds a whole response head, or something
// that is not HTTP: a 200 to CONNECT has no body to wait for, the tunnel
// follows.
func headDone(b []byte) bool {
	n := min(len(b), 5)
	if !bytes.EqualFold(b[:n], []byte("HTTP/")[:n]) {
		return true
	}
	return bytes.Contains(b, []byte("\r\n\r\n")) || bytes.Contains(b, []byte("\n\n"))
}

// proxyHeaders are header fields only proxies send in their own answers.
var proxyHeaders = []string{"Proxy-Agent", "Proxy-Authenticate", "Proxy-Connection", "Via", "X-Squid-Error"}

// Identify decides whether r, the answer to CONNECT, comes from a proxy,
// and reports it as Nmap's "http-proxy" with what http.Identify finds of
// the product. It returns service.ErrNoMatch for a server that is not a
// proxy.
func Identify(r *http.Response) (service.Match, error) {
	var hints []string
	for _, h := range proxyHeaders {
		if r.Get(h) != "" {
			hints = append(hints, h)
		}
	}
	established := r.StatusCode/100 == 2 && (strings.Contains(strings.ToLower(r.Reason), "established") || len(hints) > 0)
	if !established && r.StatusCode != 407 && len(hints) == 0 {
		return service.Match{}, service.ErrNoMatch
	}
	m := http.Identify(r)
	if m.Service.Product == "" {
		// tinyproxy and Apache's mod_proxy name themselves here.
		if p := http.Identify(&http.Response{Header: []http.Field{{Name: "Server", Value: r.Get("Proxy-Agent")}}}); p.Service.Product != "" {
			m.Service = p.Service
		}
	}
	m.Service.Name = "http-proxy"
	connect := "refused"
	switch {
	case established:
		connect = "allowed"
	case r.StatusCode == 407:
		connect = "authentication required"
	}
	m.Details = append(m.Details, service.Detail{Key: "connect", Value: connect})
	return m, nil
}
