package nmapxml

// These tests hand the XML to the programs that read Nmap's XML in the
// field. Each program is required in CI (CI=true) and skipped elsewhere
// when it is not installed.

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

const (
	nmapDTD = "/usr/share/nmap/nmap.dtd"
	nmapXSL = "/usr/share/nmap/nmap.xsl"
	// python3 from Debian, where python3-libnmap and ndiff are installed;
	// the python3 first on PATH may be another one.
	python = "/usr/bin/python3"
)

// need returns the path of a program or file the test depends on.
func need(t *testing.T, path string) string {
	t.Helper()
	p := path
	var err error
	if filepath.IsAbs(path) {
		_, err = os.Stat(path)
	} else {
		p, err = exec.LookPath(path)
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI: %v", path, err)
		}
		t.Skipf("%s not available: %v", path, err)
	}
	return p
}

// picketDTD writes a copy of Nmap's DTD whose only change is to allow
// scanner="picket". The DTD is Nmap's, so it is read at test time and
// never kept in the repository.
func picketDTD(t *testing.T) string {
	t.Helper()
	src, err := os.ReadFile(need(t, nmapDTD))
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`(<!ATTLIST\s+nmaprun\s+scanner\s+)\(nmap\)`)
	if n := len(re.FindAllIndex(src, -1)); n != 1 {
		t.Fatalf("%s: found the scanner attribute %d times, want once", nmapDTD, n)
	}
	path := filepath.Join(t.TempDir(), "nmap.dtd")
	if err := os.WriteFile(path, re.ReplaceAll(src, []byte("${1}(nmap|picket)")), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func writeFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func xmllint(t *testing.T, dtd, file string) {
	t.Helper()
	out, err := exec.Command(need(t, "xmllint"), "--noout", "--dtdvalid", dtd, file).CombinedOutput()
	if err != nil {
		b, _ := os.ReadFile(file)
		t.Fatalf("xmllint: %v\n%s\n%s", err, out, b)
	}
}

func TestXmllintDTD(t *testing.T) {
	dtd := picketDTD(t)
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			xmllint(t, dtd, writeFile(t, sc.Name+".xml", render(t, sc)))
		})
	}
}

// TestXmllintRejectsInvalid makes sure the validation above can fail: a
// document breaking the DTD's element order is refused.
func TestXmllintRejectsInvalid(t *testing.T) {
	dtd := picketDTD(t)
	bad := strings.Replace(string(render(t, fixture.Basic())), "<verbose level=\"0\"/>\n", "", 1)
	file := writeFile(t, "bad.xml", []byte(bad))
	if err := exec.Command(need(t, "xmllint"), "--noout", "--dtdvalid", dtd, file).Run(); err == nil {
		t.Fatal("xmllint accepted a document without <verbose>")
	}
}

// libnmapScript prints what python-libnmap understood of a report.
const libnmapScript = `
import json, sys
from libnmap.parser import NmapParser
r = NmapParser.parse_fromfile(sys.argv[1], incomplete=(sys.argv[2] == "1"))
hosts = []
for h in r.hosts:
    hosts.append({
        "address": h.address, "status": h.status, "hostnames": h.hostnames,
        "mac": h.mac, "vendor": h.vendor,
        "starttime": h.starttime,
        "extraports": h.extraports_state.get("count", {}).get("count") if h.extraports_state else None,
        "services": [{
            "port": s.port, "protocol": s.protocol, "state": s.state,
            "reason": s.reason, "reason_ttl": s.reason_ttl,
            "service": s.service, "tunnel": s.tunnel, "banner": s.banner,
            "cpe": [c.cpestring for c in s.cpelist],
        } for s in h.services],
    })
fin = r._runstats.get("finished", {})
print(json.dumps({
    "scanner": r._nmaprun.get("scanner"), "version": r.version, "started": r.started,
    "numservices": r.numservices, "hosts_up": r.hosts_up, "hosts_total": r.hosts_total,
    "elapsed": r.elapsed, "exit": fin.get("exit"), "errormsg": fin.get("errormsg"),
    "hosts": hosts,
}))
`

type libnmapService struct {
	Port      int      `json:"port"`
	Protocol  string   `json:"protocol"`
	State     string   `json:"state"`
	Reason    string   `json:"reason"`
	ReasonTTL string   `json:"reason_ttl"`
	Service   string   `json:"service"`
	Tunnel    string   `json:"tunnel"`
	Banner    string   `json:"banner"`
	CPE       []string `json:"cpe"`
}

type libnmapHost struct {
	Address    string           `json:"address"`
	Status     string           `json:"status"`
	Hostnames  []string         `json:"hostnames"`
	MAC        string           `json:"mac"`
	Vendor     string           `json:"vendor"`
	StartTime  string           `json:"starttime"`
	ExtraPorts string           `json:"extraports"`
	Services   []libnmapService `json:"services"`
}

