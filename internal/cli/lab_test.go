package cli_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/wan"
	"github.com/picket-scanner/picket/ports"
	"github.com/picket-scanner/picket/result"
)

// These tests run the picket binary, built once, inside the lab's scanner
// namespace, as a user would: the command line, the engines and the
// output files together, judged against what the lab really is.

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

func picketBin(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "picket-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "picket")
		out, err := exec.Command("go", "build", "-o", binPath, "../../cmd/picket").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// picket runs the binary in the scanner namespace and returns its output.
func picket(t *testing.T, l *lab.Lab, args ...string) (stdout string) {
	t.Helper()
	stdout, _ = picketRun(t, l, args...)
	return stdout
}

// picketStderr runs the binary as picket does and returns what it said on
// standard error.
func picketStderr(t *testing.T, l *lab.Lab, args ...string) string {
	t.Helper()
	_, stderr := picketRun(t, l, args...)
	return stderr
}

func picketRun(t *testing.T, l *lab.Lab, args ...string) (stdout, stderr string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	var out, errb bytes.Buffer
	cmd := l.Scanner.Command(ctx, picketBin(t), args...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		t.Fatalf("picket %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out.String(), errb.String())
	}
	t.Logf("picket %s: %v", strings.Join(args, " "), time.Since(start).Round(time.Millisecond))
	return out.String(), errb.String()
}

// jsonHost is the part of a -oJ host record these tests read.
type jsonHost struct {
	Type  string `json:"type"`
	Addr  string `json:"addr"`
	State string `json:"state"`
	Ports []struct {
		Protocol  string `json:"protocol"`
		Port      int    `json:"port"`
		State     string `json:"state"`
		Reason    string `json:"reason"`
		ReasonTTL int    `json:"reason_ttl"`
	} `json:"ports"`
	ExtraPorts []struct {
		State   string `json:"state"`
		Count   int    `json:"count"`
		Reasons []struct {
			Reason string `json:"reason"`
			Count  int    `json:"count"`
		} `json:"reasons"`
	} `json:"extra_ports"`
	Interrupted bool `json:"interrupted"`
}

func readJSONL(t *testing.T, path string) (hosts []jsonHost, end *jsonHost) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var h jsonHost
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatalf("%s: a line is not JSON: %v", path, err)
		}
		switch h.Type {
		case "host":
			hosts = append(hosts, h)
		case "run_end":
			end = &h
		}
	}
	return hosts, end
}

// truth says what each port of a lab target is; ports not named are closed.
type truth map[int][2]string // port -> state, reason

// checkHost compares one host record with the truth over nports ports.
func checkHost(t *testing.T, h jsonHost, want truth, closedReason string, nports int) {
	t.Helper()
	if h.State != "up" {
		t.Errorf("%s is %s, want up", h.Addr, h.State)
		return
	}
	listed := map[int]bool{}
	wrong := 0
	for _, p := range h.Ports {
		listed[p.Port] = true
		w, ok := want[p.Port]
		if !ok {
			w = [2]string{"closed", closedReason}
		}
		if p.State != w[0] || p.Reason != w[1] {
			if wrong++; wrong <= 10 {
				t.Errorf("%s port %d: %s (%s), want %s (%s)", h.Addr, p.Port, p.State, p.Reason, w[0], w[1])
			}
		}
	}
	// Every port of the truth that is not closed must be listed, unless
	// its state was folded; count the folded ones by state and reason.
	folded := map[[2]string]int{}
	for _, e := range h.ExtraPorts {
		for _, r := range e.Reasons {
			folded[[2]string{e.State, r.Reason}] += r.Count
		}
	}
	wantFolded := map[[2]string]int{}
	for port, w := range want {
		if !listed[port] {
			wantFolded[w]++
		}
	}
	closed := nports
	for range want {
		closed--
	}
	for _, p := range h.Ports {
		if _, ok := want[p.Port]; !ok {
			closed--
		}
	}
	if closed > 0 {
		wantFolded[[2]string{"closed", closedReason}] += closed
	}
	for k, n := range wantFolded {
		if folded[k] != n {
			t.Errorf("%s: %d ports not shown as %s (%s), want %d", h.Addr, folded[k], k[0], k[1], n)
		}
	}
	for k, n := range folded {
		if _, ok := wantFolded[k]; !ok {
			t.Errorf("%s: %d ports not shown as %s (%s), want none", h.Addr, n, k[0], k[1])
		}
	}
}

