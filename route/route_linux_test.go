package route

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
)

func TestLookupInLab(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Prefix: netip.MustParsePrefix("198.19.0.0/16")}}})
	tg := l.Targets[0]
	tests := []struct {
		name    string
		dst     netip.Addr
		src     netip.Addr
		gateway netip.Addr
		err     error
	}{
		{name: "on link", dst: tg.Addr, src: tg.ScannerAddr},
		{name: "on link v6", dst: tg.Addr6, src: tg.ScannerAddr6},
		{name: "via gateway", dst: netip.MustParseAddr("198.19.4.5"), src: tg.ScannerAddr, gateway: tg.Addr},
		{name: "outside the lab", dst: netip.MustParseAddr("192.0.2.1"), err: ErrNoRoute},
		{name: "outside the lab v6", dst: netip.MustParseAddr("2001:db8::1"), err: ErrNoRoute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r Route
			err := l.Scanner.Do(func() error {
				var err error
				r, err = Lookup(tt.dst)
				return err
			})
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("Lookup(%s) = %+v, %v; want %v", tt.dst, r, err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Lookup(%s): %v", tt.dst, err)
			}
			if r.Src != tt.src || r.Gateway != tt.gateway || r.Iface.Name != tg.ScannerIface {
				t.Errorf("Lookup(%s) = src %s gw %s if %s; want src %s gw %s if %s",
					tt.dst, r.Src, r.Gateway, r.Iface.Name, tt.src, tt.gateway, tg.ScannerIface)
			}
			want := tt.dst
			if tt.gateway.IsValid() {
				want = tt.gateway
			}
			if r.NextHop() != want {
				t.Errorf("NextHop() = %s, want %s", r.NextHop(), want)
			}
		})
	}
}

func TestNeighbor(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	port, _ := tg.ServeTCP(0, lab.Hangup())
	err := l.Scanner.Do(func() error {
		ifi, err := net.InterfaceByName(tg.ScannerIface)
		if err != nil {
			return err
		}
		if _, ok, err := Neighbor(ifi.Index, tg.Addr); ok || err != nil {
			t.Errorf("neighbour known before any traffic (ok %v, err %v)", ok, err)
		}
		// A connection makes the kernel resolve the target.
		c, err := net.DialTimeout("tcp", netip.AddrPortFrom(tg.Addr, port).String(), 2*time.Second)
		if err != nil {
			return err
		}
		c.Close()
		mac, ok, err := Neighbor(ifi.Index, tg.Addr)
		if err != nil || !ok || !bytes.Equal(mac, tg.MAC) {
			t.Errorf("Neighbor(%s) = %s, %v, %v; want %s", tg.Addr, mac, ok, err, tg.MAC)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
