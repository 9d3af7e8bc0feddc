package payload

import (
	"encoding/binary"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// DNS (RFC 1035). The probe asks the server's own version, the TXT record
// version.bind in class CHAOS, which BIND, dnsmasq, Unbound, Knot, NSD and
// PowerDNS answer unless told not to. Any DNS server answers something,
// even REFUSED, so the port is found open either way. The message id
// carries 16 bits of the cookie, and the question, which servers echo, is
// checked too.

const (
	dnsTypeA     = 1
	dnsTypePTR   = 12
	dnsTypeTXT   = 16
	dnsTypeAAAA  = 28
	dnsClassIN   = 1
	dnsClassCH   = 3
	dnsHeaderLen = 12
	// dnsMaxName is the longest name in presentation form (RFC 1035
	// section 2.3.4 allows 255 octets on the wire).
	dnsMaxName = 255
)

var (
	versionBindName = []byte("\x07version\x04bind\x00")
	servicesName    = []byte("\x09_services\x07_dns-sd\x04_udp\x05local\x00")
)

// appendDNSQuery appends a query with one question and no recursion
// desired: the server is asked about itself, not to recurse.
func appendDNSQuery(dst []byte, id uint16, name []byte, qtype, qclass uint16) []byte {
	dst = binary.BigEndian.AppendUint16(dst, id)
	dst = append(dst, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) // flags 0: standard query; QDCOUNT 1
	dst = append(dst, name...)
	dst = binary.BigEndian.AppendUint16(dst, qtype)
	return binary.BigEndian.AppendUint16(dst, qclass)
}

func buildDNSVersion(dst []byte, cookie uint32) []byte {
	return appendDNSQuery(dst, id16(cookie), versionBindName, dnsTypeTXT, dnsClassCH)
}

type dnsHeader struct {
	id, flags, qd, an, ns, ar uint16
}

// dnsResponse reads the header of a reply to a query with id: a response
// (QR set) to a standard query (opcode 0).
func dnsResponse(msg []byte, id uint16) (dnsHeader, bool) {
	if len(msg) < dnsHeaderLen {
		return dnsHeader{}, false
	}
	h := dnsHeader{
		id:    binary.BigEndian.Uint16(msg[0:]),
		flags: binary.BigEndian.Uint16(msg[2:]),
		qd:    binary.BigEndian.Uint16(msg[4:]),
		an:    binary.BigEndian.Uint16(msg[6:]),
		ns:    binary.BigEndian.Uint16(msg[8:]),
		ar:    binary.BigEndian.Uint16(msg[10:]),
	}
	return h, h.id == id && h.flags&0x8000 != 0 && h.flags>>11&0xf == 0
}

// dnsName reads the name at off in msg into buf as lower-case dotted text
// ("version.bind"; the root is empty). It returns the name, the offset
// just past the name where it starts (past the first compression pointer),
// and false for a malformed name. A compression pointer must point before
// the start of the labels it continues, so offsets strictly decrease and
// every input ends: no loop, however the pointers are crafted.
func dnsName(msg []byte, off int, buf []byte) ([]byte, int, bool) {
	name := buf[:0]
	next, limit := -1, off
	for {
		if off >= len(msg) {
			return nil, 0, false
		}
		c := int(msg[off])
		switch c & 0xc0 {
		case 0x00:
			if c == 0 {
				if next < 0 {
					next = off + 1
				}
				return name, next, true
			}
			if off+1+c > len(msg) || len(name)+1+c > dnsMaxName || len(name)+1+c > cap(buf) {
				return nil, 0, false
			}
			if len(name) > 0 {
				name = append(name, '.')
			}
			for _, ch := range msg[off+1 : off+1+c] {
				if 'A' <= ch && ch <= 'Z' {
					ch += 'a' - 'A'
				}
				name = append(name, ch)
			}
			off += 1 + c
		case 0xc0:
			if off+1 >= len(msg) {
				return nil, 0, false
			}
			ptr := (c&0x3f)<<8 | int(msg[off+1])
			if next < 0 {
				next = off + 2
			}
			if ptr >= limit {
				return nil, 0, false
			}
			off, limit = ptr, ptr
		default: // 0x40 and 0x80: extended label types, obsolete
			return nil, 0, false
		}
	}
}

// dnsRR is a resource record; name and data are views.
type dnsRR struct {
	name       []byte
	typ, class uint16
	data       []byte
	dataOff    int // offset of data in the message, for names inside it
}

func readRR(msg []byte, off int, buf []byte) (dnsRR, int, bool) {
	name, off, ok := dnsName(msg, off, buf)
	if !ok || off+10 > len(msg) {
		return dnsRR{}, 0, false
	}
	r := dnsRR{
		name:  name,
		typ:   binary.BigEndian.Uint16(msg[off:]),
		class: binary.BigEndian.Uint16(msg[off+2:]) & 0x7fff, // mDNS cache-flush bit
	}
	n := int(binary.BigEndian.Uint16(msg[off+8:]))
	off += 10
	if off+n > len(msg) {
		return dnsRR{}, 0, false
	}
	r.data, r.dataOff = msg[off:off+n], off
	return r, off + n, true
}

// skipQuestion reads the question at off and reports whether its name is
// want (lower-case dotted).
func skipQuestion(msg []byte, off int, want string) (int, bool, bool) {
	var buf [dnsMaxName]byte
	name, off, ok := dnsName(msg, off, buf[:])
	if !ok || off+4 > len(msg) {
		return 0, false, false
	}
	return off + 4, string(name) == want, true
}

// txtString joins the character-strings of TXT data.
func txtString(data []byte) string {
	var b []byte
	for len(data) > 0 {
		n := int(data[0])
		if 1+n > len(data) {
			break
		}
		b = append(b, data[1:1+n]...)
		data = data[1+n:]
	}
	return clean(b, maxText)
}

var rcodeNames = [...]string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}

