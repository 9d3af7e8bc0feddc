package raw

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

// openLink opens the raw engine's socket on the scanner's link to tg.
func openLink(t *testing.T, l *lab.Lab, tg *lab.Target) Link {
	t.Helper()
	var link Link
	err := l.Scanner.Do(func() error {
		ifi, err := net.InterfaceByName(tg.ScannerIface)
		if err != nil {
			return err
		}
		link.SrcMAC = packet.MAC(ifi.HardwareAddr)
		link.Conn, err = netio.Listen(tg.ScannerIface, netio.Config{Filter: Filter()})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { link.Conn.Close() })
	link.Src4, link.Src6 = tg.ScannerAddr, tg.ScannerAddr6
	return link
}

func allPorts() []uint16 {
	p := make([]uint16, 65535)
	for i := range p {
		p[i] = uint16(i + 1)
	}
	return p
}

// truth is what a port of the lab target really is.
type truth struct {
	state  string
	reason string
}

// scanLab scans addrs on tg and returns the table and stats.
func scanLab(t *testing.T, l *lab.Lab, tg *lab.Target, tech scan.Technique, addrs []netip.Addr, ports []uint16) (*scan.Table, scan.Stats) {
	t.Helper()
	return scanLabWith(t, l, tg, tech, addrs, ports, nil)
}

// scanLabWith is scanLab with the engine's configuration adjusted by
// adjust, if not nil.
func scanLabWith(t *testing.T, l *lab.Lab, tg *lab.Target, tech scan.Technique, addrs []netip.Addr, ports []uint16, adjust func(*Config)) (*scan.Table, scan.Stats) {
	t.Helper()
	link := openLink(t, l, tg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	macs, err := Resolve(ctx, link, []netip.Addr{tg.Addr, tg.Addr6}, 3, 300*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	mac, ok := macs[tg.Addr]
	if mac6, ok6 := macs[tg.Addr6]; !ok || !ok6 || mac != packet.MAC(tg.MAC) || mac6 != mac {
		t.Fatalf("neighbours resolved %v, want %s for both families", macs, tg.MAC)
	}
	var targets []Target
	for _, a := range addrs {
		targets = append(targets, Target{Addr: a, NextHop: mac})
	}
	cfg := Config{Technique: tech, Conn: link.Conn, SrcMAC: link.SrcMAC, Src4: link.Src4, Src6: link.Src6,
		Timing: Timing{MinRTT: 50 * time.Millisecond, MaxRetries: 6}}
	if adjust != nil {
		adjust(&cfg)
	}
	start := time.Now()
	tab, st, err := Scan(ctx, cfg, targets, ports)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%s over %d probes in %v: %+v (loss %.3f)", tech.Name(), len(addrs)*len(ports), time.Since(start).Round(time.Millisecond), st, st.Loss())
	return tab, st
}

// checkTable compares every port's state and reason with the truth;
// ports absent from want must be closed (reset).
func checkTable(t *testing.T, tab *scan.Table, want map[uint16]truth, dflt truth) {
	t.Helper()
	bad := 0
	for h := range tab.Hosts {
		for _, p := range tab.Host(h, nil) {
			w, ok := want[p.Number]
			if !ok {
				w = dflt
			}
			s, r := tab.Technique.Classify(p.Outcome)
			if s.String() != w.state || string(r) != w.reason {
				if bad++; bad <= 10 {
					t.Errorf("%s port %d: %s (%s), want %s (%s)", tab.Hosts[h], p.Number, s, r, w.state, w.reason)
				}
			}
		}
	}
	if bad > 10 {
		t.Errorf("... and %d more wrong ports", bad-10)
	}
}

// labTarget sets up a target with known ports of every kind.
func labTarget(t *testing.T, extra int) (*lab.Lab, *lab.Target, map[uint16]truth) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{ExtraAddrs: extra}}})
	tg := l.Targets[0]
	want := map[uint16]truth{}
	for _, p := range []uint16{22, 80, 443, 8080, 31337, 65535} {
		if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
			t.Fatal(err)
		}
		want[p] = truth{"open", "syn-ack"}
	}
	rules := []lab.Rule{
		{Proto: "tcp", From: 1000, To: 1019, Action: lab.Drop},
		{Proto: "tcp", From: 2000, To: 2004, Action: lab.RejectAdminProhibited},
		{Proto: "tcp", From: 3000, To: 3004, Action: lab.RejectPortUnreach},
		{Proto: "tcp", From: 4000, To: 4004, Action: lab.RejectHostUnreach},
	}
	if err := tg.Firewall(rules...); err != nil {
		t.Fatal(err)
	}
	// This test checks states, not the target's ICMP limiter.
	if err := tg.NoICMPRateLimit(); err != nil {
		t.Fatal(err)
	}
	for p := uint16(1000); p < 1020; p++ {
		want[p] = truth{"filtered", "no-response"}
	}
	for i := uint16(0); i < 5; i++ {
		want[2000+i] = truth{"filtered", "admin-prohibited"}
		want[3000+i] = truth{"filtered", "port-unreach"}
		want[4000+i] = truth{"filtered", "host-unreach"}
	}
	return l, tg, want
}

