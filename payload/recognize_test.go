package payload

import (
	"bytes"
	"crypto/md5"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

// testCookie is the cookie of the probes and replies in testdata.
const testCookie = 0x01020304

// readHex reads testdata/name.hex: hex bytes with '#' comments, and ".."
// for a byte derived from the cookie (returned in wild).
func readHex(t testing.TB, name string) (b []byte, wild []bool) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(raw), "\n") {
		line, _, _ = strings.Cut(line, "#")
		for _, f := range strings.Fields(line) {
			if f == ".." {
				b, wild = append(b, 0), append(wild, true)
				continue
			}
			v, err := hex.DecodeString(f)
			if err != nil || len(v) != 1 {
				t.Fatalf("%s: bad byte %q", name, f)
			}
			b, wild = append(b, v[0]), append(wild, false)
		}
	}
	return b, wild
}

func payloadNamed(t testing.TB, name string) *Payload {
	t.Helper()
	p, ok := Builtin().Lookup(name)
	if !ok {
		t.Fatalf("no payload %s", name)
	}
	return p
}

// TestGolden compares probes with bytes worked out by hand from the
// specifications (testdata/probe-*.hex, annotated). They are not generated,
// so there is no -update: a difference is a bug in the builder or in the
// hand-worked file, to be settled with the specification.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "probe-*.hex"))
	if err != nil || len(files) == 0 {
		t.Fatal("no golden probes")
	}
	for _, f := range files {
		name := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "probe-"), ".hex")
		t.Run(name, func(t *testing.T) {
			want, wild := readHex(t, "probe-"+name)
			got := payloadNamed(t, name).Build(nil, testCookie)
			same := len(got) == len(want)
			derived := 0
			for i := 0; same && i < len(got); i++ {
				switch {
				case wild[i]:
					if got[i] != 0 {
						derived++
					}
				case got[i] != want[i]:
					same = false
				}
			}
			if !same {
				t.Fatalf("probe differs from the golden file:\n got %x\nwant %x (00 for ..)", got, want)
			}
			if n := strings.Count(string(fmtWild(wild)), "1"); n > 0 && derived < n/2 {
				t.Errorf("only %d of %d cookie-derived bytes are non-zero", derived, n)
			}
		})
	}
}

func fmtWild(w []bool) []byte {
	b := make([]byte, len(w))
	for i, v := range w {
		b[i] = '0'
		if v {
			b[i] = '1'
		}
	}
	return b
}

type recognizeCase struct {
	name    string
	payload string
	fixture string // testdata/NAME.hex, or
	reply   []byte // inline
	cookie  uint32 // testCookie when 0
	ok      bool
	want    result.Service
	details map[string]string
}

func runRecognize(t *testing.T, cases []recognizeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			reply := tc.reply
			if tc.fixture != "" {
				reply, _ = readHex(t, tc.fixture)
			}
			cookie := tc.cookie
			if cookie == 0 {
				cookie = testCookie
			}
			p := payloadNamed(t, tc.payload)
			if tc.want.Name == "" {
				tc.want.Name = p.Service
			}
			m, ok := p.Recognize(reply, cookie)
			if ok != tc.ok {
				t.Fatalf("recognised %v, want %v (%+v)", ok, tc.ok, m)
			}
			if !ok {
				return
			}
			checkStrings(t, m)
			checkService(t, m.Service, tc.want)
			checkDetails(t, m, tc.details)
		})
	}
}