// xmllint validates an -oX file against Nmap's DTD, changed only to
// accept picket as the scanner.
func xmllint(t *testing.T, path string) {
	t.Helper()
	lab.RequireCommand(t, "xmllint")
	dtd, err := os.ReadFile("/usr/share/nmap/nmap.dtd")
	if err != nil {
		if lab.CI() {
			t.Fatalf("Nmap's DTD: %v (scripts/install-deps.sh installs nmap)", err)
		}
		t.Skipf("Nmap's DTD: %v", err)
	}
	fixed := bytes.Replace(dtd, []byte(`scanner		(nmap)`), []byte(`scanner		(nmap|picket)`), 1)
	if bytes.Equal(fixed, dtd) {
		t.Fatal("nmap.dtd: the scanner attribute's declaration was not found")
	}
	dpath := filepath.Join(t.TempDir(), "nmap-picket.dtd")
	if err := os.WriteFile(dpath, fixed, 0o644); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("xmllint", "--noout", "--dtdvalid", dpath, path).CombinedOutput(); err != nil {
		t.Errorf("xmllint %s: %v\n%s", path, err, out)
	}
}

// standardTarget gives target tg open, filtered, rejected and closed
// ports, and returns the truth for a SYN scan and a connect scan.
func standardTarget(t *testing.T, tg *lab.Target) (syn, conn truth) {
	t.Helper()
	syn, conn = truth{}, truth{}
	for _, p := range []uint16{22, 80, 443, 8080, 31337, 65535} {
		if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
			t.Fatal(err)
		}
		syn[int(p)] = [2]string{"open", "syn-ack"}
		conn[int(p)] = [2]string{"open", "syn-ack"}
	}
	if err := tg.Firewall(
		lab.Rule{Proto: "tcp", From: 1000, To: 1019, Action: lab.Drop},
		lab.Rule{Proto: "tcp", From: 2000, To: 2004, Action: lab.RejectAdminProhibited},
		lab.Rule{Proto: "tcp", From: 3000, To: 3004, Action: lab.RejectPortUnreach},
		lab.Rule{Proto: "tcp", From: 4000, To: 4004, Action: lab.RejectHostUnreach},
		lab.Rule{Proto: "tcp", From: 5000, To: 5004, Action: lab.RejectTCPReset},
	); err != nil {
		t.Fatal(err)
	}
	// These tests judge states; the target's ICMP rate limit is left to
	// tests of its own.
	if err := tg.NoICMPRateLimit(); err != nil {
		t.Fatal(err)
	}
	for p := 1000; p < 1020; p++ {
		syn[p] = [2]string{"filtered", "no-response"}
		conn[p] = syn[p]
	}
	for i := 0; i < 5; i++ {
		syn[2000+i] = [2]string{"filtered", "admin-prohibited"}
		syn[3000+i] = [2]string{"filtered", "port-unreach"}
		syn[4000+i] = [2]string{"filtered", "host-unreach"}
		// The connect scan reads ICMP errors from the socket's error
		// queue, so it names them as exactly as the SYN scan.
		for _, p := range []int{2000 + i, 3000 + i, 4000 + i} {
			conn[p] = syn[p]
		}
	}
	return syn, conn
}

func TestScanAllPorts(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	syn, conn := standardTarget(t, tg)
	tests := []struct {
		name   string
		args   []string
		want   truth
		closed string
	}{
		{"syn ipv4", []string{"-sS", tg.Addr.String()}, syn, "reset"},
		{"connect ipv4", []string{"-sT", tg.Addr.String()}, conn, "conn-refused"},
		{"syn ipv6", []string{"-6", "-sS", tg.Addr6.String()}, syn, "reset"},
		{"connect ipv6", []string{"-6", "-sT", tg.Addr6.String()}, conn, "conn-refused"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			js, xml := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.xml")
			out := picket(t, l, append([]string{"-p-", "-T4", "-n", "-oJ", js, "-oX", xml}, tt.args...)...)
			hosts, end := readJSONL(t, js)
			if len(hosts) != 1 || end == nil || end.Interrupted {
				t.Fatalf("%d host records, run end %+v\n%s", len(hosts), end, out)
			}
			checkHost(t, hosts[0], tt.want, tt.closed, 65535)
			xmllint(t, xml)
		})
	}
}

