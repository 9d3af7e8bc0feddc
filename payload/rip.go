package payload

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// RIP version 2 (RFC 2453 section 3.9.1) and RIPng (RFC 2080 section
// 2.4.1): a request for the whole routing table, one entry of address
// family 0 (RIPng: prefix ::/0) with metric 16. A router answers a request
// from a port other than its own directly to that port. Responses echo
// nothing of the request.

func buildRIP(dst []byte, _ uint32) []byte {
	return append(dst,
		1, 2, 0, 0, // request, version 2
		0, 0, 0, 0, // address family 0, route tag 0
		0, 0, 0, 0, // address
		0, 0, 0, 0, // mask
		0, 0, 0, 0, // next hop
		0, 0, 0, 16) // metric: infinity
}

func recognizeRIP(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 4 || reply[0] != 2 || reply[1] < 1 || reply[1] > 2 || (len(reply)-4)%20 != 0 ||
		reply[2] != 0 || reply[3] != 0 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "route", Product: "RIPv" + itoa(int(reply[1]))}}
	var routes []string
	n := 0
	for e := reply[4:]; len(e) >= 20; e = e[20:] {
		if binary.BigEndian.Uint16(e) != 2 { // AF_INET; 0xffff is authentication
			continue
		}
		n++
		if len(routes) < 16 {
			a := netip.AddrFrom4([4]byte(e[4:8]))
			bits := 0
			if reply[1] == 2 {
				bits = maskBits(binary.BigEndian.Uint32(e[8:12]))
			}
			r := a.String()
			if bits >= 0 && reply[1] == 2 {
				r += "/" + itoa(bits)
			}
			routes = append(routes, r+" metric "+itoa(int(binary.BigEndian.Uint32(e[16:20]))))
		}
	}
	m.add("routes", itoa(n))
	m.add("table", strings.Join(routes, ", "))
	return m, true
}

// maskBits is the prefix length of a contiguous netmask, or -1.
func maskBits(mask uint32) int {
	n := 0
	for mask&0x80000000 != 0 {
		mask <<= 1
		n++
	}
	if mask != 0 {
		return -1
	}
	return n
}

func buildRIPng(dst []byte, _ uint32) []byte {
	dst = append(dst, 1, 1, 0, 0) // request, version 1
	dst, _ = grow(dst, 16)        // prefix ::
	return append(dst,
		0, 0, // route tag
		0,  // prefix length
		16) // metric: infinity
}

func recognizeRIPng(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 4 || reply[0] != 2 || reply[1] != 1 || (len(reply)-4)%20 != 0 || reply[2] != 0 || reply[3] != 0 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "ripng"}}
	var routes []string
	n := 0
	for e := reply[4:]; len(e) >= 20; e = e[20:] {
		if e[19] == 0xff { // a next-hop entry
			continue
		}
		n++
		if len(routes) < 16 {
			p := netip.PrefixFrom(netip.AddrFrom16([16]byte(e[:16])), int(min(e[18], 128)))
			routes = append(routes, p.String()+" metric "+itoa(int(e[19])))
		}
	}
	m.add("routes", itoa(n))
	m.add("table", strings.Join(routes, ", "))
	return m, true
}
