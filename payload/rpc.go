package payload

import (
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// ONC RPC (RFC 5531) over UDP: a call of procedure 0, NULL, which every
// RPC program answers, with AUTH_NONE. To the portmapper (program 100000,
// version 2, RFC 1833) on port 111, and to NFS (program 100003, version 3,
// RFC 1813) on port 2049. The transaction id (xid) is the cookie; replies
// echo it.

const (
	rpcProgPortmap = 100000
	rpcProgNFS     = 100003
)

func buildRPCNull(prog, vers uint32) func([]byte, uint32) []byte {
	return func(dst []byte, cookie uint32) []byte {
		dst = binary.BigEndian.AppendUint32(dst, cookie) // xid
		dst = append(dst,
			0, 0, 0, 0, // CALL
			0, 0, 0, 2) // RPC version 2
		dst = binary.BigEndian.AppendUint32(dst, prog)
		dst = binary.BigEndian.AppendUint32(dst, vers)
		return append(dst,
			0, 0, 0, 0, // procedure 0: NULL
			0, 0, 0, 0, 0, 0, 0, 0, // credentials: AUTH_NONE, empty
			0, 0, 0, 0, 0, 0, 0, 0) // verifier: AUTH_NONE, empty
	}
}

func recognizeRPC(prog, vers uint32, service string) func([]byte, uint32) (Match, bool) {
	return func(reply []byte, cookie uint32) (Match, bool) {
		u32 := func(off int) uint32 { return binary.BigEndian.Uint32(reply[off:]) }
		if len(reply) < 12 || u32(0) != cookie || u32(4) != 1 { // REPLY
			return Match{}, false
		}
		m := Match{Service: result.Service{Name: service, ExtraInfo: "RPC #" + itoa(int(prog))}}
		switch u32(8) {
		case 0: // MSG_ACCEPTED: verifier, then accept_stat
			if len(reply) < 20 {
				return Match{}, false
			}
			n := int(u32(16))
			if n > 400 || 20+n+4 > len(reply) {
				return Match{}, false
			}
			off := 20 + (n+3)&^3
			if off+4 > len(reply) {
				return Match{}, false
			}
			switch st := u32(off); st {
			case 0:
				m.Service.Version = itoa(int(vers))
				m.add("status", "SUCCESS")
			case 2: // PROG_MISMATCH: the versions it has
				if off+12 <= len(reply) {
					lo, hi := u32(off+4), u32(off+8)
					if lo <= hi && hi < 1<<16 {
						m.Service.Version = itoa(int(lo)) + "-" + itoa(int(hi))
					}
				}
				m.add("status", "PROG_MISMATCH")
			default:
				m.add("status", pick(uint16(min(st, 0xffff)), map[uint16]string{
					1: "PROG_UNAVAIL", 3: "PROC_UNAVAIL", 4: "GARBAGE_ARGS", 5: "SYSTEM_ERR"}))
			}
		case 1: // MSG_DENIED
			m.add("status", "MSG_DENIED")
		default:
			return Match{}, false
		}
		return m, true
	}
}
