package payload

import (
	"encoding/binary"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// QUIC (RFC 8999, RFC 9000 section 6): a long-header packet of a reserved
// version (0x?a?a?a?a, section 15), padded to 1200 bytes, the size a
// server needs before it answers a new connection. A server answers with a
// Version Negotiation packet that lists the versions it speaks and swaps
// the connection ids it got, which are derived from the cookie.

const (
	quicProbeLen  = 1200
	quicVersion   = 0x1a2a3a4a // reserved: forces version negotiation
	quicCIDLen    = 8
	quicMaxCIDLen = 255 // RFC 8999 section 5.1
)

func buildQUIC(dst []byte, cookie uint32) []byte {
	start := len(dst)
	dst = append(dst, 0xc0) // long header, fixed bit
	dst = binary.BigEndian.AppendUint32(dst, quicVersion)
	dst = append(dst, quicCIDLen)
	dst, dcid := grow(dst, quicCIDLen)
	fill(dcid, cookie, labelQUICDst)
	dst = append(dst, quicCIDLen)
	dst, scid := grow(dst, quicCIDLen)
	fill(scid, cookie, labelQUICSrc)
	dst, _ = grow(dst, quicProbeLen-(len(dst)-start))
	return dst
}

func recognizeQUIC(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < 7 || reply[0]&0x80 == 0 || binary.BigEndian.Uint32(reply[1:]) != 0 {
		return Match{}, false
	}
	off := 5
	dl := int(reply[off])
	if off+1+dl+1 > len(reply) || dl != quicCIDLen || !matches(reply[off+1:off+1+dl], cookie, labelQUICSrc) {
		return Match{}, false
	}
	off += 1 + dl
	sl := int(reply[off])
	if off+1+sl > len(reply) || sl != quicCIDLen || !matches(reply[off+1:off+1+sl], cookie, labelQUICDst) {
		return Match{}, false
	}
	off += 1 + sl
	list := reply[off:]
	if len(list) == 0 || len(list)%4 != 0 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "quic"}}
	var names []string
	for i := 0; i+4 <= len(list) && len(names) < 32; i += 4 {
		if v := quicVersionName(binary.BigEndian.Uint32(list[i:])); v != "" {
			names = append(names, v)
		}
	}
	m.add("versions", strings.Join(names, ", "))
	return m, true
}

// quicVersionName names a version; reserved ones, which servers list to
// keep clients honest, are left out.
func quicVersionName(v uint32) string {
	switch {
	case v&0x0f0f0f0f == 0x0a0a0a0a:
		return ""
	case v == 1:
		return "1"
	case v == 0x6b3343cf:
		return "2" // RFC 9369
	case v>>8 == 0xff0000:
		return "draft-" + itoa(int(v&0xff))
	case v>>24 == 'Q' || v>>24 == 'T':
		// Google QUIC: four ASCII characters, "Q046"
		return clean([]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}, 4)
	}
	return "0x" + string(appendHex32(nil, v))
}