func rcodeName(rc uint16) string {
	if int(rc) < len(rcodeNames) {
		return rcodeNames[rc]
	}
	return itoa(int(rc))
}

func recognizeDNSVersion(reply []byte, cookie uint32) (Match, bool) {
	h, ok := dnsResponse(reply, id16(cookie))
	if !ok {
		return Match{}, false
	}
	off := dnsHeaderLen
	if h.qd > 0 {
		var same bool
		off, same, ok = skipQuestion(reply, off, "version.bind")
		if !ok || !same {
			return Match{}, false
		}
		for range h.qd - 1 {
			if off, _, ok = skipQuestion(reply, off, ""); !ok {
				break
			}
		}
	}
	m := Match{Service: result.Service{Name: "domain"}}
	if rc := h.flags & 0xf; rc != 0 {
		m.add("rcode", rcodeName(rc))
	}
	var buf [dnsMaxName]byte
	for range h.an {
		if !ok {
			break
		}
		var r dnsRR
		if r, off, ok = readRR(reply, off, buf[:]); ok && r.typ == dnsTypeTXT && string(r.name) == "version.bind" {
			s := txtString(r.data)
			m.add("version.bind", s)
			dnsProduct(&m.Service, s)
			break
		}
	}
	return m, true
}

// dnsProducts maps the version.bind answers of DNS servers to Nmap's
// product names. Answers that match none (administrators often set the
// string to something else) stay in the Details only.
var dnsProducts = []struct {
	prefix, product, vendor, cpeProduct string
}{
	{"dnsmasq-", "dnsmasq", "thekelleys", "dnsmasq"},
	{"unbound ", "Unbound", "nlnetlabs", "unbound"},
	{"PowerDNS Authoritative Server ", "PowerDNS Authoritative Server", "powerdns", "authoritative"},
	{"PowerDNS Recursor ", "PowerDNS Recursor", "powerdns", "recursor"},
	{"Knot DNS ", "cz.nic Knot DNS", "nic", "knot_dns"},
	{"Knot Resolver ", "Knot Resolver", "nic", "knot_resolver"},
	{"NSD ", "NLnet Labs NSD", "nlnetlabs", "nsd"},
	{"Microsoft DNS ", "Microsoft DNS", "microsoft", "dns"},
	{"CoreDNS-", "CoreDNS", "coredns", "coredns"},
}

