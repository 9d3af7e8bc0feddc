package payload

import (
	"bytes"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/picket-scanner/picket/result"
)

// cookies the tests probe with: ordinary, all ones, all zeros, and one
// whose 16-bit fold is zero.
var testCookies = []uint32{0x01020304, 0xffffffff, 0, 0xabcdabcd}

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func detail(m Match, key string) (string, bool) {
	for _, d := range m.Details {
		if d.Key == key {
			return d.Value, true
		}
	}
	return "", false
}

// checkService compares the fields want sets.
func checkService(t *testing.T, got, want result.Service) {
	t.Helper()
	for _, f := range []struct{ name, got, want string }{
		{"Name", got.Name, want.Name}, {"Product", got.Product, want.Product}, {"Version", got.Version, want.Version},
		{"ExtraInfo", got.ExtraInfo, want.ExtraInfo}, {"Hostname", got.Hostname, want.Hostname},
		{"OSType", got.OSType, want.OSType}, {"DeviceType", got.DeviceType, want.DeviceType},
	} {
		if f.got != f.want && (f.want != "" || f.name == "Name") {
			t.Errorf("%s = %q, want %q", f.name, f.got, f.want)
		}
	}
	if want.CPE != nil && !slices.Equal(got.CPE, want.CPE) {
		t.Errorf("CPE = %q, want %q", got.CPE, want.CPE)
	}
}

func checkDetails(t *testing.T, m Match, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got, ok := detail(m, k); !ok || got != v {
			t.Errorf("detail %q = %q, want %q (all: %q)", k, got, v, m.Details)
		}
	}
}

// TestRoundTrip sends each payload to a server of its protocol (see
// server_test.go), which checks the probe against the specification and
// answers; the payload's recogniser must accept the answer and read what
// it says.
func TestRoundTrip(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			srv, ok := servers[p.Name]
			if !ok {
				t.Fatalf("no test server for payload %s: add one to server_test.go", p.Name)
			}
			for _, c := range testCookies {
				probe := p.Build(nil, c)
				reply := srv.answer(t, probe)
				m, ok := p.Recognize(reply, c)
				if !ok {
					t.Fatalf("cookie %#x: reply not recognised:\n%s", c, hex.Dump(reply))
				}
				checkService(t, m.Service, srv.want)
				checkDetails(t, m, srv.details)
				if m.Service.Name != p.Service {
					t.Errorf("Service.Name %q differs from the payload's Service %q", m.Service.Name, p.Service)
				}
				if p.Validates {
					if _, ok := p.Recognize(reply, c^1); ok {
						t.Errorf("cookie %#x: a reply to another probe is accepted", c)
					}
				}
			}
		})
	}
}

// TestProbeIsNotAReply: a probe reflected back, or our own probe seen on
// the wire, is no answer. Echo is the exception by design.
func TestProbeIsNotAReply(t *testing.T) {
	for _, p := range All() {
		if p.Name == "echo" {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			if m, ok := p.Recognize(p.Build(nil, 0x01020304), 0x01020304); ok {
				t.Errorf("own probe recognised as a reply: %+v", m)
			}
		})
	}
}

func TestRegistry(t *testing.T) {
	names := map[string]bool{}
	for _, p := range All() {
		if p.Name == "" || p.Service == "" || p.Build == nil || p.Recognize == nil {
			t.Errorf("payload %+v is incomplete", p)
		}
		if names[p.Name] {
			t.Errorf("payload name %s used twice", p.Name)
		}
		names[p.Name] = true
		for _, port := range p.Ports {
			if !slices.Contains(ForPort(port), p) {
				t.Errorf("ForPort(%d) lacks %s", port, p.Name)
			}
		}
		if got, ok := Builtin().Lookup(p.Name); !ok || got != p {
			t.Errorf("Lookup(%s) = %v, %v", p.Name, got, ok)
		}
	}
	if _, ok := Builtin().Lookup("no-such-payload"); ok {
		t.Error("Lookup of an unknown name succeeded")
	}
}

func TestForPort(t *testing.T) {
	for _, tt := range []struct {
		name string
		port uint16
		want []string
	}{
		{"dns", 53, []string{"dns-version-bind"}},
		{"snmp sends v1 then v3", 161, []string{"snmp-v1-public", "snmp-v3-discovery"}},
		{"ike both versions", 500, []string{"ike-v1-main-mode", "ike-v2-sa-init"}},
		{"443 quic then dtls", 443, []string{"quic-version-negotiation", "dtls-client-hello"}},
		{"nat-t", 4500, []string{"ike-v2-sa-init-natt"}},
		{"no payload", 9, []string{"empty"}},
		{"port 0", 0, []string{"empty"}},
		{"port 65535", 65535, []string{"empty"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, p := range ForPort(tt.port) {
				got = append(got, p.Name)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("ForPort(%d) = %q, want %q", tt.port, got, tt.want)
			}
		})
	}
}

func TestNewTable(t *testing.T) {
	a := &Payload{Name: "a", Ports: []uint16{1, 2, 2, 65535}}
	b := &Payload{Name: "b", Ports: []uint16{2, 3}}
	c := &Payload{Name: "c", Ports: []uint16{1, 2, 65535}}
	tab := NewTable([]*Payload{a, b, c})
	for _, tt := range []struct {
		name string
		port uint16
		want []*Payload
	}{
		{"two payloads", 1, []*Payload{a, c}},
		{"duplicate port in one payload", 2, []*Payload{a, b, c}},
		{"one payload", 3, []*Payload{b}},
		{"highest port", 65535, []*Payload{a, c}},
		{"none", 4, []*Payload{Empty}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := tab.ForPort(tt.port); !slices.Equal(got, tt.want) {
				t.Errorf("ForPort(%d) = %v, want %v", tt.port, got, tt.want)
			}
		})
	}
	// Ports with the same payloads share one list.
	if &tab.ForPort(1)[0] != &tab.ForPort(65535)[0] {
		t.Error("ports 1 and 65535 have equal payload lists that are not shared")
	}
	if len(tab.All()) != 3 {
		t.Errorf("All() has %d payloads", len(tab.All()))
	}
}

