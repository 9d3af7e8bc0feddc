package payload

import (
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// NTP (RFC 5905). The probe is a version 4 client request (mode 3): 48
// bytes, all zero but the first byte and the transmit timestamp. A server
// copies the client's transmit timestamp into the origin timestamp of its
// reply (section 8), so the transmit timestamp carries 64 bits derived from
// the cookie; a random transmit timestamp is also what RFC 9109 asks
// clients to send, to not disclose their clock.

const ntpLen = 48

func buildNTP(dst []byte, cookie uint32) []byte {
	dst, b := grow(dst, ntpLen)
	b[0] = 0<<6 | 4<<3 | 3 // LI 0, VN 4, mode 3 (client)
	fill(b[40:48], cookie, labelNTP)
	return dst
}

func recognizeNTP(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < ntpLen {
		return Match{}, false
	}
	li, vn, mode := reply[0]>>6, reply[0]>>3&7, reply[0]&7
	if mode != 4 || vn < 1 || vn > 4 || !matches(reply[24:32], cookie, labelNTP) {
		return Match{}, false
	}
	stratum := reply[1]
	m := Match{Service: result.Service{Name: "ntp", Product: "NTP", Version: "v" + itoa(int(vn))}}
	var extra string
	switch {
	case stratum == 1:
		extra = "primary server"
	case stratum >= 2 && stratum <= 15:
		extra = "secondary server"
	}
	if li == 3 || stratum == 0 || stratum >= 16 {
		if extra != "" {
			extra += "; "
		}
		extra += "unsynchronized"
	}
	m.Service.ExtraInfo = extra
	m.add("stratum", itoa(int(stratum)))
	refid := reply[12:16]
	switch {
	case stratum <= 1:
		// A kiss code (stratum 0: "RATE", "DENY") or a reference clock
		// ("GPS", "PPS"): four ASCII characters, NUL-padded.
		n := 4
		for n > 0 && refid[n-1] == 0 {
			n--
		}
		key := "reference id"
		if stratum == 0 {
			key = "kiss code"
		}
		m.add(key, clean(refid[:n], 4))
	default:
		// The upstream server's IPv4 address, or the first bytes of a
		// hash of its IPv6 address: shown as an address either way, as
		// ntpq does.
		m.add("reference id", itoa(int(refid[0]))+"."+itoa(int(refid[1]))+"."+itoa(int(refid[2]))+"."+itoa(int(refid[3])))
	}
	if p := int8(reply[3]); p != 0 {
		m.add("precision", "2^"+itoa(int(p)))
	}
	if rd := binary.BigEndian.Uint32(reply[4:8]); rd != 0 {
		// Root delay, NTP short format (16.16 seconds): in microseconds.
		m.add("root delay", itoa(int(uint64(rd)*1000000>>16))+"us")
	}
	return m, true
}
