package main

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/wan"
	"github.com/picket-scanner/picket/ports"
	"github.com/picket-scanner/picket/result"
)

const (
	nmapPath    = "/usr/bin/nmap"
	masscanPath = "/usr/bin/masscan"
)

// openPorts listen on every benchmark target (except the scale one).
var openPorts = []uint16{21, 22, 25, 53, 80, 110, 143, 443, 445, 993, 995, 1433,
	3306, 3389, 5432, 5900, 6379, 8080, 8443, 9200, 27017, 31337}

// scenario is one lab and the tools measured in it.
type scenario struct {
	name, title string
	cfg         lab.Config
	plan        func(ctx context.Context, b *bench, l *lab.Lab) (*plan, error)
}

// plan is what a scenario measures once its lab is built.
type plan struct {
	about []string // paragraphs of Markdown before the table
	tools []*tool
	// scale reports each tool's rate and the growth between them instead
	// of ratios to picket; every tool runs once.
	scale bool
	// details is Markdown after the commands, e.g. a long port list.
	details string
	// shorten, if set, abbreviates the commands shown.
	shorten *strings.Replacer
	// floor, if set, is the least time the targets allow a scan: the
	// section reports each tool's time against it.
	floor time.Duration
	// services, if set, are the daemons behind the ports: the section
	// grades each tool's version detection on them instead of its ports.
	services []svPort
	// osRows, if set, pairs the tools (picket, nmap) per target of an OS
	// detection scenario, whose table compares their time and matches.
	osRows []osRow
}

var scenarios = []scenario{
	{name: "allports", title: "every port of one target, SYN scan", plan: planAllPorts},
	{name: "sT", title: "every port of one target, connect scan", plan: planConnect},
	{name: "top1000x64", title: "1000 ports of 64 addresses", plan: planTop1000,
		cfg: lab.Config{Targets: []lab.TargetConfig{{ExtraAddrs: 63}}}},
	{name: "wan", title: "every port over a lossy WAN link", plan: planWAN,
		cfg: lab.Config{Targets: []lab.TargetConfig{{WAN: &wan.Config{Delay: 25 * time.Millisecond, Loss: 0.02}}}}},
	{name: "scale", title: "picket alone over a /24, a /20 and a /16", plan: planScale,
		cfg: lab.Config{Targets: []lab.TargetConfig{{Prefix: netip.MustParsePrefix("198.19.0.0/16")}}}},
	{name: "sv", title: "version detection on real Debian daemons", plan: planSV},
	{name: "os", title: "OS detection (-O) per host, and 64 hosts at once", plan: planOS, cfg: osLabConfig()},
	{name: "udp", title: "UDP ports behind Linux's ICMP limit, one target and eight", plan: planUDP, cfg: udpLabConfig()},
}

// standardTarget opens openPorts on tg with silent Go listeners and drops
// tcp 1000-1019; every other port is closed.
func standardTarget(tg *lab.Target) error {
	for _, p := range openPorts {
		if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
			return err
		}
	}
	return tg.Firewall(lab.Rule{Proto: "tcp", From: 1000, To: 1019, Action: lab.Drop})
}

const standardAbout = "Target: 22 open ports (silent Go listeners on " +
	"21,22,25,53,80,110,143,443,445,993,995,1433,3306,3389,5432,5900,6379,8080,8443,9200,27017,31337), " +
	"tcp 1000-1019 dropped by the firewall, every other port closed (RST)."

// truthOf is every open port among scanned on every address; nil scanned
// means all ports.
func truthOf(addrs []netip.Addr, open []uint16, scanned *ports.Set) openSet {
	t := openSet{}
	for _, a := range addrs {
		for _, p := range open {
			if scanned == nil || scanned.Has(p) {
				t[netip.AddrPortFrom(a, p)] = true
			}
		}
	}
	return t
}

// xmlTool is picket or nmap writing -oX: flags, the output, the targets.
func xmlTool(label, path string, truth openSet, flags []string, targets ...string) *tool {
	return &tool{label: label, path: path, format: xmlOut, truth: truth,
		args: func(out string) []string {
			return slices.Concat(flags, []string{"-oX", out}, targets)
		}}
}

