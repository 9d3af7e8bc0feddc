package payload

import (
	"bytes"

	"github.com/picket-scanner/picket/result"
)

// Echo (RFC 862): the server sends back what it got. The probe holds the
// cookie, so the echo validates itself.

const echoPrefix = "picket echo "

func buildEcho(dst []byte, cookie uint32) []byte {
	dst = append(dst, echoPrefix...)
	dst = appendHex32(dst, cookie)
	return append(dst, '\r', '\n')
}

func recognizeEcho(reply []byte, cookie uint32) (Match, bool) {
	var want [len(echoPrefix) + 10]byte
	if !bytes.Equal(reply, buildEcho(want[:0], cookie)) {
		return Match{}, false
	}
	return Match{Service: result.Service{Name: "echo"}}, true
}
