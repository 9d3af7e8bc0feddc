package cli_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
)

// traceReport is the TRACEROUTE section of one host in normal output.
type traceReport struct {
	probe  string   // "port 80/tcp", "proto 1/icmp"
	hops   []string // by TTL from 1; "" for a TTL nothing answered
	shared int      // hops 1..shared are those of sameAs
	sameAs string
	rtts   []float64 // of the hops listed, in ms
}

var (
	reportLine = regexp.MustCompile(`^(?:Nmap|picket) scan report for (?:\S+ \()?([0-9a-f.:]+)\)?$`)
	traceHead  = regexp.MustCompile(`^TRACEROUTE \(using (.+)\)$`)
	sameLine   = regexp.MustCompile(`^-\s+Hops? 1(?:-(\d+))? (?:is|are) the same as for (\S+)$`)
	hopLine    = regexp.MustCompile(`^(\d+)\s+([\d.]+) ms\s+(?:\S+ \()?([0-9a-f.:]+)\)?$`)
	silentLine = regexp.MustCompile(`^(\d+)\s+\.\.\.(?: (\d+))?$`)
)

// parseTraces reads the TRACEROUTE sections of a normal report (picket's
// or Nmap's), by host, with hops shared with another host filled in from
// that host's section.
func parseTraces(t *testing.T, out string) map[string]*traceReport {
	t.Helper()
	reports := map[string]*traceReport{}
	var host string
	var cur *traceReport
	for _, line := range strings.Split(out, "\n") {
		line = strings.TrimRight(line, " ")
		if m := reportLine.FindStringSubmatch(line); m != nil {
			host, cur = m[1], nil
			continue
		}
		if m := traceHead.FindStringSubmatch(line); m != nil && host != "" {
			cur = &traceReport{probe: m[1]}
			reports[host] = cur
			continue
		}
		if cur == nil || line == "" || strings.HasPrefix(line, "HOP ") {
			if line == "" {
				cur = nil
			}
			continue
		}
		set := func(ttl int, addr string) {
			for len(cur.hops) < ttl {
				cur.hops = append(cur.hops, "")
			}
			cur.hops[ttl-1] = addr
		}
		switch m := []([]string){sameLine.FindStringSubmatch(line), hopLine.FindStringSubmatch(line), silentLine.FindStringSubmatch(line)}; {
		case m[0] != nil:
			cur.shared = 1
			if m[0][1] != "" {
				cur.shared, _ = strconv.Atoi(m[0][1])
			}
			cur.sameAs = m[0][2]
		case m[1] != nil:
			ttl, _ := strconv.Atoi(m[1][1])
			rtt, _ := strconv.ParseFloat(m[1][2], 64)
			set(ttl, m[1][3])
			cur.rtts = append(cur.rtts, rtt)
		case m[2] != nil:
			from, _ := strconv.Atoi(m[2][1])
			to := from
			if m[2][2] != "" {
				to, _ = strconv.Atoi(m[2][2])
			}
			for ttl := from; ttl <= to; ttl++ {
				set(ttl, "")
			}
		default:
			t.Errorf("a line of a TRACEROUTE section reads %q", line)
		}
	}
	for h, r := range reports {
		if r.shared == 0 {
			continue
		}
		other := reports[r.sameAs]
		if other == nil || other.shared != 0 || len(other.hops) < r.shared || len(r.hops) < r.shared {
			t.Errorf("%s: hops 1-%d the same as for %s, whose trace is not listed in full", h, r.shared, r.sameAs)
			continue
		}
		copy(r.hops, other.hops[:r.shared])
	}
	return reports
}

