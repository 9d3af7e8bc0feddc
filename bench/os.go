package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/netip"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
)

// osPersonas are the userspace stacks of the os scenario, targets 0 to 3;
// target 4 is the lab's Linux kernel with 64 addresses.
var osPersonas = []struct {
	name string
	p    func() persona.Personality
}{
	{"Windows persona", persona.Windows},
	{"FreeBSD persona", persona.FreeBSD},
	{"lwIP persona", persona.LwIP},
	{"Linux persona", persona.Linux},
}

// osManyAddrs is the size of the many-hosts run.
const osManyAddrs = 64

func osLabConfig() lab.Config {
	var cfg lab.Config
	for k, p := range osPersonas {
		cfg.Targets = append(cfg.Targets, lab.TargetConfig{Persona: &persona.Config{
			Personality: p.p(), OpenTCP: []uint16{22, 80}, Seed: uint64(k + 1)}})
	}
	cfg.Targets = append(cfg.Targets, lab.TargetConfig{ExtraAddrs: osManyAddrs - 1})
	return cfg
}

// osRow is one target of the os table: its picket and nmap tools.
type osRow struct {
	label string
	hosts int
}

const osAbout = "OS detection (`-O`) of one host of each kind, and of 64 addresses at once: four " +
	"userspace stacks (internal/lab/persona: Windows-, FreeBSD-, lwIP- and Linux-like) and the lab's " +
	"real Linux kernel, whose 64 addresses answer as 64 hosts (its ICMP rate limit lifted, as 64 " +
	"machines would each have their own). Each host has TCP 22 open and 443 closed, the two ports " +
	"scanned. picket matches against Nmap's nmap-os-db (`--datadir`), as nmap does. Both tools retry " +
	"a host without a perfect match, up to Nmap's default --max-os-tries (5, or 2 when conditions are " +
	"poor); the time includes the two-port scan and process start." +
	" The FreeBSD persona gives each connection a random timestamp offset, as FreeBSD 12 and later " +
	"do, so its SEQ tests, and with them the match, vary by chance from try to try: both tools retry" +
	" until a perfect match, and that row's times say how often each was lucky more than how fast it" +
	" is. Where both make all five tries (the lwIP persona and the real kernel), picket's take about" +
	" 4.2 s and nmap's 11.4 s."

func planOS(_ context.Context, b *bench, l *lab.Lab) (*plan, error) {
	linux := l.Targets[len(osPersonas)]
	if _, err := linux.ServeTCP(22, lab.Silent()); err != nil {
		return nil, err
	}
	if err := linux.NoICMPRateLimit(); err != nil {
		return nil, err
	}
	flags := []string{"-O", "-n", "-Pn", "-p", "22,443"}
	p := &plan{about: []string{osAbout}}
	add := func(label string, addrs []netip.Addr, spec string) {
		truth := truthOf(addrs, []uint16{22}, nil)
		pk := xmlTool("picket", b.picket, truth, append(slices.Clone(flags), "--datadir", nmapDataDir), spec)
		nm := xmlTool("nmap", nmapPath, truth, flags, spec)
		pk.osHosts, nm.osHosts = true, true
		p.tools = append(p.tools, pk, nm)
		p.osRows = append(p.osRows, osRow{label: label, hosts: len(addrs)})
	}
	for k, pc := range osPersonas {
		tg := l.Targets[k]
		add(pc.name, []netip.Addr{tg.Addr}, tg.Addr.String())
	}
	add("Linux kernel, one address", []netip.Addr{linux.Addr}, linux.Addr.String())
	last := linux.Addrs[len(linux.Addrs)-1].As4()
	add(fmt.Sprintf("Linux kernel, %d addresses", len(linux.Addrs)), linux.Addrs, fmt.Sprintf("%s-%d", linux.Addr, last[3]))
	return p, nil
}

// parseOS reads the best OS match a tool's XML gives each host: the first
// osmatch, with its accuracy, or "none".
func parseOS(path string) (map[string]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run struct {
		Hosts []struct {
			Addresses []struct {
				Addr string `xml:"addr,attr"`
				Type string `xml:"addrtype,attr"`
			} `xml:"address"`
			Matches []struct {
				Name     string `xml:"name,attr"`
				Accuracy int    `xml:"accuracy,attr"`
			} `xml:"os>osmatch"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	got := map[string]string{}
	for _, h := range run.Hosts {
		for _, a := range h.Addresses {
			if a.Type != "ipv4" {
				continue
			}
			got[a.Addr] = "none"
			if len(h.Matches) > 0 {
				got[a.Addr] = fmt.Sprintf("%s (%d%%)", h.Matches[0].Name, h.Matches[0].Accuracy)
			}
		}
	}
	return got, nil
}

// osTable puts picket and nmap side by side per target: time, time per
// host, the speed-up, and what each named (for many hosts, the names
// counted).
func osTable(b *strings.Builder, rows []osRow, tools []*tool, sums []summary, results [][]measure) {
	b.WriteString("| target | hosts | picket wall | nmap wall | picket per host | nmap per host | nmap ÷ picket | picket says | nmap says |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|\n")
	for i, r := range rows {
		pk, nm := sums[2*i], sums[2*i+1]
		speed := "—"
		if pk.wallMed > 0 && nm.wallMed > 0 {
			speed = fmt.Sprintf("%.1f×", nm.wallMed.Seconds()/pk.wallMed.Seconds())
		}
		per := func(s summary) string {
			if s.wallMed == 0 {
				return "—"
			}
			return seconds(s.wallMed / time.Duration(r.hosts))
		}
		fmt.Fprintf(b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s |\n", r.label, r.hosts, pk.wallCell(), nm.wallCell(),
			per(pk), per(nm), speed, osSaid(results[2*i]), osSaid(results[2*i+1]))
	}
}

// osSaid summarizes a tool's answers over its runs: each distinct best
// match with how many hosts (over all runs) got it.
func osSaid(ms []measure) string {
	count := map[string]int{}
	for _, m := range ms {
		for _, name := range m.os {
			count[name]++
		}
	}
	if len(count) == 0 {
		return "nothing"
	}
	names := make([]string, 0, len(count))
	for n := range count {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int { return count[b] - count[a] })
	var parts []string
	for _, n := range names {
		if len(count) == 1 && count[n] == len(ms) {
			parts = append(parts, n)
			continue
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", n, count[n]))
	}
	return strings.Join(parts, "; ")
}
