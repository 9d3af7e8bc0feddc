package http

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math/big"
	"net"
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestRequest(t *testing.T) {
	want := "GET / HTTP/1.1\r\nHost: 198.18.0.2\r\nUser-Agent: " + UserAgent + "\r\nAccept: */*\r\nConnection: close\r\n\r\n"
	if got := string(Request("198.18.0.2", "/")); got != want {
		t.Errorf("Request = %q, want %q", got, want)
	}
}

func TestHost(t *testing.T) {
	for _, tt := range []struct{ addr, want string }{
		{"198.18.0.2:80", "198.18.0.2"},
		{"198.18.0.2:443", "198.18.0.2"},
		{"198.18.0.2:8080", "198.18.0.2:8080"},
		{"[fd00::2]:80", "[fd00::2]"},
		{"[fd00::2]:8443", "[fd00::2]:8443"},
		{"[::ffff:198.18.0.2]:80", "198.18.0.2"},
		{"[fe80::1%eth0]:80", "[fe80::1]"},
	} {
		t.Run(tt.addr, func(t *testing.T) {
			addr := net.TCPAddrFromAddrPort(netip.MustParseAddrPort(tt.addr))
			if got := Host(addr); got != tt.want {
				t.Errorf("Host(%s) = %q, want %q", tt.addr, got, tt.want)
			}
		})
	}
}

// readRequest reads the request's head, as a server would before
// answering.
func readRequest(c net.Conn) {
	var got []byte
	buf := make([]byte, 512)
	for !bytes.Contains(got, []byte("\r\n\r\n")) {
		n, err := c.Read(buf)
		if err != nil {
			return
		}
		got = append(got, buf[:n]...)
	}
}

// answer serves a fixed answer to the request, then closes.
func answer(s string) func(net.Conn) {
	return func(c net.Conn) {
		readRequest(c)
		c.Write([]byte(s))
		c.Close()
	}
}

// Hostile and foreign servers: each ends within the step deadline (fake
// time under synctest), never hangs, leaves no goroutine.
func TestRunHostile(t *testing.T) {
	endless := func(head string, fill string) func(net.Conn) {
		return func(c net.Conn) {
			readRequest(c)
			if _, err := c.Write([]byte(head)); err != nil {
				return
			}
			chunk := []byte(strings.Repeat(fill, 4096/len(fill)))
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	tests := []struct {
		name     string
		banner   string
		serve    func(net.Conn)
		noMatch  bool
		anyError bool
		title    string
		status   string
		within   time.Duration // 0: service.StepTimeout
	}{
		{name: "nginx", serve: answer(string(readTestdata(t, "nginx-200.txt"))), title: "Welcome to nginx!", within: time.Nanosecond},
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }, anyError: true},
		{name: "closes at once", serve: func(c net.Conn) { c.Close() }, anyError: true},
		{name: "closes after the request", serve: answer(""), anyError: true},
		{name: "SSH answers the request", serve: answer(string(readTestdata(t, "sshd.txt"))), noMatch: true},
		{name: "garbage", serve: answer("\x00\xff\x13\x37 garbage\r\n"), noMatch: true},
		{name: "banner already read", banner: "220 ftp ready\r\n", serve: func(c net.Conn) { io.Copy(io.Discard, c) }, noMatch: true},
		{name: "endless header", serve: endless("HTTP/1.1 200 OK\r\n", "X-Pad: yyyyyyyyyyyyyyyy\r\n")},
		{name: "endless status line", serve: endless("HTTP/1.1 200 ", "O")},
		{name: "endless body", serve: endless("HTTP/1.1 200 OK\r\nServer: x\r\n\r\n<title>endless</title>", "x"), title: "endless", within: time.Nanosecond},
		{name: "endless chunks", serve: endless("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\nx\r\n")},
		{name: "endless garbage", serve: endless("", "\x00"), noMatch: true, within: time.Nanosecond},
		{name: "one byte per second", serve: trickle(time.Second), anyError: true},
		{name: "one byte per 200 ms", serve: trickle(200 * time.Millisecond), status: "200 OK"},
		{name: "never reads the request", serve: func(c net.Conn) {
			time.Sleep(time.Hour)
		}, anyError: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := servicetest.Pipe(t, tt.serve)
				start := time.Now()
				m, err := Handshake.Run(t.Context(), c, []byte(tt.banner))
				within := tt.within
				if within == 0 {
					within = service.StepTimeout
				}
				if took := time.Since(start); took > within {
					t.Errorf("took %v, want at most %v", took, within)
				}
				switch {
				case tt.noMatch:
					if !errors.Is(err, service.ErrNoMatch) {
						t.Fatalf("err %v, want ErrNoMatch", err)
					}
				case tt.anyError:
					if err == nil || errors.Is(err, service.ErrNoMatch) {
						t.Fatalf("err %v, want a failure that is not ErrNoMatch", err)
					}
				default:
					if err != nil {
						t.Fatal(err)
					}
					if m.Service.Name != "http" {
						t.Errorf("service %q, want http", m.Service.Name)
					}
					if tt.title != "" && !hasDetail(m, "title", tt.title) {
						t.Errorf("details %v, want title %q", m.Details, tt.title)
					}
					if tt.status != "" && !hasDetail(m, "status", tt.status) {
						t.Errorf("details %v, want status %q", m.Details, tt.status)
					}
				}
			})
		})
	}
}

// trickle answers one byte at a time, every d: within the step timeout
// the status line arrives at 200 ms a byte, and not at 1 s.
func trickle(d time.Duration) func(net.Conn) {
	return func(c net.Conn) {
		readRequest(c)
		for _, b := range []byte("HTTP/1.1 200 OK\r\nServer: slow\r\n\r\n<title>slow</title>") {
			if _, err := c.Write([]byte{b}); err != nil {
				return
			}
			time.Sleep(d)
		}
	}
}

func hasDetail(m service.Match, k, v string) bool {
	for _, d := range m.Details {
		if d.Key == k && d.Value == v {
			return true
		}
	}
	return false
}

func TestRunCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := servicetest.Pipe(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		if _, err := Handshake.Run(ctx, c, nil); !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("took %v, want 1s", took)
		}
		if err := c.SetDeadline(time.Time{}); err != nil {
			t.Errorf("conn closed by a cancelled probe: %v", err)
		}
	})
}

func TestRunHTTP2(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now(), NotAfter: time.Now().Add(time.Hour)}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		server := &tls.Config{NextProtos: []string{"h2"}, Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
		c := servicetest.Pipe(t, func(c net.Conn) {
			ts := tls.Server(c, server)
			if ts.Handshake() == nil {
				io.Copy(io.Discard, ts)
			}
		})
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true, NextProtos: []string{"h2", "http/1.1"}})
		if err := tc.Handshake(); err != nil {
			t.Fatal(err)
		}
		m, err := Handshake.Run(t.Context(), tc, nil)
		if err != nil || m.Service.Name != "http" || len(m.Details) != 1 || m.Details[0].Key != "note" {
			t.Errorf("%+v, %v; want http with a note on HTTP/2", m, err)
		}
		tc.Close()
	})
}
