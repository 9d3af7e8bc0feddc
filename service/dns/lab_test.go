package dns

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestLabBind9 identifies Debian's BIND in the lab over TCP and UDP, IPv4
// and IPv6, and checks the version against dpkg's.
func TestLabBind9(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/named")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(t.Context(), lab.DaemonBind9)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s %s", d.Package, d.Version)
	// d.Version is "1:9.18.49-1~deb12u3": BIND announces Debian's version
	// without the epoch, which is what is reported.
	_, debian, _ := strings.Cut(d.Version, ":")
	for _, addr := range []netip.Addr{tg.Addr, tg.Addr6} {
		for _, proto := range []string{"tcp", "udp"} {
			// The UDP socket too is made in the scanner's namespace.
			c := servicetest.Dial(t, l.Scanner, proto, netip.AddrPortFrom(addr, 53))
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			var m service.Match
			if proto == "tcp" {
				m, err = Handshake.Run(ctx, c, nil)
			} else {
				m, err = ProbeUDP(ctx, c)
			}
			cancel()
			c.Close()
			if err != nil {
				t.Fatalf("%s %s: %v", proto, addr, err)
			}
			s := m.Service
			if s.Name != "domain" || s.Product != "ISC BIND" || s.Version != debian {
				t.Errorf("%s %s: %+v; want domain, ISC BIND %s", proto, addr, s, debian)
			}
			if s.OSType != "Linux" || s.ExtraInfo != "Debian Linux" {
				t.Errorf("%s %s: OS %q, extra %q; want Linux, Debian Linux", proto, addr, s.OSType, s.ExtraInfo)
			}
			if len(s.CPE) != 1 || s.CPE[0] != "cpe:2.3:a:isc:bind:"+d.Upstream()+":*:*:*:*:*:*:*" {
				t.Errorf("%s %s: CPE %q", proto, addr, s.CPE)
			}
			t.Logf("%s %s: %s %s (%s) %v %v", proto, addr, s.Product, s.Version, s.ExtraInfo, s.CPE, m.Details)
		}
	}
}

// TestLabUDPNotDNS runs ProbeUDP on real sockets against a closed port,
// which must fail fast as an error (not a no-match), and an echo server,
// which sends the query back: not DNS.
func TestLabUDPNotDNS(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	echo, err := tg.ServeUDP(0, lab.UDPEcho())
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		port    uint16
		noMatch bool
	}{{"closed", 9, false}, {"echo", echo, true}} {
		var c net.Conn
		err := l.Scanner.Do(func() error {
			var err error
			c, err = net.Dial("udp", netip.AddrPortFrom(tg.Addr, tc.port).String())
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
		start := time.Now()
		_, err = ProbeUDP(ctx, c)
		cancel()
		c.Close()
		if err == nil || errors.Is(err, service.ErrNoMatch) != tc.noMatch || time.Since(start) > 2*time.Second {
			t.Errorf("%s: %v after %v; want no match %v, fast", tc.name, err, time.Since(start), tc.noMatch)
		}
		t.Logf("%s: %v after %v", tc.name, err, time.Since(start).Round(time.Millisecond))
	}
}
