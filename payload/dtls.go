package payload

import (
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// DTLS (RFC 6347, DTLS 1.2): a ClientHello offering DTLS 1.2 with the
// cipher suites DTLS servers use (ECDHE with AES-GCM, CCM_8 for CoAP
// devices, PSK, plain RSA), in a record of version DTLS 1.0 as section
// 4.1 advises for a first ClientHello. A server answers with a
// HelloVerifyRequest (section 4.2.1), a ServerHello or an alert. None of
// these echoes what the client chose: the reply is recognised, not
// validated. The client random is derived from the cookie all the same.

var dtlsSuites = []uint16{
	0xc02b, // TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256
	0xc02f, // TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
	0xc02c, // TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384
	0xc030, // TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384
	0xc0ae, // TLS_ECDHE_ECDSA_WITH_AES_128_CCM_8 (RFC 7251)
	0xc0a8, // TLS_PSK_WITH_AES_128_CCM_8 (RFC 6655)
	0xc023, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256
	0xc027, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256
	0xc009, // TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA
	0xc013, // TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA
	0x009c, // TLS_RSA_WITH_AES_128_GCM_SHA256
	0x002f, // TLS_RSA_WITH_AES_128_CBC_SHA
	0x0035, // TLS_RSA_WITH_AES_256_CBC_SHA
}

// dtlsExtensions: supported_groups (x25519, secp256r1, secp384r1),
// ec_point_formats (uncompressed), signature_algorithms,
// extended_master_secret (RFC 7627), renegotiation_info (RFC 5746).
var dtlsExtensions = []byte{
	0x00, 0x0a, 0x00, 0x08, 0x00, 0x06, 0x00, 0x1d, 0x00, 0x17, 0x00, 0x18,
	0x00, 0x0b, 0x00, 0x02, 0x01, 0x00,
	0x00, 0x0d, 0x00, 0x12, 0x00, 0x10,
	0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01, 0x02, 0x01, 0x02, 0x03,
	0x00, 0x17, 0x00, 0x00,
	0xff, 0x01, 0x00, 0x01, 0x00,
}

const (
	dtlsRecordLen    = 13
	dtlsHandshakeLen = 12
	dtlsHandshake    = 22
	dtlsAlert        = 21
)

func buildDTLS(dst []byte, cookie uint32) []byte {
	body := 2 + 32 + 1 + 1 + 2 + 2*len(dtlsSuites) + 2 + 2 + len(dtlsExtensions)
	hs := dtlsHandshakeLen + body
	dst = append(dst,
		dtlsHandshake, 0xfe, 0xff, // record: handshake, DTLS 1.0
		0, 0, // epoch
		0, 0, 0, 0, 0, 0, // sequence number
		byte(hs>>8), byte(hs),
		1,                                         // ClientHello
		byte(body>>16), byte(body>>8), byte(body), // length
		0, 0, // message_seq
		0, 0, 0, // fragment_offset
		byte(body>>16), byte(body>>8), byte(body), // fragment_length
		0xfe, 0xfd) // client_version: DTLS 1.2
	dst, random := grow(dst, 32)
	fill(random, cookie, labelDTLS)
	dst = append(dst, 0, 0) // session id, cookie: empty
	dst = binary.BigEndian.AppendUint16(dst, uint16(2*len(dtlsSuites)))
	for _, s := range dtlsSuites {
		dst = binary.BigEndian.AppendUint16(dst, s)
	}
	dst = append(dst, 1, 0) // compression: null
	dst = binary.BigEndian.AppendUint16(dst, uint16(len(dtlsExtensions)))
	return append(dst, dtlsExtensions...)
}

func dtlsVersion(v uint16) string {
	switch v {
	case 0xfeff:
		return "DTLS 1.0"
	case 0xfefd:
		return "DTLS 1.2"
	case 0xfefc:
		return "DTLS 1.3"
	}
	return "0x" + hexString([]byte{byte(v >> 8), byte(v)})
}

func recognizeDTLS(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < dtlsRecordLen || reply[1] != 0xfe {
		return Match{}, false
	}
	typ := reply[0]
	n := int(binary.BigEndian.Uint16(reply[11:]))
	if dtlsRecordLen+n > len(reply) || (typ != dtlsHandshake && typ != dtlsAlert) {
		return Match{}, false
	}
	frag := reply[dtlsRecordLen : dtlsRecordLen+n]
	m := Match{Service: result.Service{Name: "dtls"}}
	if typ == dtlsAlert {
		if len(frag) != 2 {
			return Match{}, false
		}
		m.add("record version", dtlsVersion(binary.BigEndian.Uint16(reply[1:])))
		m.add("alert", itoa(int(frag[1])))
		return m, true
	}
	if len(frag) < dtlsHandshakeLen+2 {
		return Match{}, false
	}
	msg := frag[dtlsHandshakeLen:]
	switch frag[0] {
	case 3: // HelloVerifyRequest: server_version, cookie
		m.add("version", dtlsVersion(binary.BigEndian.Uint16(msg)))
		m.add("hello verify", "cookie requested")
	case 2: // ServerHello: server_version, random, session id, cipher suite
		m.add("version", dtlsVersion(binary.BigEndian.Uint16(msg)))
		if len(msg) >= 35 {
			sl := int(msg[34])
			if 35+sl+2 <= len(msg) {
				m.add("cipher suite", "0x"+hexString(msg[35+sl:35+sl+2]))
			}
		}
	default:
		return Match{}, false
	}
	return m, true
}
