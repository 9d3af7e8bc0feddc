package ports

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

func firstRanked(t *Table, p result.Protocol, n int) []uint16 {
	var out []uint16
	for port := range t.Ranked(p) {
		if len(out) == n {
			break
		}
		out = append(out, port)
	}
	return out
}

// TestDefaultTableSanity checks the embedded data file: readTable already
// rejects duplicate port/proto lines and malformed lines, so ranks are
// unique by construction; what is left is size, names and the head.
func TestDefaultTableSanity(t *testing.T) {
	tab, err := readTable(strings.NewReader(builtin), "services.txt")
	if err != nil {
		t.Fatalf("embedded services.txt: %v", err)
	}
	for _, p := range []result.Protocol{result.TCP, result.UDP} {
		if n := tab.Len(p); n < DefaultTop {
			t.Errorf("%v: %d ports ranked, want at least %d so that the default scan is full", p, n, DefaultTop)
		}
		if n := tab.Top(p, DefaultTop).Len(); n != DefaultTop {
			t.Errorf("%v: Top(%d) has %d ports", p, DefaultTop, n)
		}
		if n := tab.Top(p, FastTop).Len(); n != FastTop {
			t.Errorf("%v: Top(%d) has %d ports", p, FastTop, n)
		}
	}
	if tab.Len(result.SCTP) == 0 {
		t.Error("no SCTP ports")
	}
	for _, p := range allProtos {
		seen := map[uint16]bool{}
		for port := range tab.Ranked(p) {
			if seen[port] {
				t.Errorf("%d/%v ranked twice", port, p)
			}
			seen[port] = true
			name, ok := tab.Lookup(p, port)
			if !ok || name == "" || name == "unknown" || strings.ContainsAny(name, ",[]:*?") {
				t.Errorf("%d/%v: bad name %q (a -p service mask must be able to name it)", port, p, name)
			}
			if port == 0 {
				t.Errorf("port 0/%v is ranked: Nmap scans it only when asked", p)
			}
		}
	}
	top10 := firstRanked(tab, result.TCP, 10)
	for _, want := range []uint16{80, 443, 22} {
		if !slices.Contains(top10, want) {
			t.Errorf("TCP top 10 %v lacks %d", top10, want)
		}
	}
	top10 = firstRanked(tab, result.UDP, 10)
	for _, want := range []uint16{53, 161, 123} {
		if !slices.Contains(top10, want) {
			t.Errorf("UDP top 10 %v lacks %d", top10, want)
		}
	}
	if tab.HasFrequencies() {
		t.Error("picket's table has no frequencies")
	}
}

func TestDefaultNames(t *testing.T) {
	tab := Default()
	if tab != Default() {
		t.Error("Default must parse once and return the same table")
	}
	if !strings.Contains(tab.Source(), "picket") {
		t.Errorf("Source() = %q", tab.Source())
	}
	tests := []struct {
		p    result.Protocol
		port uint16
		want string
	}{
		{result.TCP, 22, "ssh"},
		{result.TCP, 80, "http"},
		{result.TCP, 443, "https"},
		{result.TCP, 25, "smtp"},
		{result.TCP, 53, "domain"},
		{result.TCP, 445, "microsoft-ds"},
		{result.TCP, 3389, "ms-wbt-server"},
		{result.TCP, 3306, "mysql"},
		{result.TCP, 5432, "postgresql"},
		{result.TCP, 6379, "redis"},
		{result.UDP, 53, "domain"},
		{result.UDP, 161, "snmp"},
		{result.UDP, 123, "ntp"},
		{result.SCTP, 2905, "m3ua"},
		{result.TCP, 0, "unknown"},
		{result.TCP, 65000, "unknown"},
		{result.Protocol(0), 80, "unknown"},
	}
	for _, tt := range tests {
		if got := tab.Name(tt.p, tt.port); got != tt.want {
			t.Errorf("Name(%v, %d) = %q, want %q", tt.p, tt.port, got, tt.want)
		}
	}
}

func TestTopAndTopOf(t *testing.T) {
	tab := smallTable(t)
	tests := []struct {
		name  string
		p     result.Protocol
		n     int
		among *Set
		want  string
	}{
		{"top 1", result.TCP, 1, nil, "80"},
		{"top 3", result.TCP, 3, nil, "22,80,443"},
		{"more than known", result.TCP, 100, nil, "22,53,80,443,5060,8080,8443"},
		{"zero", result.TCP, 0, nil, ""},
		{"udp", result.UDP, 2, nil, "53,161"},
		{"restricted", result.TCP, 2, setOf(443, 22, 9999), "22,443"},
		{"restricted skips higher ranks", result.TCP, 1, setOf(8443), "8443"},
		{"unknown protocol", result.Protocol(7), 5, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tab.TopOf(tt.p, tt.n, tt.among).String(); got != tt.want {
				t.Errorf("TopOf(%v, %d) = %q, want %q", tt.p, tt.n, got, tt.want)
			}
		})
	}
	if got := firstRanked(tab, result.TCP, 3); !slices.Equal(got, []uint16{80, 443, 22}) {
		t.Errorf("Ranked order = %v, want file order 80 443 22", got)
	}
	if _, err := tab.Ratio(result.TCP, 0.5, nil); !errors.Is(err, ErrNoFrequencies) {
		t.Errorf("Ratio on a table without frequencies: %v, want ErrNoFrequencies", err)
	}
}

func TestReadTableErrors(t *testing.T) {
	tests := []struct {
		name string
		data string
		line int
		msg  string
	}{
		{"one field", "80/tcp http\n22/tcp\n", 2, `want "<port>/<proto> <name>", got 1 fields`},
		{"three fields", "# c\n\n80/tcp http www\n", 3, "got 3 fields"},
		{"no slash", "80 http\n", 1, `"80" is not port/protocol`},
		{"bad port", "http/tcp http\n", 1, `port "http" in "http/tcp" is not a number from 0 to 65535`},
		{"port too big", "65536/tcp x\n", 1, "is not a number from 0 to 65535"},
		{"bad protocol", "80/ddp http\n", 1, `protocol in "80/ddp" must be tcp, udp or sctp`},
		{"duplicate", "80/tcp http\n22/tcp ssh\n80/tcp www\n", 3, "80/tcp listed again (first on line 1)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readTable(strings.NewReader(tt.data), "test.txt")
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LineError", err)
			}
			if le.Line != tt.line || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("error %q (line %d), want line %d and %q", err, le.Line, tt.line, tt.msg)
			}
			if !strings.HasPrefix(err.Error(), "ports: test.txt line ") {
				t.Errorf("error %q does not name the package, file and line", err)
			}
		})
	}
}

func TestReadTableSameNameTwoProtocols(t *testing.T) {
	tab, err := readTable(strings.NewReader("53/tcp domain # comment\n53/udp domain\n"), "t")
	if err != nil {
		t.Fatal(err)
	}
	if tab.Len(result.TCP) != 1 || tab.Len(result.UDP) != 1 {
		t.Errorf("Len = %d tcp, %d udp, want 1 and 1", tab.Len(result.TCP), tab.Len(result.UDP))
	}
}

func BenchmarkDefaultName(b *testing.B) {
	tab := Default()
	b.ReportAllocs()
	for b.Loop() {
		if tab.Name(result.TCP, 443) != "https" {
			b.Fatal("name")
		}
	}
}