type libnmapReport struct {
	Scanner     string        `json:"scanner"`
	Version     string        `json:"version"`
	Started     int64         `json:"started"`
	NumServices int           `json:"numservices"`
	HostsUp     int           `json:"hosts_up"`
	HostsTotal  int           `json:"hosts_total"`
	Elapsed     float64       `json:"elapsed"`
	Exit        string        `json:"exit"`
	ErrorMsg    string        `json:"errormsg"`
	Hosts       []libnmapHost `json:"hosts"`
}

func libnmap(t *testing.T, file string, incomplete bool) libnmapReport {
	t.Helper()
	py := need(t, python)
	if err := exec.Command(py, "-c", "import libnmap").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-libnmap is required in CI: %v", err)
		}
		t.Skipf("python3-libnmap not installed: %v", err)
	}
	flag := "0"
	if incomplete {
		flag = "1"
	}
	cmd := exec.Command(py, "-c", libnmapScript, file, flag)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("libnmap: %v\n%s", err, stderr.Bytes())
	}
	var r libnmapReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("libnmap output: %v\n%s", err, out)
	}
	return r
}

// TestLibnmap checks that python-libnmap reads back, for every scenario,
// the hosts, ports, states, reasons and services that were written.
func TestLibnmap(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			r := libnmap(t, writeFile(t, sc.Name+".xml", render(t, sc)), false)
			services := 0
			for _, si := range sc.Begin.ScanInfo {
				n, _ := output.CountPorts(si.Ports)
				services += n
			}
			if r.Scanner != "picket" || r.Version != "0.1.0" || r.Started != fixture.T0.Unix() || r.NumServices != services {
				t.Errorf("run = %+v", r)
			}
			if r.HostsUp != sc.End.HostsUp || r.HostsTotal != sc.End.HostsUp+sc.End.HostsDown {
				t.Errorf("hosts up/total = %d/%d", r.HostsUp, r.HostsTotal)
			}
			var want []*result.Host
			for i := range sc.Hosts {
				if output.Shown(&sc.Hosts[i], sc.Begin.Verbose, sc.Opts.Open) {
					want = append(want, &sc.Hosts[i])
				}
			}
			if len(r.Hosts) != len(want) {
				t.Fatalf("libnmap read %d hosts, want %d", len(r.Hosts), len(want))
			}
			for i, h := range want {
				got := r.Hosts[i]
				if got.Address != h.Addr.String() || got.Status != h.State.String() {
					t.Errorf("host %d = %s %s, want %s %s", i, got.Address, got.Status, h.Addr, h.State)
				}
				if len(h.MAC) > 0 && got.MAC != output.MAC(h.MAC) {
					t.Errorf("mac = %q", got.MAC)
				}
				ports, _ := output.Ports(h, sc.Opts.Open)
				if len(got.Services) != len(ports) {
					t.Fatalf("host %s: %d services, want %d", h.Addr, len(got.Services), len(ports))
				}
				for j, p := range ports {
					s := got.Services[j]
					if s.Port != int(p.Number) || s.Protocol != p.Protocol.String() || s.State != p.State.String() || s.Reason != string(p.Reason) {
						t.Errorf("port %d = %+v", p.Number, s)
					}
				}
			}
		})
	}
}