func TestRecognizeFixtures(t *testing.T) {
	runRecognize(t, []recognizeCase{
		{name: "dnsmasq", payload: "dns-version-bind", fixture: "reply-dns-dnsmasq", ok: true,
			want: result.Service{Name: "domain", Product: "dnsmasq", Version: "2.89",
				CPE: []string{"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*"}}},
		{name: "dns refused", payload: "dns-version-bind", fixture: "reply-dns-refused", ok: true,
			want: result.Service{Name: "domain"}, details: map[string]string{"rcode": "REFUSED"}},
		{name: "dns pointer loop", payload: "dns-version-bind", fixture: "reply-dns-pointer-loop", ok: true,
			want: result.Service{Name: "domain"}},
		{name: "dns another probe's id", payload: "dns-version-bind", fixture: "reply-dns-dnsmasq", cookie: 0x01020305},
		{name: "ntp stratum 1", payload: "ntp-client", fixture: "reply-ntp-stratum1-gps", ok: true,
			want:    result.Service{Name: "ntp", Product: "NTP", Version: "v4", ExtraInfo: "primary server"},
			details: map[string]string{"stratum": "1", "reference id": "GPS", "precision": "2^-20"}},
		{name: "ntpsec readvar", payload: "ntp-readvar", fixture: "reply-ntp-readvar-ntpsec", ok: true,
			want: result.Service{Name: "ntp", Product: "NTPsec", Version: "1.2.2", OSType: "Linux",
				CPE: []string{"cpe:2.3:a:ntpsec:ntpsec:1.2.2:*:*:*:*:*:*:*"}},
			details: map[string]string{"version": "ntpd ntpsec-1.2.2", "system": "Linux/6.18.44-fc-v657", "processor": "x86_64"}},
		{name: "ntp readvar of another probe", payload: "ntp-readvar", fixture: "reply-ntp-readvar-ntpsec", cookie: 0x01020305},
		{name: "snmp cisco", payload: "snmp-v1-public", fixture: "reply-snmp-v1-cisco", ok: true,
			want:    result.Service{Name: "snmp", Product: "SNMPv1 server", ExtraInfo: "public", OSType: "IOS"},
			details: map[string]string{"sysDescr": "Cisco IOS Software, Version 15.2(4)M7"}},
		{name: "snmp v1 reply to the v2c probe", payload: "snmp-v2c-public", fixture: "reply-snmp-v1-cisco"},
		{name: "snmpv3 cisco report", payload: "snmp-v3-discovery", fixture: "reply-snmp-v3-cisco-report", ok: true,
			want: result.Service{Name: "snmp", Product: "Cisco SNMP service", ExtraInfo: "SNMPv3 server"},
			details: map[string]string{"engine MAC": "00:1B:54:C2:A1:C0", "enterprise": "9 (Cisco)",
				"engine boots": "5", "engine time": "123456s", "report": "usmStatsUnknownEngineIDs"}},
		{name: "netbios windows", payload: "netbios-nbstat", fixture: "reply-netbios-windows", ok: true,
			want:    result.Service{Name: "netbios-ns", Hostname: "DESKTOP-7F3K2", ExtraInfo: "workgroup: WORKGROUP"},
			details: map[string]string{"MAC": "08:00:27:AA:BB:CC"}},
		{name: "stun ipv6", payload: "stun-binding", fixture: "reply-stun-ipv6", ok: true,
			want: result.Service{Name: "stun"}, details: map[string]string{"mapped address": "[2001:db8::1]:40000"}},
		{name: "quic", payload: "quic-version-negotiation", fixture: "reply-quic-vn", ok: true,
			want: result.Service{Name: "quic"}, details: map[string]string{"versions": "1, 2"}},
		{name: "ike no proposal", payload: "ike-v1-main-mode", fixture: "reply-ike-v1-no-proposal", ok: true,
			want:    result.Service{Name: "isakmp"},
			details: map[string]string{"exchange": "Informational", "notify": "NO-PROPOSAL-CHOSEN"}},
		{name: "ike reply on the nat-t port lacks the marker", payload: "ike-v2-sa-init-natt", fixture: "reply-ike-v1-no-proposal"},
		{name: "dtls alert", payload: "dtls-client-hello", fixture: "reply-dtls-alert", ok: true,
			want: result.Service{Name: "dtls"}, details: map[string]string{"alert": "40", "record version": "DTLS 1.2"}},
		{name: "coap reset", payload: "coap-well-known-core", fixture: "reply-coap-rst", ok: true,
			want: result.Service{Name: "coap"}, details: map[string]string{"reply": "RST empty"}},
		{name: "coap reset of another message", payload: "coap-well-known-core", fixture: "reply-coap-rst", cookie: 0x01020305},
	})
}

