package payload

import (
	"encoding/binary"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// IKE. Version 1 (ISAKMP, RFC 2408; IKE, RFC 2409): the first message of
// a Main Mode exchange, one proposal with the transforms VPN gateways most
// often accept (AES-128 or 3DES, SHA-1 or MD5, pre-shared key or XAUTH,
// MODP groups 2 and 14). Version 2 (RFC 7296): an IKE_SA_INIT request with
// SA, KE (MODP group 14) and Ni payloads. A responder answers either with
// its choice or with a notification (NO_PROPOSAL_CHOSEN,
// INVALID_KE_PAYLOAD, COOKIE), and always echoes the initiator's SPI
// (cookie), which carries 64 bits derived from the cookie. On port 4500
// (NAT traversal, RFC 3948 section 2.2) IKE messages follow a 4-byte
// non-ESP marker of zeros.

const (
	ikeHeaderLen = 28

	ikev1PayloadSA     = 1
	ikev1PayloadNotify = 11
	ikev1PayloadVID    = 13

	ikev2PayloadSA     = 33
	ikev2PayloadKE     = 34
	ikev2PayloadNonce  = 40
	ikev2PayloadNotify = 41
	ikev2PayloadVID    = 43

	ikev2SAInit = 34
)

// ikev1Transforms are offered in order of preference. Attribute values are
// those of RFC 2409 appendix A; 65001 is XAUTHInitPreShared from the XAUTH
// draft, what remote-access gateways use.
var ikev1Transforms = [...]struct{ enc, keyLen, hash, auth, group uint16 }{
	{7, 128, 2, 1, 14},    // AES-CBC-128, SHA, PSK, MODP-2048
	{7, 128, 2, 1, 2},     // AES-CBC-128, SHA, PSK, MODP-1024
	{7, 128, 2, 65001, 2}, // AES-CBC-128, SHA, XAUTH PSK, MODP-1024
	{5, 0, 2, 1, 2},       // 3DES-CBC, SHA, PSK, MODP-1024
	{5, 0, 1, 1, 2},       // 3DES-CBC, MD5, PSK, MODP-1024
}

func put16(b []byte, v int) { binary.BigEndian.PutUint16(b, uint16(v)) }

// appendIKEHeader appends the 28-byte header shared by both versions
// (RFC 2408 section 3.1, RFC 7296 section 3.1), length to be patched.
func appendIKEHeader(dst []byte, cookie uint32, next, version, exchange, flags byte) []byte {
	dst, spi := grow(dst, 8)
	fill(spi, cookie, labelIKESPI)
	return append(dst,
		0, 0, 0, 0, 0, 0, 0, 0, // responder SPI: not known yet
		next, version, exchange, flags,
		0, 0, 0, 0, // message id
		0, 0, 0, 0) // length
}

func buildIKEv1(dst []byte, cookie uint32) []byte {
	start := len(dst)
	dst = appendIKEHeader(dst, cookie, ikev1PayloadSA, 0x10, 2, 0) // v1.0, Identity Protection
	sa := len(dst)
	dst = append(dst, 0, 0, 0, 0,
		0, 0, 0, 1, // DOI: IPsec
		0, 0, 0, 1) // situation: SIT_IDENTITY_ONLY
	prop := len(dst)
	dst = append(dst, 0, 0, 0, 0,
		1,                          // proposal number
		1,                          // protocol: PROTO_ISAKMP
		0,                          // SPI size
		byte(len(ikev1Transforms))) // transforms
	attr := func(dst []byte, typ, v uint16) []byte { // TV format
		return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(dst, 0x8000|typ), v)
	}
	for i, t := range ikev1Transforms {
		tr := len(dst)
		next := byte(3) // another transform follows
		if i == len(ikev1Transforms)-1 {
			next = 0
		}
		dst = append(dst, next, 0, 0, 0, byte(i+1), 1, 0, 0) // transform id KEY_IKE
		dst = attr(dst, 1, t.enc)
		if t.keyLen != 0 {
			dst = attr(dst, 14, t.keyLen)
		}
		dst = attr(dst, 2, t.hash)
		dst = attr(dst, 3, t.auth)
		dst = attr(dst, 4, t.group)
		dst = attr(dst, 11, 1)     // life type: seconds
		dst = attr(dst, 12, 28800) // life duration
		put16(dst[tr+2:], len(dst)-tr)
	}
	put16(dst[prop+2:], len(dst)-prop)
	put16(dst[sa+2:], len(dst)-sa)
	binary.BigEndian.PutUint32(dst[start+24:], uint32(len(dst)-start))
	return dst
}

