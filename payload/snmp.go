package payload

import (
	"encoding/binary"
	"net/netip"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// SNMP. Version 1 (RFC 1157) and 2c (RFC 1901, PDUs of RFC 3416): a
// GetRequest for sysDescr.0 with the community "public", the default of
// most agents. An agent answers only when it knows the community, and then
// says what it runs on. Version 3 (RFC 3412, RFC 3414 section 4): the
// engine id discovery every SNMPv3 manager starts with, which an agent
// answers whatever its users, with a Report that names its engine (and so
// often its vendor), boots and uptime. The request-id and the SNMPv3 msgID
// carry 30 bits of the cookie.

// sysDescrOID is 1.3.6.1.2.1.1.1.0, encoded (X.690 section 8.19: the first
// two arcs are 1*40+3 = 0x2b).
var sysDescrOID = []byte{0x2b, 6, 1, 2, 1, 1, 1, 0}

const (
	snmpV1  = 0
	snmpV2c = 1
	snmpV3  = 3
)

func buildSNMPCommunity(version byte) func([]byte, uint32) []byte {
	return func(dst []byte, cookie uint32) []byte {
		dst = append(dst,
			berSequence, 41,
			berInteger, 1, version,
			berOctetString, 6, 'p', 'u', 'b', 'l', 'i', 'c',
			berGetRequest, 28)
		dst = appendBERInt32(dst, cookie) // request-id
		return append(dst,
			berInteger, 1, 0, // error-status
			berInteger, 1, 0, // error-index
			berSequence, 14, // variable-bindings
			berSequence, 12,
			berOID, 8, 0x2b, 6, 1, 2, 1, 1, 1, 0,
			berNull, 0)
	}
}

func recognizeSNMPCommunity(version byte) func([]byte, uint32) (Match, bool) {
	return func(reply []byte, cookie uint32) (Match, bool) {
		msg, _, ok := berExpect(reply, berSequence)
		if !ok {
			return Match{}, false
		}
		ver, msg, ok := berReadInt(msg)
		if !ok || ver != int64(version) {
			return Match{}, false
		}
		community, msg, ok := berExpect(msg, berOctetString)
		if !ok {
			return Match{}, false
		}
		pdu, _, ok := berExpect(msg, berGetResponse)
		if !ok {
			return Match{}, false
		}
		id, pdu, ok := berReadInt(pdu)
		if !ok || id != snmpID(cookie) {
			return Match{}, false
		}
		m := Match{Service: result.Service{Name: "snmp", ExtraInfo: clean(community, 32)}}
		m.Service.Product = "SNMPv1 server"
		if version == snmpV2c {
			m.Service.Product = "SNMPv2c server"
		}
		status, pdu, ok := berReadInt(pdu)
		if !ok {
			return m, true
		}
		if status != 0 {
			m.add("error-status", snmpErrorName(status))
		}
		if _, pdu, ok = berReadInt(pdu); !ok { // error-index
			return m, true
		}
		list, _, ok := berExpect(pdu, berSequence)
		if !ok {
			return m, true
		}
		vb, _, ok := berExpect(list, berSequence)
		if !ok {
			return m, true
		}
		oid, vb, ok := berExpect(vb, berOID)
		if !ok || string(oid) != string(sysDescrOID) {
			return m, true
		}
		tag, val, _, ok := berNext(vb)
		switch {
		case !ok:
		case tag == berOctetString:
			d := clean(val, maxText)
			m.add("sysDescr", d)
			sysDescrOS(&m.Service, d)
		case tag >= 0x80 && tag <= 0x82: // SNMPv2 exceptions, RFC 3416
			m.add("sysDescr", [...]string{"noSuchObject", "noSuchInstance", "endOfMibView"}[tag-0x80])
		}
		return m, true
	}
}

var snmpErrors = [...]string{"noError", "tooBig", "noSuchName", "badValue", "readOnly", "genErr",
	"noAccess", "wrongType", "wrongLength", "wrongEncoding", "wrongValue", "noCreation",
	"inconsistentValue", "resourceUnavailable", "commitFailed", "undoFailed", "authorizationError",
	"notWritable", "inconsistentName"}

func snmpErrorName(v int64) string {
	if v >= 0 && v < int64(len(snmpErrors)) {
		return snmpErrors[v]
	}
	return itoa(int(v))
}

// sysDescrOS reads the operating system from a sysDescr, and the host name
// where it is uname output ("Linux web1 6.1.0-18-amd64 #1 SMP ...").
func sysDescrOS(s *result.Service, d string) {
	f := strings.Fields(d)
	switch {
	case len(f) >= 3 && (f[0] == "Linux" || f[0] == "FreeBSD" || f[0] == "NetBSD" || f[0] == "OpenBSD" || f[0] == "SunOS"):
		s.OSType, s.Hostname = f[0], f[1]
		if f[0] == "SunOS" {
			s.OSType = "Solaris"
		}
	case strings.Contains(d, "Software: Windows"):
		s.OSType = "Windows"
	case strings.Contains(d, "Cisco IOS"):
		s.OSType = "IOS"
	case strings.Contains(d, "Cisco NX-OS"):
		s.OSType = "NX-OS"
	case strings.Contains(d, "JUNOS"):
		s.OSType = "JUNOS"
	case strings.HasPrefix(d, "RouterOS"):
		s.OSType = "RouterOS"
	}
}

// buildSNMPv3 builds the discovery request of RFC 3414 section 4:
// noAuthNoPriv with the reportable flag, a UsmSecurityParameters with every
// field empty or zero, and an empty GetRequest.
func buildSNMPv3(dst []byte, cookie uint32) []byte {
	dst = append(dst,
		berSequence, 62,
		berInteger, 1, snmpV3,
		berSequence, 17) // msgGlobalData
	dst = appendBERInt32(dst, cookie) // msgID
	dst = append(dst,
		berInteger, 3, 0x00, 0xff, 0xe3, // msgMaxSize 65507
		berOctetString, 1, 0x04, // msgFlags: reportable, noAuthNoPriv
		berInteger, 1, 3, // msgSecurityModel: USM
		berOctetString, 16, // msgSecurityParameters
		berSequence, 14,
		berOctetString, 0, // msgAuthoritativeEngineID
		berInteger, 1, 0, // msgAuthoritativeEngineBoots
		berInteger, 1, 0, // msgAuthoritativeEngineTime
		berOctetString, 0, // msgUserName
		berOctetString, 0, // msgAuthenticationParameters
		berOctetString, 0, // msgPrivacyParameters
		berSequence, 20, // ScopedPDU
		berOctetString, 0, // contextEngineID
		berOctetString, 0, // contextName
		berGetRequest, 14)
	dst = appendBERInt32(dst, cookie) // request-id
	return append(dst,
		berInteger, 1, 0,
		berInteger, 1, 0,
		berSequence, 0)
}

// usmStatsPrefix is 1.3.6.1.6.3.15.1.1: the usmStats counters a Report
// names (RFC 3414 section 5).
var usmStatsPrefix = []byte{0x2b, 6, 1, 6, 3, 15, 1, 1}

var usmStats = [...]string{1: "usmStatsUnsupportedSecLevels", 2: "usmStatsNotInTimeWindows",
	3: "usmStatsUnknownUserNames", 4: "usmStatsUnknownEngineIDs", 5: "usmStatsWrongDigests",
	6: "usmStatsDecryptionErrors"}

func recognizeSNMPv3(reply []byte, cookie uint32) (Match, bool) {
	msg, _, ok := berExpect(reply, berSequence)
	if !ok {
		return Match{}, false
	}
	ver, msg, ok := berReadInt(msg)
	if !ok || ver != snmpV3 {
		return Match{}, false
	}
	global, msg, ok := berExpect(msg, berSequence)
	if !ok {
		return Match{}, false
	}
	if id, _, ok := berReadInt(global); !ok || id != snmpID(cookie) {
		return Match{}, false
	}
	secParams, msg, ok := berExpect(msg, berOctetString)
	if !ok {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "snmp", ExtraInfo: "SNMPv3 server"}}
	if usm, _, ok := berExpect(secParams, berSequence); ok {
		engineID, usm, ok := berExpect(usm, berOctetString)
		if ok {
			snmpEngine(&m, engineID)
		}
		boots, usm, ok2 := berReadInt(usm)
		if ok && ok2 {
			m.add("engine boots", itoa(int(boots)))
			if t, _, ok := berReadInt(usm); ok {
				m.add("engine time", itoa(int(t))+"s")
			}
		}
	}
	// A plaintext ScopedPDU must hold a Report or a Response: a request
	// is not an answer (it may be our own probe, reflected).
	if tag, _, _, ok := berNext(msg); !ok || (tag != berSequence && tag != berOctetString) {
		return Match{}, false
	}
	if scoped, _, ok := berExpect(msg, berSequence); ok {
		_, scoped, ok1 := berExpect(scoped, berOctetString)
		_, scoped, ok2 := berExpect(scoped, berOctetString)
		tag, pdu, _, ok3 := berNext(scoped)
		if !ok1 || !ok2 || !ok3 || (tag != berReport && tag != berGetResponse) {
			return Match{}, false
		}
		if tag == berReport {
			_, pdu, ok1 = berReadInt(pdu)
			_, pdu, ok2 = berReadInt(pdu)
			_, pdu, ok3 = berReadInt(pdu)
			list, _, ok4 := berExpect(pdu, berSequence)
			vb, _, ok5 := berExpect(list, berSequence)
			oid, _, ok6 := berExpect(vb, berOID)
			if ok1 && ok2 && ok3 && ok4 && ok5 && ok6 && len(oid) == len(usmStatsPrefix)+2 &&
				string(oid[:len(usmStatsPrefix)]) == string(usmStatsPrefix) {
				if n := int(oid[len(usmStatsPrefix)]); n < len(usmStats) && usmStats[n] != "" {
					m.add("report", usmStats[n])
				}
			}
		}
	}
	return m, true
}

