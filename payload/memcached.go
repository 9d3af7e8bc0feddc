package payload

import (
	"bytes"
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// memcached over UDP (memcached's protocol.txt, "UDP protocol"): each
// datagram starts with an 8-byte frame header (request id, sequence number,
// datagram count, reserved), then the text protocol. The probe asks the
// version, whose answer is one short datagram ("stats" would ask for a
// long one). Replies echo the request id, 16 bits of the cookie.

const memcachedVersion = "version\r\n"

func buildMemcached(dst []byte, cookie uint32) []byte {
	dst = binary.BigEndian.AppendUint16(dst, id16(cookie))
	dst = append(dst, 0, 0, 0, 1, 0, 0) // sequence 0 of 1 datagram
	return append(dst, memcachedVersion...)
}

func recognizeMemcached(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < 8 || binary.BigEndian.Uint16(reply) != id16(cookie) {
		return Match{}, false
	}
	seq, total := binary.BigEndian.Uint16(reply[2:]), binary.BigEndian.Uint16(reply[4:])
	if total == 0 || seq >= total {
		return Match{}, false
	}
	body := reply[8:]
	m := Match{Service: result.Service{Name: "memcached", Product: "Memcached"}}
	if seq != 0 {
		return m, true // a later datagram of a reply: the text is cut anywhere
	}
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	switch {
	case bytes.HasPrefix(line, []byte("VERSION ")):
		v := clean(line[len("VERSION "):], 64)
		m.Service.Version = v
		m.Service.CPE = append(m.Service.CPE, cpe("memcached", "memcached", v))
	case bytes.Equal(line, []byte("ERROR")), bytes.HasPrefix(line, []byte("CLIENT_ERROR")),
		bytes.HasPrefix(line, []byte("SERVER_ERROR")), bytes.HasPrefix(line, []byte("STAT ")):
		m.add("reply", clean(line, 128))
	default:
		return Match{}, false
	}
	return m, true
}