func TestRecognizeHandMade(t *testing.T) {
	rpcReply := func(words ...uint32) []byte {
		var b []byte
		for _, w := range words {
			b = append(b, u32(w)...)
		}
		return b
	}
	runRecognize(t, []recognizeCase{
		// DNS
		{name: "dns short", payload: "dns-version-bind", reply: unhex(t, "0206 8400 0001")},
		{name: "dns query not response", payload: "dns-version-bind", reply: unhex(t, "0206 0000 0000 0000 0000 0000")},
		{name: "dns other question", payload: "dns-version-bind", reply: append(unhex(t, "0206 8400 0001 0000 0000 0000"), labels("example.com")...)},
		{name: "dns no question (FORMERR)", payload: "dns-version-bind", reply: unhex(t, "0206 8001 0000 0000 0000 0000"), ok: true,
			want: result.Service{Name: "domain"}, details: map[string]string{"rcode": "FORMERR"}},
		{name: "dns bind ubuntu", payload: "dns-version-bind", ok: true,
			reply: cat(unhex(t, "0206 8400 0001 0001 0000 0000"), labels("VERSION.bind"), unhex(t, "0010 0003"),
				rr([]byte{0xc0, 12}, 16, 3, append([]byte{16}, "9.16.1-Ubuntu \x01x"...))),
			want:    result.Service{Name: "domain", Product: "ISC BIND", Version: "9.16.1", ExtraInfo: "Ubuntu Linux", OSType: "Linux"},
			details: map[string]string{"version.bind": "9.16.1-Ubuntu ?x"}},
		{name: "dns hidden version", payload: "dns-version-bind", ok: true,
			reply: cat(unhex(t, "0206 8400 0001 0001 0000 0000"), labels("version.bind"), unhex(t, "0010 0003"),
				rr([]byte{0xc0, 12}, 16, 3, append([]byte{21}, "none of your business"...))),
			want: result.Service{Name: "domain"}, details: map[string]string{"version.bind": "none of your business"}},
		{name: "dns truncated answer", payload: "dns-version-bind", ok: true,
			reply: cat(unhex(t, "0206 8400 0001 0001 0000 0000"), labels("version.bind"), unhex(t, "0010 0003 c00c 0010 0003 0000 0000 00ff 03"))},
		// NTP
		{name: "ntp kiss of death", payload: "ntp-client", ok: true,
			reply:   cat([]byte{0xe4, 0, 0, 0}, make([]byte, 8), []byte("RATE"), make([]byte, 8), unhex(t, "21dd1b4f516b4a18"), make([]byte, 16)),
			want:    result.Service{Name: "ntp", Version: "v4", ExtraInfo: "unsynchronized"},
			details: map[string]string{"kiss code": "RATE"}},
		{name: "ntp v3 secondary unsynchronized", payload: "ntp-client", ok: true,
			reply: cat([]byte{0xdc, 3, 0, 0}, make([]byte, 8), []byte{10, 0, 0, 1}, make([]byte, 8), unhex(t, "21dd1b4f516b4a18"), make([]byte, 16)),
			want:  result.Service{Name: "ntp", Version: "v3", ExtraInfo: "secondary server; unsynchronized"}},
		{name: "ntp client mode", payload: "ntp-client",
			reply: cat([]byte{0x23, 2, 0, 0}, make([]byte, 20), unhex(t, "21dd1b4f516b4a18"), make([]byte, 16))},
		{name: "ntp short", payload: "ntp-client", reply: make([]byte, 47)},
		{name: "ntp readvar permission denied", payload: "ntp-readvar", ok: true,
			reply:   unhex(t, "16c2 0206 0100 0000 0000 0000"),
			details: map[string]string{"control error": "permission denied"}},
		{name: "ntp readvar request reflected", payload: "ntp-readvar", reply: unhex(t, "1602 0206 0000 0000 0000 0000")},
		{name: "ntp readvar other opcode", payload: "ntp-readvar", reply: unhex(t, "1681 0206 0000 0000 0000 0000")},
		{name: "ntp readvar fragment offset", payload: "ntp-readvar", reply: unhex(t, "16a2 0206 0000 0000 01d4 0000")},
		{name: "ntp readvar unquoted, broken and empty values", payload: "ntp-readvar", ok: true,
			reply: cat(unhex(t, "16a2 0206 0000 0000 0000 0060"),
				[]byte(`leap=00, stratum, version="xntpd 3-5.93e Mon Sep 20 15:45:37 PDT 1999 (1)",system=SunOS/5.8,x="`)),
			want:    result.Service{Name: "ntp", Product: "ntpd", OSType: "Solaris"},
			details: map[string]string{"system": "SunOS/5.8"}},
		{name: "ntp readvar count past the data", payload: "ntp-readvar", ok: true,
			reply:   cat(unhex(t, "16a2 0206 0000 0000 0000 01f4"), []byte(`version="ntpd ntpsec-1.1.0"`)),
			want:    result.Service{Name: "ntp", Product: "NTPsec", Version: "1.1.0"},
			details: map[string]string{"version": "ntpd ntpsec-1.1.0"}},
		// SNMP
		{name: "snmp indefinite length", payload: "snmp-v1-public", reply: unhex(t, "3080 020100 0000")},
		{name: "snmp huge length", payload: "snmp-v1-public", reply: unhex(t, "3084ffffffff 020100")},
		{name: "snmp five length octets", payload: "snmp-v1-public", reply: unhex(t, "308500000000 05")},
		{name: "snmp high tag", payload: "snmp-v1-public", reply: unhex(t, "3f01 00")},
		{name: "snmp noSuchName", payload: "snmp-v1-public", ok: true,
			reply: unhex(t, "301b 020100 04067075626c6963 a20e 020441020304 020102 020101 3000"),
			want:  result.Service{Name: "snmp", Product: "SNMPv1 server"}, details: map[string]string{"error-status": "noSuchName"}},
		{name: "snmp v2c noSuchObject", payload: "snmp-v2c-public", ok: true,
			reply: unhex(t, "3029 020101 04067075626c6963 a21c 020441020304 020100 020100 300e 300c 06082b06010201010100 8000"),
			want:  result.Service{Name: "snmp", Product: "SNMPv2c server"}, details: map[string]string{"sysDescr": "noSuchObject"}},
		{name: "snmp request id of another probe", payload: "snmp-v1-public",
			reply: unhex(t, "301b 020100 04067075626c6963 a20e 020441020305 020100 020100 3000")},
		{name: "snmpv3 encrypted scoped pdu", payload: "snmp-v3-discovery", ok: true,
			reply: unhex(t, "3022 020103 3011 020441020304 020300ffe3 040103 020103 0402 3000 0406 010203040506"),
			want:  result.Service{Name: "snmp", ExtraInfo: "SNMPv3 server"}},
		{name: "snmpv3 engine text", payload: "snmp-v3-discovery", ok: true,
			reply: unhex(t, "3036 020103 3011 020441020304 020300ffe3 040100 020103 "+
				"0414 3012 040a 00001f8804 6e65742d31 020100 020100 "+ // old-style id: no format byte meaning
				"3008 0400 0400 a802 0200"),
			details: map[string]string{"enterprise": "8072 (net-snmp)"}},
		// NetBIOS
		{name: "netbios names past the data", payload: "netbios-nbstat", ok: true,
			reply: cat(unhex(t, "0206 8400 0000 0001 0000 0000"), nbstatName, unhex(t, "0021 0001 00000000 0013 ff"), []byte("ABCDEFGHIJKLMNO\x00\x04\x00")),
			want:  result.Service{Name: "netbios-ns", Hostname: "ABCDEFGHIJKLMNO"}},
		{name: "netbios request", payload: "netbios-nbstat", reply: unhex(t, "0206 0000 0000 0001 0000 0000")},
		// TFTP
		{name: "tftp error", payload: "tftp-rrq", reply: cat(u16(5), u16(2), []byte("Access violation\x00")), ok: true,
			want: result.Service{Name: "tftp"}, details: map[string]string{"error": "2 Access violation"}},
		{name: "tftp data", payload: "tftp-rrq", reply: cat(u16(3), u16(1), []byte("hello")), ok: true,
			details: map[string]string{"read": "allowed"}},
		{name: "tftp error code out of range", payload: "tftp-rrq", reply: cat(u16(5), u16(9), []byte("x\x00"))},
		{name: "tftp error unterminated", payload: "tftp-rrq", reply: cat(u16(5), u16(1), []byte("x"))},
		{name: "tftp data of block 2", payload: "tftp-rrq", reply: cat(u16(3), u16(2), []byte("x"))},
		// memcached
		{name: "memcached error", payload: "memcached-version", reply: cat(u16(0x0206), u16(0), u16(1), u16(0), []byte("ERROR\r\n")), ok: true,
			want: result.Service{Name: "memcached", Product: "Memcached"}},
		{name: "memcached sequence past total", payload: "memcached-version", reply: cat(u16(0x0206), u16(1), u16(1), u16(0), []byte("x"))},
		{name: "memcached other text", payload: "memcached-version", reply: cat(u16(0x0206), u16(0), u16(1), u16(0), []byte("HTTP/1.1 400\r\n"))},
		// RPC
		{name: "rpc prog mismatch", payload: "rpcbind-null", reply: rpcReply(testCookie, 1, 0, 0, 0, 2, 3, 4), ok: true,
			want: result.Service{Name: "rpcbind", Version: "3-4"}, details: map[string]string{"status": "PROG_MISMATCH"}},
		{name: "rpc denied", payload: "nfs-null", reply: rpcReply(testCookie, 1, 1, 1, 1), ok: true,
			want: result.Service{Name: "nfs"}, details: map[string]string{"status": "MSG_DENIED"}},
		{name: "rpc verifier past the end", payload: "rpcbind-null", reply: rpcReply(testCookie, 1, 0, 1, 400)},
		{name: "rpc call", payload: "rpcbind-null", reply: rpcReply(testCookie, 0, 2, 100000, 2, 0)},
		// SSDP and SIP
		{name: "ssdp windows", payload: "ssdp-msearch", ok: true,
			reply: []byte("HTTP/1.1 200 OK\r\nServer: Microsoft-Windows/10.0 UPnP/1.0 UPnP-Device-Host/1.0\r\n\r\n"),
			want:  result.Service{Name: "upnp", Product: "UPnP-Device-Host", Version: "1.0", OSType: "", ExtraInfo: "Microsoft-Windows 10.0; UPnP 1.0"}},
		{name: "ssdp portable sdk", payload: "ssdp-msearch", ok: true,
			reply: []byte("HTTP/1.1 200 OK\nSERVER: Linux, UPnP/1.0, Portable SDK for UPnP devices/1.14.13\n\n"),
			want:  result.Service{Name: "upnp", Product: "Portable SDK for UPnP devices", Version: "1.14.13", OSType: "Linux", ExtraInfo: "Linux; UPnP 1.0"}},
		{name: "ssdp not found", payload: "ssdp-msearch", reply: []byte("HTTP/1.1 404 Not Found\r\n\r\n")},
		{name: "ssdp notify", payload: "ssdp-msearch", reply: []byte("NOTIFY * HTTP/1.1\r\n\r\n")},
		{name: "sip compact call-id, user-agent", payload: "sip-options", ok: true,
			reply: []byte("SIP/2.0 404 Not Found\r\ni: 01020304@picket.invalid\r\nUser-Agent: FPBX-16.0.40.7(18.17.0)\r\n\r\n"),
			want:  result.Service{Name: "sip", Product: "FPBX", Version: "16.0.40.7"}, details: map[string]string{"status": "404 Not Found"}},
		{name: "sip other call-id", payload: "sip-options",
			reply: []byte("SIP/2.0 200 OK\r\nCall-ID: 01020305@picket.invalid\r\nServer: x/1\r\n\r\n")},
		{name: "sip no call-id", payload: "sip-options", reply: []byte("SIP/2.0 200 OK\r\n\r\n")},
		// STUN
		{name: "stun error response", payload: "stun-binding", ok: true,
			reply:   cat(u16(0x0111), u16(20), u32(0x2112a442), unhex(t, "f54f29087d2e5b82e71cfd9a"), u16(9), u16(16), []byte{0, 0, 4, 0}, []byte("Bad Request\x00")),
			details: map[string]string{"error": "400 Bad Request?"}},
		{name: "stun length not a multiple of 4", payload: "stun-binding",
			reply: cat(u16(0x0101), u16(3), u32(0x2112a442), unhex(t, "f54f29087d2e5b82e71cfd9a"), []byte{1, 2, 3})},
		{name: "stun other transaction", payload: "stun-binding",
			reply: cat(u16(0x0101), u16(0), u32(0x2112a442), make([]byte, 12))},
		// OpenVPN
		{name: "openvpn no ack", payload: "openvpn-hard-reset", reply: cat([]byte{0x40}, make([]byte, 8), []byte{0}, u32(0))},
		{name: "openvpn too many acks", payload: "openvpn-hard-reset", reply: cat([]byte{0x40}, make([]byte, 8), []byte{200})},
		{name: "openvpn ack v1", payload: "openvpn-hard-reset", ok: true,
			reply: cat([]byte{0x28}, []byte("SERVERID"), []byte{1}, u32(0), unhex(t, "6078f27edc321d49")),
			want:  result.Service{Name: "openvpn", Product: "OpenVPN"}},
		// QUIC
		{name: "quic list not in words", payload: "quic-version-negotiation",
			reply: unhex(t, "ff 00000000 08 756bc12c9815df39 08 899ab53d1e18fb22 000000")},
		{name: "quic swapped ids not swapped", payload: "quic-version-negotiation",
			reply: unhex(t, "ff 00000000 08 899ab53d1e18fb22 08 756bc12c9815df39 00000001")},
		{name: "quic long connection id", payload: "quic-version-negotiation", reply: unhex(t, "ff 00000000 ff 00")},
		// DTLS
		{name: "dtls server hello", payload: "dtls-client-hello", ok: true,
			reply:   cat(unhex(t, "16 fefd 0000 000000000000 0032 02 000026 0000 000000 000026 fefd"), make([]byte, 32), unhex(t, "00 c02b 00")),
			details: map[string]string{"version": "DTLS 1.2", "cipher suite": "0xc02b"}},
		{name: "dtls record past the end", payload: "dtls-client-hello", reply: unhex(t, "15 fefd 0000 000000000000 0010 0228")},
		{name: "tls not dtls", payload: "dtls-client-hello", reply: unhex(t, "15 0303 0002 0228")},
		// CoAP
		{name: "coap separate response", payload: "coap-well-known-core", ok: true,
			reply:   cat([]byte{0x54, 0x45}, u16(0x7777), u32(testCookie), []byte{0xff}, []byte("</a>")),
			details: map[string]string{"code": "2.05", "resources": "</a>"}},
		{name: "coap 4.04", payload: "coap-well-known-core", ok: true,
			reply: cat([]byte{0x64, 0x84}, u16(0x0206), u32(testCookie)), details: map[string]string{"code": "4.04"}},
		{name: "coap extended options", payload: "coap-well-known-core", ok: true,
			reply:   cat([]byte{0x64, 0x45}, u16(0x0206), u32(testCookie), []byte{0xd1, 0x0a, 0x01, 0xe0, 0x01, 0x00, 0xff, 'x'}),
			details: map[string]string{"resources": "x"}},
		{name: "coap option past the end", payload: "coap-well-known-core", ok: true,
			reply: cat([]byte{0x64, 0x45}, u16(0x0206), u32(testCookie), []byte{0x0e, 0x01})},
		{name: "coap ack with another token", payload: "coap-well-known-core",
			reply: cat([]byte{0x64, 0x45}, u16(0x0206), u32(testCookie+1))},
		{name: "coap version 2", payload: "coap-well-known-core", reply: unhex(t, "b0000206")},
		// RIP
		{name: "rip v1 response", payload: "rip-v2-request", ok: true,
			reply: cat([]byte{2, 1, 0, 0}, u16(2), u16(0), []byte{10, 1, 0, 0}, make([]byte, 8), u32(3)),
			want:  result.Service{Name: "route", Product: "RIPv1"}, details: map[string]string{"table": "10.1.0.0 metric 3"}},
		{name: "rip with authentication entry", payload: "rip-v2-request", ok: true,
			reply: cat([]byte{2, 2, 0, 0}, u16(0xffff), u16(2), make([]byte, 16)), details: map[string]string{"routes": "0"}},
		{name: "rip odd length", payload: "rip-v2-request", reply: cat([]byte{2, 2, 0, 0}, make([]byte, 19))},
		{name: "rip request", payload: "rip-v2-request", reply: buildRIP(nil, 0)},
		{name: "ripng next hop entry", payload: "ripng-request", ok: true,
			reply: cat([]byte{2, 1, 0, 0}, make([]byte, 19), []byte{0xff}), details: map[string]string{"routes": "0"}},
		// IPMI
		{name: "ipmi error completion", payload: "ipmi-channel-auth", ok: true,
			reply:   cat([]byte{6, 0, 0xff, 7}, make([]byte, 9), []byte{8, 0x81, 0x1c, 0x63, 0x20, 0x10, 0x38, 0xc1, 0xe7}),
			details: map[string]string{"completion code": "0xc1"}},
		{name: "ipmi other sequence", payload: "ipmi-channel-auth",
			reply: cat([]byte{6, 0, 0xff, 7}, make([]byte, 9), []byte{8, 0x81, 0x1c, 0x63, 0x20, 0x14, 0x38, 0xc1, 0xe3})},
		{name: "ipmi bad header checksum", payload: "ipmi-channel-auth",
			reply: cat([]byte{6, 0, 0xff, 7}, make([]byte, 9), []byte{8, 0x81, 0x1c, 0x64, 0x20, 0x10, 0x38, 0xc1, 0xe7})},
		{name: "ipmi length past the end", payload: "ipmi-channel-auth",
			reply: cat([]byte{6, 0, 0xff, 7}, make([]byte, 9), []byte{200, 0x81, 0x1c, 0x63, 0x20, 0x10, 0x38, 0xc1, 0xe7})},
		// XDMCP, MS-SQL, NAT-PMP, WS-Discovery, echo
		{name: "xdmcp unwilling", payload: "xdmcp-query", ok: true,
			reply: cat(u16(1), u16(6), u16(10), u16(1), []byte("h"), u16(5), []byte("busy!")),
			want:  result.Service{Name: "xdmcp", Hostname: "h", ExtraInfo: "unwilling; status: busy!"}},
		{name: "xdmcp length past the end", payload: "xdmcp-query", reply: cat(u16(1), u16(5), u16(100), u16(0))},
		{name: "mssql two instances", payload: "mssql-browser", ok: true,
			reply: func() []byte {
				s := "ServerName;DB;InstanceName;A;IsClustered;No;Version;16.0.1000.6;tcp;1433;;ServerName;DB;InstanceName;B;Version;14.0.1000.169;np;\\\\DB\\pipe\\sql\\query;;"
				return cat([]byte{5}, []byte{byte(len(s)), byte(len(s) >> 8)}, []byte(s))
			}(),
			want: result.Service{Name: "ms-sql-m", Version: "16.0.1000.6", Hostname: "DB", ExtraInfo: "ServerName: DB; TCPPort: 1433"}},
		{name: "mssql size past the end", payload: "mssql-browser", reply: []byte{5, 0xff, 0x00, 'x'}},
		{name: "nat-pmp refused", payload: "nat-pmp-external-address", ok: true, reply: cat([]byte{0, 128}, u16(2), u32(7)),
			details: map[string]string{"result": "Not Authorized/Refused"}},
		{name: "nat-pmp request", payload: "nat-pmp-external-address", reply: []byte{0, 0}},
		{name: "ws-discovery other message", payload: "ws-discovery-probe",
			reply: []byte("<a:ProbeMatches><a:RelatesTo>urn:uuid:00000000-0000-4000-8000-000000000000</a:RelatesTo></a:ProbeMatches>")},
		{name: "ws-discovery upper-case id", payload: "ws-discovery-probe", ok: true,
			reply:   []byte("<e><h><w:RelatesTo>urn:uuid:E8A8E5CC-8914-4A42-B47E-1A3CBBE0C1F4</w:RelatesTo></h><b><d:ProbeMatches><d:Types>pub:Computer</d:Types></d:ProbeMatches></b></e>"),
			details: map[string]string{"types": "pub:Computer"}},
		{name: "echo of another probe", payload: "echo", reply: []byte("picket echo 01020305\r\n")},
	})
}