func dnsProduct(s *result.Service, v string) {
	for _, p := range dnsProducts {
		rest, ok := strings.CutPrefix(v, p.prefix)
		if !ok {
			continue
		}
		ver, _, _ := strings.Cut(rest, " ")
		if !isVersion(ver) {
			return
		}
		s.Product, s.Version = p.product, ver
		s.CPE = append(s.CPE, cpe(p.vendor, p.cpeProduct, ver))
		if p.vendor == "microsoft" {
			s.OSType = "Windows"
		}
		return
	}
	// BIND answers its bare version: "9.18.28-1~deb12u2-Debian",
	// "9.11.36-RedHat-9.11.36-16.el8_10.2", "9.16.1-Ubuntu".
	ver, _, _ := strings.Cut(v, " ")
	if len(ver) < 5 || (ver[0] != '9' && ver[0] != '8') || ver[1] != '.' {
		return
	}
	num := ver
	if i := strings.IndexFunc(ver, func(r rune) bool { return (r < '0' || r > '9') && r != '.' }); i >= 0 {
		num = ver[:i]
	}
	if strings.Count(num, ".") != 2 || strings.HasSuffix(num, ".") {
		return
	}
	s.Product, s.Version = "ISC BIND", ver
	s.CPE = append(s.CPE, cpe("isc", "bind", num))
	// The distribution's tag is reported as extra information, not as
	// part of the version ("9.18.28-1~deb12u2" of
	// "9.18.28-1~deb12u2-Debian"), as Nmap and service/dns over TCP do.
	for _, d := range []struct{ marker, extra string }{
		{"-Debian", "Debian Linux"}, {"-Ubuntu", "Ubuntu Linux"}, {"-RedHat", "Red Hat Enterprise Linux"},
	} {
		if i := strings.Index(ver, d.marker); i > 0 {
			s.Version, s.ExtraInfo, s.OSType = ver[:i], d.extra, "Linux"
			break
		}
	}
}

// mDNS (RFC 6762) and DNS-SD (RFC 6763). The probe asks for the service
// types a host advertises. Sent from a port other than 5353 it is a
// "legacy unicast" query (RFC 6762 section 6.7): the responder answers to
// the source port, echoing the query id and the question.

func buildMDNS(dst []byte, cookie uint32) []byte {
	return appendDNSQuery(dst, id16(cookie), servicesName, dnsTypePTR, dnsClassIN)
}

const servicesDotted = "_services._dns-sd._udp.local"

func recognizeMDNS(reply []byte, cookie uint32) (Match, bool) {
	h, ok := dnsResponse(reply, id16(cookie))
	if !ok {
		return Match{}, false
	}
	off := dnsHeaderLen
	for i := range h.qd {
		var same bool
		if off, same, ok = skipQuestion(reply, off, servicesDotted); !ok || (i == 0 && !same) {
			return Match{}, false
		}
	}
	m := Match{Service: result.Service{Name: "mdns", Product: "DNS-based service discovery"}}
	var services []string
	var buf, target [dnsMaxName]byte
	for range int(h.an) + int(h.ns) + int(h.ar) {
		var r dnsRR
		if r, off, ok = readRR(reply, off, buf[:]); !ok {
			break
		}
		switch {
		case r.typ == dnsTypePTR && string(r.name) == servicesDotted && len(services) < 32:
			if t, _, ok := dnsName(reply, r.dataOff, target[:]); ok {
				services = append(services, clean([]byte(strings.TrimSuffix(string(t), ".local")), 64))
			}
		case (r.typ == dnsTypeA || r.typ == dnsTypeAAAA) && m.Service.Hostname == "":
			m.Service.Hostname = clean([]byte(strings.TrimSuffix(string(r.name), ".local")), 64)
		}
	}
	m.add("services", strings.Join(services, ", "))
	return m, true
}