func TestScanManyAddresses(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{ExtraAddrs: 63}}})
	tg := l.Targets[0]
	syn, _ := standardTarget(t, tg)
	dir := t.TempDir()
	js := filepath.Join(dir, "out.jsonl")
	picket(t, l, "-sS", "-T4", "-n", "-oJ", js, tg.Addr.String()+"-"+strings.Split(tg.Addrs[63].String(), ".")[3])
	hosts, _ := readJSONL(t, js)
	if len(hosts) != 64 {
		t.Fatalf("%d hosts reported, want 64", len(hosts))
	}
	// The default ports are picket's top 1000: judge the truth among them.
	top := ports.Default().Top(result.TCP, 1000)
	want := truth{}
	for port, w := range syn {
		if top.Has(uint16(port)) {
			want[port] = w
		}
	}
	for _, h := range hosts {
		checkHost(t, h, want, "reset", 1000)
	}
}

// TestScanLossyWAN scans every port over an emulated WAN link with 25 ms
// of delay each way and 2% random loss each way: every open port must be
// found, none invented, every state right.
func TestScanLossyWAN(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{WAN: &wan.Config{Delay: 25 * time.Millisecond, Loss: 0.02}}}})
	tg := l.Targets[0]
	syn, _ := standardTarget(t, tg)
	dir := t.TempDir()
	js := filepath.Join(dir, "out.jsonl")
	picket(t, l, "-sS", "-p-", "-T4", "-n", "-oJ", js, tg.Addr.String())
	hosts, _ := readJSONL(t, js)
	if len(hosts) != 1 {
		t.Fatalf("%d hosts reported", len(hosts))
	}
	checkHost(t, hosts[0], syn, "reset", 65535)
	st := tg.Link.Stats()
	t.Logf("link: %+v", st)
	if st.AB.Lost == 0 || st.BA.Lost == 0 {
		t.Errorf("the link lost nothing (%+v): the test did not test loss", st)
	}
}

// TestInterruptKeepsOutput stops a scan with SIGINT after some hosts have
// finished: the XML must still be valid and the JSON must hold those
// hosts and a run end that says the run was interrupted.
func TestInterruptKeepsOutput(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{ExtraAddrs: 7}}})
	tg := l.Targets[0]
	dir := t.TempDir()
	js, xml := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.xml")
	last := strings.Split(tg.Addrs[7].String(), ".")[3]
	args := []string{"-sS", "-Pn", "-p", "1-3000", "--max-rate", "4000", "--max-hostgroup", "1", "-n",
		"-oJ", js, "-oX", xml, tg.Addr.String() + "-" + last}
	cmd := l.Scanner.Command(context.Background(), picketBin(t), args...)
	var errb bytes.Buffer
	cmd.Stderr = &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Each host takes about 0.75s at 4000 probes per second: stop the
	// scan when two or three are done.
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	if err == nil {
		t.Fatalf("picket finished before the interrupt; stderr:\n%s", errb.String())
	}
	hosts, end := readJSONL(t, js)
	if len(hosts) == 0 || len(hosts) >= 8 {
		t.Fatalf("%d hosts written before the interrupt, want some but not all", len(hosts))
	}
	if end == nil || !end.Interrupted {
		t.Errorf("the JSON run end is missing or does not say the run was interrupted: %+v", end)
	}
	for _, h := range hosts {
		n := len(h.Ports)
		for _, e := range h.ExtraPorts {
			n += e.Count
		}
		if h.State != "up" || n != 3000 {
			t.Errorf("host %s written before the interrupt is incomplete (%d ports): %+v", h.Addr, n, h)
		}
	}
	xmllint(t, xml)
	t.Logf("%d hosts finished before the interrupt; stderr: %s", len(hosts), errb.String())
}