// ikev2Transforms: type, id, key length (0: no attribute). RFC 7296
// section 3.3.2 and the IANA IKEv2 registry.
var ikev2Transforms = [...]struct {
	typ    byte
	id     uint16
	keyLen uint16
}{
	{1, 12, 128}, // ENCR_AES_CBC 128
	{1, 12, 256}, // ENCR_AES_CBC 256
	{2, 5, 0},    // PRF_HMAC_SHA2_256
	{2, 2, 0},    // PRF_HMAC_SHA1
	{3, 12, 0},   // AUTH_HMAC_SHA2_256_128
	{3, 2, 0},    // AUTH_HMAC_SHA1_96
	{4, 14, 0},   // 2048-bit MODP group
}

const (
	ikev2Group    = 14
	ikev2KELen    = 256 // a MODP-2048 public value
	ikev2NonceLen = 32
)

func buildIKEv2(dst []byte, cookie uint32) []byte {
	start := len(dst)
	dst = appendIKEHeader(dst, cookie, ikev2PayloadSA, 0x20, ikev2SAInit, 0x08) // v2.0, initiator
	sa := len(dst)
	dst = append(dst, ikev2PayloadKE, 0, 0, 0)
	prop := len(dst)
	dst = append(dst, 0, 0, 0, 0, 1, 1, 0, byte(len(ikev2Transforms))) // #1, IKE, no SPI
	for i, t := range ikev2Transforms {
		tr := len(dst)
		last := byte(3)
		if i == len(ikev2Transforms)-1 {
			last = 0
		}
		dst = append(dst, last, 0, 0, 0, t.typ, 0, byte(t.id>>8), byte(t.id))
		if t.keyLen != 0 {
			dst = append(dst, 0x80, 14, byte(t.keyLen>>8), byte(t.keyLen)) // Key Length, TV
		}
		put16(dst[tr+2:], len(dst)-tr)
	}
	put16(dst[prop+2:], len(dst)-prop)
	put16(dst[sa+2:], len(dst)-sa)
	dst = append(dst, ikev2PayloadNonce, 0, byte((8+ikev2KELen)>>8), (8+ikev2KELen)&0xff, 0, ikev2Group, 0, 0)
	dst, ke := grow(dst, ikev2KELen)
	// Any value in (1, p-1) is a valid public value; a first byte in
	// 0x01..0x7f keeps it there, p starting with 0xff.
	fill(ke, cookie, labelIKEKE)
	ke[0] = ke[0]&0x7f | 0x01
	dst = append(dst, 0, 0, 0, 4+ikev2NonceLen)
	dst, nonce := grow(dst, ikev2NonceLen)
	fill(nonce, cookie, labelIKENonce)
	binary.BigEndian.PutUint32(dst[start+24:], uint32(len(dst)-start))
	return dst
}

// buildNATT wraps an IKE message for port 4500.
func buildNATT(build func([]byte, uint32) []byte) func([]byte, uint32) []byte {
	return func(dst []byte, cookie uint32) []byte {
		return build(append(dst, 0, 0, 0, 0), cookie)
	}
}

func recognizeNATT(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < 4 || string(reply[:4]) != "\x00\x00\x00\x00" {
		return Match{}, false
	}
	return recognizeIKEAs(reply[4:], cookie, "nat-t-ike")
}

func recognizeIKE(reply []byte, cookie uint32) (Match, bool) {
	return recognizeIKEAs(reply, cookie, "isakmp")
}

