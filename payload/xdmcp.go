package payload

import (
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// XDMCP (X Display Manager Control Protocol 1.1, sections 10.2 and 10.3):
// a Query with no authentication names. A display manager answers Willing
// or Unwilling, with its host name and a status string (often the system's
// name and load).

const (
	xdmcpQuery     = 2
	xdmcpWilling   = 5
	xdmcpUnwilling = 6
)

func buildXDMCP(dst []byte, _ uint32) []byte {
	return append(dst, 0, 1, 0, xdmcpQuery, 0, 1, 0) // version 1, Query, length 1, no names
}

func recognizeXDMCP(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 6 || binary.BigEndian.Uint16(reply) != 1 {
		return Match{}, false
	}
	op := binary.BigEndian.Uint16(reply[2:])
	n := int(binary.BigEndian.Uint16(reply[4:]))
	body := reply[6:]
	if n > len(body) || (op != xdmcpWilling && op != xdmcpUnwilling) {
		return Match{}, false
	}
	body = body[:n]
	array8 := func() ([]byte, bool) {
		if len(body) < 2 {
			return nil, false
		}
		l := int(binary.BigEndian.Uint16(body))
		if 2+l > len(body) {
			return nil, false
		}
		v := body[2 : 2+l]
		body = body[2+l:]
		return v, true
	}
	if op == xdmcpWilling {
		if _, ok := array8(); !ok { // authentication name
			return Match{}, false
		}
	}
	host, ok1 := array8()
	status, ok2 := array8()
	if !ok1 || !ok2 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "xdmcp", Product: "XDMCP", OSType: "Unix", Hostname: clean(host, 64)}}
	word := "willing"
	if op == xdmcpUnwilling {
		word = "unwilling"
	}
	m.Service.ExtraInfo = word + "; status: " + clean(status, 128)
	return m, true
}
