package payload

import "github.com/picket-scanner/picket/result"

// OpenVPN (its control channel as OpenVPN's own protocol documentation
// describes it: opcode and key id, session id, acknowledgements, packet
// id): a P_CONTROL_HARD_RESET_CLIENT_V2
// with key id 0, an 8-byte session id derived from the cookie, no
// acknowledgements and message packet id 0. A server answers with a
// P_CONTROL_HARD_RESET_SERVER_V2 that acknowledges packet 0 and names our
// session id as the remote one. Servers run with tls-auth or tls-crypt drop
// the probe, which carries no HMAC: they stay open|filtered.

const (
	ovpnHardResetClientV2 = 7
	ovpnHardResetServerV2 = 8
	ovpnAckV1             = 5
)

func buildOpenVPN(dst []byte, cookie uint32) []byte {
	dst = append(dst, ovpnHardResetClientV2<<3) // opcode, key id 0
	dst, sid := grow(dst, 8)
	fill(sid, cookie, labelOpenVPN)
	return append(dst,
		0,          // acknowledgement array: empty
		0, 0, 0, 0) // message packet id
}

func recognizeOpenVPN(reply []byte, cookie uint32) (Match, bool) {
	// opcode/key id, session id (8), ack count, ack packet ids (4 each),
	// remote session id (8) when acks are present.
	if len(reply) < 1+8+1 {
		return Match{}, false
	}
	op := reply[0] >> 3
	if op != ovpnHardResetServerV2 && op != ovpnAckV1 {
		return Match{}, false
	}
	acks := int(reply[9])
	off := 10 + 4*acks
	if acks == 0 || acks > 8 || off+8 > len(reply) || !matches(reply[off:off+8], cookie, labelOpenVPN) {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "openvpn", Product: "OpenVPN"}}
	m.Service.CPE = append(m.Service.CPE, cpe("openvpn", "openvpn", ""))
	m.add("server session id", hexString(reply[1:9]))
	return m, true
}
