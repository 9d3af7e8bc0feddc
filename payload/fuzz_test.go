package payload

import (
	"errors"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// fuzzRecognizer fuzzes one payload's recogniser, seeded with the answer
// of its test server, the testdata replies named, the probe itself and a
// few degenerate inputs. Whatever the input, Recognize must not panic, and
// what it accepts must be of its protocol, with bounded, printable strings.
func fuzzRecognizer(f *testing.F, name string, fixtures ...string) {
	p := payloadNamed(f, name)
	probe := p.Build(nil, testCookie)
	f.Add(probe, uint32(testCookie))
	f.Add([]byte{}, uint32(testCookie))
	f.Add(probe[:len(probe)/2], uint32(testCookie))
	if srv, ok := servers[name]; ok {
		f.Add(srv.answer(f, probe), uint32(testCookie))
	}
	for _, fx := range fixtures {
		b, _ := readHex(f, fx)
		f.Add(b, uint32(testCookie))
	}
	f.Fuzz(func(t *testing.T, reply []byte, cookie uint32) {
		orig := slices.Clone(reply)
		m, ok := p.Recognize(reply, cookie)
		if !slices.Equal(orig, reply) {
			t.Fatal("Recognize modified the reply")
		}
		if !ok {
			if m.Service.Name != "" || len(m.Details) != 0 {
				t.Fatalf("no match, but %+v", m)
			}
			return
		}
		if m.Service.Name != p.Service {
			t.Fatalf("service %q from the %s recogniser", m.Service.Name, p.Name)
		}
		checkStrings(t, m)
	})
}

func FuzzEcho(f *testing.F) { fuzzRecognizer(f, "echo") }
func FuzzDNS(f *testing.F) {
	fuzzRecognizer(f, "dns-version-bind", "reply-dns-dnsmasq", "reply-dns-refused", "reply-dns-pointer-loop")
}
func FuzzNTPReadVar(f *testing.F) {
	fuzzRecognizer(f, "ntp-readvar", "reply-ntp-readvar-ntpsec")
}
func FuzzMDNS(f *testing.F)   { fuzzRecognizer(f, "mdns-services") }
func FuzzTFTP(f *testing.F)   { fuzzRecognizer(f, "tftp-rrq") }
func FuzzRPC(f *testing.F)    { fuzzRecognizer(f, "rpcbind-null") }
func FuzzNFS(f *testing.F)    { fuzzRecognizer(f, "nfs-null") }
func FuzzNTP(f *testing.F)    { fuzzRecognizer(f, "ntp-client", "reply-ntp-stratum1-gps") }
func FuzzNBSTAT(f *testing.F) { fuzzRecognizer(f, "netbios-nbstat", "reply-netbios-windows") }
func FuzzSNMPv1(f *testing.F) { fuzzRecognizer(f, "snmp-v1-public", "reply-snmp-v1-cisco") }
func FuzzSNMPv2c(f *testing.F) {
	fuzzRecognizer(f, "snmp-v2c-public")
}
func FuzzSNMPv3(f *testing.F) { fuzzRecognizer(f, "snmp-v3-discovery", "reply-snmp-v3-cisco-report") }
func FuzzXDMCP(f *testing.F)  { fuzzRecognizer(f, "xdmcp-query") }
func FuzzQUIC(f *testing.F)   { fuzzRecognizer(f, "quic-version-negotiation", "reply-quic-vn") }
func FuzzDTLS(f *testing.F)   { fuzzRecognizer(f, "dtls-client-hello", "reply-dtls-alert") }
func FuzzIKEv1(f *testing.F)  { fuzzRecognizer(f, "ike-v1-main-mode", "reply-ike-v1-no-proposal") }
func FuzzIKEv2(f *testing.F)  { fuzzRecognizer(f, "ike-v2-sa-init") }
func FuzzNATT(f *testing.F)   { fuzzRecognizer(f, "ike-v2-sa-init-natt") }
func FuzzRIP(f *testing.F)    { fuzzRecognizer(f, "rip-v2-request") }
func FuzzRIPng(f *testing.F)  { fuzzRecognizer(f, "ripng-request") }
func FuzzIPMI(f *testing.F)   { fuzzRecognizer(f, "ipmi-channel-auth") }
func FuzzOpenVPN(f *testing.F) {
	fuzzRecognizer(f, "openvpn-hard-reset")
}
func FuzzMSSQL(f *testing.F)     { fuzzRecognizer(f, "mssql-browser") }
func FuzzSSDP(f *testing.F)      { fuzzRecognizer(f, "ssdp-msearch") }
func FuzzSTUN(f *testing.F)      { fuzzRecognizer(f, "stun-binding", "reply-stun-ipv6") }
func FuzzWSD(f *testing.F)       { fuzzRecognizer(f, "ws-discovery-probe") }
func FuzzSIP(f *testing.F)       { fuzzRecognizer(f, "sip-options") }
func FuzzNATPMP(f *testing.F)    { fuzzRecognizer(f, "nat-pmp-external-address") }
func FuzzCoAP(f *testing.F)      { fuzzRecognizer(f, "coap-well-known-core", "reply-coap-rst") }
func FuzzMemcached(f *testing.F) { fuzzRecognizer(f, "memcached-version") }

// TestEveryRecognizerFuzzed keeps the list above complete.
func TestEveryRecognizerFuzzed(t *testing.T) {
	src, err := os.ReadFile("fuzz_test.go")
	if err != nil {
		t.Fatal(err)
	}
	fuzzed := map[string]bool{}
	for _, m := range regexp.MustCompile(`fuzzRecognizer\(f, "([^"]+)"`).FindAllStringSubmatch(string(src), -1) {
		fuzzed[m[1]] = true
	}
	for _, p := range All() {
		if !fuzzed[p.Name] {
			t.Errorf("payload %s has no fuzz target: add a FuzzXxx calling fuzzRecognizer", p.Name)
		}
	}
}

func FuzzDNSName(f *testing.F) {
	f.Add(cat(make([]byte, 12), labels("www.example.com"), []byte{0xc0, 12}), 29)
	f.Add([]byte{0xc0, 0}, 0)
	f.Add([]byte{1, 'a', 0xc0, 0}, 0)
	f.Fuzz(func(t *testing.T, msg []byte, off int) {
		if off < 0 || off > len(msg) {
			return
		}
		var buf [dnsMaxName]byte
		name, next, ok := dnsName(msg, off, buf[:])
		if ok && (len(name) > dnsMaxName || next <= off || next > len(msg)) {
			t.Fatalf("name of %d bytes, next %d from %d in %d", len(name), next, off, len(msg))
		}
	})
}

func FuzzReadNmap(f *testing.F) {
	for _, s := range []string{
		"", "udp 7 \"\\x0D\\x0A\"\n", "udp 1,3-5 \"a\"\n \"b\" # c\nsource 9\n",
		"udp 1 \"x\"\nfuture a \"b\"\n", "udp 1 \"\\q\"", "tcp 1 \"x\"", "udp 1-65535 \"x\"",
	} {
		f.Add(s)
	}
	if b, err := os.ReadFile("/usr/share/nmap/" + NmapPayloadsFile); err == nil {
		f.Add(string(b))
	}
	f.Fuzz(func(t *testing.T, data string) {
		ps, err := ReadNmap(strings.NewReader(data), "fuzz")
		if err != nil {
			var le *LineError
			switch {
			case errors.Is(err, ErrTooLarge):
			case errors.As(err, &le):
				if le.Line < 1 || le.Line > strings.Count(data, "\n")+1 {
					t.Fatalf("error names line %d of a %d-line input", le.Line, strings.Count(data, "\n")+1)
				}
			default:
				t.Fatalf("error %v is neither a *LineError nor ErrTooLarge", err)
			}
			return
		}
		for _, p := range ps {
			line, err := strconv.Atoi(strings.TrimPrefix(p.Name, "nmap:"))
			if err != nil || line < 1 || line > strings.Count(data, "\n")+1 {
				t.Fatalf("payload named %q", p.Name)
			}
			if len(p.Ports) == 0 || len(p.Build(nil, 0)) > maxDatagram {
				t.Fatalf("payload %s: %d ports, %d bytes", p.Name, len(p.Ports), len(p.Build(nil, 0)))
			}
		}
		NewTable(ps) // must not panic either
	})
}
