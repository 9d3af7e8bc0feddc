package ports

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

func sampleNmapTable(t testing.TB) *Table {
	t.Helper()
	f, err := os.Open("testdata/nmap-services.sample")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tab, err := ReadServices(f, "nmap-services.sample")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

func TestReadServicesRanking(t *testing.T) {
	tab := sampleNmapTable(t)
	tests := []struct {
		name string
		p    result.Protocol
		want []uint16
	}{
		// 80 (.5) 23 (.3) then the tie 21/22 (.2) in file order, then the
		// rest; the duplicate 22 line (.9) is ignored, 6000 has no frequency.
		{"tcp by frequency, ties in file order", result.TCP, []uint16{80, 23, 21, 22, 7, 1, 54, 6000}},
		{"udp", result.UDP, []uint16{161, 53, 7}},
		{"sctp", result.SCTP, []uint16{5060}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := firstRanked(tab, tt.p, 100); !slices.Equal(got, tt.want) {
				t.Errorf("ranking %v, want %v", got, tt.want)
			}
		})
	}
	if got := tab.Name(result.TCP, 22); got != "ssh" {
		t.Errorf("Name(22) = %q", got)
	}
	if _, ok := tab.Lookup(result.TCP, 2); ok {
		t.Error("the ddp line must be skipped")
	}
	if !tab.HasFrequencies() || tab.Source() != "nmap-services.sample" {
		t.Errorf("HasFrequencies %v, Source %q", tab.HasFrequencies(), tab.Source())
	}
}

func TestReadServicesRatio(t *testing.T) {
	tab := sampleNmapTable(t)
	tests := []struct {
		name  string
		r     float64
		among *Set
		want  string
	}{
		{"above a tie", 0.25, nil, "23,80"},
		{"the tie is included", 0.2, nil, "21-23,80"},
		{"zero takes all", 0, nil, "1,7,21-23,54,80,6000"},
		{"one takes none", 1, nil, ""},
		{"restricted", 0.2, setOf(21, 80, 9999), "21,80"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := tab.Ratio(result.TCP, tt.r, tt.among)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.String(); got != tt.want {
				t.Errorf("Ratio(%v) = %q, want %q", tt.r, got, tt.want)
			}
		})
	}
	for _, r := range []float64{-0.1, 1.5} {
		if _, err := tab.Ratio(result.TCP, r, nil); err == nil {
			t.Errorf("Ratio(%v): want an error", r)
		}
	}
}

func TestReadServicesErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		line int
		msg  string
	}{
		{"name only", "http\n", 1, `got only "http"`},
		{"too many fields", "http 80/tcp 0.5 extra\n", 1, "got 4 fields"},
		{"no protocol", "# header\nhttp 80 0.5\n", 2, `"80" is not port/protocol`},
		{"port not a number", "http x/tcp 0.5\n", 1, `port "x" in "x/tcp"`},
		{"port too big", "http 70000/tcp 0.5\n", 1, "is not a number from 0 to 65535"},
		{"frequency not a number", "ok 1/tcp 0.1\nhttp 80/tcp high\n", 2, `frequency "high" is not a number from 0 to 1`},
		{"frequency above 1", "http 80/tcp 2\n", 1, "frequency \"2\""},
		{"frequency NaN", "http 80/tcp NaN\n", 1, "frequency \"NaN\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadServices(strings.NewReader(tt.data), "nmap-services")
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LineError", err)
			}
			if le.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q (line %d), want line %d and %q", err, le.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestReadServicesEmpty(t *testing.T) {
	tab, err := ReadServices(strings.NewReader("# nothing\n\n"), "empty")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len(result.TCP) != 0 || tab.Top(result.TCP, 10).Len() != 0 || tab.Name(result.TCP, 80) != "unknown" {
		t.Error("an empty table must know nothing")
	}
}

// TestInstalledNmapServices reads the nmap-services of an installed Nmap,
// as --datadir does, and checks facts recorded in shared/research/nmap.md
// for Nmap 7.93. CI installs Nmap; elsewhere the test skips.
func TestInstalledNmapServices(t *testing.T) {
	path := filepath.Join("/usr/share/nmap", NmapServicesFile)
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		t.Skipf("%s not found: install Nmap (apt-get install nmap) to run this test", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tab, err := ReadServices(f, path)
	if err != nil {
		t.Fatalf("ReadServices(%s): %v", path, err)
	}
	wantTCP := []uint16{80, 23, 443, 21, 22, 25, 3389, 110, 445, 139}
	if got := firstRanked(tab, result.TCP, 10); !slices.Equal(got, wantTCP) {
		t.Errorf("TCP top 10 = %v, want %v", got, wantTCP)
	}
	wantUDP := []uint16{631, 161, 137, 123, 138, 1434, 445, 135, 67, 53}
	if got := firstRanked(tab, result.UDP, 10); !slices.Equal(got, wantUDP) {
		t.Errorf("UDP top 10 = %v, want %v", got, wantUDP)
	}
	for _, p := range []result.Protocol{result.TCP, result.UDP} {
		if n := tab.Top(p, DefaultTop).Len(); n != DefaultTop {
			t.Errorf("%v: Top(1000) has %d ports", p, n)
		}
	}
	if got := tab.Name(result.TCP, 3389); got != "ms-wbt-server" {
		t.Errorf("Name(3389/tcp) = %q", got)
	}
	if !tab.HasFrequencies() {
		t.Error("Nmap's table has frequencies")
	}
	// Counts and the TCP and UDP tops hold for 7.93; newer files may add
	// lines, so counts are only bounded.
	if tab.Len(result.TCP) < 8000 || tab.Len(result.UDP) < 15000 {
		t.Errorf("only %d TCP and %d UDP entries", tab.Len(result.TCP), tab.Len(result.UDP))
	}
}

func BenchmarkReadServicesSample(b *testing.B) {
	data, err := os.ReadFile("testdata/nmap-services.sample")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadServices(strings.NewReader(string(data)), "sample"); err != nil {
			b.Fatal(err)
		}
	}
}
