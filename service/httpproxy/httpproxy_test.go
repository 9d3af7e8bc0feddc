package httpproxy

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/http"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestRequest(t *testing.T) {
	want := "CONNECT [fd00::2]:3128 HTTP/1.1\r\nHost: [fd00::2]:3128\r\nUser-Agent: " + http.UserAgent + "\r\n\r\n"
	if got := string(Request("[fd00::2]:3128")); got != want {
		t.Errorf("Request = %q, want %q", got, want)
	}
}

// The answers are hand-made after what each proxy sends, except nginx's,
// captured in the lab from Debian 12's nginx 1.22.1 (capture_test.go).
func TestIdentify(t *testing.T) {
	nginx, err := os.ReadFile(filepath.Join("testdata", "nginx-connect.txt"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		in      string
		product string
		version string
		connect string // "" means ErrNoMatch
	}{
		{"tinyproxy, open", "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n", "tinyproxy", "1.11.1", "allowed"},
		{"squid, open", "HTTP/1.1 200 Connection established\r\n\r\n", "", "", "allowed"},
		{"squid, password", "HTTP/1.1 407 Proxy Authentication Required\r\nServer: squid/5.7\r\nProxy-Authenticate: Basic realm=\"proxy\"\r\nX-Squid-Error: ERR_CACHE_ACCESS_DENIED 0\r\n\r\n", "Squid http proxy", "5.7", "authentication required"},
		{"squid, port refused", "HTTP/1.1 403 Forbidden\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_ACCESS_DENIED 0\r\nVia: 1.1 proxy (squid/5.7)\r\n\r\n", "Squid http proxy", "5.7", "refused"},
		{"Apache mod_proxy, open", "HTTP/1.0 200 Connection Established\r\nProxy-agent: Apache/2.4.57 (Debian)\r\n\r\n", "Apache httpd", "2.4.57", "allowed"},
		{"nginx web server", string(nginx), "", "", ""},
		{"Apache web server", "HTTP/1.1 405 Method Not Allowed\r\nServer: Apache/2.4.57 (Debian)\r\nAllow: GET,POST\r\n\r\n", "", "", ""},
		{"anything answers 200", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := http.Parse([]byte(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			m, err := Identify(r)
			if tt.connect == "" {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("err %v, match %+v; want ErrNoMatch", err, m)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			s := m.Service
			if s.Name != "http-proxy" || s.Product != tt.product || s.Version != tt.version {
				t.Errorf("service %+v, want http-proxy, %q %q", s, tt.product, tt.version)
			}
			if d := m.Details[len(m.Details)-1]; d.Key != "connect" || d.Value != tt.connect {
				t.Errorf("last detail %+v, want connect: %s", d, tt.connect)
			}
		})
	}
}

func FuzzIdentify(f *testing.F) {
	f.Add([]byte("HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 407 Proxy Authentication Required\r\nVia: x\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		headDone(b)
		if r, err := http.Parse(b); err == nil {
			Identify(r)
		}
	})
}

// Hostile and foreign servers end within the step deadline (fake time),
// with no goroutine left.
func TestRunHostile(t *testing.T) {
	afterRequest := func(then func(net.Conn)) func(net.Conn) {
		return func(c net.Conn) {
			br := bufio.NewReader(c)
			for {
				l, err := br.ReadString('\n')
				if err != nil {
					return
				}
				if l == "\r\n" {
					break
				}
			}
			then(c)
		}
	}
	tests := []struct {
		name     string
		serve    func(net.Conn)
		noMatch  bool
		anyError bool
	}{
		{"open proxy holding the tunnel", afterRequest(func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n"))
			io.Copy(io.Discard, c)
		}), false, false},
		{"silent", func(c net.Conn) { io.Copy(io.Discard, c) }, false, true},
		{"garbage", afterRequest(func(c net.Conn) { c.Write([]byte("\x00garbage")); io.Copy(io.Discard, c) }), true, false},
		{"endless header", afterRequest(func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 407 x\r\n"))
			for {
				if _, err := c.Write([]byte(strings.Repeat("Via: x\r\n", 512))); err != nil {
					return
				}
			}
		}), false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := servicetest.Pipe(t, tt.serve)
				start := time.Now()
				m, err := Handshake.Run(t.Context(), c, nil)
				if took := time.Since(start); took > service.StepTimeout {
					t.Errorf("took %v", took)
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
					if err != nil || m.Service.Name != "http-proxy" {
						t.Fatalf("%+v, %v; want http-proxy", m, err)
					}
				}
			})
		})
	}
}

// TestLab: Debian's nginx is no proxy; a minimal CONNECT proxy served in
// the target's namespace is one, over IPv4 and IPv6.
func TestLab(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/nginx", "openssl")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.StartDaemon(t.Context(), lab.DaemonNginx); err != nil {
		t.Fatal(err)
	}
	proxyPort, err := tg.ServeTCP(3128, func(c net.Conn) {
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		if err != nil || !strings.HasPrefix(line, "CONNECT ") {
			return
		}
		io.WriteString(c, "HTTP/1.0 200 Connection established\r\nProxy-agent: tinyproxy/1.11.1\r\n\r\n")
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		for _, tc := range []struct {
			port    uint16
			product string // "" means ErrNoMatch
		}{{80, ""}, {proxyPort, "tinyproxy"}} {
			c := servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(a, tc.port))
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
			m, err := Handshake.Run(ctx, c, nil)
			cancel()
			c.Close()
			if tc.product == "" {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Errorf("%s:%d: %+v, %v; want ErrNoMatch", a, tc.port, m, err)
				}
				continue
			}
			if err != nil || m.Service.Name != "http-proxy" || m.Service.Product != tc.product {
				t.Errorf("%s:%d: %+v, %v; want http-proxy %s", a, tc.port, m, err, tc.product)
			}
		}
	}
}
