package udp

import (
	"context"
	"encoding/hex"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// fakeNet plays the target: serve gets each datagram a probe sends and
// returns the datagrams that answer it; refuse answers every one with an
// ICMP port unreachable. It opens no socket.
type fakeNet struct {
	serve  func(pkt []byte) [][]byte
	refuse bool

	mu   sync.Mutex
	sent int
}

func (n *fakeNet) dial(_ context.Context, addr netip.AddrPort, _ uint16, _ bool) (Conn, error) {
	return &fakeConn{net: n, addr: addr, in: make(chan []byte, 64), closed: make(chan struct{})}, nil
}

type fakeConn struct {
	net    *fakeNet
	addr   netip.AddrPort
	in     chan []byte // nil: port unreachable
	closed chan struct{}
	once   sync.Once

	mu       sync.Mutex
	deadline time.Time
}

func (c *fakeConn) Write(b []byte) (int, error) {
	c.deliver(b)
	return len(b), nil
}

func (c *fakeConn) WriteToUDPAddrPort(b []byte, _ netip.AddrPort) (int, error) {
	c.deliver(b)
	return len(b), nil
}

func (c *fakeConn) deliver(b []byte) {
	c.net.mu.Lock()
	c.net.sent++
	c.net.mu.Unlock()
	if c.net.refuse {
		c.in <- nil
		return
	}
	if c.net.serve == nil {
		return
	}
	for _, r := range c.net.serve(b) {
		select {
		case c.in <- r:
		default: // a full socket buffer drops the datagram
		}
	}
}

func (c *fakeConn) ReadFromUDPAddrPort(b []byte) (int, netip.AddrPort, error) {
	c.mu.Lock()
	d := c.deadline
	c.mu.Unlock()
	var expired <-chan time.Time
	if !d.IsZero() {
		t := time.NewTimer(time.Until(d))
		defer t.Stop()
		expired = t.C
	}
	select {
	case r := <-c.in:
		if r == nil {
			return 0, netip.AddrPort{}, &net.OpError{Op: "read", Net: "udp", Err: os.NewSyscallError("recvfrom", syscall.ECONNREFUSED)}
		}
		return copy(b, r), c.addr, nil
	case <-c.closed:
		return 0, netip.AddrPort{}, net.ErrClosed
	case <-expired:
		return 0, netip.AddrPort{}, os.ErrDeadlineExceeded
	}
}

func (c *fakeConn) SetDeadline(t time.Time) error {
	c.mu.Lock()
	c.deadline = t
	c.mu.Unlock()
	return nil
}

func (c *fakeConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// readHex reads testdata/NAME.hex: hex bytes, '#' comments.
func readHex(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	var b []byte
	for line := range strings.SplitSeq(string(raw), "\n") {
		line, _, _ = strings.Cut(line, "#")
		v, err := hex.DecodeString(strings.Join(strings.Fields(line), ""))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		b = append(b, v...)
	}
	return b
}

// replay answers the probes of the captures named (testdata/, sent with
// captureCookie) with the replies the lab's servers gave them.
func replay(t testing.TB, files ...string) func([]byte) [][]byte {
	t.Helper()
	answers := map[string][]byte{}
	for _, f := range files {
		i := slices.IndexFunc(captures, func(c struct {
			payload string
			port    uint16
			file    string
		}) bool {
			return c.file == f
		})
		if i < 0 {
			t.Fatalf("no capture %s", f)
		}
		p, _ := payload.Builtin().Lookup(captures[i].payload)
		answers[string(p.Build(nil, captureCookie))] = readHex(t, f)
	}
	return func(pkt []byte) [][]byte {
		if r, ok := answers[string(pkt)]; ok {
			return [][]byte{r}
		}
		return nil
	}
}

func fixedCookie() uint32 { return captureCookie }

// TestCaptures checks each capture against its recogniser alone.
func TestCaptures(t *testing.T) {
	want := map[string]result.Service{
		"bind9-dns-version-bind":  {Name: "domain", Product: "ISC BIND", Version: "9.18.49-1~deb12u3", ExtraInfo: "Debian Linux", OSType: "Linux"},
		"snmpd-snmp-v1-public":    {Name: "snmp", Product: "SNMPv1 server", ExtraInfo: "public", Hostname: "www.lab.picket.test", OSType: "Linux"},
		"snmpd-snmp-v2c-public":   {Name: "snmp", Product: "SNMPv2c server", ExtraInfo: "public", Hostname: "www.lab.picket.test", OSType: "Linux"},
		"snmpd-snmp-v3-discovery": {Name: "snmp", Product: "net-snmp", ExtraInfo: "SNMPv3 server"},
		"ntpsec-ntp-client":       {Name: "ntp", Product: "NTP", Version: "v4", ExtraInfo: "unsynchronized"},
		"ntpsec-ntp-readvar":      {Name: "ntp", Product: "NTPsec", Version: "1.2.2", OSType: "Linux"},
	}
	for _, c := range captures {
		t.Run(c.file, func(t *testing.T) {
			p, _ := payload.Builtin().Lookup(c.payload)
			m, ok := p.Recognize(readHex(t, c.file), captureCookie)
			if !ok {
				t.Fatal("not recognised")
			}
			checkService(t, m.Service, want[c.file])
			if _, ok := p.Recognize(readHex(t, c.file), captureCookie^1); ok && p.Validates {
				t.Error("recognised as the reply to another probe")
			}
		})
	}
}

func TestIdentify(t *testing.T) {
	bind := result.Service{Name: "domain", Product: "ISC BIND", Version: "9.18.49-1~deb12u3", ExtraInfo: "Debian Linux",
		OSType: "Linux", CPE: []string{"cpe:2.3:a:isc:bind:9.18.49:*:*:*:*:*:*:*"}}
	for _, tc := range []struct {
		name      string
		port      uint16
		intensity int
		net       *fakeNet
		want      result.Service
		details   []service.Detail
		answered  bool
		banner    string // checked when answered and not identified
		took      time.Duration
	}{
		{name: "bind9", port: 53, net: &fakeNet{serve: replay(t, "bind9-dns-version-bind")},
			want: bind, answered: true, details: []service.Detail{{Key: "version.bind", Value: "9.18.49-1~deb12u3-Debian"}}},
		{name: "snmpd", port: 161,
			net: &fakeNet{serve: replay(t, "snmpd-snmp-v1-public", "snmpd-snmp-v2c-public", "snmpd-snmp-v3-discovery")},
			want: result.Service{Name: "snmp", Product: "net-snmp", ExtraInfo: "SNMPv3 server; public",
				Hostname: "www.lab.picket.test", OSType: "Linux", CPE: []string{"cpe:2.3:a:net-snmp:net-snmp:*:*:*:*:*:*:*:*"}},
			details: []service.Detail{{Key: "enterprise", Value: "8072 (net-snmp)"},
				{Key: "sysDescr", Value: "Linux www.lab.picket.test 6.1.0-picket-lab #1 SMP x86_64"}},
			answered: true},
		// v3 left unanswered: the v1 answer names the service, after a
		// short wait for the others.
		{name: "snmpd without v3", port: 161, net: &fakeNet{serve: replay(t, "snmpd-snmp-v1-public", "snmpd-snmp-v2c-public")},
			want:     result.Service{Name: "snmp", Product: "SNMPv1 server", ExtraInfo: "public", Hostname: "www.lab.picket.test", OSType: "Linux"},
			answered: true, took: 250 * time.Millisecond},
		{name: "ntpsec", port: 123, net: &fakeNet{serve: replay(t, "ntpsec-ntp-client", "ntpsec-ntp-readvar")},
			want: result.Service{Name: "ntp", Product: "NTPsec", Version: "1.2.2", ExtraInfo: "unsynchronized", OSType: "Linux",
				CPE: []string{"cpe:2.3:a:ntpsec:ntpsec:1.2.2:*:*:*:*:*:*:*"}},
			details:  []service.Detail{{Key: "version", Value: "ntpd ntpsec-1.2.2"}, {Key: "kiss code", Value: "INIT"}},
			answered: true},
		// Debian's default "noquery": mode 6 is ignored.
		{name: "ntpsec noquery", port: 123, net: &fakeNet{serve: replay(t, "ntpsec-ntp-client")},
			want:     result.Service{Name: "ntp", Product: "NTP", Version: "v4", ExtraInfo: "unsynchronized"},
			details:  []service.Detail{{Key: "stratum", Value: "0"}},
			answered: true, took: 250 * time.Millisecond},
		{name: "closed", port: 9, net: &fakeNet{refuse: true}},
		{name: "silent", port: 9, intensity: 9, net: &fakeNet{}, took: 2 * time.Second},
		{name: "garbage to every probe", port: 40000, intensity: 7,
			net:      &fakeNet{serve: func([]byte) [][]byte { return [][]byte{[]byte("\x00garbage")} }},
			answered: true, banner: "\x00garbage"},
		{name: "an empty datagram", port: 9, net: &fakeNet{serve: func([]byte) [][]byte { return [][]byte{{}} }},
			answered: true, banner: ""},
		{name: "dns on another port", port: 5300, intensity: 7, net: &fakeNet{serve: replay(t, "bind9-dns-version-bind")},
			want: bind, answered: true, took: 250 * time.Millisecond},
		{name: "no generic payloads at intensity 0", port: 5300, net: &fakeNet{serve: replay(t, "bind9-dns-version-bind")},
			took: 2 * time.Second},
		{name: "first datagram lost", port: 53, net: &fakeNet{serve: lossy(replay(t, "bind9-dns-version-bind"), 1)},
			want: bind, answered: true, took: time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				u := &Identifier{Intensity: tc.intensity, Dial: tc.net.dial, cookie: fixedCookie}
				start := time.Now()
				r := u.Identify(t.Context(), netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), tc.port))
				took := time.Since(start)
				checkService(t, r.Service, tc.want)
				for _, d := range tc.details {
					if !slices.Contains(r.Details, d) {
						t.Errorf("no detail %v in %v", d, r.Details)
					}
				}
				if (r.Banner != nil) != tc.answered {
					t.Errorf("answered %v (banner %q), want %v", r.Banner != nil, r.Banner, tc.answered)
				}
				if tc.answered && tc.want.Name == "" && string(r.Banner) != tc.banner {
					t.Errorf("banner %q, want %q", r.Banner, tc.banner)
				}
				if took != tc.took {
					t.Errorf("took %v, want %v", took, tc.took)
				}
			})
		})
	}
}

