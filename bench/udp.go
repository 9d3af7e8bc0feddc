package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
)

// The UDP scenario: every target keeps Linux's default ICMP limiter (a
// burst of six port unreachables, then one a second to one destination),
// so the floor of a UDP scan is set by the target, not the scanner.
const (
	udpTargets  = 8
	udpClosed   = 78 // closed ports per target
	udpRejected = 5  // administratively prohibited per target
	udpBurst    = 6  // errors Linux lets through before its one a second
	udpTimeout  = 600 * time.Second
)

// udpPorts is the scanned list: 1 open (DNS-shaped echo on 53), 15 dropped,
// 5 rejected, 1 open echo (7000), the rest closed: 100 ports.
var udpPorts = fmt.Sprintf("53,1000-1014,2000-%d,7000,20000-%d", 2000+udpRejected-1, 20000+udpClosed-1)

// udpTruth is each port's state and reason on a UDP target.
func udpTruth(a netip.Addr) map[netip.AddrPort]string {
	t := map[netip.AddrPort]string{}
	set := func(p uint16, s string) { t[netip.AddrPortFrom(a, p)] = s }
	set(53, "open")
	set(7000, "open")
	for p := uint16(1000); p <= 1014; p++ {
		set(p, "open|filtered")
	}
	for p := uint16(2000); p < 2000+udpRejected; p++ {
		set(p, "filtered")
	}
	for p := uint16(20000); p < 20000+udpClosed; p++ {
		set(p, "closed")
	}
	return t
}

// udpTarget opens the scenario's ports on tg.
func udpTarget(tg *lab.Target) error {
	for _, p := range []uint16{53, 7000} {
		if _, err := tg.ServeUDP(p, lab.UDPEcho()); err != nil {
			return err
		}
	}
	return tg.Firewall(
		lab.Rule{Proto: "udp", From: 1000, To: 1014, Action: lab.Drop},
		lab.Rule{Proto: "udp", From: 2000, To: 2000 + udpRejected - 1, Action: lab.RejectAdminProhibited},
	)
}

// udpFormat reads the UDP port states of an -oX file and reports as
// "found" the ports whose state is the truth's. Listed ports are judged one
// by one; ports folded into extraports are known by count only, so a state
// is right for as many folded ports as the truth has unlisted ones in it.
func udpFormat(truth map[netip.AddrPort]string) format {
	return format{"out.xml", func(path string) (openSet, scanStats, error) {
		listed, folded, err := parseUDPStates(path)
		if err != nil {
			return nil, scanStats{}, err
		}
		found := openSet{}
		unlisted := map[string][]netip.AddrPort{}
		for ap, want := range truth {
			s, ok := listed[ap]
			switch {
			case !ok:
				unlisted[want] = append(unlisted[want], ap)
			case s == want:
				found[ap] = true
			}
		}
		for state, aps := range unlisted {
			for i, ap := range aps {
				if i < folded[state] {
					found[ap] = true
				}
			}
		}
		return found, scanStats{}, nil
	}}
}

// parseUDPStates returns the state of every UDP port listed in an -oX
// file, and the count of folded ports per state (over all hosts).
func parseUDPStates(path string) (map[netip.AddrPort]string, map[string]int, error) {
	type host struct {
		Addresses []struct {
			Addr     string `xml:"addr,attr"`
			AddrType string `xml:"addrtype,attr"`
		} `xml:"address"`
		Extra []struct {
			State string `xml:"state,attr"`
			Count int    `xml:"count,attr"`
		} `xml:"ports>extraports"`
		Ports []struct {
			Protocol string `xml:"protocol,attr"`
			PortID   uint16 `xml:"portid,attr"`
			State    struct {
				State string `xml:"state,attr"`
			} `xml:"state"`
		} `xml:"ports>port"`
	}
	listed := map[netip.AddrPort]string{}
	folded := map[string]int{}
	err := eachElement(path, func(dec *xml.Decoder, se xml.StartElement) error {
		if se.Name.Local != "host" {
			return nil
		}
		var h host
		if err := dec.DecodeElement(&h, &se); err != nil {
			return err
		}
		var addr netip.Addr
		for _, a := range h.Addresses {
			if a.AddrType == "ipv4" || a.AddrType == "ipv6" {
				addr, _ = netip.ParseAddr(a.Addr)
			}
		}
		for _, p := range h.Ports {
			if p.Protocol == "udp" {
				listed[netip.AddrPortFrom(addr, p.PortID)] = p.State.State
			}
		}
		for _, e := range h.Extra {
			folded[e.State] += e.Count
		}
		return nil
	})
	return listed, folded, err
}