// jsonHostReason reads the state and reason of each host of a -oJ file.
func hostStates(t *testing.T, path string) map[string][2]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string][2]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var h struct {
			Type, Addr, State, Reason string
		}
		if err := json.Unmarshal(sc.Bytes(), &h); err != nil {
			t.Fatal(err)
		}
		if h.Type == "host" {
			out[h.Addr] = [2]string{h.State, h.Reason}
		}
	}
	return out
}

// TestDiscovery runs ping scans (-sn) with each kind of discovery probe:
// ARP on the link, Nmap's default probes beyond it, and the -P options.
func TestDiscovery(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Prefix: netip.MustParsePrefix("198.19.0.0/16")}}})
	tg := l.Targets[0]
	if _, err := tg.ServeTCP(22, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	if _, err := tg.ServeUDP(7, lab.UDPEcho()); err != nil {
		t.Fatal(err)
	}
	// 198.19.0.0/16 is routed through the target, which answers for all
	// of it; nothing answers 198.18.0.77 on the link.
	up, absent, remote := tg.Addr.String(), "198.18.0.77", "198.19.7.9"
	tests := []struct {
		name string
		args []string
		want map[string][2]string
	}{
		{"arp on the link", []string{up, absent}, map[string][2]string{up: {"up", "arp-response"}, absent: {"down", "no-response"}}},
		{"default probes beyond the link", []string{remote}, map[string][2]string{remote: {"up", "echo-reply"}}},
		{"default probes without arp", []string{"--disable-arp-ping", up, absent}, map[string][2]string{up: {"up", "echo-reply"}, absent: {"down", "no-response"}}},
		{"syn ping", []string{"-PS22", remote}, map[string][2]string{remote: {"up", "syn-ack"}}},
		{"syn ping to a closed port", []string{"-PS23", remote}, map[string][2]string{remote: {"up", "reset"}}},
		{"ack ping", []string{"-PA", remote}, map[string][2]string{remote: {"up", "reset"}}},
		{"ack ping ignoring resets", []string{"-PA", "--discovery-ignore-rst", remote}, map[string][2]string{remote: {"down", "no-response"}}},
		{"timestamp ping", []string{"-PP", remote}, map[string][2]string{remote: {"up", "timestamp-reply"}}},
		{"udp ping to a closed port", []string{"-PU", remote}, map[string][2]string{remote: {"up", "port-unreach"}}},
		// The Go echo server answers from the interface's address, not
		// from an address of the routed prefix: ask it on the link.
		{"udp ping to an open port", []string{"-PU7", "--disable-arp-ping", up}, map[string][2]string{up: {"up", "udp-response"}}},
		{"udp ping over ipv6", []string{"-6", "-PU", "--disable-arp-ping", tg.Addr6.String()}, map[string][2]string{tg.Addr6.String(): {"up", "port-unreach"}}},
		{"echo ping over ipv6 without nd", []string{"-6", "-PE", "--disable-arp-ping", tg.Addr6.String()}, map[string][2]string{tg.Addr6.String(): {"up", "echo-reply"}}},
		{"neighbour discovery", []string{"-6", tg.Addr6.String()}, map[string][2]string{tg.Addr6.String(): {"up", "nd-response"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "out.jsonl")
			picket(t, l, append([]string{"-sn", "-n", "-T4", "-oJ", js}, tt.args...)...)
			got := hostStates(t, js)
			for addr, w := range tt.want {
				if got[addr] != w {
					t.Errorf("%s: %v, want %v", addr, got[addr], w)
				}
			}
		})
	}
}