// lossy drops the first n datagrams sent.
func lossy(serve func([]byte) [][]byte, n int) func([]byte) [][]byte {
	var mu sync.Mutex
	return func(pkt []byte) [][]byte {
		mu.Lock()
		defer mu.Unlock()
		if n > 0 {
			n--
			return nil
		}
		return serve(pkt)
	}
}

func checkService(t *testing.T, got, want result.Service) {
	t.Helper()
	if got.Name != want.Name || got.Product != want.Product || got.Version != want.Version ||
		got.ExtraInfo != want.ExtraInfo || got.Hostname != want.Hostname || got.OSType != want.OSType ||
		(want.CPE != nil && !slices.Equal(got.CPE, want.CPE)) {
		t.Errorf("service %+v\nwant    %+v", got, want)
	}
}

// TestIdentifyPanickingRecognizer: a recogniser that panics costs its
// probe, not the scan; the reply still shows the port open.
func TestIdentifyPanickingRecognizer(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		boom := &payload.Payload{Name: "boom", Service: "boom", Ports: []uint16{9},
			Build:     func(dst []byte, _ uint32) []byte { return append(dst, "boom"...) },
			Recognize: func([]byte, uint32) (payload.Match, bool) { panic("boom") },
		}
		n := &fakeNet{serve: func([]byte) [][]byte { return [][]byte{[]byte("bang")} }}
		u := &Identifier{Payloads: payload.NewTable([]*payload.Payload{boom}), Dial: n.dial}
		r := u.Identify(t.Context(), netip.MustParseAddrPort("198.18.0.2:9"))
		if r.Service.Name != "" || string(r.Banner) != "bang" {
			t.Errorf("%+v, banner %q", r.Service, r.Banner)
		}
	})
}