// recognizeIKEAs reads a reply of either version: a responder that speaks
// only IKEv1 may answer an IKEv2 probe with an IKEv1 notification.
func recognizeIKEAs(reply []byte, cookie uint32, service string) (Match, bool) {
	if len(reply) < ikeHeaderLen || !matches(reply[:8], cookie, labelIKESPI) {
		return Match{}, false
	}
	major, exchange, flags := reply[17]>>4, reply[18], reply[19]
	if major != 1 && major != 2 {
		return Match{}, false
	}
	n := binary.BigEndian.Uint32(reply[24:])
	if n < ikeHeaderLen || n > uint32(len(reply)) {
		return Match{}, false
	}
	msg := reply[:n]
	m := Match{Service: result.Service{Name: service}}
	if major == 1 {
		if exchange != 5 && string(msg[8:16]) == "\x00\x00\x00\x00\x00\x00\x00\x00" {
			// Only the initiator's first message has no responder SPI;
			// an informational exchange (a notification) may lack it.
			return Match{}, false
		}
		m.add("version", "IKEv1")
		m.add("exchange", ikev1Exchange(exchange))
		if flags&1 != 0 {
			m.add("payloads", "encrypted")
			return m, true
		}
	} else {
		if flags&0x20 == 0 { // not a response
			return Match{}, false
		}
		m.add("version", "IKEv2")
	}
	off, next := ikeHeaderLen, msg[16]
	for i := 0; next != 0 && i < 32; i++ {
		if off+4 > len(msg) {
			break
		}
		typ := next
		next = msg[off]
		plen := int(binary.BigEndian.Uint16(msg[off+2:]))
		if plen < 4 || off+plen > len(msg) {
			break
		}
		body := msg[off+4 : off+plen]
		off += plen
		switch {
		case typ == ikev1PayloadSA && major == 1:
			m.add("proposal", "accepted"+ikev1Chosen(body))
		case typ == ikev2PayloadSA && major == 2:
			m.add("proposal", "accepted")
		case typ == ikev1PayloadNotify && major == 1 && len(body) >= 8:
			m.add("notify", ikev1Notify(binary.BigEndian.Uint16(body[6:])))
		case typ == ikev2PayloadNotify && major == 2 && len(body) >= 4:
			t := binary.BigEndian.Uint16(body[2:])
			v := ikev2Notify(t)
			if t == 17 && len(body) >= 4+int(body[1])+2 { // INVALID_KE_PAYLOAD: the group it wants
				v += " (group " + itoa(int(binary.BigEndian.Uint16(body[4+int(body[1]):]))) + ")"
			}
			m.add("notify", v)
		case typ == ikev1PayloadVID && major == 1, typ == ikev2PayloadVID && major == 2:
			ikeVendor(&m, body)
		}
	}
	return m, true
}

func ikev1Exchange(t byte) string {
	switch t {
	case 2:
		return "Main Mode"
	case 4:
		return "Aggressive Mode"
	case 5:
		return "Informational"
	}
	return itoa(int(t))
}

// ikev1Notify names the notify message types of RFC 2408 section 3.14.1.
func ikev1Notify(t uint16) string {
	names := [...]string{1: "INVALID-PAYLOAD-TYPE", 2: "DOI-NOT-SUPPORTED", 3: "SITUATION-NOT-SUPPORTED",
		4: "INVALID-COOKIE", 5: "INVALID-MAJOR-VERSION", 6: "INVALID-MINOR-VERSION", 7: "INVALID-EXCHANGE-TYPE",
		8: "INVALID-FLAGS", 9: "INVALID-MESSAGE-ID", 10: "INVALID-PROTOCOL-ID", 11: "INVALID-SPI",
		12: "INVALID-TRANSFORM-ID", 13: "ATTRIBUTES-NOT-SUPPORTED", 14: "NO-PROPOSAL-CHOSEN",
		15: "BAD-PROPOSAL-SYNTAX", 16: "PAYLOAD-MALFORMED", 17: "INVALID-KEY-INFORMATION",
		18: "INVALID-ID-INFORMATION", 24: "AUTHENTICATION-FAILED"}
	if int(t) < len(names) && names[t] != "" {
		return names[t]
	}
	return itoa(int(t))
}

// ikev2Notify names the notify message types of RFC 7296 section 3.10.1
// a responder sends to an IKE_SA_INIT.
func ikev2Notify(t uint16) string {
	switch t {
	case 1:
		return "UNSUPPORTED_CRITICAL_PAYLOAD"
	case 4:
		return "INVALID_IKE_SPI"
	case 5:
		return "INVALID_MAJOR_VERSION"
	case 7:
		return "INVALID_SYNTAX"
	case 14:
		return "NO_PROPOSAL_CHOSEN"
	case 17:
		return "INVALID_KE_PAYLOAD"
	case 16388:
		return "NAT_DETECTION_SOURCE_IP"
	case 16389:
		return "NAT_DETECTION_DESTINATION_IP"
	case 16390:
		return "COOKIE"
	case 16404:
		return "MULTIPLE_AUTH_SUPPORTED"
	case 16430:
		return "IKEV2_FRAGMENTATION_SUPPORTED"
	case 16431:
		return "SIGNATURE_HASH_ALGORITHMS"
	}
	return itoa(int(t))
}

