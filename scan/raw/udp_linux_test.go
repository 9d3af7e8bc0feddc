package raw

import (
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/scan"
)

// udpTarget sets up a target with UDP ports of every kind, behind Linux's
// default ICMP limiter, and returns the ports to scan and the truth.
func udpTarget(t *testing.T, cfg lab.TargetConfig) (*lab.Lab, *lab.Target, []uint16, map[uint16]truth) {
	t.Helper()
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{cfg}})
	tg := l.Targets[0]
	want := map[uint16]truth{}
	var ports []uint16
	// Open and answering: one with a payload of picket's (53), one a
	// payload-less port that echoes even an empty datagram.
	for _, p := range []uint16{53, 7000} {
		if _, err := tg.ServeUDP(p, lab.UDPEcho()); err != nil {
			t.Fatal(err)
		}
		want[p] = truth{"open", "udp-response"}
	}
	// Open and silent: a socket that never answers looks filtered.
	if _, err := tg.ServeUDP(7001, func([]byte, netip.AddrPort) []byte { return nil }); err != nil {
		t.Fatal(err)
	}
	want[7001] = truth{"open|filtered", "no-response"}
	rules := []lab.Rule{
		{Proto: "udp", From: 1000, To: 1014, Action: lab.Drop},
		{Proto: "udp", From: 2000, To: 2004, Action: lab.RejectAdminProhibited},
		{Proto: "udp", From: 3000, To: 3004, Action: lab.RejectHostUnreach},
	}
	if err := tg.Firewall(rules...); err != nil {
		t.Fatal(err)
	}
	for p := uint16(1000); p <= 1014; p++ {
		want[p] = truth{"open|filtered", "no-response"}
	}
	for i := uint16(0); i < 5; i++ {
		want[2000+i] = truth{"filtered", "admin-prohibited"}
		want[3000+i] = truth{"filtered", "host-unreach"}
	}
	for p := range want {
		ports = append(ports, p)
	}
	// Closed ports, answered only as fast as the limiter allows.
	for p := uint16(20000); p < 20060; p++ {
		ports = append(ports, p)
	}
	return l, tg, ports, want
}

// TestUDPRateLimited scans 93 UDP ports of a Linux host with its default
// ICMP limiter, over IPv4 and IPv6 at once: every closed port must come out
// closed, however few errors a second the host sends, and every silent one
// open|filtered.
func TestUDPRateLimited(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	l, tg, ports, want := udpTarget(t, lab.TargetConfig{})
	var limited []netip.Addr
	tab, st := scanLabWith(t, l, tg, scan.UDP, []netip.Addr{tg.Addr, tg.Addr6}, ports, func(c *Config) {
		c.OnLimited = func(a netip.Addr, rate float64) {
			t.Logf("%s limits errors to %.2f/s", a, rate)
			limited = append(limited, a)
		}
	})
	checkTable(t, tab, want, truth{"closed", "port-unreach"})
	if len(limited) != 2 {
		t.Errorf("rate limits learned for %v, want both addresses", limited)
	}
	t.Logf("%+v", st)
}