// TestIdentifyCancelled returns at once when the caller gives up.
func TestIdentifyCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		u := &Identifier{Intensity: 9, Dial: (&fakeNet{}).dial}
		start := time.Now()
		r := u.Identify(ctx, netip.MustParseAddrPort("[fd00::2]:9"))
		if took := time.Since(start); took != 300*time.Millisecond || r.Banner != nil {
			t.Errorf("took %v, %+v", took, r)
		}
	})
}

func TestPlan(t *testing.T) {
	names := func(ps []*payload.Payload) string {
		var s []string
		for _, p := range ps {
			s = append(s, p.Name)
		}
		return strings.Join(s, " ")
	}
	nmapish := &payload.Payload{Name: "nmap:1", Ports: []uint16{40000}, Build: payload.Empty.Build, Recognize: payload.Empty.Recognize}
	for _, tc := range []struct {
		name      string
		table     *payload.Table
		port      uint16
		intensity int
		want      string
	}{
		{"dns", nil, 53, 7, "dns-version-bind"},
		{"ntp asks the version too", nil, 123, 0, "ntp-client ntp-readvar"},
		{"snmp: v1, v3, then v2c", nil, 161, 0, "snmp-v1-public snmp-v3-discovery snmp-v2c-public"},
		{"no payload, intensity 0", nil, 40000, 0, "empty"},
		{"no payload, intensity 2", nil, 40000, 2, "empty dns-version-bind snmp-v1-public"},
		{"no payload, intensity 7", nil, 40000, 7, "empty dns-version-bind snmp-v1-public ntp-client sip-options stun-binding " +
			"rpcbind-null memcached-version coap-well-known-core snmp-v3-discovery"},
		{"a payload from Nmap's file: no generic ones", payload.NewTable(append(payload.All(), nmapish)), 40000, 9, "nmap:1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			u := &Identifier{Payloads: tc.table, Intensity: tc.intensity}
			if got := names(u.plan(tc.port)); got != tc.want {
				t.Errorf("plan(%d) = %s\nwant %s", tc.port, got, tc.want)
			}
		})
	}
	u := &Identifier{Intensity: 9}
	if n := len(u.plan(40000)); n > maxProbes || n < 10 {
		t.Errorf("%d probes at intensity 9", n)
	}
	for _, g := range generic {
		if _, ok := payload.Builtin().Lookup(g.name); !ok {
			t.Errorf("generic payload %s does not exist", g.name)
		}
	}
	for port, ns := range versionPayloads {
		for _, n := range ns {
			if _, ok := payload.Builtin().Lookup(n); !ok {
				t.Errorf("version payload %s of port %d does not exist", n, port)
			}
		}
	}
}