// ikev1Chosen describes the transform a responder chose, from its SA
// payload: DOI, situation, one proposal, one transform.
func ikev1Chosen(sa []byte) string {
	if len(sa) < 8+8+8 {
		return ""
	}
	p := sa[8:]
	spi := int(p[6])
	if len(p) < 8+spi+8 {
		return ""
	}
	t := p[8+spi:]
	tlen := int(binary.BigEndian.Uint16(t[2:]))
	if tlen < 8 || tlen > len(t) {
		return ""
	}
	attrs := t[8:tlen]
	var parts []string
	for len(attrs) >= 4 && len(parts) < 8 {
		typ := binary.BigEndian.Uint16(attrs) &^ 0x8000
		var v uint16
		if attrs[0]&0x80 != 0 {
			v = binary.BigEndian.Uint16(attrs[2:])
			attrs = attrs[4:]
		} else { // TLV: a length, then a value (life durations)
			n := int(binary.BigEndian.Uint16(attrs[2:]))
			if 4+n > len(attrs) {
				break
			}
			if n == 2 {
				v = binary.BigEndian.Uint16(attrs[4:])
			}
			attrs = attrs[4+n:]
		}
		switch typ {
		case 1:
			parts = append(parts, "Enc="+pick(v, map[uint16]string{1: "DES", 5: "3DES", 7: "AES"}))
		case 2:
			parts = append(parts, "Hash="+pick(v, map[uint16]string{1: "MD5", 2: "SHA1", 4: "SHA2-256", 5: "SHA2-384", 6: "SHA2-512"}))
		case 3:
			parts = append(parts, "Auth="+pick(v, map[uint16]string{1: "PSK", 3: "RSA-Sig", 65001: "XAUTH-PSK"}))
		case 4:
			parts = append(parts, "Group="+itoa(int(v)))
		case 14:
			parts = append(parts, "KeyLength="+itoa(int(v)))
		}
	}
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, " ") + ")"
}

func pick(v uint16, names map[uint16]string) string {
	if s, ok := names[v]; ok {
		return s
	}
	return itoa(int(v))
}

// ikeVendors are vendor ids a responder sends, most of them MD5 hashes of
// a name (the test checks those). A prefix match, as some carry a version
// after the hash.
var ikeVendors = []struct {
	hex, name string
}{
	{"882fe56d6fd20dbc2251613b2ebe5beb", "strongSwan"},                // MD5("strongSwan")
	{"1e2b516905991c7d7c96fcbfb587e461", "Microsoft Windows"},         // MD5("MS NT5 ISAKMPOAKLEY"), then a version
	{"4a131c81070358455c5728f20e95452f", "NAT-T (RFC 3947)"},          // MD5("RFC 3947")
	{"90cb80913ebb696e086381b5ec427b1f", "NAT-T (draft 02)"},          // MD5("draft-ietf-ipsec-nat-t-ike-02\n")
	{"afcad71368a1f1c96b8696fc77570100", "Dead Peer Detection"},       // RFC 3706 section 4.3
	{"12f5f28c457168a9702d9fe274cc", "Cisco Unity"},                   // MD5("CISCO-UNITY"), then a version
	{"4048b7d56ebce88525e7de7f00d6c2d3", "IKE Fragmentation"},         // MD5("FRAGMENTATION")
	{"26244d38eddb61b3172a36e3d0cfb819", "Microsoft Initial Contact"}, // MD5("Vid-Initial-Contact")
	{"09002689dfd6b712", "XAUTH"},
}

func ikeVendor(m *Match, vid []byte) {
	if len(m.Details) >= 24 {
		return
	}
	h := hexString(vid)
	for _, v := range ikeVendors {
		if strings.HasPrefix(h, v.hex) {
			m.add("vendor id", v.name)
			switch v.name {
			case "strongSwan":
				m.Service.Product = "strongSwan"
				m.Service.CPE = append(m.Service.CPE, cpe("strongswan", "strongswan", ""))
			case "Microsoft Windows":
				m.Service.OSType = "Windows"
			}
			return
		}
	}
	m.add("vendor id", h[:min(len(h), 64)])
}
