package payload

import (
	"bytes"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// SSDP (UPnP Device Architecture 2.0, section 1.3.2): an M-SEARCH for root
// devices. It carries the multicast HOST and an MX, as control points send
// it; devices answer it sent by unicast too. Replies carry no identifier
// of the request, so the reply is recognised, not validated.
const ssdpSearch = "M-SEARCH * HTTP/1.1\r\n" +
	"HOST: 239.255.255.250:1900\r\n" +
	"MAN: \"ssdp:discover\"\r\n" +
	"MX: 1\r\n" +
	"ST: upnp:rootdevice\r\n" +
	"\r\n"

func buildSSDP(dst []byte, _ uint32) []byte { return append(dst, ssdpSearch...) }

func recognizeSSDP(reply []byte, _ uint32) (Match, bool) {
	if !bytes.HasPrefix(reply, []byte("HTTP/1.")) || len(reply) < 12 || string(reply[8:12]) != " 200" {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "upnp"}}
	eachHeader(reply, func(name, value []byte) bool {
		switch {
		case bytes.EqualFold(name, []byte("SERVER")):
			s := clean(value, maxText)
			m.add("server", s)
			upnpServer(&m.Service, s)
		case bytes.EqualFold(name, []byte("LOCATION")):
			m.add("location", clean(value, maxText))
		case bytes.EqualFold(name, []byte("USN")):
			m.add("usn", clean(value, maxText))
		}
		return true
	})
	return m, true
}

// upnpServer reads a UPnP SERVER header: "OS/version UPnP/2.0
// product/version" (section 1.3.3), as in "Linux/5.10 UPnP/1.0
// MiniUPnPd/2.3.3". Devices often put commas between the tokens and
// spaces inside them.
func upnpServer(s *result.Service, v string) {
	i := strings.Index(v, "UPnP/")
	if i < 0 {
		s.Product, s.Version = splitProduct(v)
		return
	}
	osPart := strings.Trim(v[:i], " ,")
	rest := v[i+len("UPnP/"):]
	upnpVer, prod, _ := strings.Cut(rest, " ")
	upnpVer = strings.TrimRight(upnpVer, ",")
	prod = strings.Trim(prod, " ,")
	if prod != "" {
		s.Product, s.Version = splitProduct(prod)
	}
	var extra []string
	if osPart != "" {
		name, ver := splitProduct(osPart)
		extra = append(extra, strings.TrimSpace(name+" "+ver))
		switch strings.ToLower(name) {
		case "linux":
			s.OSType = "Linux"
		case "windows":
			s.OSType = "Windows"
		}
	}
	extra = append(extra, "UPnP "+upnpVer)
	s.ExtraInfo = strings.Join(extra, "; ")
	if strings.EqualFold(s.Product, "MiniUPnPd") {
		s.Product = "MiniUPnP"
		s.CPE = append(s.CPE, cpe("miniupnp_project", "miniupnpd", s.Version))
	}
}

// SIP (RFC 3261): an OPTIONS request, which every SIP element must answer
// (section 11), even with an error, and whose answer names the software in
// its Server or User-Agent header. The Via header carries "rport" (RFC
// 3581), so the answer comes back to the probe's source port, and a
// sent-by in the reserved .invalid domain (RFC 6761), so the server answers
// the packet's source address. The branch, From tag and Call-ID carry the
// cookie; responses copy the Call-ID (section 8.2.6.2), which is checked.

const sipDomain = "picket.invalid"

func buildSIP(dst []byte, cookie uint32) []byte {
	dst = append(dst, "OPTIONS sip:nobody@"+sipDomain+" SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP "+sipDomain+":5060;branch=z9hG4bK"...)
	dst = appendHex32(dst, cookie)
	dst = append(dst, ";rport\r\nMax-Forwards: 70\r\n"+
		"From: <sip:picket@"+sipDomain+">;tag="...)
	dst = appendHex32(dst, cookie)
	dst = append(dst, "\r\nTo: <sip:nobody@"+sipDomain+">\r\n"+
		"Call-ID: "...)
	dst = appendHex32(dst, cookie)
	return append(dst, "@"+sipDomain+"\r\n"+
		"CSeq: 1 OPTIONS\r\n"+
		"Contact: <sip:picket@"+sipDomain+">\r\n"+
		"Accept: application/sdp\r\n"+
		"Content-Length: 0\r\n"+
		"\r\n"...)
}

func recognizeSIP(reply []byte, cookie uint32) (Match, bool) {
	if !bytes.HasPrefix(reply, []byte("SIP/2.0 ")) {
		return Match{}, false
	}
	var want [8 + 1 + len(sipDomain)]byte
	appendHex32(want[:0], cookie)
	want[8] = '@'
	copy(want[9:], sipDomain)
	callID := false
	eachHeader(reply, func(name, value []byte) bool {
		if bytes.EqualFold(name, []byte("Call-ID")) || bytes.EqualFold(name, []byte("i")) {
			callID = string(value) == string(want[:])
			return false
		}
		return true
	})
	if !callID {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "sip"}}
	line, _, _ := bytes.Cut(reply, []byte("\n"))
	m.add("status", clean(bytes.TrimPrefix(line, []byte("SIP/2.0 ")), 64))
	var server, agent string
	eachHeader(reply, func(name, value []byte) bool {
		switch {
		case bytes.EqualFold(name, []byte("Server")):
			server = clean(value, maxText)
		case bytes.EqualFold(name, []byte("User-Agent")):
			agent = clean(value, maxText)
		case bytes.EqualFold(name, []byte("Allow")):
			m.add("allow", clean(value, maxText))
		}
		return true
	})
	if server == "" {
		server = agent
	}
	if server != "" {
		m.add("server", server)
		m.Service.Product, m.Service.Version = splitProduct(server)
	}
	return m, true
}
