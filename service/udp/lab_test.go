package udp

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/service"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

// dialIn opens the probes' sockets in ns: the scanner's namespace, whose
// only routes lead to the lab's targets.
func dialIn(ns *lab.Namespace) func(context.Context, netip.AddrPort, uint16, bool) (Conn, error) {
	return func(ctx context.Context, addr netip.AddrPort, sport uint16, connect bool) (Conn, error) {
		var c Conn
		err := ns.Do(func() error {
			var err error
			c, err = dialUDP(ctx, addr, sport, connect)
			return err
		})
		if err != nil {
			return nil, err
		}
		return c, nil
	}
}

func hasDetail(m service.Match, key, value string) bool {
	return slices.Contains(m.Details, service.Detail{Key: key, Value: value})
}

// TestLabDaemons identifies Debian's BIND, net-snmp's snmpd and NTPsec's
// ntpd over IPv4 and IPv6, against the installed packages' versions.
func TestLabDaemons(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/named", "/usr/sbin/snmpd", "/usr/sbin/ntpd")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(t.Context(), lab.DaemonBind9, lab.DaemonSNMPD, lab.DaemonNTPsec)
	if err != nil {
		t.Fatal(err)
	}
	bind, snmpd, ntpsec := ds[0], ds[1], ds[2]
	for _, d := range ds {
		t.Logf("%s %s", d.Package, d.Version)
	}
	u := &Identifier{Intensity: 7, Dial: dialIn(l.Scanner)}
	if *update {
		capture(t, u, tg.Addr)
	}
	// BIND announces Debian's version without the epoch
	// ("9.18.49-1~deb12u3" of "1:9.18.49-1~deb12u3"), as over TCP.
	_, bindVersion, _ := strings.Cut(bind.Version, ":")
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(a.String(), func(t *testing.T) { checkLabDaemons(t, u, a, bindVersion, bind, snmpd, ntpsec) })
	}
	// With --datadir, Nmap's payloads go out beside picket's: the answers
	// to them are not recognised, and must not hide those that are.
	t.Run("with Nmap's payloads", func(t *testing.T) {
		lab.RequireCommand(t, "nmap")
		f, err := os.Open(filepath.Join("/usr/share/nmap", payload.NmapPayloadsFile))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		nmap, err := payload.ReadNmap(f, f.Name())
		if err != nil {
			t.Fatal(err)
		}
		un := *u
		un.Payloads = payload.NewTable(append(payload.All(), nmap...))
		checkLabDaemons(t, &un, tg.Addr, bindVersion, bind, snmpd, ntpsec)
	})
}

// checkLabDaemons identifies the lab's BIND, snmpd and ntpd at a, each
// as the installed package says it should be.
func checkLabDaemons(t *testing.T, u *Identifier, a netip.Addr, bindVersion string, bind, snmpd, ntpsec *lab.Daemon) {
	t.Helper()
	id := func(port uint16) service.Identified {
		start := time.Now()
		r := u.Identify(t.Context(), netip.AddrPortFrom(a, port))
		s := r.Service
		t.Logf("%d: %s %q %q (%s) host %q os %q %v %v in %v", port, s.Name, s.Product, s.Version, s.ExtraInfo,
			s.Hostname, s.OSType, s.CPE, r.Details, time.Since(start).Round(time.Millisecond))
		return r
	}

	r := id(53)
	s := r.Service
	if s.Name != "domain" || s.Product != "ISC BIND" || s.Version != bindVersion ||
		s.ExtraInfo != "Debian Linux" || s.OSType != "Linux" ||
		!slices.Equal(s.CPE, []string{"cpe:2.3:a:isc:bind:" + bind.Upstream() + ":*:*:*:*:*:*:*"}) {
		t.Errorf("53: %+v; want domain, ISC BIND %s (Debian Linux), CPE of %s", s, bindVersion, bind.Upstream())
	}

	r = id(161)
	s = r.Service
	if s.Name != "snmp" || s.Product != "net-snmp" || s.Hostname != lab.PTRTarget || s.OSType != "Linux" ||
		!strings.Contains(s.ExtraInfo, "SNMPv3 server") || !strings.Contains(s.ExtraInfo, lab.SNMPCommunity) {
		t.Errorf("161: %+v; want snmp, net-snmp, host %s, Linux, SNMPv3 and %s", s, lab.PTRTarget, lab.SNMPCommunity)
	}
	if !hasDetail(r.Match, "sysDescr", lab.SNMPSysDescr) || !hasDetail(r.Match, "enterprise", "8072 (net-snmp)") {
		t.Errorf("161: details %v; want sysDescr %q and the net-snmp engine", r.Details, lab.SNMPSysDescr)
	}
	// Neither sysDescr nor the engine id carries net-snmp's version:
	// the product is all the wire says.
	t.Logf("161: snmpd %s is not on the wire", snmpd.Upstream())

	r = id(123)
	s = r.Service
	if s.Name != "ntp" || s.Product != "NTPsec" || s.Version != ntpsec.Upstream() || s.OSType != "Linux" ||
		!slices.Equal(s.CPE, []string{"cpe:2.3:a:ntpsec:ntpsec:" + ntpsec.Upstream() + ":*:*:*:*:*:*:*"}) {
		t.Errorf("123: %+v; want ntp, NTPsec %s, Linux", s, ntpsec.Upstream())
	}
	// The client answer (mode 3) tells the clock's state: no
	// upstream servers, so unsynchronized.
	if !strings.Contains(s.ExtraInfo, "unsynchronized") || !hasDetail(r.Match, "stratum", "0") {
		t.Errorf("123: extra %q, details %v; want unsynchronized, stratum 0", s.ExtraInfo, r.Details)
	}
}