func TestLibnmapServices(t *testing.T) {
	r := libnmap(t, writeFile(t, "versions.xml", render(t, fixture.Versions())), false)
	s := r.Hosts[0].Services
	for _, tc := range []struct{ name, got, want string }{
		{"service", s[0].Service, "ssh"},
		{"banner", s[0].Banner, "product: OpenSSH version: 9.2p1 Debian 2+deb12u3 extrainfo: protocol 2.0 ostype: Linux"},
		{"cpe", strings.Join(s[0].CPE, " "), "cpe:/a:openbsd:openssh:9.2p1 cpe:/o:linux:linux_kernel"},
		{"tunnel", s[2].Tunnel, "ssl"},
		{"ttl", s[0].ReasonTTL, "64"},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	h := libnmap(t, writeFile(t, "hostile.xml", render(t, fixture.Hostile())), false).Hosts[0]
	if h.Hostnames[0] != `evil\x1b[31m.example</hostname><script>` || h.Vendor != `Vendor & <Co> "quoted"` {
		t.Errorf("hostile host = %+v", h)
	}
}

// TestInterrupted writes two hosts, ends the run as interrupted, and
// hands the file to xmllint and python-libnmap as they are, without
// libnmap's incomplete mode.
func TestInterrupted(t *testing.T) {
	sc := fixture.Interrupted()
	file := writeFile(t, "interrupted.xml", render(t, sc))
	xmllint(t, picketDTD(t), file)
	r := libnmap(t, file, false)
	if len(r.Hosts) != 2 || r.Exit != "error" || r.ErrorMsg != "interrupted: received SIGINT" || r.HostsUp != 2 {
		t.Errorf("libnmap read %d hosts, exit %q, errormsg %q, up %d", len(r.Hosts), r.Exit, r.ErrorMsg, r.HostsUp)
	}
}

// TestKilledMidRun is the crash case End cannot help: the process dies
// after two hosts. What reached the file is every finished host, which
// python-libnmap reads in its incomplete mode.
func TestKilledMidRun(t *testing.T) {
	sc := fixture.Interrupted()
	var buf bytes.Buffer
	w := New(&buf, output.Options{})
	if err := w.Begin(&sc.Begin); err != nil {
		t.Fatal(err)
	}
	for i := range sc.Hosts {
		if err := w.WriteHost(&sc.Hosts[i]); err != nil {
			t.Fatal(err)
		}
	}
	r := libnmap(t, writeFile(t, "killed.xml", buf.Bytes()), true)
	if len(r.Hosts) != 2 || r.Hosts[1].Address != "198.18.0.2" {
		t.Errorf("libnmap read %+v", r.Hosts)
	}
}

func ndiff(t *testing.T, a, b string) (string, int) {
	t.Helper()
	py := need(t, python)
	// Run the installed script with Debian's python3, as its #! line does.
	cmd := exec.Command(py, need(t, "ndiff"), a, b)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		ee, ok := err.(*exec.ExitError)
		if !ok {
			t.Fatalf("ndiff: %v", err)
		}
		code = ee.ExitCode()
	}
	return string(out), code
}

// TestNdiff diffs a run against itself (no difference, exit 0) and
// against a later run where port 8080 opened (exit 1, the port listed
// as added). ndiff reads nmaprun@scanner only to print it in its banner,
// so scanner="picket" needs nothing more.
func TestNdiff(t *testing.T) {
	sc := fixture.Basic()
	a := writeFile(t, "a.xml", render(t, sc))

	out, code := ndiff(t, a, a)
	if code != 0 {
		t.Errorf("self-diff: exit %d, want 0\n%s", code, out)
	}

	later := fixture.Basic()
	h := &later.Hosts[0]
	h.Ports = append(h.Ports, result.Port{Protocol: result.TCP, Number: 8080, State: result.Open,
		Reason: result.ReasonSynAck, ReasonTTL: 64, Service: result.Service{Name: "http-proxy", Method: "table", Conf: 3}})
	h.Extra[0].Count--
	h.Extra[0].Reasons[0].Count--
	b := writeFile(t, "b.xml", render(t, later))

	out, code = ndiff(t, a, b)
	if code != 1 {
		t.Fatalf("diff: exit %d, want 1\n%s", code, out)
	}
	if !regexp.MustCompile(`(?m)^\+8080/tcp\s+open\s+http-proxy`).MatchString(out) {
		t.Errorf("ndiff does not show port 8080 added:\n%s", out)
	}
	if !strings.Contains(out, "gw.lab.example (198.18.0.1, 02:00:5E:10:00:01):") {
		t.Errorf("ndiff does not name the host:\n%s", out)
	}
}

// TestXsltproc renders the report with Nmap's own stylesheet and looks
// for the host, its ports and the completeness report in the HTML.
func TestXsltproc(t *testing.T) {
	xsl := need(t, nmapXSL)
	for _, sc := range []fixture.Scenario{fixture.Basic(), fixture.IPv6(), fixture.Hostile()} {
		t.Run(sc.Name, func(t *testing.T) {
			sc.Opts.Stylesheet = "file://" + xsl
			var buf bytes.Buffer
			if err := fixture.Play(New(&buf, sc.Opts), sc); err != nil {
				t.Fatal(err)
			}
			file := writeFile(t, sc.Name+".xml", buf.Bytes())
			html, err := exec.Command(need(t, "xsltproc"), xsl, file).CombinedOutput()
			if err != nil {
				t.Fatalf("xsltproc: %v\n%s", err, html)
			}
			page := string(html)
			h := sc.Hosts[0]
			want := []string{h.Addr.String(), CompletenessID}
			for _, p := range h.Ports {
				want = append(want, ">"+strconv.Itoa(int(p.Number))+"<")
			}
			for _, w := range want {
				if !strings.Contains(page, w) {
					t.Errorf("HTML lacks %q", w)
				}
			}
			if strings.Contains(page, "<script>") {
				t.Error("a banner became markup in the HTML")
			}
		})
	}
}
