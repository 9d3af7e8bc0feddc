package payload

import (
	"bytes"
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// TFTP (RFC 1350): a read request, in octet mode, for a file that does not
// exist, whose name is the cookie in hexadecimal. A server answers with an
// ERROR ("File not found") or, should the file exist, with the first DATA
// block; either way from a port of its own (its transfer identifier,
// section 4), and echoing nothing of the request.

func buildTFTP(dst []byte, cookie uint32) []byte {
	dst = append(dst, 0, 1) // RRQ
	dst = appendHex32(dst, cookie)
	return append(dst, 0, 'o', 'c', 't', 'e', 't', 0)
}

func recognizeTFTP(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 4 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "tftp"}}
	switch op := binary.BigEndian.Uint16(reply); op {
	case 5: // ERROR: code, message, NUL
		code := binary.BigEndian.Uint16(reply[2:])
		msg := reply[4:]
		i := bytes.IndexByte(msg, 0)
		if code > 8 || (i < 0 && len(msg) > 0) { // codes 0-7, RFC 2347 adds 8
			return Match{}, false
		}
		if i >= 0 {
			msg = msg[:i]
		}
		m.add("error", itoa(int(code))+" "+clean(msg, 128))
	case 3: // DATA, block 1
		if binary.BigEndian.Uint16(reply[2:]) != 1 || len(reply) > 4+512 {
			return Match{}, false
		}
		m.add("read", "allowed")
	case 6: // OACK (RFC 2347)
		m.add("options", "acknowledged")
	default:
		return Match{}, false
	}
	return m, true
}
