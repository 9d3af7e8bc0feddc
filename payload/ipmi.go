package payload

import (
	"strings"

	"github.com/picket-scanner/picket/result"
)

// IPMI over RMCP (IPMI 2.0 specification, sections 13.1-13.6 and 22.13):
// a session-less Get Channel Authentication Capabilities request, which a
// BMC answers before any login with the IPMI versions and authentication
// types it accepts, and whether it lets anonymous or null users in. The
// request sequence number carries 6 bits of the cookie; the response
// echoes it.

const (
	rmcpClassIPMI = 0x07
	ipmiBMC       = 0x20 // responder address
	ipmiRemote    = 0x81 // requester: remote console software id
	ipmiNetFnApp  = 0x06
	ipmiGetAuth   = 0x38
)

func ipmiSeq(cookie uint32) byte { return byte(cookie) & 0x3f }

// ipmiSum is the IPMI checksum: the byte that makes the sum zero.
func ipmiSum(b []byte) byte {
	var s byte
	for _, c := range b {
		s += c
	}
	return -s
}

func buildIPMI(dst []byte, cookie uint32) []byte {
	dst = append(dst,
		0x06, 0x00, 0xff, rmcpClassIPMI, // RMCP 1.0, no ACK, class IPMI
		0x00,                   // auth type: none
		0x00, 0x00, 0x00, 0x00, // session sequence
		0x00, 0x00, 0x00, 0x00, // session id
		9) // message length
	msg := len(dst)
	dst = append(dst, ipmiBMC, ipmiNetFnApp<<2)
	dst = append(dst, ipmiSum(dst[msg:]))
	body := len(dst)
	dst = append(dst, ipmiRemote, ipmiSeq(cookie)<<2, ipmiGetAuth,
		0x8e, // this channel, and IPMI 2.0 extended data please
		0x04) // for the administrator privilege level
	return append(dst, ipmiSum(dst[body:]))
}

func recognizeIPMI(reply []byte, cookie uint32) (Match, bool) {
	// RMCP (4), session header of auth type none (10), then the message:
	// rqAddr, netFn/LUN, checksum, rsAddr, rqSeq/LUN, cmd, completion
	// code, data, checksum.
	if len(reply) < 4+10+8 || reply[0] != 0x06 || reply[3]&0x1f != rmcpClassIPMI || reply[4] != 0 {
		return Match{}, false
	}
	n := int(reply[13])
	msg := reply[14:]
	if n < 8 || n > len(msg) {
		return Match{}, false
	}
	msg = msg[:n]
	if msg[0] != ipmiRemote || msg[1]>>2 != ipmiNetFnApp+1 || ipmiSum(msg[:2]) != msg[2] ||
		msg[4]>>2 != ipmiSeq(cookie) || msg[5] != ipmiGetAuth {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "asf-rmcp", Product: "IPMI"}}
	if cc := msg[6]; cc != 0 {
		m.add("completion code", "0x"+hexString([]byte{cc}))
		return m, true
	}
	d := msg[7 : n-1]
	if len(d) < 8 {
		return m, true
	}
	auth, status, ext := d[1], d[2], d[3]
	m.Service.Version = "1.5"
	if auth&0x80 != 0 && ext&0x02 != 0 {
		m.Service.Version = "2.0"
	}
	var types []string
	for i, name := range []string{"none", "MD2", "MD5", "", "password", "OEM"} {
		if name != "" && auth&(1<<i) != 0 {
			types = append(types, name)
		}
	}
	m.add("auth types", strings.Join(types, ", "))
	for i, name := range []string{"anonymous login", "null usernames", "non-null usernames"} {
		if status&(1<<i) != 0 {
			m.add(name, "enabled")
		}
	}
	if status&0x08 != 0 {
		m.add("user-level authentication", "disabled")
	}
	if status&0x10 != 0 {
		m.add("per-message authentication", "disabled")
	}
	return m, true
}
