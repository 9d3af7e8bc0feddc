package payload

import (
	"bytes"
	"encoding/asn1"
	"encoding/binary"
	"encoding/xml"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

// A server, for the round-trip tests: it reads a probe as a server of the
// protocol would, checking it against the specification with code of its
// own (encoding/asn1 for SNMP, encoding/xml for WS-Discovery, hand-written
// walkers elsewhere), and encodes the answer a real server would send.
type server struct {
	answer  func(t testing.TB, probe []byte) []byte
	want    result.Service // Name and each non-empty field are checked
	details map[string]string
}

var (
	be16 = binary.BigEndian.Uint16
	be32 = binary.BigEndian.Uint32
)

func u16(v uint16) []byte { return binary.BigEndian.AppendUint16(nil, v) }
func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func need(t testing.TB, ok bool, what string) {
	t.Helper()
	if !ok {
		t.Fatalf("probe: %s", what)
	}
}

// readLabels reads an uncompressed name, as a server reads a question.
func readLabels(t testing.TB, b []byte) (string, []byte) {
	t.Helper()
	var labels []string
	for {
		need(t, len(b) > 0, "name runs past the end")
		n := int(b[0])
		if n == 0 {
			return strings.Join(labels, "."), b[1:]
		}
		need(t, n < 64 && len(b) > n, "bad label")
		labels = append(labels, string(b[1:1+n]))
		b = b[1+n:]
	}
}

func labels(name string) []byte {
	var b []byte
	for l := range strings.SplitSeq(name, ".") {
		b = append(b, byte(len(l)))
		b = append(b, l...)
	}
	return append(b, 0)
}

// dnsQuestion checks a one-question standard query and returns its id and
// the question's bytes.
func dnsQuestion(t testing.TB, probe []byte, name string, qtype, qclass uint16) (uint16, []byte) {
	t.Helper()
	need(t, len(probe) >= 12, "short header")
	need(t, probe[2]&0x80 == 0 && probe[2]>>3&0xf == 0, "not a standard query")
	need(t, be16(probe[4:]) == 1 && be16(probe[6:]) == 0 && be16(probe[8:]) == 0 && be16(probe[10:]) == 0, "counts")
	got, rest := readLabels(t, probe[12:])
	need(t, got == name, "question is "+got)
	need(t, len(rest) == 4 && be16(rest) == qtype && be16(rest[2:]) == qclass, "qtype/qclass or trailing bytes")
	return be16(probe), probe[12:]
}

func rr(name []byte, typ, class uint16, data []byte) []byte {
	return cat(name, u16(typ), u16(class), u32(0), u16(uint16(len(data))), data)
}

// SNMP messages, as encoding/asn1 reads and writes them.
type snmpMessage struct {
	Version   int
	Community []byte
	PDU       asn1.RawValue
}

type snmpPDU struct {
	RequestID   int
	ErrorStatus int
	ErrorIndex  int
	Bindings    []snmpVarBind
}

type snmpVarBind struct {
	Name  asn1.ObjectIdentifier
	Value asn1.RawValue
}

type snmpV3Message struct {
	Version int
	Global  struct {
		MsgID    int
		MaxSize  int
		Flags    []byte
		SecModel int
	}
	SecParams []byte
	Scoped    struct {
		ContextEngineID []byte
		ContextName     []byte
		PDU             asn1.RawValue
	}
}

type usmParams struct {
	EngineID []byte
	Boots    int
	Time     int
	User     []byte
	Auth     []byte
	Priv     []byte
}

func snmpGet(t testing.TB, pduRaw asn1.RawValue) snmpPDU {
	t.Helper()
	need(t, pduRaw.Class == asn1.ClassContextSpecific && pduRaw.Tag == 0 && pduRaw.IsCompound, "not a GetRequest")
	var p snmpPDU
	rest, err := asn1.UnmarshalWithParams(pduRaw.FullBytes, &p, "tag:0")
	need(t, err == nil && len(rest) == 0, "GetRequest does not decode")
	need(t, p.ErrorStatus == 0 && p.ErrorIndex == 0, "error fields set")
	return p
}

func marshal(t testing.TB, v any, params string) []byte {
	t.Helper()
	b, err := asn1.MarshalWithParams(v, params)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func snmpCommunityServer(version int) server {
	return server{
		answer: func(t testing.TB, probe []byte) []byte {
			var msg snmpMessage
			rest, err := asn1.Unmarshal(probe, &msg)
			need(t, err == nil && len(rest) == 0, "message does not decode")
			need(t, msg.Version == version && string(msg.Community) == "public", "version or community")
			p := snmpGet(t, msg.PDU)
			need(t, len(p.Bindings) == 1 && p.Bindings[0].Name.Equal(asn1.ObjectIdentifier{1, 3, 6, 1, 2, 1, 1, 1, 0}), "not sysDescr.0")
			need(t, p.Bindings[0].Value.Tag == asn1.TagNull, "value not NULL")
			p.Bindings[0].Value = asn1.RawValue{Tag: asn1.TagOctetString,
				Bytes: []byte("Linux web1 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64")}
			msg.PDU = asn1.RawValue{FullBytes: marshal(t, p, "tag:2")}
			return marshal(t, msg, "")
		},
		want: result.Service{Name: "snmp", Product: map[int]string{0: "SNMPv1 server", 1: "SNMPv2c server"}[version],
			ExtraInfo: "public", OSType: "Linux", Hostname: "web1"},
		details: map[string]string{"sysDescr": "Linux web1 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"},
	}
}

func rpcServer(prog, vers uint32, name string) server {
	return server{
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 40, "length")
			need(t, be32(probe[4:]) == 0 && be32(probe[8:]) == 2, "not an RPCv2 CALL")
			need(t, be32(probe[12:]) == prog && be32(probe[16:]) == vers && be32(probe[20:]) == 0, "program, version or procedure")
			need(t, bytes.Equal(probe[24:], make([]byte, 16)), "credentials not AUTH_NONE")
			return cat(probe[:4], u32(1), u32(0), u32(0), u32(0), u32(0)) // REPLY, accepted, AUTH_NONE, SUCCESS
		},
		want:    result.Service{Name: name, Version: itoa(int(vers)), ExtraInfo: "RPC #" + itoa(int(prog))},
		details: map[string]string{"status": "SUCCESS"},
	}
}

