package cli_test

import (
	"bufio"
	"encoding/json"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
)

// TestPassiveOS scans every lab stack with the picket binary, over IPv4
// and IPv6, and checks the passive OS guess each host gets in the JSONL,
// the XML and the normal output.
func TestPassiveOS(t *testing.T) {
	lab.Require(t)
	open := []uint16{22, 80}
	p := func(pers persona.Personality) lab.TargetConfig {
		return lab.TargetConfig{Persona: &persona.Config{Personality: pers, OpenTCP: open, Seed: 1}}
	}
	targets := []struct {
		cfg    lab.TargetConfig
		family string
	}{
		{p(persona.Windows()), "windows"},
		{p(persona.FreeBSD()), "bsd"},
		{p(persona.LwIP()), "embedded"},
		{p(persona.Linux()), "linux"},
		{lab.TargetConfig{}, "linux"}, // the lab's own kernel
	}
	var cfgs []lab.TargetConfig
	for _, tg := range targets {
		cfgs = append(cfgs, tg.cfg)
	}
	l := lab.Start(t, lab.Config{Targets: cfgs})
	kernel := l.Targets[len(targets)-1]
	for _, port := range open {
		if _, err := kernel.ServeTCP(port, lab.Silent()); err != nil {
			t.Fatal(err)
		}
	}
	for _, v6 := range []bool{false, true} {
		name := "ipv4"
		if v6 {
			name = "ipv6"
		}
		t.Run(name, func(t *testing.T) {
			want := map[string]string{}
			args := []string{"-sS", "-p", "21-23,80,443", "-n"}
			if v6 {
				args = append(args, "-6")
			}
			for i, tg := range l.Targets {
				a := tg.Addr
				if v6 {
					a = tg.Addr6
				}
				want[a.String()] = targets[i].family
				args = append(args, a.String())
			}
			dir := t.TempDir()
			js, xml, nrm := filepath.Join(dir, "out.jsonl"), filepath.Join(dir, "out.xml"), filepath.Join(dir, "out.nmap")
			out := picket(t, l, append([]string{"-oJ", js, "-oX", xml, "-oN", nrm}, args...)...)
			got := passiveFamilies(t, js)
			for addr, fam := range want {
				if got[addr] != fam {
					t.Errorf("%s: passive family %q, want %q", addr, got[addr], fam)
				}
			}
			if n := strings.Count(out, "OS guess (passive, from the scan's replies): "); n != len(want) {
				t.Errorf("%d passive OS lines in the report, want %d:\n%s", n, len(want), out)
			}
			b, err := os.ReadFile(xml)
			if err != nil {
				t.Fatal(err)
			}
			if n := strings.Count(string(b), `<hostscript><script id="picket-os-passive"`); n != len(want) {
				t.Errorf("%d passive OS host scripts in the XML, want %d", n, len(want))
			}
			xmllint(t, xml)
		})
	}
}

// passiveFamilies reads each host's os_passive family from a JSONL file.
func passiveFamilies(t *testing.T, path string) map[string]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got := map[string]string{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var rec struct {
			Type      string `json:"type"`
			Addr      string `json:"addr"`
			OSPassive *struct {
				Family     string   `json:"family"`
				Confidence int      `json:"confidence"`
				Evidence   []string `json:"evidence"`
			} `json:"os_passive"`
		}
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type != "host" {
			continue
		}
		if rec.OSPassive == nil {
			t.Errorf("%s: no os_passive", rec.Addr)
			continue
		}
		t.Logf("%s: %s (%d%%) %s", rec.Addr, rec.OSPassive.Family, rec.OSPassive.Confidence, strings.Join(rec.OSPassive.Evidence, ", "))
		got[netip.MustParseAddr(rec.Addr).String()] = rec.OSPassive.Family
	}
	return got
}