// TestLabNotIdentified: a closed port and a port whose datagrams are
// dropped answer nothing, within the deadline; an echo server answers
// every probe with itself, which no recogniser takes, so the port is open
// (answered) but not identified, with its first bytes kept.
func TestLabNotIdentified(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if err := tg.Firewall(lab.Rule{Proto: "udp", From: 4000, Action: lab.Drop}); err != nil {
		t.Fatal(err)
	}
	echo, err := tg.ServeUDP(0, lab.UDPEcho())
	if err != nil {
		t.Fatal(err)
	}
	u := &Identifier{Intensity: 9, Wait: 500 * time.Millisecond, Dial: dialIn(l.Scanner)}
	for _, tc := range []struct {
		name     string
		port     uint16
		answered bool
		limit    time.Duration
	}{
		// The ICMP port unreachable ends it at once.
		{"closed", 9, false, 400 * time.Millisecond},
		// Two rounds of waiting, nothing more.
		{"dropped", 4000, false, 2*u.Wait + 500*time.Millisecond},
		{"echo", echo, true, 2*u.Wait + 500*time.Millisecond},
	} {
		for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
			start := time.Now()
			r := u.Identify(t.Context(), netip.AddrPortFrom(a, tc.port))
			took := time.Since(start)
			if r.Service.Name != "" || (r.Banner != nil) != tc.answered || took > tc.limit {
				t.Errorf("%s %s: %+v banner %q after %v; want no service, answered %v, within %v",
					tc.name, a, r.Service, r.Banner, took, tc.answered, tc.limit)
			}
			t.Logf("%s %s: answered %v (%q) in %v", tc.name, a, r.Banner != nil, service.Fingerprint(r.Banner), took.Round(time.Millisecond))
		}
	}
}