// ikeWalk checks the generic payload chain of an IKE message and returns
// the payloads by type.
func ikeWalk(t testing.TB, msg []byte) map[byte][]byte {
	t.Helper()
	need(t, len(msg) >= 28 && int(be32(msg[24:])) == len(msg), "IKE length")
	need(t, !bytes.Equal(msg[:8], make([]byte, 8)) && bytes.Equal(msg[8:16], make([]byte, 8)), "SPIs")
	out := map[byte][]byte{}
	next, off := msg[16], 28
	for next != 0 {
		need(t, off+4 <= len(msg), "payload header past the end")
		l := int(be16(msg[off+2:]))
		need(t, l >= 4 && off+l <= len(msg), "payload length")
		out[next] = msg[off+4 : off+l]
		next, off = msg[off], off+l
	}
	need(t, off == len(msg), "bytes after the last payload")
	return out
}

// ikeProposal checks one proposal of substructures and returns its
// transforms' bodies.
func ikeProposal(t testing.TB, p []byte, moreTransform byte) [][]byte {
	t.Helper()
	need(t, len(p) >= 8 && p[0] == 0 && int(be16(p[2:])) == len(p), "proposal header")
	need(t, p[4] == 1 && p[5] == 1 && p[6] == 0, "proposal number, protocol or SPI size")
	var out [][]byte
	for tr := p[8:]; len(tr) > 0; {
		need(t, len(tr) >= 8, "transform header")
		l := int(be16(tr[2:]))
		need(t, l >= 8 && l <= len(tr), "transform length")
		out = append(out, tr[:l])
		last := tr[0] == 0
		need(t, last || tr[0] == moreTransform, "transform chain")
		tr = tr[l:]
		need(t, last == (len(tr) == 0), "last transform flag")
	}
	need(t, len(out) == int(p[7]), "transform count")
	return out
}

func ikev2Probe(t testing.TB, probe []byte) map[byte][]byte {
	t.Helper()
	need(t, probe[17] == 0x20 && probe[18] == 34 && probe[19] == 0x08 && be32(probe[20:]) == 0, "not an IKE_SA_INIT request")
	p := ikeWalk(t, probe)
	need(t, len(p[33]) > 0 && len(p[34]) > 0 && len(p[40]) > 0, "SA, KE, Ni")
	trs := ikeProposal(t, p[33], 3)
	var dh []uint16
	for _, tr := range trs {
		if tr[4] == 4 {
			dh = append(dh, be16(tr[6:]))
		}
	}
	ke := p[34]
	need(t, len(dh) > 0 && be16(ke) == dh[0], "KE group not proposed")
	need(t, be16(ke) != 14 || len(ke) == 4+256, "MODP-2048 public value length")
	need(t, ke[4] != 0 && ke[4] != 0xff, "public value out of range")
	need(t, len(p[40]) >= 16 && len(p[40]) <= 256, "nonce length")
	return p
}

