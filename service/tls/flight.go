package tls

import "strconv"

// flight is what this package's own parser read of the records a server
// sent in answer to a ClientHello, up to where encryption starts.
type flight struct {
	tls     bool     // the answer is TLS records
	version uint16   // from the ServerHello; 0 when none arrived
	suite   uint16   // from the ServerHello
	alert   int      // the first plaintext alert's description, or -1
	certs   [][]byte // DER, leaf first: TLS 1.2 and older send them in the clear
}

// Record layer bounds (RFC 8446 §5.1, RFC 5246 §6.2).
const (
	maxRecordLen = 16384 + 2048
	maxCerts     = 16 // more is not a chain but an attack
)

// TLS record and handshake message types.
const (
	recordAlert     = 21
	recordHandshake = 22

	msgServerHello = 2
	msgCertificate = 11

	extSupportedVersions = 43
)

// parseFlight reads b, the start of what a server sent in answer to a
// ClientHello. It never fails: what it cannot read it leaves out, and a
// truncated flight yields what precedes the cut.
func parseFlight(b []byte) flight {
	f := flight{alert: -1}
	var hs []byte // handshake messages may span records
records:
	for len(b) >= 5 {
		typ, n := b[0], int(b[3])<<8|int(b[4])
		// Major version 3 covers SSL 3.0 to TLS 1.3's legacy 3.3; some
		// servers answer with 3.0 or 3.1 whatever was asked.
		if b[1] != 3 || b[2] > 4 || n == 0 || n > maxRecordLen {
			break
		}
		if !f.tls {
			if typ != recordAlert && typ != recordHandshake {
				break // a server's first record is one of these
			}
			f.tls = true
		}
		body := b[5:min(len(b), 5+n)]
		b = b[5+len(body):]
		switch typ {
		case recordHandshake:
			hs = append(hs, body...)
		case recordAlert:
			if len(body) >= 2 && f.alert < 0 {
				f.alert = int(body[1])
			}
		default:
			break records // ChangeCipherSpec or data: encrypted from here
		}
	}
	for len(hs) >= 4 {
		typ, n := hs[0], int(hs[1])<<16|int(hs[2])<<8|int(hs[3])
		if len(hs)-4 < n {
			break
		}
		msg := hs[4 : 4+n]
		hs = hs[4+n:]
		switch typ {
		case msgServerHello:
			if f.version == 0 {
				f.version, f.suite = parseServerHello(msg)
			}
		case msgCertificate:
			if f.certs == nil {
				f.certs = parseCertificates(msg)
			}
		}
	}
	return f
}

// parseServerHello returns the version and suite a ServerHello chose, or
// zeros if it is malformed.
func parseServerHello(m []byte) (version, suite uint16) {
	// legacy_version, random[32], session_id<0..32>
	if len(m) < 35 || int(m[34]) > 32 || len(m) < 35+int(m[34])+3 {
		return 0, 0
	}
	version = be16(m)
	p := m[35+int(m[34]):]
	suite = be16(p)
	p = p[3:] // suite, compression method
	if len(p) < 2 {
		return version, suite // no extensions: TLS 1.2 or older
	}
	exts := p[2:min(len(p), 2+int(be16(p)))]
	for len(exts) >= 4 {
		typ, n := be16(exts), int(be16(exts[2:]))
		if len(exts)-4 < n {
			break
		}
		if typ == extSupportedVersions && n == 2 {
			version = be16(exts[4:])
		}
		exts = exts[4+n:]
	}
	return version, suite
}

// parseCertificates splits a TLS 1.2 Certificate message into DER
// certificates, leaf first.
func parseCertificates(m []byte) [][]byte {
	if len(m) < 3 {
		return nil
	}
	list := m[3:min(len(m), 3+be24(m))]
	var certs [][]byte
	for len(list) >= 3 && len(certs) < maxCerts {
		n := be24(list)
		if n == 0 || len(list)-3 < n {
			break
		}
		certs = append(certs, list[3:3+n])
		list = list[3+n:]
	}
	return certs
}

func be16(b []byte) uint16 { return uint16(b[0])<<8 | uint16(b[1]) }
func be24(b []byte) int    { return int(b[0])<<16 | int(b[1])<<8 | int(b[2]) }

// alertName names a TLS alert description (RFC 8446 §6, RFC 5246 §7.2).
func alertName(d uint8) string {
	if s, ok := alertNames[d]; ok {
		return s
	}
	return strconv.Itoa(int(d))
}

var alertNames = map[uint8]string{
	0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac",
	21: "decryption_failed", 22: "record_overflow", 30: "decompression_failure",
	40: "handshake_failure", 41: "no_certificate", 42: "bad_certificate",
	43: "unsupported_certificate", 44: "certificate_revoked", 45: "certificate_expired",
	46: "certificate_unknown", 47: "illegal_parameter", 48: "unknown_ca",
	49: "access_denied", 50: "decode_error", 51: "decrypt_error",
	60: "export_restriction", 70: "protocol_version", 71: "insufficient_security",
	80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled",
	100: "no_renegotiation", 109: "missing_extension", 110: "unsupported_extension",
	111: "certificate_unobtainable", 112: "unrecognized_name",
	113: "bad_certificate_status_response", 114: "bad_certificate_hash_value",
	115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol",
}