func TestEmpty(t *testing.T) {
	if b := Empty.Build([]byte("x"), 1); string(b) != "x" {
		t.Errorf("Empty.Build appended %q", b[1:])
	}
	if _, ok := Empty.Recognize([]byte("anything"), 1); ok {
		t.Error("Empty recognised a reply")
	}
}

func TestBuildAppends(t *testing.T) {
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			prefix := []byte("prefix")
			a := p.Build(bytes.Clone(prefix), 7)
			b := p.Build(nil, 7)
			if !bytes.HasPrefix(a, prefix) || !bytes.Equal(a[len(prefix):], b) {
				t.Error("Build does not append to dst")
			}
			if !bytes.Equal(p.Build(nil, 7), b) {
				t.Error("Build is not deterministic")
			}
			if len(b) > 1472 {
				t.Errorf("probe of %d bytes does not fit one Ethernet frame", len(b))
			}
		})
	}
}

func TestBuildAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, p := range All() {
		t.Run(p.Name, func(t *testing.T) {
			buf := make([]byte, 0, 2048)
			c := uint32(0)
			if n := testing.AllocsPerRun(100, func() { c++; buf = p.Build(buf[:0], c) }); n != 0 {
				t.Errorf("Build allocates %v times", n)
			}
		})
	}
}

// TestMatchStrings: what recognisers keep is bounded, printable UTF-8.
func checkStrings(t *testing.T, m Match) {
	t.Helper()
	s := m.Service
	all := []string{s.Name, s.Product, s.Version, s.ExtraInfo, s.Hostname, s.OSType, s.DeviceType}
	all = append(all, s.CPE...)
	for _, d := range m.Details {
		all = append(all, d.Key, d.Value)
	}
	for _, v := range all {
		if !utf8.ValidString(v) || len(v) > 1024 || strings.ContainsFunc(v, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
			t.Fatalf("unsafe string %q in %+v", v, m)
		}
	}
	if len(m.Details) > 64 {
		t.Fatalf("%d details", len(m.Details))
	}
}

func TestClean(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		max      int
		want     string
	}{
		{"plain", "  hello ", 10, "hello"},
		{"controls", "a\x00b\x1bc\x7f", 10, "a?b?c?"},
		{"invalid utf8", "a\xffb", 10, "a?b"},
		{"c1 controls", "a\u0085b", 10, "a?b"},
		{"utf8 kept", "Grüße", 10, "Grüße"},
		{"cut at max", "abcdef", 3, "abc"},
		{"cut before a rune", "abü", 3, "ab"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean([]byte(tt.in), tt.max); got != tt.want {
				t.Errorf("clean(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
			}
		})
	}
}

func TestSplitProduct(t *testing.T) {
	for _, tt := range []struct{ in, product, version string }{
		{"MiniUPnPd/2.1", "MiniUPnPd", "2.1"},
		{"Asterisk PBX 18.10.0", "Asterisk PBX", "18.10.0"},
		{"Coturn-4.6.1 'Gorst'", "Coturn", "4.6.1"},
		{"Kamailio (5.6.4 (x86_64/linux))", "Kamailio", "5.6.4"},
		{"FreeSWITCH-mod_sofia/1.10.9-release~64bit", "FreeSWITCH-mod_sofia", "1.10.9-release~64bit"},
		{"Portable SDK for UPnP devices/1.14.13", "Portable SDK for UPnP devices", "1.14.13"},
		{"Cisco-SIPGateway/IOS-15.x", "Cisco-SIPGateway", "IOS-15.x"},
		{"none of your business", "none of your business", ""},
		{"", "", ""},
		{"v", "v", ""},
	} {
		t.Run(tt.in, func(t *testing.T) {
			p, v := splitProduct(tt.in)
			if p != tt.product || v != tt.version {
				t.Errorf("splitProduct(%q) = %q, %q; want %q, %q", tt.in, p, v, tt.product, tt.version)
			}
		})
	}
}

// TestFillKnownAnswer pins the cookie expansion: SplitMix64's published
// first output for seed 0 is 0xe220a8397b1dcdaf. An engine and a
// recogniser of different picket versions must agree on it.
func TestFillKnownAnswer(t *testing.T) {
	var b [8]byte
	fill(b[:], 0, 0)
	if got := hex.EncodeToString(b[:]); got != "e220a8397b1dcdaf" {
		t.Errorf("fill(0, 0) = %s", got)
	}
	if !matches(b[:], 0, 0) || matches(b[:], 1, 0) || matches(b[:], 0, 1) {
		t.Error("matches disagrees with fill")
	}
	if matches(make([]byte, 33), 0, 0) {
		t.Error("matches accepted an identifier longer than it checks")
	}
}

// TestRejectAllocs: a reply to another probe (or a spoofed one) costs no
// allocation to turn down.
func TestRejectAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, p := range All() {
		if !p.Validates {
			continue
		}
		t.Run(p.Name, func(t *testing.T) {
			reply := servers[p.Name].answer(t, p.Build(nil, testCookie))
			if n := testing.AllocsPerRun(50, func() {
				if _, ok := p.Recognize(reply, testCookie^1); ok {
					t.Fatal("accepted")
				}
			}); n != 0 {
				t.Errorf("rejecting allocates %v times", n)
			}
		})
	}
}