func TestDNSName(t *testing.T) {
	msg := cat(make([]byte, 12), labels("www.Example.com"), []byte{3, 'f', 'o', 'o', 0xc0, 16}, []byte{0xc0, 29})
	for _, tt := range []struct {
		name string
		msg  []byte
		off  int
		want string
		next int
		ok   bool
	}{
		{"plain, lower-cased", msg, 12, "www.example.com", 29, true},
		{"pointer into a name", msg, 29, "foo.example.com", 35, true},
		{"pointer to a pointer", msg, 35, "foo.example.com", 37, true},
		{"root", []byte{0}, 0, "", 1, true},
		{"pointer to itself", []byte{0xc0, 0}, 0, "", 0, false},
		{"pointer forward", []byte{0xc0, 2, 0}, 0, "", 0, false},
		{"pointer loop of two", cat([]byte{1, 'a', 0xc0, 4}, []byte{1, 'b', 0xc0, 0}), 4, "", 0, false},
		{"label past the end", []byte{5, 'a'}, 0, "", 0, false},
		{"no terminator", []byte{1, 'a'}, 0, "", 0, false},
		{"extended label type", []byte{0x41, 0}, 0, "", 0, false},
		{"half a pointer", []byte{0xc0}, 0, "", 0, false},
		{"too long", bytes.Repeat(append([]byte{63}, bytes.Repeat([]byte{'a'}, 63)...), 5), 0, "", 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var buf [dnsMaxName]byte
			got, next, ok := dnsName(tt.msg, tt.off, buf[:])
			if ok != tt.ok || (ok && (string(got) != tt.want || next != tt.next)) {
				t.Errorf("dnsName = %q, %d, %v; want %q, %d, %v", got, next, ok, tt.want, tt.next, tt.ok)
			}
		})
	}
}

