package cli_test

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/wan"
)

// udpLab is a target with UDP ports of every kind behind Linux's default
// ICMP limiter: BIND on 53, a Go echo server on 7000, a socket that never
// answers on 7001, 15 dropped ports, 5 rejected as administratively
// prohibited, and closed ports; and TCP 22 open for a mixed scan.
type udpLab struct {
	l     *lab.Lab
	tg    *lab.Target
	ports string         // the -p list
	want  map[string]int // "proto/state/reason" -> ports
	n     int            // UDP ports scanned
}

func newUDPLab(t *testing.T, cfg lab.TargetConfig) *udpLab {
	t.Helper()
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{cfg}})
	tg := l.Targets[0]
	if _, err := tg.StartDaemon(t.Context(), lab.DaemonBind9); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.ServeUDP(7000, lab.UDPEcho()); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.ServeUDP(7001, func([]byte, netip.AddrPort) []byte { return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.ServeTCP(22, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	if err := tg.Firewall(
		lab.Rule{Proto: "udp", From: 1000, To: 1014, Action: lab.Drop},
		lab.Rule{Proto: "udp", From: 2000, To: 2004, Action: lab.RejectAdminProhibited},
	); err != nil {
		t.Fatal(err)
	}
	const closed = 80
	return &udpLab{
		l: l, tg: tg,
		ports: fmt.Sprintf("T:22,U:53,1000-1014,2000-2004,7000,7001,20000-%d", 20000+closed-1),
		n:     2 + 15 + 5 + 2 + closed,
		want: map[string]int{
			"tcp/open/syn-ack":              1,
			"udp/open/udp-response":         2,
			"udp/open|filtered/no-response": 16,
			"udp/filtered/admin-prohibited": 5,
			"udp/closed/port-unreach":       closed,
		},
	}
}

// check compares the ports of the one host in a -oJ file with the lab's
// truth, counting folded ports by state and reason.
func (u *udpLab) check(t *testing.T, path string) {
	t.Helper()
	hosts, _ := readJSONL(t, path)
	if len(hosts) != 1 {
		t.Fatalf("%d hosts reported", len(hosts))
	}
	got := map[string]int{}
	for _, p := range hosts[0].Ports {
		got[p.Protocol+"/"+p.State+"/"+p.Reason]++
		switch {
		case p.Protocol == "udp" && p.Port == 53 && p.State != "open",
			p.Protocol == "udp" && p.Port == 7000 && p.State != "open",
			p.Protocol == "udp" && p.Port >= 20000 && p.State != "closed":
			t.Errorf("udp port %d: %s (%s)", p.Port, p.State, p.Reason)
		}
	}
	for _, e := range hosts[0].ExtraPorts {
		for _, r := range e.Reasons {
			// Folded ports are all of one protocol here: TCP has one
			// port, listed.
			got["udp/"+e.State+"/"+r.Reason] += r.Count
		}
	}
	for k, n := range u.want {
		if got[k] != n {
			t.Errorf("%d ports %s, want %d", got[k], k, n)
		}
	}
	for k, n := range got {
		if _, ok := u.want[k]; !ok {
			t.Errorf("%d ports %s, want none", n, k)
		}
	}
}

// TestUDPScan runs -sS -sU over 104 UDP ports of a host that limits its
// ICMP errors as Linux does by default: every state and reason must be
// right, and the run must take about as long as the host's limit makes
// necessary, not more.
func TestUDPScan(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	u := newUDPLab(t, lab.TargetConfig{})
	dir := t.TempDir()
	base := filepath.Join(dir, "out")
	start := time.Now()
	out := picketStderr(t, u.l, "-sS", "-sU", "-p", u.ports, "-T4", "-n", "-Pn", "-v", "-oA", base, "-oJ", base+".jsonl", u.tg.Addr.String())
	took := time.Since(start)
	u.check(t, base+".jsonl")
	xmllint(t, base+".xml")
	if !strings.Contains(out, "limits the ICMP errors it sends to about") {
		t.Errorf("-v did not say the host limits its errors:\n%s", out)
	}
	// 85 errors at one a second after a burst of six: the floor is 79 s.
	if floor := 79 * time.Second; took > floor*13/10 {
		t.Errorf("took %v, more than 1.3 times the floor of %v", took, floor)
	}
	normal, err := os.ReadFile(base + ".nmap")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"53/udp   open          domain", "7001/udp open|filtered", "22/tcp   open"} {
		if !strings.Contains(string(normal), want) {
			t.Errorf("normal output lacks %q:\n%s", want, normal)
		}
	}
}

// TestUDPScanLossyWAN is TestUDPScan over an emulated WAN link with 25 ms
// of delay and 2% loss each way, over IPv4 and IPv6.
func TestUDPScanLossyWAN(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	u := newUDPLab(t, lab.TargetConfig{WAN: &wan.Config{Delay: 25 * time.Millisecond, Loss: 0.02}})
	for _, addr := range []netip.Addr{u.tg.Addr, u.tg.Addr6} {
		js := filepath.Join(t.TempDir(), "out.jsonl")
		args := []string{"-sS", "-sU", "-p", u.ports, "-T4", "-n", "-Pn", "-oJ", js, addr.String()}
		if addr.Is6() {
			args = append([]string{"-6"}, args...)
		}
		picket(t, u.l, args...)
		u.check(t, js)
	}
	st := u.tg.Link.Stats()
	t.Logf("link: %+v", st)
	// Few datagrams come back, so the loss may fall on the probes only.
	if st.AB.Lost+st.BA.Lost == 0 {
		t.Errorf("the link lost nothing (%+v): the test did not test loss", st)
	}
}

// TestUDPVersions runs -sU -sV against the lab's real UDP servers: BIND,
// net-snmp and NTPsec must be named with the product, and the version
// where the wire carries it, as dpkg has it; an echo server is open but
// unnamed, a silent socket stays open|filtered, a closed port closed.
func TestUDPVersions(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(t.Context(), lab.DaemonBind9, lab.DaemonSNMPD, lab.DaemonNTPsec)
	if err != nil {
		t.Fatal(err)
	}
	bind, ntpsec := ds[0], ds[2]
	if _, err := tg.ServeUDP(7000, lab.UDPEcho()); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.ServeUDP(7001, func([]byte, netip.AddrPort) []byte { return nil }); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(t.TempDir(), "out.jsonl")
	picket(t, l, "-sU", "-sV", "-p", "53,123,161,7000,7001,40000", "-n", "-Pn", "-T4", "-oJ", js, tg.Addr.String())
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	type port struct {
		Port    int    `json:"port"`
		State   string `json:"state"`
		Reason  string `json:"reason"`
		Service struct {
			Name    string `json:"name"`
			Product string `json:"product"`
			Version string `json:"version"`
		} `json:"service"`
	}
	got := map[int]port{}
	for line := range strings.Lines(string(data)) {
		var h struct {
			Type  string `json:"type"`
			Ports []port `json:"ports"`
		}
		if err := json.Unmarshal([]byte(line), &h); err != nil {
			t.Fatal(err)
		}
		for _, p := range h.Ports {
			got[p.Port] = p
		}
	}
	_, bindVersion, _ := strings.Cut(bind.Version, ":")
	want := map[int][5]string{ // state, reason, name, product, version
		53:    {"open", "udp-response", "domain", "ISC BIND", bindVersion},
		123:   {"open", "udp-response", "ntp", "NTPsec", ntpsec.Upstream()},
		161:   {"open", "udp-response", "snmp", "net-snmp", ""},
		7000:  {"open", "udp-response", "", "", ""},
		7001:  {"open|filtered", "no-response", "", "", ""},
		40000: {"closed", "port-unreach", "", "", ""},
	}
	for n, w := range want {
		p := got[n]
		g := [5]string{p.State, p.Reason, p.Service.Name, p.Service.Product, p.Service.Version}
		if w[2] == "" {
			g[2] = "" // the table's name for the port, not detection's
		}
		if g != w {
			t.Errorf("udp %d: %q, want %q", n, g, w)
		}
	}
}

// TestUDPScanManyHosts scans four targets at once, each behind its own
// link and its own ICMP limiter: the run must cost about what one target
// costs, not four times as much.
func TestUDPScanManyHosts(t *testing.T) {
	lab.Require(t)
	t.Parallel()
	const nhosts, closed = 4, 30
	l := lab.Start(t, lab.Config{Targets: make([]lab.TargetConfig, nhosts)})
	var addrs []string
	for _, tg := range l.Targets {
		if _, err := tg.ServeUDP(53, lab.UDPEcho()); err != nil {
			t.Fatal(err)
		}
		addrs = append(addrs, tg.Addr.String())
	}
	js := filepath.Join(t.TempDir(), "out.jsonl")
	start := time.Now()
	picket(t, l, append([]string{"-sU", "-p", fmt.Sprintf("53,20000-%d", 20000+closed-1), "-T4", "-n", "-Pn", "-oJ", js}, addrs...)...)
	took := time.Since(start)
	hosts, _ := readJSONL(t, js)
	for _, h := range hosts {
		got := map[string]int{}
		for _, p := range h.Ports {
			got[p.State+"/"+p.Reason]++
		}
		for _, e := range h.ExtraPorts {
			got[e.State+"/"+e.Reasons[0].Reason] += e.Count
		}
		if got["open/udp-response"] != 1 || got["closed/port-unreach"] != closed || len(got) != 2 {
			t.Errorf("%s: %v, want 1 open and %d closed", h.Addr, got, closed)
		}
	}
	if len(hosts) != nhosts {
		t.Errorf("%d hosts reported, want %d", len(hosts), nhosts)
	}
	if floor := (closed - 6) * time.Second; took > floor*13/10 {
		t.Errorf("%d hosts took %v: more than 1.3 times one host's floor of %v", nhosts, took, floor)
	}
}
