package vnc

import (
	"encoding/binary"
	"fmt"
	"strconv"

	"github.com/picket-scanner/picket/service"
)

// Version is an RFB protocol version, as in "RFB 003.008\n" (RFC 6143
// §7.1.1). It is a value, safe for concurrent use.
type Version struct{ Major, Minor int }

func (v Version) String() string { return strconv.Itoa(v.Major) + "." + strconv.Itoa(v.Minor) }

// versionLen is the length of a ProtocolVersion message.
const versionLen = 12

// ParseVersion parses a ProtocolVersion message: "RFB ", three digits, a
// dot, three digits, a newline.
func ParseVersion(b []byte) (Version, bool) {
	if len(b) < versionLen || string(b[:4]) != "RFB " || b[7] != '.' || b[11] != '\n' {
		return Version{}, false
	}
	major, ok1 := digits(b[4:7])
	minor, ok2 := digits(b[8:11])
	if !ok1 || !ok2 {
		return Version{}, false
	}
	return Version{major, minor}, true
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// clientVersion is the version picket answers with: the server's, down to
// the three that RFC 6143 defines. Other 3.x minors are read as 3.3, as
// the RFC asks of unknown ones (UltraVNC's 3.4 and 3.6, say); 3.889 (Apple)
// and majors above 3 (RealVNC's 4.x and 5.0) accept 3.8.
func clientVersion(v Version) Version {
	switch {
	case v.Major > 3 || v.Major == 3 && v.Minor >= 8:
		return Version{3, 8}
	case v.Major == 3 && v.Minor == 7:
		return Version{3, 7}
	}
	return Version{3, 3}
}

func (v Version) message() []byte { return fmt.Appendf(nil, "RFB %03d.%03d\n", v.Major, v.Minor) }

// Security is the server's answer to picket's version: the security types
// it offers (RFB 3.7 and later) or the one it chose (3.3), or why it
// refused the connection. It is a value, safe for concurrent use.
type Security struct {
	// Types are in the server's order of preference.
	Types []uint32
	// Chosen is set for RFB 3.3, where the server picks the one type.
	Chosen bool
	// Failed is set when the server refused (no types, or 3.3's type
	// 0); Reason is its explanation, printable and cut short.
	Failed bool
	Reason string
}

// maxReason bounds the failure reason kept: real ones are a sentence
// ("Too many security failures").
const maxReason = 512

// maxSecurity is the most a security message can take with the reason
// cut to maxReason: a count, 255 types, a length and the reason.
const maxSecurity = 1 + 255 + 4 + maxReason

var errSecurity = fmt.Errorf("vnc: malformed security message: %w", service.ErrNoMatch)

// ParseSecurity decodes the security message that follows the client's
// version v (RFC 6143 §7.1.2; §7.1.3 and appendix A for 3.3). n is the
// number of bytes it took, 0 while b is incomplete. A reason longer than
// maxReason is complete once maxReason bytes of it have arrived: a server
// that announces gigabytes is not waited for.
func ParseSecurity(b []byte, v Version) (s Security, n int, err error) {
	if v.Major == 3 && v.Minor < 7 {
		if len(b) < 4 {
			return s, 0, nil
		}
		t := binary.BigEndian.Uint32(b)
		if t != 0 {
			return Security{Types: []uint32{t}, Chosen: true}, 4, nil
		}
		return reason(b[4:], 4, Security{Chosen: true, Failed: true})
	}
	if len(b) < 1 {
		return s, 0, nil
	}
	count := int(b[0])
	if count == 0 {
		return reason(b[1:], 1, Security{Failed: true})
	}
	if len(b) < 1+count {
		return s, 0, nil
	}
	for _, t := range b[1 : 1+count] {
		s.Types = append(s.Types, uint32(t))
	}
	return s, 1 + count, nil
}

// reason reads a failure reason (a 32-bit length and text) from b, which
// starts off bytes into the message.
func reason(b []byte, off int, s Security) (Security, int, error) {
	if len(b) < 4 {
		return Security{}, 0, nil
	}
	size := binary.BigEndian.Uint32(b)
	text := b[4:]
	if size > maxReason {
		if len(text) < maxReason {
			return Security{}, 0, nil
		}
		text = text[:maxReason]
	} else {
		if uint32(len(text)) < size {
			return Security{}, 0, nil
		}
		text = text[:size]
	}
	if !mostlyText(text) {
		return Security{}, 0, errSecurity
	}
	s.Reason = printable(text)
	return s, off + 4 + len(text), nil
}

// typeNames are the security types of IANA's RFB registry that servers
// offer in practice.
var typeNames = map[uint32]string{
	0:    "Invalid",
	1:    "None",
	2:    "VNC Authentication",
	5:    "RA2",
	6:    "RA2ne",
	16:   "Tight",
	17:   "Ultra",
	18:   "TLS",
	19:   "VeNCrypt",
	20:   "GTK-VNC SASL",
	21:   "MD5 hash authentication",
	22:   "Colin Dean xvp",
	30:   "Apple Remote Desktop",
	35:   "Apple",
	0x68: "UltraVNC SC prompt",
	0x69: "UltraVNC session select",
	0x70: "UltraVNC MS-Logon I",
	0x71: "UltraVNC MS-Logon II",
	0x72: "UltraVNC SecureVNC plugin",
	0x73: "UltraVNC SecureVNC plugin",
	// UltraVNC before 3.8 sent its MS-Logon as this 3.3 type.
	0xfffffffa: "UltraVNC MS-Logon (legacy)",
}

// TypeName names a security type: "VeNCrypt (19)".
func TypeName(t uint32) string {
	if name, ok := typeNames[t]; ok {
		return name + " (" + strconv.FormatUint(uint64(t), 10) + ")"
	}
	return "unknown (" + strconv.FormatUint(uint64(t), 10) + ")"
}

// mostlyText reports whether b reads as text: a binary reason means the
// stream is not RFB.
func mostlyText(b []byte) bool {
	bad := 0
	for _, c := range b {
		if c < 0x20 && c != '\n' && c != '\r' && c != '\t' {
			bad++
		}
	}
	return bad*10 <= len(b)
}

// printable returns b with anything but printable ASCII replaced, and
// line breaks made spaces: text from the wire goes into reports.
func printable(b []byte) string {
	out := make([]byte, 0, len(b))
	for _, c := range b {
		switch {
		case c == '\n' || c == '\r' || c == '\t':
			c = ' '
		case c < 0x20 || c > 0x7e:
			c = '?'
		}
		out = append(out, c)
	}
	return string(out)
}