// TestIKEVendorIDs checks the vendor ids that are hashes of their names.
func TestIKEVendorIDs(t *testing.T) {
	for _, tt := range []struct{ text, hex string }{
		{"strongSwan", "882fe56d6fd20dbc2251613b2ebe5beb"},
		{"MS NT5 ISAKMPOAKLEY", "1e2b516905991c7d7c96fcbfb587e461"},
		{"RFC 3947", "4a131c81070358455c5728f20e95452f"},
		{"draft-ietf-ipsec-nat-t-ike-02\n", "90cb80913ebb696e086381b5ec427b1f"},
		{"CISCO-UNITY", "12f5f28c457168a9702d9fe274cc"},
		{"FRAGMENTATION", "4048b7d56ebce88525e7de7f00d6c2d3"},
		{"Vid-Initial-Contact", "26244d38eddb61b3172a36e3d0cfb819"},
	} {
		t.Run(tt.text, func(t *testing.T) {
			sum := md5Hex(tt.text)
			if !strings.HasPrefix(sum, tt.hex) {
				t.Errorf("MD5(%q) = %s, table has %s", tt.text, sum, tt.hex)
			}
			found := false
			for _, v := range ikeVendors {
				found = found || v.hex == tt.hex
			}
			if !found {
				t.Errorf("%s missing from ikeVendors", tt.hex)
			}
		})
	}
}

func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
