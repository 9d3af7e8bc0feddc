package payload

import (
	"bytes"
	"encoding/binary"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// NetBIOS name service (RFC 1002 sections 4.2.17 and 4.2.18): a node
// status request (NBSTAT) for the wildcard name "*", which Windows and
// Samba answer with the table of names the host holds and, from Windows,
// its MAC address. The transaction id carries 16 bits of the cookie.

// nbstatName is "*" padded with NULs to 16 bytes, first-level encoded
// (RFC 1001 section 14.1: each half-byte plus 'A'), as one 32-byte label.
var nbstatName = []byte("\x20CKAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\x00")

const (
	nbTypeNBSTAT = 0x21
	nbClassIN    = 1
)

func buildNBSTAT(dst []byte, cookie uint32) []byte {
	// Flags 0: a query, no broadcast; the node status request of 4.2.17.
	return appendDNSQuery(dst, id16(cookie), nbstatName, nbTypeNBSTAT, nbClassIN)
}

func recognizeNBSTAT(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < dnsHeaderLen || binary.BigEndian.Uint16(reply) != id16(cookie) ||
		reply[2]&0x80 == 0 || reply[2]>>3&0xf != 0 {
		return Match{}, false
	}
	qd := binary.BigEndian.Uint16(reply[4:])
	an := binary.BigEndian.Uint16(reply[6:])
	off := dnsHeaderLen
	var ok bool
	for range qd {
		if off, _, ok = skipQuestion(reply, off, ""); !ok {
			return Match{}, false
		}
	}
	m := Match{Service: result.Service{Name: "netbios-ns"}}
	var buf [dnsMaxName]byte
	for range an {
		var r dnsRR
		if r, off, ok = readRR(reply, off, buf[:]); !ok {
			break
		}
		if r.typ == nbTypeNBSTAT {
			nodeStatus(&m, r.data)
			break
		}
	}
	return m, true
}

// nodeStatus reads NODE_STATUS RDATA: a count, 18 bytes per name (15
// characters space-padded, a suffix byte, 2 bytes of flags), then the
// statistics, whose first 6 bytes are the unit id, the MAC address.
func nodeStatus(m *Match, d []byte) {
	if len(d) < 1 {
		return
	}
	n := int(d[0])
	d = d[1:]
	var names []string
	var host string
	for i := 0; i < n && len(d) >= 18; i++ {
		raw, suffix := d[:15], d[15]
		group := binary.BigEndian.Uint16(d[16:])&0x8000 != 0
		d = d[18:]
		name := clean(bytes.TrimRight(raw, " \x00"), 15)
		kind := "unique"
		if group {
			kind = "group"
		}
		if len(names) < 32 {
			names = append(names, name+"<"+hexString([]byte{suffix})+"> "+kind)
		}
		switch {
		case suffix == 0x00 && !group && host == "":
			host = name // the computer name
		case suffix == 0x00 && group && m.Service.ExtraInfo == "" && name != "":
			m.Service.ExtraInfo = "workgroup: " + name
		}
	}
	m.Service.Hostname = host
	m.add("names", strings.Join(names, ", "))
	if len(d) >= 6 {
		mac := d[:6]
		m.add("MAC", macString(mac))
		if string(mac) == "\x00\x00\x00\x00\x00\x00" && n > 0 {
			// Samba's nmbd fills the unit id with zeros; Windows puts
			// the adapter's address there.
			m.Service.Product = "Samba nmbd netbios-ns"
			m.Service.CPE = append(m.Service.CPE, cpe("samba", "samba", ""))
		}
	}
}