func TestSYNAllPorts(t *testing.T) {
	l, tg, want := labTarget(t, 0)
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		t.Run(a.String(), func(t *testing.T) {
			tab, st := scanLab(t, l, tg, scan.SYN, []netip.Addr{a}, allPorts())
			checkTable(t, tab, want, truth{"closed", "reset"})
			if st.NoReply != 20 {
				t.Errorf("%d ports rest on no reply, want the 20 dropped", st.NoReply)
			}
			if tab.TTL[21] != 64 && tab.TTL[21] != 0 {
				t.Errorf("reply TTL of port 22 = %d, want 64", tab.TTL[21])
			}
			if rtt := tab.RTT[0]; rtt.SRTT <= 0 || rtt.SRTT > 50*time.Millisecond {
				t.Errorf("smoothed RTT %v on a local link", rtt.SRTT)
			}
		})
	}
}

func TestOtherTechniques(t *testing.T) {
	l, tg, want := labTarget(t, 0)
	ports := []uint16{22, 80, 81, 1000, 1001, 2000, 3000, 4000, 5555}
	tests := []struct {
		tech       scan.Technique
		open, drop truth
		closed     truth
	}{
		{scan.ACK, truth{"unfiltered", "reset"}, truth{"filtered", "no-response"}, truth{"unfiltered", "reset"}},
		{scan.FIN, truth{"open|filtered", "no-response"}, truth{"open|filtered", "no-response"}, truth{"closed", "reset"}},
		{scan.NULL, truth{"open|filtered", "no-response"}, truth{"open|filtered", "no-response"}, truth{"closed", "reset"}},
		{scan.Xmas, truth{"open|filtered", "no-response"}, truth{"open|filtered", "no-response"}, truth{"closed", "reset"}},
	}
	for _, tt := range tests {
		t.Run(tt.tech.Name(), func(t *testing.T) {
			w := map[uint16]truth{22: tt.open, 80: tt.open, 1000: tt.drop, 1001: tt.drop}
			for _, p := range []uint16{2000, 3000, 4000} {
				w[p] = want[p]
			}
			tab, _ := scanLab(t, l, tg, tt.tech, []netip.Addr{tg.Addr}, ports)
			checkTable(t, tab, w, tt.closed)
		})
	}
}

func TestManyAddresses(t *testing.T) {
	l, tg, want := labTarget(t, 63)
	ports := make([]uint16, 0, 1100)
	for p := uint16(1); p <= 1100; p++ {
		ports = append(ports, p)
	}
	tab, _ := scanLab(t, l, tg, scan.SYN, tg.Addrs, ports)
	checkTable(t, tab, want, truth{"closed", "reset"})
}