// xmlTraces reads the <trace> elements of an -oX file, by host.
func xmlTraces(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Hosts []struct {
			Addrs []struct {
				Addr string `xml:"addr,attr"`
				Type string `xml:"addrtype,attr"`
			} `xml:"address"`
			Trace *struct {
				Port  string `xml:"port,attr"`
				Proto string `xml:"proto,attr"`
				Hops  []struct {
					TTL  int     `xml:"ttl,attr"`
					Addr string  `xml:"ipaddr,attr"`
					RTT  float64 `xml:"rtt,attr"`
					Host string  `xml:"host,attr"`
				} `xml:"hop"`
			} `xml:"trace"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(f, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	out := map[string][]string{}
	for _, h := range doc.Hosts {
		if h.Trace == nil || len(h.Addrs) == 0 {
			continue
		}
		var hops []string
		for _, hop := range h.Trace.Hops {
			for len(hops) < hop.TTL {
				hops = append(hops, "")
			}
			hops[hop.TTL-1] = hop.Addr
		}
		out[h.Addrs[0].Addr] = hops
	}
	return out
}

func pathTo(routers []netip.Addr, dst netip.Addr) string {
	return fmt.Sprint(slices.Concat(routers, []netip.Addr{dst}))
}

func strs(s []string) string { return "[" + strings.Join(s, " ") + "]" }

// TestTraceroute runs picket -sS --traceroute on targets behind routers:
// two addresses of one target behind the same three routers, a second
// target behind two others, and a third behind three of which one is
// silent. Normal output and XML list the lab's hops in order, the XML is
// valid against Nmap's DTD, the shared routers are traced once, and Nmap's
// --traceroute on the same lab lists the same hops, silent ones alike. So
// do IPv6, a ping scan (echo requests), a UDP scan (a closed UDP port),
// and hops named by reverse DNS through the lab's DNS server.
func TestTraceroute(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Hops: 3, ExtraAddrs: 1}, {Hops: 2}, {Hops: 3}}})
	t0, t1, t2 := l.Targets[0], l.Targets[1], l.Targets[2]
	for _, tg := range l.Targets {
		if _, err := tg.ServeTCP(80, lab.Banner("hello\r\n")); err != nil {
			t.Fatal(err)
		}
	}
	// The second router in front of the third target sends no time
	// exceeded: its TTL is listed as "...".
	if _, err := t2.Routers[1].Exec(context.Background(), "iptables", "-w", "-A", "OUTPUT", "-p", "icmp", "--icmp-type", "time-exceeded", "-j", "DROP"); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		t0.Addrs[0].String(): pathTo(t0.Hops, t0.Addrs[0]),
		t0.Addrs[1].String(): pathTo(t0.Hops, t0.Addrs[1]),
		t1.Addr.String():     pathTo(t1.Hops, t1.Addr),
		t2.Addr.String():     strs([]string{t2.Hops[0].String(), "", t2.Hops[2].String(), t2.Addr.String()}),
	}
	targets := []string{t0.Addrs[0].String(), t0.Addrs[1].String(), t1.Addr.String(), t2.Addr.String()}

	dir := t.TempDir()
	xmlPath := filepath.Join(dir, "trace.xml")
	out := picket(t, l, append([]string{"-n", "-sS", "-p", "22,80", "--traceroute", "-oX", xmlPath}, targets...)...)
	t.Logf("picket:\n%s", out)
	got := parseTraces(t, out)
	fromXML := xmlTraces(t, xmlPath)
	xmllint(t, xmlPath)
	shared := 0
	for host, w := range want {
		r := got[host]
		if r == nil {
			t.Errorf("%s: no TRACEROUTE section", host)
			continue
		}
		if strs(r.hops) != w {
			t.Errorf("%s: normal output lists hops %v, want %s", host, r.hops, w)
		}
		if r.probe != "port 22/tcp" {
			t.Errorf("%s: traced using %s, want port 22/tcp (the closed port, as Nmap prefers)", host, r.probe)
		}
		for _, rtt := range r.rtts {
			if rtt < 0 || rtt > 5000 {
				t.Errorf("%s: RTT %v ms", host, rtt)
			}
		}
		if r.shared > 0 {
			shared++
		}
		if strs(fromXML[host]) != w {
			t.Errorf("%s: XML lists hops %v, want %s", host, fromXML[host], w)
		}
	}
	if shared != 1 {
		t.Errorf("%d hosts say their first hops are the same as another's, want 1 of the two behind the same routers", shared)
	}

	t.Run("IPv6", func(t *testing.T) {
		xmlPath := filepath.Join(t.TempDir(), "trace6.xml")
		out := picket(t, l, "-6", "-n", "-sS", "-p", "80", "--traceroute", "-oX", xmlPath, t0.Addr6.String(), t1.Addr6.String())
		got := parseTraces(t, out)
		fromXML := xmlTraces(t, xmlPath)
		xmllint(t, xmlPath)
		for _, c := range []struct {
			dst     netip.Addr
			routers []netip.Addr
		}{{t0.Addr6, t0.Hops6}, {t1.Addr6, t1.Hops6}} {
			w := pathTo(c.routers, c.dst)
			if r := got[c.dst.String()]; r == nil || strs(r.hops) != w {
				t.Errorf("%s: normal output lists %+v, want %s\n%s", c.dst, r, w, out)
			}
			if h := fromXML[c.dst.String()]; strs(h) != w {
				t.Errorf("%s: XML lists hops %v, want %s", c.dst, h, w)
			}
		}
		lab.RequireCommand(t, "nmap")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		nout, err := l.Scanner.Exec(ctx, "nmap", "-6", "-n", "-sS", "-p", "80", "--traceroute", t0.Addr6.String(), t1.Addr6.String())
		if err != nil {
			t.Fatalf("nmap: %v\n%s", err, nout)
		}
		theirs := parseTraces(t, string(nout))
		for _, dst := range []netip.Addr{t0.Addr6, t1.Addr6} {
			if n, p := theirs[dst.String()], got[dst.String()]; n == nil || p == nil || strs(n.hops) != strs(p.hops) {
				t.Errorf("%s: nmap's trace %+v, picket's %+v\n%s", dst, n, p, nout)
			}
		}
	})

	t.Run("ping scan", func(t *testing.T) {
		// No port scanned: echo requests, from the echo reply's TTL.
		out := picket(t, l, "-n", "-sn", "--traceroute", t1.Addr.String())
		r := parseTraces(t, out)[t1.Addr.String()]
		if r == nil || r.probe != "proto 1/icmp" || strs(r.hops) != want[t1.Addr.String()] {
			t.Errorf("-sn --traceroute: %+v, want echo requests along %s\n%s", r, want[t1.Addr.String()], out)
		}
	})

	t.Run("UDP", func(t *testing.T) {
		// A closed UDP port: its port unreachable ends the trace.
		out := picket(t, l, "-n", "-sU", "-p", "53", "--traceroute", t1.Addr.String())
		r := parseTraces(t, out)[t1.Addr.String()]
		if r == nil || r.probe != "port 53/udp" || strs(r.hops) != want[t1.Addr.String()] {
			t.Errorf("-sU --traceroute: %+v, want port 53/udp along %s\n%s", r, want[t1.Addr.String()], out)
		}
	})

	t.Run("nmap agrees", func(t *testing.T) {
		lab.RequireCommand(t, "nmap")
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		defer cancel()
		nout, err := l.Scanner.Exec(ctx, "nmap", append([]string{"-n", "-sS", "-p", "22,80", "--traceroute"}, targets...)...)
		if err != nil {
			t.Fatalf("nmap: %v\n%s", err, nout)
		}
		theirs := parseTraces(t, string(nout))
		for _, host := range targets {
			n, p := theirs[host], got[host]
			if n == nil || p == nil {
				t.Errorf("%s: nmap's trace %+v, picket's %+v", host, n, p)
				continue
			}
			if strs(n.hops) != strs(p.hops) || n.probe != p.probe {
				t.Errorf("%s: nmap traced %v using %s, picket %v using %s", host, n.hops, n.probe, p.hops, p.probe)
			}
		}
		if t.Failed() {
			t.Logf("nmap:\n%s", nout)
		}
	})

	t.Run("names", func(t *testing.T) {
		lab.RequireCommand(t, "named")
		if _, err := t0.StartDaemon(context.Background(), lab.DaemonBind9); err != nil {
			t.Fatal(err)
		}
		xmlPath := filepath.Join(t.TempDir(), "names.xml")
		out := picket(t, l, "-sS", "-p", "80", "--traceroute", "--dns-servers="+t0.Addr.String(), "-oX", xmlPath, t0.Addr.String())
		last := fmt.Sprintf("%d   ", len(t0.Hops)+1)
		wantLine := regexp.MustCompile(`(?m)^` + last + `[\d.]+ ms ` + regexp.QuoteMeta(lab.PTRTarget+" ("+t0.Addr.String()+")") + `$`)
		if !wantLine.MatchString(out) {
			t.Errorf("the last hop is not named %s:\n%s", lab.PTRTarget, out)
		}
		f, err := os.ReadFile(xmlPath)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(f), `host="`+lab.PTRTarget+`"/>`) {
			t.Errorf("no <hop host=%q> in the XML:\n%s", lab.PTRTarget, f)
		}
		xmllint(t, xmlPath)
	})
}