// TestShards splits one scan in two with --shard: together the shards
// probe every port once, and find every open port.
func TestShards(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	syn, conn := standardTarget(t, tg)
	for _, tech := range []struct {
		flag string
		want truth
	}{{"-sS", syn}, {"-sT", conn}} {
		t.Run(tech.flag, func(t *testing.T) {
			total := 0
			open := map[int]int{}
			for _, shard := range []string{"1/2", "2/2"} {
				js := filepath.Join(t.TempDir(), "out.jsonl")
				picket(t, l, tech.flag, "-p", "1-2000,8080,31337", "-T4", "-n", "-Pn", "--seed", "7", "--shard", shard, "-oJ", js, tg.Addr.String())
				hosts, _ := readJSONL(t, js)
				if len(hosts) != 1 {
					t.Fatalf("shard %s: %d hosts", shard, len(hosts))
				}
				n := len(hosts[0].Ports)
				for _, e := range hosts[0].ExtraPorts {
					n += e.Count
				}
				if n < 800 || n > 1202 {
					t.Errorf("shard %s probed %d of 2002 ports, want about half", shard, n)
				}
				total += n
				for _, p := range hosts[0].Ports {
					if p.State == "open" {
						open[p.Port]++
					}
				}
			}
			if total != 2002 {
				t.Errorf("the shards probed %d ports in all, want 2002", total)
			}
			for port, w := range tech.want {
				if w[0] == "open" && (port <= 2000 || port == 8080 || port == 31337) && open[port] != 1 {
					t.Errorf("open port %d found by %d shards, want exactly 1", port, open[port])
				}
			}
		})
	}
}

// TestReverseDNS names hosts through the lab's own DNS server: the target's
// PTR record with --dns-servers, for up hosts by default and for every
// host with -R; -n names none.
func TestReverseDNS(t *testing.T) {
	lab.RequireCommand(t, "named")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.StartDaemon(context.Background(), lab.DaemonBind9); err != nil {
		t.Fatal(err)
	}
	dns := "--dns-servers=" + tg.Addr.String()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"up host named", []string{"-sn", dns, tg.Addr.String()}, lab.PTRTarget},
		{"no resolution", []string{"-sn", "-n", tg.Addr.String()}, ""},
		{"list scan", []string{"-sL", dns, tg.Addr.String()}, lab.PTRTarget},
		{"down host with -R", []string{"-sn", "-R", dns, tg.AbsentAddr().String()}, lab.PTRAbsent},
		{"down host without -R", []string{"-sn", dns, tg.AbsentAddr().String()}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "out.jsonl")
			picket(t, l, append([]string{"-oJ", js}, tt.args...)...)
			f, err := os.ReadFile(js)
			if err != nil {
				t.Fatal(err)
			}
			var name string
			for _, line := range bytes.Split(bytes.TrimSpace(f), []byte("\n")) {
				var h struct {
					Type      string
					Hostnames []struct{ Name, Type string }
				}
				json.Unmarshal(line, &h)
				for _, n := range h.Hostnames {
					if h.Type == "host" && n.Type == "PTR" {
						name = n.Name
					}
				}
			}
			if name != tt.want {
				t.Errorf("PTR name %q, want %q", name, tt.want)
			}
		})
	}
}

// TestResume interrupts a scan, then resumes it from its XML output: in
// the end every output file holds each host exactly once, and the XML is
// valid.
func TestResume(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{ExtraAddrs: 7}}})
	tg := l.Targets[0]
	if _, err := tg.ServeTCP(22, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	base, js := filepath.Join(dir, "scan"), filepath.Join(dir, "scan.jsonl")
	last := strings.Split(tg.Addrs[7].String(), ".")[3]
	cmd := l.Scanner.Command(context.Background(), picketBin(t), "-sS", "-Pn", "-p", "1-3000", "--max-rate", "4000",
		"--max-hostgroup", "1", "-n", "-oA", base, "-oJ", js, tg.Addr.String()+"-"+last)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * time.Second)
	cmd.Process.Signal(syscall.SIGINT)
	if cmd.Wait() == nil {
		t.Fatal("picket finished before the interrupt")
	}
	before, _ := readJSONL(t, js)
	if len(before) == 0 || len(before) >= 8 {
		t.Fatalf("%d hosts before the interrupt, want some but not all", len(before))
	}
	picket(t, l, "--resume", base+".xml")

	hosts, end := readJSONL(t, js)
	seen := map[string]int{}
	for _, h := range hosts {
		seen[h.Addr]++
		n := len(h.Ports)
		for _, e := range h.ExtraPorts {
			n += e.Count
		}
		if n != 3000 {
			t.Errorf("%s: %d ports in the JSON, want 3000", h.Addr, n)
		}
	}
	for _, a := range tg.Addrs {
		if seen[a.String()] != 1 {
			t.Errorf("%s appears %d times in the JSON, want once", a, seen[a.String()])
		}
	}
	if end == nil || end.Interrupted {
		t.Errorf("the JSON does not end with a finished run: %+v", end)
	}
	xmllint(t, base+".xml")
	for _, f := range []struct{ suffix, marker string }{{".xml", "<host "}, {".gnmap", "\tPorts: "}, {".nmap", "scan report for "}} {
		data, err := os.ReadFile(base + f.suffix)
		if err != nil {
			t.Fatal(err)
		}
		if n := bytes.Count(data, []byte(f.marker)); n != 8 {
			t.Errorf("%s holds %d hosts, want 8", f.suffix, n)
		}
	}
}

