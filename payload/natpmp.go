package payload

import (
	"encoding/binary"
	"net/netip"

	"github.com/picket-scanner/picket/result"
)

// NAT-PMP (RFC 6886 section 3.2): the external address request, version 0
// opcode 0. The gateway answers with opcode 128, a result code, its uptime
// and its external IPv4 address. A PCP server (RFC 6887 section 9)
// answers it in the same format, with UNSUPP_VERSION if it has no NAT-PMP.

func buildNATPMP(dst []byte, _ uint32) []byte { return append(dst, 0, 0) }

func recognizeNATPMP(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 8 || reply[0] != 0 || reply[1] != 128 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "nat-pmp"}}
	rc := binary.BigEndian.Uint16(reply[2:])
	m.add("result", pick(rc, map[uint16]string{0: "Success", 1: "Unsupported Version",
		2: "Not Authorized/Refused", 3: "Network Failure", 4: "Out of resources", 5: "Unsupported opcode"}))
	m.add("uptime", itoa(int(binary.BigEndian.Uint32(reply[4:])))+"s")
	if rc == 0 && len(reply) >= 12 {
		m.add("external address", netip.AddrFrom4([4]byte(reply[8:12])).String())
	}
	return m, true
}