// TestLabHostile runs Identify against servers that answer garbage, huge
// datagrams, or a flood of datagrams for each probe: it must return within
// its timeout, having read a bounded amount, without panicking.
func TestLabHostile(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	garbage, err := tg.ServeUDP(0, func(req []byte, _ netip.AddrPort) []byte {
		b := make([]byte, 64)
		for i := range b {
			b[i] = byte(len(req)*31 + i*7)
		}
		return b
	})
	if err != nil {
		t.Fatal(err)
	}
	huge, err := tg.ServeUDP(0, func(req []byte, _ netip.AddrPort) []byte {
		// A reply of the probe's own kind, padded to the largest
		// datagram: recognisers see a truncated read.
		return append(append([]byte{}, req...), make([]byte, 60000)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	flood := serveFlood(t, tg, 500)
	u := &Identifier{Intensity: 9, Wait: 300 * time.Millisecond, Timeout: 3 * time.Second, Dial: dialIn(l.Scanner)}
	for _, tc := range []struct {
		name string
		port uint16
	}{{"garbage", garbage}, {"huge", huge}, {"flood", flood}, {"garbage on 161", 0}} {
		port := tc.port
		if port == 0 {
			// The garbage server again, where SNMP's recognisers read it.
			var err error
			if port, err = tg.ServeUDP(161, func([]byte, netip.AddrPort) []byte {
				return []byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00, 0x04, 0x82, 0xff}
			}); err != nil {
				t.Fatal(err)
			}
		}
		start := time.Now()
		r := u.Identify(t.Context(), netip.AddrPortFrom(tg.Addr, port))
		took := time.Since(start)
		if took > u.Timeout+time.Second || len(r.Banner) > service.MaxBanner || r.Banner == nil {
			t.Errorf("%s: %+v, %d bytes kept after %v", tc.name, r.Service, len(r.Banner), took)
		}
		t.Logf("%s: %q, %d bytes kept, %v", tc.name, r.Service.Name, len(r.Banner), took.Round(time.Millisecond))
	}
}

// serveFlood answers each datagram with n datagrams: a bounded flood, in
// the target's namespace, ended when the test ends.
func serveFlood(t *testing.T, tg *lab.Target, n int) uint16 {
	t.Helper()
	var pc *net.UDPConn
	if err := tg.NS.Do(func() error {
		var err error
		pc, err = net.ListenUDP("udp", &net.UDPAddr{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		buf := make([]byte, 2048)
		for {
			k, from, err := pc.ReadFromUDPAddrPort(buf)
			if err != nil {
				return
			}
			for i := range n {
				reply := fmt.Appendf(nil, "%d %x", i, buf[:min(k, 16)])
				if _, err := pc.WriteToUDPAddrPort(reply, from); err != nil {
					break
				}
			}
		}
	}()
	t.Cleanup(func() {
		pc.Close()
		<-done
	})
	return uint16(pc.LocalAddr().(*net.UDPAddr).Port)
}

// captures are the probes whose replies from the lab's servers are kept
// in testdata/ for the table tests: payload, port, file.
var captures = []struct {
	payload string
	port    uint16
	file    string
}{
	{"dns-version-bind", 53, "bind9-dns-version-bind"},
	{"snmp-v1-public", 161, "snmpd-snmp-v1-public"},
	{"snmp-v2c-public", 161, "snmpd-snmp-v2c-public"},
	{"snmp-v3-discovery", 161, "snmpd-snmp-v3-discovery"},
	{"ntp-client", 123, "ntpsec-ntp-client"},
	{"ntp-readvar", 123, "ntpsec-ntp-readvar"},
}

// captureCookie is the cookie of the captured probes.
const captureCookie = 0x01020304

// capture sends each capture's probe with captureCookie and writes the
// reply to testdata/NAME.hex.
func capture(t *testing.T, u *Identifier, addr netip.Addr) {
	t.Helper()
	for _, c := range captures {
		p, ok := payload.Builtin().Lookup(c.payload)
		if !ok {
			t.Fatalf("no payload %s", c.payload)
		}
		conn, err := u.Dial(t.Context(), netip.AddrPortFrom(addr, c.port), 0, true)
		if err != nil {
			t.Fatal(err)
		}
		conn.SetDeadline(time.Now().Add(2 * time.Second))
		if _, err := conn.Write(p.Build(nil, captureCookie)); err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, readBuffer)
		n, _, err := conn.ReadFromUDPAddrPort(buf)
		conn.Close()
		if err != nil {
			t.Fatalf("capture %s: %v", c.file, err)
		}
		var b strings.Builder
		fmt.Fprintf(&b, "# The reply of the lab's %s to picket's %s probe, cookie %#08x.\n", strings.SplitN(c.file, "-", 2)[0], c.payload, captureCookie)
		for i := 0; i < n; i += 16 {
			fmt.Fprintf(&b, "% x\n", buf[i:min(n, i+16)])
		}
		if err := os.WriteFile(filepath.Join("testdata", c.file+".hex"), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("captured %s: %d bytes", c.file, n)
	}
}