// FuzzIdentify answers every probe to a port with the same bytes: whatever
// they are, Identify must not panic, must keep a bounded banner, and may
// name only a service one of the port's payloads speaks.
func FuzzIdentify(f *testing.F) {
	for _, c := range captures {
		f.Add(c.port, readHex(f, c.file))
	}
	f.Add(uint16(40000), []byte{})
	f.Add(uint16(53), make([]byte, 70000))
	f.Fuzz(func(t *testing.T, port uint16, reply []byte) {
		synctest.Test(t, func(t *testing.T) {
			n := &fakeNet{serve: func(pkt []byte) [][]byte {
				// Half the replies echo the probe's first bytes, so the
				// identifiers it carries are echoed.
				r := append([]byte{}, reply...)
				if len(pkt) > 0 && len(r) > 4 && r[0]&1 == 1 {
					copy(r[1:4], pkt[1:min(len(pkt), 4)])
				}
				return [][]byte{r}
			}}
			u := &Identifier{Intensity: 9, Dial: n.dial, cookie: fixedCookie}
			plan := u.plan(port)
			r := u.Identify(t.Context(), netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port))
			if len(r.Banner) > service.MaxBanner {
				t.Fatalf("banner of %d bytes", len(r.Banner))
			}
			if r.Service.Name != "" && !slices.ContainsFunc(plan, func(p *payload.Payload) bool { return p.Service == r.Service.Name }) {
				t.Fatalf("service %q from payloads %v", r.Service.Name, plan)
			}
			if r.Banner == nil {
				t.Fatal("every probe was answered, but the port did not answer")
			}
		})
	})
}