// TestICMPRateLimit scans targets that keep Linux's default limit on the
// ICMP errors they send (a burst of six, then one a second): every port of
// a rejected block must still get its true reason, not "no-response". Each
// technique scans a target of its own: a scan that starts when another
// has just emptied the limiter sees no error before the next token, and a
// scan that ends sooner cannot tell the block from a dropped one.
func TestICMPRateLimit(t *testing.T) {
	l := lab.Start(t, lab.Config{Targets: make([]lab.TargetConfig, 2)})
	for _, tg := range l.Targets {
		if _, err := tg.ServeTCP(22, lab.Silent()); err != nil {
			t.Fatal(err)
		}
		if err := tg.Firewall(
			lab.Rule{Proto: "tcp", From: 1000, To: 1004, Action: lab.Drop},
			lab.Rule{Proto: "tcp", From: 2000, To: 2014, Action: lab.RejectAdminProhibited},
		); err != nil {
			t.Fatal(err)
		}
	}
	want := truth{22: {"open", "syn-ack"}}
	for p := 1000; p < 1005; p++ {
		want[p] = [2]string{"filtered", "no-response"}
	}
	for p := 2000; p < 2015; p++ {
		want[p] = [2]string{"filtered", "admin-prohibited"}
	}
	for i, tech := range []string{"-sS", "-sT"} {
		t.Run(tech, func(t *testing.T) {
			js := filepath.Join(t.TempDir(), "out.jsonl")
			picket(t, l, tech, "-p", "1-3000", "-T4", "-n", "-Pn", "-oJ", js, l.Targets[i].Addr.String())
			hosts, _ := readJSONL(t, js)
			if len(hosts) != 1 {
				t.Fatalf("%d hosts", len(hosts))
			}
			closed := "reset"
			if tech == "-sT" {
				closed = "conn-refused"
			}
			checkHost(t, hosts[0], want, closed, 3000)
		})
	}
}