// snmpEnterprises are the IANA private enterprise numbers of common SNMP
// agents' vendors, for SnmpEngineID (RFC 3411).
var snmpEnterprises = map[uint32]string{
	2: "IBM", 9: "Cisco", 11: "Hewlett-Packard", 43: "3Com", 171: "D-Link", 311: "Microsoft",
	318: "APC", 674: "Dell", 1916: "Extreme Networks", 1991: "Foundry Networks", 2011: "Huawei",
	2021: "UC Davis (ucd-snmp)", 2636: "Juniper Networks", 3375: "F5 Networks", 4526: "Netgear",
	6527: "Alcatel-Lucent", 6876: "VMware", 8072: "net-snmp", 12356: "Fortinet", 14988: "MikroTik",
	25461: "Palo Alto Networks", 25506: "H3C", 30065: "Arista Networks", 41112: "Ubiquiti",
}

// snmpEngine decodes an SnmpEngineID (RFC 3411 section 5): an enterprise
// number, and in the RFC 3411 format (high bit set) a format byte saying
// what follows: an IPv4 or IPv6 address, a MAC address, text or octets.
func snmpEngine(m *Match, id []byte) {
	if len(id) == 0 || len(id) > 32 {
		return
	}
	m.add("engine id", hexString(id))
	if len(id) < 5 {
		return
	}
	ent := binary.BigEndian.Uint32(id) & 0x7fffffff
	vendor := snmpEnterprises[ent]
	name := itoa(int(ent))
	if vendor != "" {
		name += " (" + vendor + ")"
	}
	m.add("enterprise", name)
	switch {
	case ent == 8072:
		m.Service.Product = "net-snmp"
		m.Service.CPE = append(m.Service.CPE, cpe("net-snmp", "net-snmp", ""))
	case vendor != "" && ent != 2021:
		m.Service.Product = vendor + " SNMP service"
	}
	if id[0]&0x80 == 0 {
		return // the SNMPv1-era format: 8 octets the vendor defines
	}
	data := id[5:]
	switch id[4] {
	case 1:
		if a, ok := netip.AddrFromSlice(data); ok && len(data) == 4 {
			m.add("engine address", a.String())
		}
	case 2:
		if a, ok := netip.AddrFromSlice(data); ok && len(data) == 16 {
			m.add("engine address", a.String())
		}
	case 3:
		if len(data) == 6 {
			m.add("engine MAC", macString(data))
		}
	case 4:
		m.add("engine text", clean(data, 27))
	}
}
