package payload

import (
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// CoAP (RFC 7252): a confirmable GET of /.well-known/core, the resource
// directory of RFC 6690, which lists the device's resources. The message id
// (16 bits) and a 4-byte token carry the cookie: an acknowledgement or a
// reset echoes the message id, and a response the token.

const (
	coapVersion = 1
	coapCON     = 0
	coapNON     = 1
	coapACK     = 2
	coapRST     = 3
	coapGET     = 1
	coapUriPath = 11
)

func buildCoAP(dst []byte, cookie uint32) []byte {
	dst = append(dst, coapVersion<<6|coapCON<<4|4, coapGET) // TKL 4
	dst = binary.BigEndian.AppendUint16(dst, id16(cookie))
	dst = binary.BigEndian.AppendUint32(dst, cookie) // token
	// Uri-Path ".well-known" (delta 11, length 11), Uri-Path "core"
	// (delta 0, length 4).
	dst = append(dst, coapUriPath<<4|11)
	dst = append(dst, ".well-known"...)
	dst = append(dst, 0<<4|4)
	return append(dst, "core"...)
}

func recognizeCoAP(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < 4 || reply[0]>>6 != coapVersion {
		return Match{}, false
	}
	typ, tkl, code := reply[0]>>4&3, int(reply[0]&0xf), reply[1]
	if tkl > 8 || 4+tkl > len(reply) {
		return Match{}, false
	}
	idOK := binary.BigEndian.Uint16(reply[2:]) == id16(cookie)
	token := reply[4 : 4+tkl]
	var want [4]byte
	binary.BigEndian.PutUint32(want[:], cookie)
	tokOK := string(token) == string(want[:])
	switch {
	case typ == coapRST && idOK && tkl == 0 && code == 0:
	case typ == coapACK && idOK && (tokOK || (tkl == 0 && code == 0)):
	case (typ == coapCON || typ == coapNON) && tokOK && code>>5 >= 2: // a separate response
	default:
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "coap"}}
	if code == 0 {
		m.add("reply", [...]string{"CON", "NON", "ACK", "RST"}[typ]+" empty")
		return m, true
	}
	m.add("code", itoa(int(code>>5))+"."+string([]byte{'0' + code&31/10, '0' + code&31%10}))
	// Skip the options to reach the payload after the 0xff marker.
	opts := reply[4+tkl:]
	for len(opts) > 0 && opts[0] != 0xff {
		delta, length := int(opts[0]>>4), int(opts[0]&0xf)
		opts = opts[1:]
		for _, f := range []*int{&delta, &length} {
			switch *f {
			case 13:
				if len(opts) < 1 {
					return m, true
				}
				*f, opts = 13+int(opts[0]), opts[1:]
			case 14:
				if len(opts) < 2 {
					return m, true
				}
				*f, opts = 269+int(binary.BigEndian.Uint16(opts)), opts[2:]
			case 15:
				return m, true // reserved outside the payload marker
			}
		}
		if length > len(opts) {
			return m, true
		}
		opts = opts[length:]
	}
	if len(opts) > 1 {
		m.add("resources", clean(opts[1:], 512))
	}
	return m, true
}