var servers = map[string]server{
	"echo": {
		answer: func(t testing.TB, probe []byte) []byte { return probe },
		want:   result.Service{Name: "echo"},
	},
	"dns-version-bind": {
		answer: func(t testing.TB, probe []byte) []byte {
			id, q := dnsQuestion(t, probe, "version.bind", 16, 3)
			txt := "9.18.28-1~deb12u2-Debian"
			return cat(u16(id), []byte{0x84, 0x00}, u16(1), u16(1), u16(0), u16(0), q,
				rr([]byte{0xc0, 12}, 16, 3, append([]byte{byte(len(txt))}, txt...)))
		},
		want: result.Service{Name: "domain", Product: "ISC BIND", Version: "9.18.28-1~deb12u2",
			ExtraInfo: "Debian Linux", OSType: "Linux", CPE: []string{"cpe:2.3:a:isc:bind:9.18.28:*:*:*:*:*:*:*"}},
		details: map[string]string{"version.bind": "9.18.28-1~deb12u2-Debian"},
	},
	"mdns-services": {
		answer: func(t testing.TB, probe []byte) []byte {
			id, q := dnsQuestion(t, probe, "_services._dns-sd._udp.local", 12, 1)
			local := []byte{0xc0, 12 + 1 + 9 + 1 + 7 + 1 + 4} // "local" inside the question
			return cat(u16(id), []byte{0x84, 0x00}, u16(1), u16(2), u16(0), u16(1), q,
				rr([]byte{0xc0, 12}, 12, 1, cat([]byte("\x04_ssh\x04_tcp"), local)),
				rr([]byte{0xc0, 12}, 12, 1, cat([]byte("\x05_http\x04_tcp"), local)),
				rr(cat([]byte("\x06MyHost"), local), 1, 0x8001, []byte{192, 0, 2, 9}))
		},
		want:    result.Service{Name: "mdns", Product: "DNS-based service discovery", Hostname: "myhost"},
		details: map[string]string{"services": "_ssh._tcp, _http._tcp"},
	},
	"tftp-rrq": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, be16(probe) == 1, "not a RRQ")
			f := bytes.Split(probe[2:], []byte{0})
			need(t, len(f) == 3 && len(f[0]) > 0 && string(f[1]) == "octet" && len(f[2]) == 0, "filename, mode")
			return cat(u16(5), u16(1), []byte("File not found\x00"))
		},
		want:    result.Service{Name: "tftp"},
		details: map[string]string{"error": "1 File not found"},
	},
	"rpcbind-null": rpcServer(100000, 2, "rpcbind"),
	"nfs-null":     rpcServer(100003, 3, "nfs"),
	"ntp-client": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 48 && probe[0] == 0x23, "not a v4 client request")
			need(t, !bytes.Equal(probe[40:48], make([]byte, 8)), "transmit timestamp zero")
			r := make([]byte, 48)
			r[0], r[1], r[2], r[3] = 0x24, 2, 6, 0xe9 // v4 server, stratum 2, poll 64 s, precision 2^-23
			copy(r[4:], u32(0x0000_0800))             // root delay 1/32 s
			copy(r[12:], []byte{192, 0, 2, 1})        // reference id: upstream server
			copy(r[24:], probe[40:48])                // origin = client's transmit
			return r
		},
		want: result.Service{Name: "ntp", Product: "NTP", Version: "v4", ExtraInfo: "secondary server"},
		details: map[string]string{"stratum": "2", "reference id": "192.0.2.1", "precision": "2^-23",
			"root delay": "31250us"},
	},
	"ntp-readvar": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) >= 12 && probe[0] == 0x16 && probe[1] == 2, "not a v2 READVAR request")
			need(t, len(probe)%4 == 0, "not padded to 32 bits")
			n := int(be16(probe[10:]))
			need(t, be16(probe[6:]) == 0 && be16(probe[8:]) == 0 && 12+n <= len(probe), "association, offset or count")
			for _, v := range strings.Split(string(probe[12:12+n]), ",") {
				need(t, v == "version" || v == "system" || v == "processor", "unknown variable "+v)
			}
			data := "version=\"ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1)\",\r\n" +
				"processor=\"x86_64\", system=\"FreeBSD/13.2-RELEASE\""
			return cat([]byte{0x16, 0x82}, probe[2:4], u16(0x0618), u16(0), u16(0), u16(uint16(len(data))), []byte(data))
		},
		want: result.Service{Name: "ntp", Product: "ntpd", Version: "4.2.8p15", OSType: "FreeBSD",
			CPE: []string{"cpe:2.3:a:ntp:ntp:4.2.8:p15:*:*:*:*:*:*"}},
		details: map[string]string{"version": "ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1)",
			"processor": "x86_64", "system": "FreeBSD/13.2-RELEASE"},
	},
	"netbios-nbstat": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 50, "length")
			id, q := dnsQuestion(t, probe, "CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 0x21, 1)
			name := func(n string, suffix byte, flags uint16) []byte {
				return cat([]byte(n+strings.Repeat(" ", 15-len(n))), []byte{suffix}, u16(flags))
			}
			rdata := cat([]byte{3},
				name("WEB1", 0x00, 0x0400), name("WEB1", 0x20, 0x0400), name("WORKGROUP", 0x00, 0x8400),
				make([]byte, 46)) // statistics: unit id 00:00:00:00:00:00 (Samba), then counters
			return cat(u16(id), []byte{0x84, 0x00}, u16(0), u16(1), u16(0), u16(0),
				rr(q[:34], 0x21, 1, rdata))
		},
		want: result.Service{Name: "netbios-ns", Product: "Samba nmbd netbios-ns", Hostname: "WEB1",
			ExtraInfo: "workgroup: WORKGROUP"},
		details: map[string]string{"MAC": "00:00:00:00:00:00",
			"names": "WEB1<00> unique, WEB1<20> unique, WORKGROUP<00> group"},
	},
	"snmp-v1-public":  snmpCommunityServer(0),
	"snmp-v2c-public": snmpCommunityServer(1),
	"snmp-v3-discovery": {
		answer: func(t testing.TB, probe []byte) []byte {
			var msg snmpV3Message
			rest, err := asn1.Unmarshal(probe, &msg)
			need(t, err == nil && len(rest) == 0, "message does not decode")
			need(t, msg.Version == 3 && msg.Global.MaxSize >= 484 && bytes.Equal(msg.Global.Flags, []byte{4}) &&
				msg.Global.SecModel == 3, "header data")
			var usm usmParams
			rest, err = asn1.Unmarshal(msg.SecParams, &usm)
			need(t, err == nil && len(rest) == 0, "usmSecurityParameters do not decode")
			need(t, len(usm.EngineID)+usm.Boots+usm.Time+len(usm.User)+len(usm.Auth)+len(usm.Priv) == 0, "USM not empty")
			need(t, len(msg.Scoped.ContextEngineID) == 0 && len(msg.Scoped.ContextName) == 0, "context")
			p := snmpGet(t, msg.Scoped.PDU)
			need(t, len(p.Bindings) == 0, "discovery has no varbinds")
			engine := []byte{0x80, 0x00, 0x1f, 0x88, 0x80, 0x5e, 0x6f, 0x70, 0x71, 0x65, 0x8c, 0x2a, 0x64}
			msg.Global.Flags = []byte{0}
			msg.SecParams = marshal(t, usmParams{EngineID: engine, Boots: 3, Time: 12345, User: []byte{}, Auth: []byte{}, Priv: []byte{}}, "")
			msg.Scoped.ContextEngineID = engine
			p.Bindings = []snmpVarBind{{asn1.ObjectIdentifier{1, 3, 6, 1, 6, 3, 15, 1, 1, 4, 0},
				asn1.RawValue{Class: asn1.ClassApplication, Tag: 1, Bytes: []byte{1}}}} // Counter32 1
			msg.Scoped.PDU = asn1.RawValue{FullBytes: marshal(t, p, "tag:8")}
			return marshal(t, msg, "")
		},
		want: result.Service{Name: "snmp", Product: "net-snmp", ExtraInfo: "SNMPv3 server"},
		details: map[string]string{"engine id": "80001f88805e6f7071658c2a64", "enterprise": "8072 (net-snmp)",
			"engine boots": "3", "engine time": "12345s", "report": "usmStatsUnknownEngineIDs"},
	},
	"xdmcp-query": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, bytes.Equal(probe, []byte{0, 1, 0, 2, 0, 1, 0}), "not a Query with no names")
			a8 := func(s string) []byte { return cat(u16(uint16(len(s))), []byte(s)) }
			body := cat(a8(""), a8("x11host"), a8("Linux 6.1.0"))
			return cat(u16(1), u16(5), u16(uint16(len(body))), body)
		},
		want: result.Service{Name: "xdmcp", Product: "XDMCP", OSType: "Unix", Hostname: "x11host",
			ExtraInfo: "willing; status: Linux 6.1.0"},
	},
	"quic-version-negotiation": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) >= 1200 && probe[0]&0xc0 == 0xc0, "long header of 1200 bytes")
			v := be32(probe[1:])
			need(t, v&0x0f0f0f0f == 0x0a0a0a0a, "version not reserved for negotiation")
			dl := int(probe[5])
			need(t, dl >= 8 && dl <= 20, "DCID length")
			dcid := probe[6 : 6+dl]
			sl := int(probe[6+dl])
			need(t, sl <= 20, "SCID length")
			scid := probe[7+dl : 7+dl+sl]
			return cat([]byte{0x80 | 0x2a}, u32(0), []byte{byte(sl)}, scid, []byte{byte(dl)}, dcid,
				u32(0x3a4a5a6a), u32(1), u32(0x6b3343cf), u32(0xff00001d))
		},
		want:    result.Service{Name: "quic"},
		details: map[string]string{"versions": "1, 2, draft-29"},
	},
	"dtls-client-hello": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) >= 13 && probe[0] == 22 && be16(probe[1:]) == 0xfeff, "record type or version")
			need(t, bytes.Equal(probe[3:11], make([]byte, 8)), "epoch and sequence of a first flight")
			need(t, int(be16(probe[11:])) == len(probe)-13, "record length")
			hs := probe[13:]
			l := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			need(t, hs[0] == 1 && l == len(hs)-12, "ClientHello length")
			need(t, be16(hs[4:]) == 0 && bytes.Equal(hs[6:9], []byte{0, 0, 0}) && bytes.Equal(hs[9:12], hs[1:4]), "unfragmented")
			b := hs[12:]
			need(t, be16(b) == 0xfefd && b[34] == 0 && b[35] == 0, "version, session id, cookie")
			b = b[36:]
			n := int(be16(b))
			need(t, n > 0 && n%2 == 0 && 2+n < len(b), "cipher suites")
			b = b[2+n:]
			need(t, b[0] == 1 && b[1] == 0, "compression")
			b = b[2:]
			need(t, int(be16(b)) == len(b)-2, "extensions length")
			for e := b[2:]; len(e) > 0; {
				need(t, len(e) >= 4 && 4+int(be16(e[2:])) <= len(e), "extension")
				e = e[4+int(be16(e[2:])):]
			}
			// HelloVerifyRequest (RFC 6347 section 4.2.1): DTLS 1.0 in
			// record and message, the record sequence of the ClientHello.
			hvr := cat(u16(0xfeff), []byte{20}, bytes.Repeat([]byte{0xc5}, 20))
			return cat([]byte{22}, u16(0xfeff), probe[3:11], u16(uint16(12+len(hvr))),
				[]byte{3, 0, 0, byte(len(hvr)), 0, 0, 0, 0, 0, 0, 0, byte(len(hvr))}, hvr)
		},
		want:    result.Service{Name: "dtls"},
		details: map[string]string{"version": "DTLS 1.0", "hello verify": "cookie requested"},
	},
	"ike-v1-main-mode": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, probe[17] == 0x10 && probe[18] == 2 && probe[19] == 0 && be32(probe[20:]) == 0, "not a Main Mode request")
			p := ikeWalk(t, probe)
			sa := p[1]
			need(t, len(sa) > 8 && be32(sa) == 1 && be32(sa[4:]) == 1, "DOI IPsec, SIT_IDENTITY_ONLY")
			trs := ikeProposal(t, sa[8:], 3)
			for i, tr := range trs {
				need(t, int(tr[4]) == i+1 && tr[5] == 1, "transform number or KEY_IKE")
				for a := tr[8:]; len(a) > 0; a = a[4:] {
					need(t, len(a) >= 4 && a[0]&0x80 != 0, "attributes in TV form")
				}
			}
			chosen := bytes.Clone(trs[3]) // 3DES, SHA, PSK, MODP-1024
			chosen[0] = 0
			prop := cat([]byte{0, 0}, u16(uint16(8+len(chosen))), []byte{1, 1, 0, 1}, chosen)
			sab := cat(u32(1), u32(1), prop)
			vid := func(next byte, hexs string) []byte {
				v := unhex(t, hexs)
				return cat([]byte{next, 0}, u16(uint16(4+len(v))), v)
			}
			body := cat([]byte{13, 0}, u16(uint16(4+len(sab))), sab,
				vid(13, "882fe56d6fd20dbc2251613b2ebe5beb"), vid(13, "afcad71368a1f1c96b8696fc77570100"),
				vid(0, "4a131c81070358455c5728f20e95452f"))
			return cat(probe[:8], []byte{1, 2, 3, 4, 5, 6, 7, 8}, []byte{1, 0x10, 2, 0}, u32(0),
				u32(uint32(28+len(body))), body)
		},
		want: result.Service{Name: "isakmp", Product: "strongSwan"},
		details: map[string]string{"version": "IKEv1", "exchange": "Main Mode",
			"proposal": "accepted (Enc=3DES Hash=SHA1 Auth=PSK Group=2)", "vendor id": "strongSwan"},
	},
	"ike-v2-sa-init": {
		answer: func(t testing.TB, probe []byte) []byte {
			ikev2Probe(t, probe)
			n := cat([]byte{0, 0}, u16(10), []byte{0, 0}, u16(17), u16(19)) // INVALID_KE_PAYLOAD, wants group 19
			return cat(probe[:8], make([]byte, 8), []byte{41, 0x20, 34, 0x20}, u32(0), u32(uint32(28+len(n))), n)
		},
		want:    result.Service{Name: "isakmp"},
		details: map[string]string{"version": "IKEv2", "notify": "INVALID_KE_PAYLOAD (group 19)"},
	},
	"ike-v2-sa-init-natt": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, bytes.Equal(probe[:4], []byte{0, 0, 0, 0}), "non-ESP marker")
			p := ikev2Probe(t, probe[4:])
			trs := ikeProposal(t, p[33], 3)
			var chosen []byte
			for i, tr := range []int{0, 2, 4, 6} { // one transform of each type
				c := bytes.Clone(trs[tr])
				c[0] = 3
				if i == 3 {
					c[0] = 0
				}
				chosen = append(chosen, c...)
			}
			sa := cat([]byte{0, 0}, u16(uint16(8+len(chosen))), []byte{1, 1, 0, 4}, chosen)
			ke := cat(u16(14), u16(0), bytes.Repeat([]byte{0x42}, 256))
			nr := bytes.Repeat([]byte{0x17}, 32)
			nat := cat([]byte{0, 0}, u16(16388), bytes.Repeat([]byte{0x99}, 20))
			body := cat([]byte{34, 0}, u16(uint16(4+len(sa))), sa, []byte{40, 0}, u16(uint16(4+len(ke))), ke,
				[]byte{41, 0}, u16(uint16(4+len(nr))), nr, []byte{0, 0}, u16(uint16(4+len(nat))), nat)
			return cat(make([]byte, 4), probe[4:12], []byte{9, 9, 9, 9, 9, 9, 9, 9}, []byte{33, 0x20, 34, 0x20}, u32(0),
				u32(uint32(28+len(body))), body)
		},
		want:    result.Service{Name: "nat-t-ike"},
		details: map[string]string{"version": "IKEv2", "proposal": "accepted", "notify": "NAT_DETECTION_SOURCE_IP"},
	},
	"rip-v2-request": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 24 && probe[0] == 1 && probe[1] == 2, "not a RIPv2 request of one entry")
			need(t, bytes.Equal(probe[4:20], make([]byte, 16)) && be32(probe[20:]) == 16, "not a whole-table request")
			rte := func(a, m [4]byte, metric uint32) []byte {
				return cat(u16(2), u16(0), a[:], m[:], make([]byte, 4), u32(metric))
			}
			return cat([]byte{2, 2, 0, 0}, rte([4]byte{10, 0, 0, 0}, [4]byte{255, 0, 0, 0}, 1),
				rte([4]byte{192, 168, 1, 0}, [4]byte{255, 255, 255, 0}, 2))
		},
		want:    result.Service{Name: "route", Product: "RIPv2"},
		details: map[string]string{"routes": "2", "table": "10.0.0.0/8 metric 1, 192.168.1.0/24 metric 2"},
	},
	"ripng-request": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 24 && probe[0] == 1 && probe[1] == 1, "not a RIPng request of one entry")
			need(t, bytes.Equal(probe[4:23], make([]byte, 19)) && probe[23] == 16, "not a whole-table request")
			return cat([]byte{2, 1, 0, 0}, unhex(t, "20010db8000000000000000000000000"), u16(0), []byte{32, 1})
		},
		want:    result.Service{Name: "ripng"},
		details: map[string]string{"routes": "1", "table": "2001:db8::/32 metric 1"},
	},
	"ipmi-channel-auth": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 23 && bytes.Equal(probe[:4], []byte{6, 0, 0xff, 7}), "RMCP header")
			need(t, bytes.Equal(probe[4:13], make([]byte, 9)) && probe[13] == 9, "session header")
			msg := probe[14:]
			sum := func(b []byte) (s byte) {
				for _, c := range b {
					s += c
				}
				return s
			}
			need(t, sum(msg[:3]) == 0 && sum(msg[3:]) == 0, "checksums")
			need(t, msg[0] == 0x20 && msg[1] == 6<<2 && msg[5] == 0x38 && msg[6]&0x0f == 0x0e && msg[7] == 4, "Get Channel Auth Capabilities")
			data := []byte{0x01, 0x97, 0x05, 0x03, 0, 0, 0, 0} // v2 ext; none, MD2, MD5, password; anonymous, non-null users; 1.5 and 2.0
			r := cat([]byte{0x81, 7 << 2}, nil)
			r = append(r, -sum(r))
			body := cat([]byte{0x20, msg[4], 0x38, 0x00}, data)
			r = append(append(r, body...), -sum(body))
			return cat([]byte{6, 0, 0xff, 7}, make([]byte, 9), []byte{byte(len(r))}, r)
		},
		want: result.Service{Name: "asf-rmcp", Product: "IPMI", Version: "2.0"},
		details: map[string]string{"auth types": "none, MD2, MD5, password", "anonymous login": "enabled",
			"non-null usernames": "enabled"},
	},
	"openvpn-hard-reset": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 14 && probe[0] == 7<<3 && probe[9] == 0 && be32(probe[10:]) == 0, "HARD_RESET_CLIENT_V2")
			return cat([]byte{8 << 3}, []byte("SERVERID"), []byte{1}, u32(0), probe[1:9], u32(0))
		},
		want:    result.Service{Name: "openvpn", Product: "OpenVPN"},
		details: map[string]string{"server session id": "5345525645524944"},
	},
	"mssql-browser": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, bytes.Equal(probe, []byte{3}), "CLNT_UCAST_EX")
			s := "ServerName;SQL1;InstanceName;MSSQLSERVER;IsClustered;No;Version;15.0.2000.5;tcp;1433;;"
			return cat([]byte{5}, binary.LittleEndian.AppendUint16(nil, uint16(len(s))), []byte(s))
		},
		want: result.Service{Name: "ms-sql-m", Product: "Microsoft SQL Server", Version: "15.0.2000.5",
			Hostname: "SQL1", OSType: "Windows", ExtraInfo: "ServerName: SQL1; TCPPort: 1433"},
		details: map[string]string{"instance": "MSSQLSERVER 15.0.2000.5 tcp/1433"},
	},
	"ssdp-msearch": {
		answer: func(t testing.TB, probe []byte) []byte {
			s := string(probe)
			need(t, strings.HasPrefix(s, "M-SEARCH * HTTP/1.1\r\n") && strings.HasSuffix(s, "\r\n\r\n"), "request line or end")
			h := map[string]string{}
			for _, l := range strings.Split(strings.TrimSuffix(s, "\r\n\r\n"), "\r\n")[1:] {
				k, v, ok := strings.Cut(l, ":")
				need(t, ok, "header line")
				h[strings.ToUpper(k)] = strings.TrimSpace(v)
			}
			need(t, h["MAN"] == `"ssdp:discover"` && h["ST"] != "" && h["HOST"] == "239.255.255.250:1900" && h["MX"] == "1", "headers")
			return []byte("HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: " + h["ST"] + "\r\n" +
				"USN: uuid:8f1c0a8e-0000-0000-0000-000000000001::upnp:rootdevice\r\nEXT:\r\n" +
				"SERVER: Linux/5.10.0 UPnP/1.1 MiniUPnPd/2.3.3\r\nLOCATION: http://192.0.2.1:5000/rootDesc.xml\r\n\r\n")
		},
		want: result.Service{Name: "upnp", Product: "MiniUPnP", Version: "2.3.3", ExtraInfo: "Linux 5.10.0; UPnP 1.1",
			OSType: "Linux"},
		details: map[string]string{"location": "http://192.0.2.1:5000/rootDesc.xml"},
	},
	"stun-binding": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) == 20 && be16(probe) == 1 && be16(probe[2:]) == 0 && be32(probe[4:]) == 0x2112a442, "Binding request")
			xaddr := cat([]byte{0, 1}, u16(40000^0x2112), u32(0xcb007105^0x2112a442)) // 203.0.113.5:40000
			sw := []byte("Coturn-4.6.1 'Gorst'")
			attrs := cat(u16(0x0020), u16(8), xaddr, u16(0x8022), u16(uint16(len(sw))), sw, make([]byte, (4-len(sw)%4)%4))
			return cat(u16(0x0101), u16(uint16(len(attrs))), probe[4:20], attrs)
		},
		want:    result.Service{Name: "stun", Product: "Coturn", Version: "4.6.1"},
		details: map[string]string{"mapped address": "203.0.113.5:40000", "software": "Coturn-4.6.1 'Gorst'"},
	},
	"ws-discovery-probe": {
		answer: func(t testing.TB, probe []byte) []byte {
			var env struct {
				Header struct {
					To        string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing To"`
					Action    string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
					MessageID string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
				} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
				Body struct {
					Probe *struct{} `xml:"http://schemas.xmlsoap.org/ws/2005/04/discovery Probe"`
				} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
			}
			need(t, xml.Unmarshal(probe, &env) == nil, "not XML")
			need(t, env.Header.To == "urn:schemas-xmlsoap-org:ws:2005:04:discovery" && env.Body.Probe != nil &&
				env.Header.Action == "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe", "To, Action or Probe")
			id := strings.TrimPrefix(env.Header.MessageID, "urn:uuid:")
			need(t, len(id) == 36 && id[14] == '4' && strings.ContainsRune("89ab", rune(id[19])), "MessageID not a v4 UUID")
			return []byte(`<?xml version="1.0" encoding="UTF-8"?><SOAP-ENV:Envelope xmlns:SOAP-ENV="http://www.w3.org/2003/05/soap-envelope" ` +
				`xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
				`<SOAP-ENV:Header><wsa:MessageID>urn:uuid:11111111-2222-4333-8444-555555555555</wsa:MessageID>` +
				`<wsa:RelatesTo>` + env.Header.MessageID + `</wsa:RelatesTo>` +
				`<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches</wsa:Action></SOAP-ENV:Header>` +
				`<SOAP-ENV:Body><d:ProbeMatches><d:ProbeMatch><d:Types>dn:NetworkVideoTransmitter tds:Device</d:Types>` +
				`<d:Scopes>onvif://www.onvif.org/name/Cam1 onvif://www.onvif.org/hardware/X100</d:Scopes>` +
				`<d:XAddrs>http://192.0.2.7/onvif/device_service</d:XAddrs><d:MetadataVersion>1</d:MetadataVersion>` +
				`</d:ProbeMatch></d:ProbeMatches></SOAP-ENV:Body></SOAP-ENV:Envelope>`)
		},
		want: result.Service{Name: "ws-discovery"},
		details: map[string]string{"types": "dn:NetworkVideoTransmitter tds:Device",
			"addresses": "http://192.0.2.7/onvif/device_service"},
	},
	"sip-options": {
		answer: func(t testing.TB, probe []byte) []byte {
			s := string(probe)
			need(t, strings.HasPrefix(s, "OPTIONS sip:") && strings.HasSuffix(s, "\r\n\r\n"), "request line or end")
			first, _, _ := strings.Cut(s, "\r\n")
			need(t, strings.HasSuffix(first, " SIP/2.0"), "version")
			h := map[string]string{}
			for _, l := range strings.Split(strings.TrimSuffix(s, "\r\n\r\n"), "\r\n")[1:] {
				k, v, ok := strings.Cut(l, ":")
				need(t, ok, "header line")
				h[strings.ToLower(k)] = strings.TrimSpace(v)
			}
			via := h["via"]
			need(t, strings.HasPrefix(via, "SIP/2.0/UDP ") && strings.Contains(via, ";branch=z9hG4bK") && strings.Contains(via, ";rport"), "Via")
			need(t, strings.Contains(h["from"], ";tag=") && h["to"] != "" && h["call-id"] != "", "From, To, Call-ID")
			need(t, h["cseq"] == "1 OPTIONS" && h["max-forwards"] == "70" && h["content-length"] == "0", "CSeq, Max-Forwards, Content-Length")
			// RFC 3261 section 18.2.1 and RFC 3581: received and rport
			// added, the rest copied.
			return []byte("SIP/2.0 200 OK\r\nVia: " + strings.Replace(via, ";rport", ";received=192.0.2.99;rport=40000", 1) + "\r\n" +
				"From: " + h["from"] + "\r\nTo: " + h["to"] + ";tag=as5e1b\r\nCall-ID: " + h["call-id"] + "\r\nCSeq: 1 OPTIONS\r\n" +
				"Server: Asterisk PBX 18.10.0\r\nAllow: INVITE, ACK, CANCEL, OPTIONS, BYE\r\nContent-Length: 0\r\n\r\n")
		},
		want:    result.Service{Name: "sip", Product: "Asterisk PBX", Version: "18.10.0"},
		details: map[string]string{"status": "200 OK", "allow": "INVITE, ACK, CANCEL, OPTIONS, BYE"},
	},
	"nat-pmp-external-address": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, bytes.Equal(probe, []byte{0, 0}), "version 0 opcode 0")
			return cat([]byte{0, 128}, u16(0), u32(4096), []byte{198, 51, 100, 7})
		},
		want:    result.Service{Name: "nat-pmp"},
		details: map[string]string{"result": "Success", "external address": "198.51.100.7", "uptime": "4096s"},
	},
	"coap-well-known-core": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) >= 4 && probe[0]>>6 == 1 && probe[0]>>4&3 == 0 && probe[1] == 1, "CON GET")
			tkl := int(probe[0] & 0xf)
			opts := probe[4+tkl:]
			var path []string
			num := 0
			for len(opts) > 0 {
				d, l := int(opts[0]>>4), int(opts[0]&0xf)
				need(t, d < 13 && l < 13 && 1+l <= len(opts), "option encoding")
				num += d
				need(t, num == 11, "only Uri-Path options")
				path = append(path, string(opts[1:1+l]))
				opts = opts[1+l:]
			}
			need(t, strings.Join(path, "/") == ".well-known/core", "path")
			links := `</sensors/temp>;rt="temperature",</light>`
			return cat([]byte{1<<6 | 2<<4 | byte(tkl), 2<<5 | 5}, probe[2:4+tkl], []byte{12<<4 | 1, 40, 0xff}, []byte(links))
		},
		want:    result.Service{Name: "coap"},
		details: map[string]string{"code": "2.05", "resources": `</sensors/temp>;rt="temperature",</light>`},
	},
	"memcached-version": {
		answer: func(t testing.TB, probe []byte) []byte {
			need(t, len(probe) > 8 && be16(probe[2:]) == 0 && be16(probe[4:]) == 1 && be16(probe[6:]) == 0, "frame header")
			need(t, string(probe[8:]) == "version\r\n", "command")
			return cat(probe[:2], u16(0), u16(1), u16(0), []byte("VERSION 1.6.21\r\n"))
		},
		want: result.Service{Name: "memcached", Product: "Memcached", Version: "1.6.21",
			CPE: []string{"cpe:2.3:a:memcached:memcached:1.6.21:*:*:*:*:*:*:*"}},
	},
}