// masscanTool scans every port of tg at rate packets per second. masscan
// has its own TCP/IP stack and, with no default route in the lab, must be
// told its interface, addresses and the next hop's MAC.
func masscanTool(l *lab.Lab, tg *lab.Target, rate int, truth openSet) (*tool, error) {
	var mac net.HardwareAddr
	err := l.Scanner.Do(func() error {
		ifi, err := net.InterfaceByName(tg.ScannerIface)
		if err != nil {
			return fmt.Errorf("scanner interface: %w", err)
		}
		mac = ifi.HardwareAddr
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &tool{
		label: fmt.Sprintf("masscan %dk", rate/1000), path: masscanPath, format: listOut, truth: truth,
		trickle: tg,
		args: func(out string) []string {
			return []string{"-p1-65535", "--rate", strconv.Itoa(rate), "--wait", "1",
				"--adapter", tg.ScannerIface, "--adapter-ip", tg.ScannerAddr.String(),
				"--adapter-mac", mac.String(), "--router-mac", tg.MAC.String(),
				"-oL", out, tg.Addr.String()}
		},
	}, nil
}

const masscanAbout = "masscan runs with `--wait 1`: by default it waits 10 s after " +
	"sending for late replies, which would be unfair to it here (replies take well under a " +
	"second). Its receive thread only notices that sending is over when a packet arrives, so " +
	"while it runs the target sends the scanner one UDP datagram every 100 ms (at most 600); " +
	"without them it may never exit on a quiet link."

func planAllPorts(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	if err := standardTarget(tg); err != nil {
		return nil, err
	}
	truth := truthOf(tg.Addrs, openPorts, nil)
	a := tg.Addr.String()
	flags := []string{"-sS", "-p-", "-T4", "-n", "-Pn"}
	p := &plan{
		about: []string{"One target on a clean veth link, all 65,535 TCP ports. " + standardAbout, masscanAbout},
		tools: []*tool{
			xmlTool("picket", b.picket, truth, flags, a),
			xmlTool("nmap", nmapPath, truth, flags, a),
		},
	}
	for _, rate := range []int{100000, 20000} {
		m, err := masscanTool(l, tg, rate, truth)
		if err != nil {
			return nil, err
		}
		p.tools = append(p.tools, m)
	}
	return p, nil
}

func planConnect(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	if err := standardTarget(tg); err != nil {
		return nil, err
	}
	truth := truthOf(tg.Addrs, openPorts, nil)
	flags := []string{"-sT", "-p-", "-T4", "-n", "-Pn"}
	return &plan{
		about: []string{"The same target, all ports, with the kernel's connect() instead of raw packets. " + standardAbout},
		tools: []*tool{
			xmlTool("picket", b.picket, truth, flags, tg.Addr.String()),
			xmlTool("nmap", nmapPath, truth, flags, tg.Addr.String()),
		},
	}, nil
}

func planTop1000(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	if err := standardTarget(tg); err != nil {
		return nil, err
	}
	top := ports.Default().Top(result.TCP, 1000)
	truth := truthOf(tg.Addrs, openPorts, top)
	last := tg.Addrs[len(tg.Addrs)-1].As4()
	targets := fmt.Sprintf("%s-%d", tg.Addr, last[3])
	flags := []string{"-sS", "-p", top.String(), "-T4", "-n", "-Pn"}
	p := &plan{
		about: []string{
			fmt.Sprintf("One target with %d addresses on one interface, each with the standard ports. "+standardAbout, len(tg.Addrs)),
			fmt.Sprintf("Nmap's and picket's top-1000 lists differ, so both are given picket's top 1000 "+
				"with `-p` (written `TOP1000` below; the list is at the end of this section) and scan "+
				"identical ports. The truth counts the open ports among them: %d per address.", len(truth)/len(tg.Addrs)),
		},
		tools: []*tool{
			xmlTool("picket", b.picket, truth, flags, targets),
			xmlTool("nmap", nmapPath, truth, flags, targets),
		},
		shorten: strings.NewReplacer(top.String(), "TOP1000"),
		details: "<details><summary>TOP1000: picket's top 1000 TCP ports</summary>\n\n```\n" + top.String() + "\n```\n</details>",
	}
	return p, nil
}

// nmapWANTimeout caps nmap's single run over the WAN link.
const nmapWANTimeout = 600 * time.Second

func planWAN(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	if err := standardTarget(tg); err != nil {
		return nil, err
	}
	truth := truthOf(tg.Addrs, openPorts, nil)
	a := tg.Addr.String()
	flags := []string{"-sS", "-p-", "-T4", "-n", "-Pn"}
	nmap := xmlTool("nmap", nmapPath, truth, append(slices.Clone(flags), "-v", "--stats-every", "30s"), a)
	nmap.timeout, nmap.maxRuns, nmap.stdoutFallback = nmapWANTimeout, 1, true
	m, err := masscanTool(l, tg, 100000, truth)
	if err != nil {
		return nil, err
	}
	tools := []*tool{xmlTool("picket", b.picket, truth, flags, a), nmap, m}
	for _, t := range tools {
		t.link = tg.Link
	}
	return &plan{
		about: []string{
			"One target joined by the lab's emulated WAN link (internal/lab/wan): 25 ms one-way " +
				"delay (50 ms RTT) and 2% random loss, each way. " + standardAbout,
			"Nmap gets one run, stopped after 600 s; `-v --stats-every 30s` only make it print " +
				"what it found and how far it got, in case it is stopped. " + masscanAbout,
		},
		tools: tools,
	}, nil
}

// scaleOpen are the ports open on every address of the scale target.
var scaleOpen = []uint16{22, 443}

func planScale(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	for _, p := range scaleOpen {
		if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
			return nil, err
		}
	}
	top := ports.Default().Top(result.TCP, 100)
	p := &plan{
		about: []string{
			"One target answers for all of 198.19.0.0/16 (a local route in its namespace), behind " +
				"a clean veth link; ports 22 and 443 listen, so every address has two open ports " +
				"and 98 closed among the top 100. picket alone, one run per size."},
		scale: true,
	}
	for _, bits := range []int{24, 20, 16} {
		pfx := netip.PrefixFrom(tg.Prefix.Addr(), bits)
		var addrs []netip.Addr
		for a := pfx.Addr(); pfx.Contains(a); a = a.Next() {
			addrs = append(addrs, a)
		}
		t := xmlTool(pfx.String(), b.picket, truthOf(addrs, scaleOpen, top),
			[]string{"-sS", "--top-ports", "100", "-T4", "-n", "-Pn"}, pfx.String())
		t.probes = len(addrs) * top.Len()
		t.timeout = 900 * time.Second
		p.tools = append(p.tools, t)
	}
	return p, nil
}
