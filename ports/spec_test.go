package ports

import (
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

// smallTable returns testdata/small.txt, a services table small enough for
// expected results to be written out.
func smallTable(t testing.TB) *Table {
	t.Helper()
	f, err := os.Open("testdata/small.txt")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	tab, err := readTable(f, "small.txt")
	if err != nil {
		t.Fatal(err)
	}
	return tab
}

var (
	tcpOnly  = []result.Protocol{result.TCP}
	udpOnly  = []result.Protocol{result.UDP}
	all      = "T:1-65535,U:1-65535,S:1-65535"
	dupWarns = []string{"duplicate port number(s) specified"}
)

func TestParse(t *testing.T) {
	tab := smallTable(t)
	tests := []struct {
		name   string
		spec   string
		protos []result.Protocol
		want   string
		warns  []string
	}{
		{name: "single port", spec: "22", want: "T:22,U:22,S:22"},
		{name: "list", spec: "22,80,443", protos: tcpOnly, want: "T:22,80,443"},
		{name: "range", spec: "1-1000", protos: tcpOnly, want: "T:1-1000"},
		{name: "dash is every port but 0", spec: "-", want: all},
		{name: "open start is 1", spec: "-1024", protos: tcpOnly, want: "T:1-1024"},
		{name: "open end is 65535", spec: "60000-", protos: tcpOnly, want: "T:60000-65535"},
		{name: "port 0 when written", spec: "0", protos: tcpOnly, want: "T:0"},
		{name: "range from 0", spec: "0-10", protos: tcpOnly, want: "T:0-10"},
		{name: "0 with open end", spec: "0-", protos: tcpOnly, want: "T:0-65535"},
		{name: "leading zeros", spec: "0080", protos: tcpOnly, want: "T:80"},
		{name: "spaces around tokens", spec: " 22 , 80 - 82 ", protos: tcpOnly, want: "T:22,80-82"},
		{name: "trailing comma", spec: "22,", protos: tcpOnly, want: "T:22"},
		{name: "prefixes", spec: "T:22,80,U:53,161", want: "T:22,80,U:53,161"},
		{name: "prefix lasts until the next", spec: "U:53,T:22,23", want: "T:22-23,U:53"},
		{name: "sctp prefix", spec: "S:2905", want: "S:2905"},
		{name: "prefix after prefix", spec: "T:U:53", want: "U:53"},
		{name: "prefix with nothing after", spec: "T:", want: ""},
		{name: "protocols scanned limit unprefixed ports", spec: "22", protos: tcpOnly, want: "T:22"},
		{name: "a prefix overrides the protocols scanned", spec: "U:53", protos: tcpOnly, want: "U:53"},
		{name: "service name", spec: "http", want: "T:80,U:80"},
		{name: "service names", spec: "ssh,domain", want: "T:22,53,U:53"},
		{name: "service name for the protocols scanned", spec: "snmp", protos: udpOnly, want: "U:161"},
		{name: "star wildcard", spec: "http*", want: "T:80,443,8080,8443,U:80"},
		{name: "question mark wildcard", spec: "snmp????", want: "U:162"},
		{name: "names ignore case", spec: "HTTP", want: "T:80,U:80"},
		{name: "star alone is the whole table", spec: "*", want: "T:22,53,80,443,5060,8080,8443,U:53,80,161-162,5060,S:2905,5060"},
		{name: "service name under a prefix", spec: "U:domain", want: "U:53"},
		{name: "brackets keep named ports", spec: "[1-100]", want: "T:22,53,80,U:53,80"},
		{name: "brackets with open range", spec: "[-]", protos: tcpOnly, want: "T:22,53,80,443,5060,8080,8443"},
		{name: "prefix inside brackets ends with them", spec: "[T:1-100],443", want: "T:22,53,80,443,U:443,S:443"},
		{name: "prefix before brackets", spec: "U:[1-1000]", want: "U:53,80,161-162"},
		{name: "empty brackets", spec: "[]", want: ""},
		{name: "mixed", spec: "T:[1-100],8080,U:snmp,S:-5", want: "T:22,53,80,8080,U:161,S:1-5"},
		{name: "duplicate port warns", spec: "22,20-25", protos: tcpOnly, want: "T:20-25", warns: dupWarns},
		{name: "duplicate through a name", spec: "80,http", protos: tcpOnly, want: "T:80", warns: dupWarns},
		{name: "duplicate through a prefix", spec: "22,T:22", want: "T:22,U:22,S:22", warns: dupWarns},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.spec, tab, tt.protos...)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.spec, err)
			}
			if s := got.String(); s != tt.want {
				t.Errorf("Parse(%q) = %q, want %q", tt.spec, s, tt.want)
			}
			if strings.Join(got.Warnings, "|") != strings.Join(tt.warns, "|") {
				t.Errorf("warnings %q, want %q", got.Warnings, tt.warns)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tab := smallTable(t)
	tests := []struct {
		name   string
		spec   string
		protos []result.Protocol
		token  string
		msg    string // the error text, or a part of it
	}{
		{name: "empty", spec: "", msg: "empty port specification"},
		{name: "blank", spec: "  ", token: "  ", msg: "empty port specification"},
		{name: "out of range", spec: "70000", token: "70000", msg: `ports: "70000" out of range 0-65535`},
		{name: "end out of range", spec: "1-70000", token: "70000", msg: `"70000" out of range 0-65535`},
		{name: "very long number", spec: "99999999999999999999", token: "99999999999999999999", msg: "out of range 0-65535"},
		{name: "backwards range", spec: "100-1", token: "100-1", msg: `range "100-1" is backwards: did you mean 1-100?`},
		{name: "leading comma", spec: ",22", token: ",", msg: `unexpected ","`},
		{name: "double comma", spec: "22,,80", token: ",", msg: `unexpected ","`},
		{name: "junk after a port", spec: "80x", token: "80x", msg: `"80x" is not a port or a range`},
		{name: "semicolon", spec: "22;80", token: "22;80", msg: `"22;80" is not a port or a range`},
		{name: "range end not a number", spec: "1-x", token: "1-x", msg: "must end in a port number"},
		{name: "double dash", spec: "--5", token: "--5", msg: "must end in a port number"},
		{name: "two ranges glued", spec: "-5-10", token: "-5-10", msg: "is not a port, a range or a service name"},
		{name: "names need commas", spec: "http ssh", token: "http", msg: `"http" is not a port, a range or a service name`},
		{name: "plus sign", spec: "+22", token: "+22", msg: `unexpected "+22"`},
		{name: "unknown prefix", spec: "X:22", token: "X:", msg: `unknown protocol prefix "X:": use T: (TCP), U: (UDP) or S: (SCTP)`},
		{name: "IP protocol prefix", spec: "P:6", token: "P:", msg: "-sO"},
		{name: "prefix then comma", spec: "T:,80", token: ",", msg: `unexpected ","`},
		{name: "lower-case prefix", spec: "t:22", token: "t:22", msg: "protocol prefixes are upper case"},
		{name: "unknown service", spec: "nosuch", token: "nosuch", msg: `no service named "nosuch" for tcp/udp/sctp in the small.txt`},
		{name: "service of another protocol", spec: "snmp", protos: tcpOnly, token: "snmp", msg: `no service named "snmp" for tcp`},
		{name: "unclosed bracket", spec: "22,[1-10", token: "[1-10", msg: "has no closing ]"},
		{name: "nested brackets", spec: "[[1]]", token: "[", msg: "brackets cannot nest"},
		{name: "stray bracket", spec: "22]", token: "]", msg: "unexpected \"]\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.spec, tab, tt.protos...)
			if err == nil {
				t.Fatalf("Parse(%q) = %q, want an error", tt.spec, got.String())
			}
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %v is %T, want *SyntaxError", err, err)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "ports: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.msg)
			}
			if se.Token != tt.token {
				t.Errorf("Token = %q, want %q", se.Token, tt.token)
			}
			if se.Spec != tt.spec || !strings.HasPrefix(tt.spec[se.Offset:], se.Token) {
				t.Errorf("Offset %d does not point at %q in %q", se.Offset, se.Token, tt.spec)
			}
		})
	}
}