// TestConsumers hands real -oX output to the programs that read Nmap's
// XML: ndiff sees a port that opened between two scans, python3-libnmap
// reads every port and state, and xsltproc renders it with Nmap's
// stylesheet.
func TestConsumers(t *testing.T) {
	lab.RequireCommand(t, "ndiff", "xsltproc", "/usr/bin/python3")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	for _, p := range []uint16{22, 80} {
		if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.xml"), filepath.Join(dir, "b.xml")
	args := []string{"-sS", "-p", "1-1024,8080", "-T4", "-n", tg.Addr.String()}
	picket(t, l, append([]string{"-oX", a}, args...)...)
	if _, err := tg.ServeTCP(8080, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	picket(t, l, append([]string{"-oX", b}, args...)...)

	out, err := exec.Command("ndiff", a, b).CombinedOutput()
	if code := exitCode(err); code != 1 || !bytes.Contains(out, []byte("+8080/tcp open")) {
		t.Errorf("ndiff exited %d (want 1, different) and said:\n%s", code, out)
	}

	script := `
import sys
from libnmap.parser import NmapParser
r = NmapParser.parse_fromfile(sys.argv[1])
for h in r.hosts:
    print(h.address, h.status, sorted((s.port, s.state, s.reason) for s in h.services if s.state == "open"), len(h.services))
`
	out, err = exec.Command("/usr/bin/python3", "-c", script, b).CombinedOutput()
	want := fmt.Sprintf("%s up [(22, 'open', 'syn-ack'), (80, 'open', 'syn-ack'), (8080, 'open', 'syn-ack')] 3", tg.Addr)
	if err != nil || strings.TrimSpace(string(out)) != want {
		t.Errorf("libnmap read:\n%s(err %v)\nwant %s", out, err, want)
	}

	html, err := exec.Command("xsltproc", "/usr/share/nmap/nmap.xsl", b).CombinedOutput()
	if err != nil || !bytes.Contains(html, []byte(tg.Addr.String())) || !bytes.Contains(html, []byte("8080")) {
		t.Errorf("xsltproc: %v; the HTML lacks the host or its ports (%d bytes)", err, len(html))
	}
}

func exitCode(err error) int {
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// TestVersionDetection runs -sV against the lab's real Debian servers and
// checks product and version against what dpkg says is installed.
func TestVersionDetection(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	kinds := lab.AllDaemons()
	ds, err := tg.StartDaemons(context.Background(), kinds...)
	if err != nil {
		t.Fatal(err)
	}
	up := map[lab.DaemonKind]string{}
	for _, d := range ds {
		up[d.Kind] = d.Upstream()
	}
	type svc struct{ name, product, version, tunnel string }
	want := map[int]svc{
		80:   {"http", "nginx", up[lab.DaemonNginx], ""},
		443:  {"http", "nginx", up[lab.DaemonNginx], "ssl"},
		6379: {"redis", "Redis key-value store", up[lab.DaemonRedis], ""},
		3306: {"mysql", "MariaDB", up[lab.DaemonMariaDB], ""},
		5432: {"postgresql", "PostgreSQL DB", "", ""},
		53:   {"domain", "ISC BIND", up[lab.DaemonBind9], ""},
		22:   {"ssh", "OpenSSH", up[lab.DaemonSSH], ""},
		21:   {"ftp", "vsftpd", up[lab.DaemonVsftpd], ""},
		25:   {"smtp", "Postfix smtpd", "", ""},
		110:  {"pop3", "Dovecot pop3d", "", ""},
		143:  {"imap", "Dovecot imapd", "", ""},
		993:  {"imap", "Dovecot imapd", "", "ssl"},
		995:  {"pop3", "Dovecot pop3d", "", "ssl"},

		11211: {"memcached", "Memcached", up[lab.DaemonMemcached], ""},
		1883:  {"mqtt", "Eclipse Mosquitto", up[lab.DaemonMosquitto], ""},
		873:   {"rsync", "", "", ""}, // the greeting names the protocol only
		2222:  {"ssh", "Dropbear sshd", up[lab.DaemonDropbear], ""},
		389:   {"ldap", "OpenLDAP", "", ""},
		445:   {"microsoft-ds", "Samba smbd", "", ""},
		5901:  {"vnc", "VNC", "", ""},
		23:    {"telnet", "GNU inetutils telnetd", "", ""},
		8080:  {"http", "Apache httpd", up[lab.DaemonApache], ""},
		8081:  {"http", "lighttpd", up[lab.DaemonLighttpd], ""},
		3128:  {"http-proxy", "Squid http proxy", up[lab.DaemonSquid], ""},
		8888:  {"http-proxy", "tinyproxy", up[lab.DaemonTinyproxy], ""},
	}
	var list []string
	for p := range want {
		list = append(list, fmt.Sprint(p))
	}
	js := filepath.Join(t.TempDir(), "out.jsonl")
	start := time.Now()
	picket(t, l, "-sV", "-p", strings.Join(list, ","), "-n", "-T4", "-oJ", js, tg.Addr.String())
	t.Logf("%d services identified in %v", len(want), time.Since(start).Round(10*time.Millisecond))
	data, err := os.ReadFile(js)
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range bytes.Split(bytes.TrimSpace(data), []byte("\n")) {
		var h struct {
			Type  string
			Ports []struct {
				Port    int
				State   string
				Service struct{ Name, Product, Version, Tunnel, Method string }
			}
		}
		if err := json.Unmarshal(line, &h); err != nil {
			t.Fatal(err)
		}
		if h.Type != "host" {
			continue
		}
		if len(h.Ports) != len(want) {
			t.Errorf("%d ports reported, want %d", len(h.Ports), len(want))
		}
		for _, p := range h.Ports {
			w, s := want[p.Port], p.Service
			if p.State != "open" || s.Name != w.name || s.Product != w.product || s.Tunnel != w.tunnel || s.Method != "probed" {
				t.Errorf("port %d: %s %+v, want open %+v (probed)", p.Port, p.State, s, w)
			}
			if p.Port == 5432 {
				// PostgreSQL reveals no version before login; a range the
				// protocol proves is allowed if it holds.
				if v := s.Version; v != "" && v != "10 or later" && v != "11 or later" {
					t.Errorf("port 5432: version %q: want none, or a range that holds for PostgreSQL %s", v, up[lab.DaemonPostgreSQL])
				}
				continue
			}
			if (w.version == "") != (s.Version == "") || !strings.Contains(s.Version, w.version) {
				t.Errorf("port %d: version %q, want one with %q (dpkg)", p.Port, s.Version, w.version)
			}
		}
	}
}

// TestVersionHostile runs -sV against services that try to hold a scanner:
// a tarpit that sends one byte a second, an endless banner, garbage,
// silence, a hang-up, an answer of huge headers. Each must come back in
// bounded time, the others still identified, picket alive.
func TestVersionHostile(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	endless := func(c net.Conn) {
		buf := bytes.Repeat([]byte("SSH-2.0-"), 8192)
		c.SetWriteDeadline(time.Now().Add(time.Minute))
		for {
			if _, err := c.Write(buf); err != nil {
				return
			}
		}
	}
	garbage := func(c net.Conn) {
		b := make([]byte, 4096)
		for i := range b {
			b[i] = byte(i*7 + 3)
		}
		c.Write(b)
		io.Copy(io.Discard, c)
	}
	hugeHeaders := func(c net.Conn) {
		c.SetReadDeadline(time.Now().Add(10 * time.Second))
		c.Read(make([]byte, 4096))
		c.Write([]byte("HTTP/1.1 200 OK\r\nServer: picket-lab\r\n"))
		line := append([]byte("X-Filler: "), bytes.Repeat([]byte("a"), 8000)...)
		line = append(line, "\r\n"...)
		c.SetWriteDeadline(time.Now().Add(time.Minute))
		for {
			if _, err := c.Write(line); err != nil {
				return
			}
		}
	}
	for port, h := range map[uint16]lab.Handler{
		2001: lab.Slow("220 slow banner that never ends\r\n", time.Second),
		2002: endless,
		2003: garbage,
		2004: lab.Silent(),
		2005: lab.Hangup(),
		2006: hugeHeaders,
		2022: lab.Banner("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"),
	} {
		if _, err := tg.ServeTCP(port, h); err != nil {
			t.Fatal(err)
		}
	}
	js := filepath.Join(t.TempDir(), "out.jsonl")
	start := time.Now()
	picket(t, l, "-sV", "-p", "2001-2006,2022", "-n", "-T4", "-oJ", js, tg.Addr.String())
	if d := time.Since(start); d > 2*time.Minute {
		t.Errorf("-sV took %v against hostile services", d)
	}
	hosts, _ := readJSONL(t, js)
	if len(hosts) != 1 || len(hosts[0].Ports) != 7 {
		t.Fatalf("hosts %+v, want one with 7 open ports", hosts)
	}
	data, _ := os.ReadFile(js)
	if !bytes.Contains(data, []byte(`"product":"OpenSSH"`)) {
		t.Errorf("the honest SSH server among the hostile ones was not identified:\n%s", data)
	}
}

// TestRSTRateLimit scans a target that sends at most 2,000 resets a second:
// every closed port must still be found closed, none reported filtered
// for a reset the target held back.
func TestRSTRateLimit(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	if _, err := tg.ServeTCP(22, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	if err := tg.LimitResets(2000, 100); err != nil {
		t.Fatal(err)
	}
	js := filepath.Join(t.TempDir(), "out.jsonl")
	picket(t, l, "-sS", "-p", "1-10000", "-T4", "-n", "-Pn", "-oJ", js, tg.Addr.String())
	hosts, _ := readJSONL(t, js)
	if len(hosts) != 1 {
		t.Fatalf("%d hosts", len(hosts))
	}
	checkHost(t, hosts[0], truth{22: {"open", "syn-ack"}}, "reset", 10000)
}
