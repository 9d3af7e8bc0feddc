package payload

import (
	"encoding/binary"
	"net/netip"

	"github.com/picket-scanner/picket/result"
)

// STUN (RFC 8489): a Binding request with no attributes. A server answers
// with a Binding success response that tells the client its address as the
// server sees it, and often names its software. The 96-bit transaction id
// is derived from the cookie and echoed. Servers of the older RFC 3489
// echo the magic cookie as part of a 128-bit id, so they are recognised
// too.

const (
	stunHeaderLen    = 20
	stunMagic        = 0x2112a442
	stunBindingReq   = 0x0001
	stunBindingOK    = 0x0101
	stunBindingErr   = 0x0111
	stunMapped       = 0x0001
	stunErrorCode    = 0x0009
	stunXORMapped    = 0x0020
	stunSoftware     = 0x8022
	stunOldXORMapped = 0x8020 // before RFC 5389 was final
)

func buildSTUN(dst []byte, cookie uint32) []byte {
	dst = append(dst, 0, stunBindingReq, 0, 0) // type, length 0
	dst = binary.BigEndian.AppendUint32(dst, stunMagic)
	dst, id := grow(dst, 12)
	fill(id, cookie, labelSTUN)
	return dst
}

func recognizeSTUN(reply []byte, cookie uint32) (Match, bool) {
	if len(reply) < stunHeaderLen {
		return Match{}, false
	}
	typ := binary.BigEndian.Uint16(reply)
	n := int(binary.BigEndian.Uint16(reply[2:]))
	if (typ != stunBindingOK && typ != stunBindingErr) || n%4 != 0 || stunHeaderLen+n > len(reply) ||
		binary.BigEndian.Uint32(reply[4:]) != stunMagic || !matches(reply[8:20], cookie, labelSTUN) {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "stun"}}
	attrs := reply[stunHeaderLen : stunHeaderLen+n]
	for i := 0; len(attrs) >= 4 && i < 32; i++ {
		at := binary.BigEndian.Uint16(attrs)
		al := int(binary.BigEndian.Uint16(attrs[2:]))
		if 4+al > len(attrs) {
			break
		}
		v := attrs[4 : 4+al]
		attrs = attrs[min(len(attrs), 4+(al+3)&^3):]
		switch at {
		case stunSoftware:
			s := clean(v, 128)
			m.add("software", s)
			m.Service.Product, m.Service.Version = splitProduct(s)
		case stunXORMapped, stunOldXORMapped:
			m.add("mapped address", stunAddress(v, reply[4:20], true))
		case stunMapped:
			m.add("mapped address", stunAddress(v, nil, false))
		case stunErrorCode:
			if len(v) >= 4 {
				m.add("error", itoa(int(v[2]&7)*100+int(v[3]))+" "+clean(v[4:], 64))
			}
		}
	}
	return m, true
}

// stunAddress decodes a (XOR-)MAPPED-ADDRESS: family, port, address; the
// XOR form is masked with the magic cookie and the transaction id (RFC
// 8489 section 14.2).
func stunAddress(v, mask []byte, xor bool) string {
	if len(v) < 8 {
		return ""
	}
	port := binary.BigEndian.Uint16(v[2:])
	var ip [16]byte
	n := 4
	switch v[1] {
	case 1:
	case 2:
		n = 16
	default:
		return ""
	}
	if len(v) < 4+n {
		return ""
	}
	copy(ip[:n], v[4:4+n])
	if xor {
		port ^= stunMagic >> 16
		for i := range n {
			ip[i] ^= mask[i]
		}
	}
	a, _ := netip.AddrFromSlice(ip[:n])
	return netip.AddrPortFrom(a, port).String()
}
