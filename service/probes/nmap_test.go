package probes

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
)

// nmapDir is where Debian's nmap package installs its data; CI installs
// it.
const nmapDir = "/usr/share/nmap"

var installed struct {
	once     sync.Once
	data     []byte
	db       *DB
	warnings []error
	err      error
}

// installedNmap returns the installed Nmap's nmap-service-probes, parsed
// once per test binary. It skips when Nmap is not installed, and fails
// instead in CI, which must run it.
func installedNmap(t testing.TB) (*DB, []byte) {
	t.Helper()
	path := filepath.Join(nmapDir, NmapFile)
	installed.once.Do(func() {
		installed.data, installed.err = os.ReadFile(path)
		if installed.err == nil {
			installed.db, installed.warnings, installed.err = Parse(bytes.NewReader(installed.data), path)
		}
	})
	if errors.Is(installed.err, os.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found; CI must install Nmap (scripts/install-deps.sh)", path)
		}
		t.Skipf("%s not found: install Nmap (apt-get install nmap) to run this test", path)
	}
	if installed.err != nil {
		t.Fatal(installed.err)
	}
	return installed.db, installed.data
}

func sampleDB(t testing.TB) *DB {
	t.Helper()
	f, err := os.Open("testdata/sample.nmap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	db, warnings, err := Parse(f, "sample.nmap")
	if err != nil || len(warnings) > 0 {
		t.Fatalf("Parse(sample.nmap): %v %v", err, warnings)
	}
	return db
}

// TestInstalledNmap reads the installed nmap-service-probes as --datadir
// does and checks what shared/research/nmap.md §2 records for 7.93: 148
// probes, 11,721 match and 196 softmatch lines, every pattern compiling.
func TestInstalledNmap(t *testing.T) {
	db, data := installedNmap(t)
	for _, w := range installed.warnings {
		t.Errorf("warning: %v", w)
	}
	got := db.Stats()
	t.Logf("%s: %+v", db.Source(), got)
	if bytes.Contains(data, []byte("$Id: nmap-service-probes 38429 ")) { // the 7.93 file
		if want := (Stats{Probes: 148, Matches: 11721, SoftMatches: 196}); got != want {
			t.Errorf("Stats() = %+v, want %+v", got, want)
		}
	} else if got.Probes < 148 || got.Matches < 11000 || got.SoftMatches < 190 {
		t.Errorf("Stats() = %+v: fewer than 7.93 had", got)
	}
	// Every pattern compiles in regexp2, where 694 do not in Go's regexp.
	start := time.Now()
	errs := db.CompileAll()
	t.Logf("compiled %d patterns in %v", got.Matches+got.SoftMatches, time.Since(start))
	for i, err := range errs {
		if i < 20 {
			t.Error(err)
		}
	}
	null := db.Null()
	if null == nil || null.Name != "NULL" || null.TotalWait != 6*time.Second || null.TCPWrapped != 3*time.Second {
		t.Errorf("NULL probe %+v", null)
	}
	get := db.Lookup(result.TCP, "GetRequest")
	if get == nil || get.Rarity != 1 || !get.OnPort(80, false) || string(get.Payload) != "GET / HTTP/1.0\r\n\r\n" {
		t.Errorf("GetRequest probe %+v", get)
	}
	if !db.Excluded(result.TCP, 9100) || db.Excluded(result.TCP, 9108) || db.Excluded(result.UDP, 9100) {
		t.Error("Exclude T:9100-9107 not honoured")
	}
	// The DNS-over-TCP probes fall back on the UDP probes of the same
	// query.
	if tcp := db.Lookup(result.TCP, "DNSVersionBindReqTCP"); tcp == nil || len(tcp.chain) < 2 || tcp.chain[1].Proto != result.UDP {
		t.Errorf("DNSVersionBindReqTCP does not fall back on the UDP probe")
	}
}

func TestParseNmapLines(t *testing.T) {
	tests := []struct {
		name string
		text string
		warn string // a substring of the single warning; "" for none
		line int
	}{
		{"comment and blank", "# x\n\n   # y\n", "", 0},
		{"unknown directive", "Probe TCP NULL q||\nfrobnicate 3\n", `unknown directive "frobnicate"`, 2},
		{"match before any probe", "match x m|y|\n", "before any probe", 1},
		{"ports before any probe", "ports 80\n", "ports before any Probe", 1},
		{"bad protocol", "Probe SCTP X q||\n", "neither TCP nor UDP", 1},
		{"payload unterminated", "Probe TCP X q|abc\n", "closing", 1},
		{"payload bad escape", "Probe TCP X q|\\xzz|\n", "hex digits", 1},
		{"probe twice", "Probe TCP X q||\nProbe TCP X q|a|\n", "defined twice", 2},
		{"same name other protocol", "Probe TCP X q||\nProbe UDP X q|a|\n", "", 0},
		{"no-payload option", "Probe UDP X q|| no-payload\n", "", 0},
		{"pattern unterminated", "Probe TCP X q||\nmatch x m|abc\n", "closing", 2},
		{"unknown flag", "Probe TCP X q||\nmatch x m|abc|q\n", "flag", 2},
		{"unknown field", "Probe TCP X q||\nmatch x m|abc| z/y/\n", `unknown field "z"`, 2},
		{"field twice", "Probe TCP X q||\nmatch x m|abc| p/a/ p/b/\n", "twice", 2},
		{"field unterminated", "Probe TCP X q||\nmatch x m|abc| p/a\n", "closing", 2},
		{"field glued to the next", "Probe TCP X q||\nmatch x m|abc| p/a/v/b/\n", "unexpected", 2},
		{"bad helper", "Probe TCP X q||\nmatch x m|abc| p/$P(x)/\n", "group number", 2},
		{"bad cpe", "Probe TCP X q||\nmatch x m|abc| cpe:/z:x:y/\n", "part", 2},
		{"cpe flags", "Probe TCP X q||\nmatch x m|abc| cpe:/o:linux:linux_kernel/a\n", "", 0},
		{"other delimiters", "Probe TCP X q=a|b=\nmatch x m%a|b%s p|a/b| v=1=\n", "", 0},
		{"rarity out of range", "Probe TCP X q||\nrarity 10\n", "1 to 9", 2},
		{"bad port", "Probe TCP X q||\nports 80,70000\n", "above 65535", 2},
		{"backwards range", "Probe TCP X q||\nports 90-80\n", "backwards", 2},
		{"bad wait", "Probe TCP X q||\ntotalwaitms soon\n", "number", 2},
		{"unknown fallback", "Probe TCP X q||\nfallback Nope\n", `no probe "Nope"`, 1},
		{"bad exclude", "Exclude T:99999\n", "Exclude", 1},
		{"second exclude", "Exclude 1\nExclude 2\n", "second Exclude", 2},
		{"CRLF line endings", "Probe TCP X q|a|\r\nrarity 3\r\n", "", 0},
		{"long line", "Probe TCP X q||\nmatch x m|" + strings.Repeat("a", maxLine) + "|\nrarity 2\n", "longer than", 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, warnings, err := Parse(strings.NewReader(tt.text), "t")
			if err != nil || db == nil {
				t.Fatalf("Parse: %v", err)
			}
			if tt.warn == "" {
				if len(warnings) > 0 {
					t.Fatalf("warnings %v", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("warnings %v, want one with %q", warnings, tt.warn)
			}
			var le *LineError
			if !errors.As(warnings[0], &le) || le.Line != tt.line || !strings.Contains(le.Msg, tt.warn) || le.Source != "t" {
				t.Errorf("warning %v, want line %d with %q", warnings[0], tt.line, tt.warn)
			}
			if !strings.HasPrefix(warnings[0].Error(), "probes: t line ") {
				t.Errorf("warning %q lacks the package prefix and line", warnings[0])
			}
		})
	}
}

func TestParseNmapWarningsBounded(t *testing.T) {
	text := strings.Repeat("junk\n", 1000)
	_, warnings, err := Parse(strings.NewReader(text), "t")
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != maxWarnings+1 || !strings.Contains(warnings[maxWarnings].Error(), "900 more") {
		t.Errorf("%d warnings, last %v", len(warnings), warnings[len(warnings)-1])
	}
}

type failingReader struct{}

func (failingReader) Read([]byte) (int, error) { return 0, errors.New("disk on fire") }

func TestParseReadError(t *testing.T) {
	if _, _, err := Parse(failingReader{}, "t"); err == nil || !strings.HasPrefix(err.Error(), "probes: read t:") {
		t.Errorf("Parse of a failing reader: %v", err)
	}
}

func TestSampleProbe(t *testing.T) {
	db := sampleDB(t)
	if got := db.Stats(); got != (Stats{Probes: 5, Matches: 6, SoftMatches: 2}) {
		t.Errorf("Stats %+v", got)
	}
	beta := db.Lookup(result.TCP, "Beta")
	if beta == nil || !bytes.Equal(beta.Payload, []byte("BETA\x00\x01\xff")) || beta.Rarity != 8 || beta.TotalWait != defaultTotalWait {
		t.Fatalf("Beta %+v", beta)
	}
	if got := beta.Fallbacks(); !slices.Equal(got, []string{"Alpha"}) {
		t.Errorf("Beta fallbacks %v", got)
	}
	// Beta's replies are matched against Beta, Alpha, then NULL.
	var chain []string
	for _, p := range beta.chain {
		chain = append(chain, p.Name)
	}
	if !slices.Equal(chain, []string{"Beta", "Alpha", "NULL"}) {
		t.Errorf("Beta's chain %v", chain)
	}
	if delta := db.Lookup(result.UDP, "Delta"); delta == nil || len(delta.chain) != 1 {
		t.Errorf("a UDP probe has no NULL fallback: %+v", delta)
	}
	if db.Lookup(result.UDP, "Beta") != nil || db.Lookup(result.TCP, "Nope") != nil {
		t.Error("Lookup found what is not there")
	}
	for port, want := range map[uint16]bool{9100: true, 9102: true, 9103: false} {
		if db.Excluded(result.TCP, port) != want {
			t.Errorf("Excluded(tcp %d) != %v", port, want)
		}
	}
	if !db.Excluded(result.UDP, 30000) || db.Excluded(result.UDP, 9100) {
		t.Error("UDP exclusions wrong")
	}
	if beta.String() != "tcp/Beta" {
		t.Errorf("String() = %q", beta.String())
	}
}

func names(ps []*Probe) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestProbesOrder(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		name      string
		port      uint16
		proto     result.Protocol
		tls       bool
		intensity int
		want      []string
	}{
		// NULL, then the probes listing the port, then the rest by rarity.
		{"port of no probe, default intensity", 1234, result.TCP, false, 7, []string{"NULL", "Alpha", "Gamma"}},
		{"listed port comes first", 25, result.TCP, false, 7, []string{"NULL", "Beta", "Alpha", "Gamma"}},
		{"listed whatever the rarity", 25, result.TCP, false, 0, []string{"NULL", "Beta"}},
		{"range", 8001, result.TCP, false, 7, []string{"NULL", "Alpha", "Gamma"}},
		{"intensity 0", 1234, result.TCP, false, 0, []string{"NULL"}},
		{"intensity 2", 1234, result.TCP, false, 2, []string{"NULL", "Gamma"}},
		{"intensity 9", 1234, result.TCP, false, 9, []string{"NULL", "Alpha", "Beta", "Gamma"}},
		{"intensity clamped", 1234, result.TCP, false, 99, []string{"NULL", "Alpha", "Beta", "Gamma"}},
		{"negative intensity", 1234, result.TCP, false, -3, []string{"NULL"}},
		{"sslports inside TLS", 443, result.TCP, true, 0, []string{"NULL", "Alpha"}},
		{"ports do not count inside TLS", 80, result.TCP, true, 0, []string{"NULL"}},
		{"UDP has no NULL", 53, result.UDP, false, 0, []string{"Delta"}},
		{"UDP by rarity", 1, result.UDP, false, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := names(db.Probes(tt.port, tt.proto, tt.tls, tt.intensity))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Probes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNarrow(t *testing.T) {
	db := sampleDB(t)
	all := db.Probes(1234, result.TCP, false, 9)
	tests := []struct {
		service string
		want    []string
	}{
		// Alpha has a hard lineproto match; Beta falls back on Alpha.
		{"lineproto", []string{"Alpha", "Beta"}},
		// Beta's softmatch does not count, its hard match does.
		{"beta", []string{"Beta"}},
		// NULL's hard match applies to every TCP probe.
		{"echo-banner", []string{"NULL", "Alpha", "Beta", "Gamma"}},
		{"nothing", nil},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			if got := names(Narrow(all, tt.service)); !slices.Equal(got, tt.want) {
				t.Errorf("Narrow(%q) = %v, want %v", tt.service, got, tt.want)
			}
		})
	}
}
