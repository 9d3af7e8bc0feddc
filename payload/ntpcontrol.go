package payload

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// NTP control messages (mode 6, RFC 9327), which ntpq speaks. The probe
// is a READVAR of a few system variables of association 0, the server
// itself: "version" names the daemon and its version ("ntpd
// ntpsec-1.2.2", "ntpd 4.2.8p15@1.3728-o ..."), "system" the operating
// system. ntpd (the reference implementation and NTPsec) answers where its
// restrictions allow queries (Debian's default "noquery" does not);
// chrony and OpenNTPD do not speak mode 6. The sequence number carries 16
// bits of the cookie and is echoed.

const (
	ntpCtlHeaderLen = 12
	ntpCtlReadVar   = 2
	// ntpCtlVars are the variables asked for: all of them are system
	// variables of every ntpd since 4.0, so the request is not refused
	// for naming an unknown one.
	ntpCtlVars = "version,system,processor"
)

func buildNTPReadVar(dst []byte, cookie uint32) []byte {
	n := len(ntpCtlVars)
	dst = append(dst, 0<<6|2<<3|6, ntpCtlReadVar) // LI 0, VN 2 as ntpq sends, mode 6; READVAR
	dst = binary.BigEndian.AppendUint16(dst, id16(cookie))
	dst = append(dst, 0, 0, 0, 0, 0, 0) // status, association 0, offset
	dst = binary.BigEndian.AppendUint16(dst, uint16(n))
	dst = append(dst, ntpCtlVars...)
	for ; n%4 != 0; n++ { // the data is padded to a 32-bit boundary
		dst = append(dst, 0)
	}
	return dst
}

// ntpCtlErrors are the error codes of RFC 9327 section 2.1.
var ntpCtlErrors = [...]string{"unspecified", "permission denied", "bad format", "bad opcode",
	"unknown association", "unknown variable", "bad value", "administratively prohibited"}

func recognizeNTPReadVar(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < ntpCtlHeaderLen {
		return Match{}, false
	}
	vn, mode := reply[0]>>3&7, reply[0]&7
	rem := reply[1]
	if mode != 6 || vn < 1 || vn > 4 || rem&0x80 == 0 || rem&0x1f != ntpCtlReadVar ||
		binary.BigEndian.Uint16(reply[2:]) != id16(cookie) || binary.BigEndian.Uint16(reply[8:]) != 0 {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "ntp"}}
	if rem&0x40 != 0 { // the error bit: the code is the status word's high byte
		code := int(reply[4])
		msg := itoa(code)
		if code < len(ntpCtlErrors) {
			msg = ntpCtlErrors[code]
		}
		m.add("control error", msg)
		return m, true
	}
	data := reply[ntpCtlHeaderLen:]
	if n := int(binary.BigEndian.Uint16(reply[10:])); n < len(data) {
		data = data[:n]
	}
	ntpVariables(data, func(key, value string) {
		switch key {
		case "version":
			m.add("version", value)
			ntpProduct(&m.Service, value)
		case "system":
			m.add("system", value)
			if os, _, _ := strings.Cut(value, "/"); os != "" && m.Service.OSType == "" {
				m.Service.OSType = ntpOSType(os)
			}
		case "processor":
			m.add("processor", value)
		}
	})
	return m, true
}

// ntpVariables calls fn for each name=value of a control message's data
// (RFC 9327 section 2.2: pairs separated by commas, values quoted or
// not, lines broken with CR LF), at most 16 of them. Quoted values may
// hold commas.
func ntpVariables(data []byte, fn func(key, value string)) {
	for n := 0; len(data) > 0 && n < 16; n++ {
		data = bytes.TrimLeft(data, " \t\r\n,")
		eq := bytes.IndexByte(data, '=')
		comma := bytes.IndexByte(data, ',')
		if eq < 0 || (comma >= 0 && comma < eq) {
			if comma < 0 {
				return
			}
			data = data[comma+1:] // a name without a value
			continue
		}
		key := clean(data[:eq], 32)
		data = data[eq+1:]
		var value []byte
		if len(data) > 0 && data[0] == '"' {
			end := bytes.IndexByte(data[1:], '"')
			if end < 0 {
				value, data = data[1:], nil
			} else {
				value, data = data[1:1+end], data[2+end:]
			}
		} else {
			end := bytes.IndexByte(data, ',')
			if end < 0 {
				end = len(data)
			}
			value, data = data[:end], data[end:]
		}
		fn(key, clean(value, maxText))
	}
}

// ntpProduct reads the daemon and its version from the "version"
// variable: "ntpd ntpsec-1.2.2" (NTPsec, sometimes with a build date
// after it), "ntpd 4.2.8p15@1.3728-o Wed Sep 23 ..." (the reference
// implementation, from ntp.org).
func ntpProduct(s *result.Service, v string) {
	daemon, rest, ok := strings.Cut(v, " ")
	if !ok || (daemon != "ntpd" && daemon != "xntpd") {
		return
	}
	word, _, _ := strings.Cut(rest, " ")
	if ver, ok := strings.CutPrefix(word, "ntpsec-"); ok {
		if isVersion(ver) {
			s.Product, s.Version = "NTPsec", ver
			s.CPE = append(s.CPE, cpe("ntpsec", "ntpsec", ver))
		}
		return
	}
	ver, _, _ := strings.Cut(word, "@")
	if !isVersion(ver) {
		return
	}
	s.Product, s.Version = "ntpd", ver
	// CPE names ntp.org's patch level as the update: 4.2.8p15 is
	// version 4.2.8, update p15.
	num, update := ver, "*"
	if i := strings.IndexByte(ver, 'p'); i > 0 {
		num, update = ver[:i], ver[i:]
	}
	if strings.Trim(num, "0123456789.") == "" && (update == "*" || strings.Trim(update[1:], "0123456789") == "") {
		s.CPE = append(s.CPE, "cpe:2.3:a:ntp:ntp:"+num+":"+update+":*:*:*:*:*:*")
	}
}

// ntpOSType maps the "system" variable's uname name to Nmap's OS types.
func ntpOSType(os string) string {
	switch strings.ToLower(os) {
	case "linux":
		return "Linux"
	case "freebsd":
		return "FreeBSD"
	case "netbsd":
		return "NetBSD"
	case "openbsd":
		return "OpenBSD"
	case "sunos":
		return "Solaris"
	case "darwin":
		return "Mac OS X"
	}
	return ""
}