// udpTool is picket or nmap scanning the UDP ports of addrs.
func udpTool(label, path string, addrs []netip.Addr) *tool {
	truth := map[netip.AddrPort]string{}
	var targets []string
	for _, a := range addrs {
		for ap, s := range udpTruth(a) {
			truth[ap] = s
		}
		targets = append(targets, a.String())
	}
	all := openSet{}
	for ap := range truth {
		all[ap] = true
	}
	flags := []string{"-sU", "-p", udpPorts, "-T4", "-n", "-Pn"}
	t := xmlTool(label, path, all, flags, targets...)
	t.format = udpFormat(truth)
	t.timeout = udpTimeout
	return t
}

func planUDP(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	var addrs []netip.Addr
	for _, tg := range l.Targets {
		if err := udpTarget(tg); err != nil {
			return nil, err
		}
		addrs = append(addrs, tg.Addr)
	}
	errors := udpClosed + udpRejected
	floor := time.Duration(errors-udpBurst) * time.Second
	one, all := addrs[:1], addrs
	return &plan{
		about: []string{
			fmt.Sprintf("Each target is its own namespace with Linux's default ICMP limiter, and 100 UDP "+
				"ports: 2 open (Go echo servers on 53 and 7000: picket sends a DNS query to 53, "+
				"the empty datagram to 7000, as Nmap does), 15 dropped (open|filtered), %d rejected as "+
				"administratively prohibited (filtered), %d closed. %d of the ports are only known from "+
				"an ICMP error, which the target sends at one a second after a burst of %d: the floor "+
				"of one target's scan is about %s, and %d targets, each with its own limiter, have the "+
				"same floor.", udpRejected, udpClosed, errors, udpBurst, seconds(floor), udpTargets),
			"\"Ports right\" counts ports whose state is the truth's. Both tools fold more than 25 " +
				"ports of one state into an extraports count, so folded ports are judged by count.",
		},
		tools: []*tool{
			udpTool("picket, 1 target", b.picket, one),
			udpTool("nmap, 1 target", nmapPath, one),
			udpTool(fmt.Sprintf("picket, %d targets", len(all)), b.picket, all),
			udpTool(fmt.Sprintf("nmap, %d targets", len(all)), nmapPath, all),
		},
		floor:   floor,
		shorten: strings.NewReplacer(udpPorts, "UDP100"),
		details: fmt.Sprintf("UDP100 is `%s`. The floor is %s per target (%d errors, %d of them in the "+
			"first burst, one a second after).", udpPorts, seconds(floor), errors, udpBurst),
	}, nil
}

func udpLabConfig() lab.Config {
	return lab.Config{Targets: make([]lab.TargetConfig, udpTargets)}
}

// floorTable reports each tool's wall time against the target's floor,
// and the ports it got right.
func floorTable(b *strings.Builder, tools []*tool, sums []summary, floor time.Duration) {
	b.WriteString("| tool | wall, median (min–max) | wall / floor, median (worst) | ports right | ports wrong |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for i, t := range tools {
		s := sums[i]
		ratio := "—"
		if s.runs > 0 {
			ratio = fmt.Sprintf("%.2f× (%.2f×)", s.wallMed.Seconds()/floor.Seconds(), s.wallMax.Seconds()/floor.Seconds())
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s |\n", t.label, s.wallCell(), ratio, s.foundCell(),
			s.portsCell(s.missed, oneAddr(t.truth)))
	}
}