func TestParseDefaultTable(t *testing.T) {
	got, err := Parse("ssh,domain", nil, tcpOnly...)
	if err != nil {
		t.Fatal(err)
	}
	if s := got.String(); s != "T:22,53" {
		t.Errorf("Parse with the default table = %q, want T:22,53", s)
	}
}

func TestParseBadProtocol(t *testing.T) {
	if _, err := Parse("22", nil, result.Protocol(9)); err == nil {
		t.Error("Parse with an unknown protocol: want an error")
	}
}

func TestSpecExclude(t *testing.T) {
	tab := smallTable(t)
	s, err := Parse("1-100", tab)
	if err != nil {
		t.Fatal(err)
	}
	x, err := Parse("T:22,U:1-50", tab)
	if err != nil {
		t.Fatal(err)
	}
	s.Exclude(x)
	s.Exclude(nil)
	if got, want := s.String(), "T:1-21,23-100,U:51-100,S:1-100"; got != want {
		t.Errorf("after Exclude: %q, want %q", got, want)
	}
	if got, want := s.Len(), 99+50+100; got != want {
		t.Errorf("Len() = %d, want %d", got, want)
	}
	if s.For(result.Protocol(0)) != nil {
		t.Error("For(unknown protocol) must be nil")
	}
}

func TestSpecStringRoundTrip(t *testing.T) {
	tab := smallTable(t)
	for _, spec := range []string{"T:1-1000,8080,U:53,161,S:2905", "U:0", "S:1-65535", "T:65535"} {
		s, err := Parse(spec, tab)
		if err != nil {
			t.Fatal(err)
		}
		back, err := Parse(s.String(), tab)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s.String(), err)
		}
		if s.String() != spec || back.String() != spec {
			t.Errorf("%q -> %q -> %q", spec, s.String(), back.String())
		}
	}
}

func TestWildMatch(t *testing.T) {
	tests := []struct {
		mask, name string
		want       bool
	}{
		{"http", "http", true},
		{"http", "https", false},
		{"http*", "http", true},
		{"http*", "http-proxy", true},
		{"*proxy", "http-proxy", true},
		{"*", "", true},
		{"", "", true},
		{"?", "", false},
		{"h?tp", "http", true},
		{"h*p*y", "http-proxy", true},
		{"h*p*z", "http-proxy", false},
		{"**a", "a", true},
		{"*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"MS-*", "ms-wbt-server", true},
	}
	for _, tt := range tests {
		if got := wildMatch(tt.mask, tt.name); got != tt.want {
			t.Errorf("wildMatch(%q, %q) = %v, want %v", tt.mask, tt.name, got, tt.want)
		}
	}
}

func BenchmarkParseAll(b *testing.B) {
	tab := Default()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("-", tab); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseList(b *testing.B) {
	tab := Default()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse("T:21-25,80,443,8000-8100,U:53,161,ssh,http*", tab); err != nil {
			b.Fatal(err)
		}
	}
}
