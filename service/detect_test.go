package service

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
)

// fakeServer serves one connection of a fake service.
type fakeServer func(c net.Conn)

// fakeDial returns a Dial that connects to serve over net.Pipe, and counts
// the connections.
func fakeDial(serve fakeServer, dials *int) func(context.Context, netip.AddrPort) (net.Conn, error) {
	return func(context.Context, netip.AddrPort) (net.Conn, error) {
		*dials++
		a, b := net.Pipe()
		go func() {
			defer b.Close()
			serve(b)
		}()
		return a, nil
	}
}

var (
	fakeSSH = Handshake{
		Name: "ssh", Ports: []uint16{22}, ServerFirst: true,
		Detect: func(b []byte) bool { return bytes.HasPrefix(b, []byte("SSH-")) },
		Run: func(_ context.Context, _ net.Conn, banner []byte) (Match, error) {
			v, _ := strings.CutPrefix(strings.TrimSpace(string(banner)), "SSH-2.0-Fake_")
			return Match{Service: result.Service{Product: "Fake SSH", Version: v}}, nil
		},
	}
	fakeHTTP = Handshake{
		Name: "http", Ports: []uint16{80},
		Run: func(ctx context.Context, c net.Conn, _ []byte) (Match, error) {
			c.SetDeadline(Deadline(ctx))
			if _, err := c.Write([]byte("GET / HTTP/1.0\r\n\r\n")); err != nil {
				return Match{}, err
			}
			b, err := ReadAtMost(c, 100, Deadline(ctx), Line)
			if err != nil || !bytes.HasPrefix(b, []byte("HTTP/1.")) {
				return Match{}, ErrNoMatch
			}
			return Match{Service: result.Service{Product: "fakehttpd"}}, nil
		},
	}
	panicky = Handshake{Name: "boom", Run: func(context.Context, net.Conn, []byte) (Match, error) { panic("hostile bytes") }}
)

func httpServer(c net.Conn) {
	b := make([]byte, 100)
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	if n, _ := c.Read(b); bytes.HasPrefix(b[:n], []byte("GET ")) {
		c.Write([]byte("HTTP/1.0 200 OK\r\n\r\n"))
	}
}

func silent(c net.Conn) {
	c.SetReadDeadline(time.Now().Add(3 * time.Second))
	c.Read(make([]byte, 1))
}

type fakeProbe struct {
	payload, want string
}

func (p fakeProbe) Payload() []byte           { return []byte(p.payload) }
func (p fakeProbe) Wait() time.Duration       { return 500 * time.Millisecond }
func (p fakeProbe) TCPWrapped() time.Duration { return 0 }
func (p fakeProbe) Identifies(string) bool    { return true }
func (p fakeProbe) Match(reply []byte, _ string) (Match, bool, bool) {
	if v, ok := strings.CutPrefix(string(reply), p.want); ok {
		return Match{Service: result.Service{Name: "hello", Product: "Hello server", Version: strings.TrimSpace(v)}}, false, true
	}
	return Match{}, false, false
}

type fakeDB []SignatureProbe

func (db fakeDB) Plan(uint16, bool, int) []SignatureProbe { return db }

func TestIdentify(t *testing.T) {
	addr := func(port uint16) netip.AddrPort { return netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port) }
	tests := []struct {
		name     string
		port     uint16
		serve    fakeServer
		tls      bool
		want     result.Service
		maxDials int
		within   time.Duration
	}{
		{
			name: "server first, on any port", port: 2222,
			serve: func(c net.Conn) { c.Write([]byte("SSH-2.0-Fake_1.5\r\n")); silent(c) },
			want:  result.Service{Name: "ssh", Product: "Fake SSH", Version: "1.5"}, maxDials: 1,
		},
		{
			name: "client first on its own port waits for no banner", port: 80, serve: httpServer,
			want: result.Service{Name: "http", Product: "fakehttpd"}, maxDials: 1, within: 500 * time.Millisecond,
		},
		{
			name: "client first elsewhere after the banner wait", port: 8081, serve: httpServer,
			want: result.Service{Name: "http", Product: "fakehttpd"},
		},
		{
			name: "inside tls", port: 8443, serve: httpServer, tls: true,
			want: result.Service{Name: "http", Product: "fakehttpd", Tunnel: "ssl"},
		},
		{
			name: "signature probe", port: 7777,
			serve: func(c net.Conn) {
				b := make([]byte, 10)
				c.SetReadDeadline(time.Now().Add(3 * time.Second))
				if n, _ := c.Read(b); string(b[:n]) == "HELLO" {
					c.Write([]byte("WORLD 1.2\n"))
				}
			},
			want: result.Service{Name: "hello", Product: "Hello server", Version: "1.2"},
		},
		{name: "silent stays unknown", port: 9999, serve: silent, want: result.Service{}},
		{name: "an immediate hang-up is tcpwrapped", port: 9998, serve: func(net.Conn) {}, want: result.Service{Name: "tcpwrapped"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dials := 0
			d := &Detector{
				Handshakes: []Handshake{panicky, fakeSSH, fakeHTTP},
				Signatures: []Signatures{fakeDB{fakeProbe{"HELLO", "WORLD "}}},
				Dial:       fakeDial(tt.serve, &dials),
				BannerWait: 150 * time.Millisecond,
				Timeout:    10 * time.Second,
				Intensity:  7,
			}
			if tt.tls {
				// A stand-in for TLS: the connection itself, and a detail.
				d.TLS = func(_ context.Context, c net.Conn) (net.Conn, Match, error) {
					return c, Match{Details: []Detail{{"tls version", "TLS 1.3"}}}, nil
				}
			}
			start := time.Now()
			got := d.Identify(context.Background(), addr(tt.port))
			s := got.Service
			if s.Name != tt.want.Name || s.Product != tt.want.Product || s.Version != tt.want.Version || s.Tunnel != tt.want.Tunnel {
				t.Errorf("got %+v, want %+v", s, tt.want)
			}
			if tt.maxDials > 0 && dials > tt.maxDials {
				t.Errorf("%d connections, want at most %d", dials, tt.maxDials)
			}
			if tt.within > 0 && time.Since(start) > tt.within {
				t.Errorf("took %v, want under %v", time.Since(start), tt.within)
			}
			if tt.tls && (len(got.Details) == 0 || got.Details[0].Key != "tls version") {
				t.Errorf("the TLS details were lost: %+v", got.Details)
			}
		})
	}
}

func TestRunRecoversPanic(t *testing.T) {
	d := &Detector{}
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := d.run(context.Background(), panicky, a, nil); err == nil || errors.Is(err, ErrNoMatch) {
		t.Errorf("a panicking handshake gave %v, want a failure", err)
	}
}

func TestFingerprint(t *testing.T) {
	got := Fingerprint([]byte("ab\r\n\x00\xff\\" + strings.Repeat("x", 300)))
	if !strings.HasPrefix(got, `ab\r\n\x00\xff\\xxx`) || !strings.HasSuffix(got, "...") || len(got) > 300 {
		t.Errorf("Fingerprint = %q", got)
	}
}
