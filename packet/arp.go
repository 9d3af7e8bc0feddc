package packet

import (
	"encoding/binary"
	"net/netip"
)

// ARP operations.
const (
	ARPRequest = 1
	ARPReply   = 2
)

// ARP is an ARP message for IPv4 over Ethernet (RFC 826), the only kind a
// scanner sends or needs to read. It is a plain value, not safe for
// concurrent mutation.
type ARP struct {
	Op        uint16 // ARPRequest or ARPReply
	SenderMAC MAC
	SenderIP  netip.Addr
	TargetMAC MAC
	TargetIP  netip.Addr
}

// arpLen is the length of an Ethernet/IPv4 ARP message.
const arpLen = 28

// Decode reads an ARP message from b. Messages for other hardware or
// protocol types are unsupported.
func (a *ARP) Decode(b []byte) error {
	*a = ARP{}
	if len(b) < 8 {
		return errARP.truncated
	}
	if binary.BigEndian.Uint16(b[0:2]) != 1 || binary.BigEndian.Uint16(b[2:4]) != uint16(EtherTypeIPv4) ||
		b[4] != 6 || b[5] != 4 {
		return errARP.unsupported
	}
	if len(b) < arpLen {
		return errARP.truncated
	}
	a.Op = binary.BigEndian.Uint16(b[6:8])
	copy(a.SenderMAC[:], b[8:14])
	a.SenderIP = netip.AddrFrom4([4]byte(b[14:18]))
	copy(a.TargetMAC[:], b[18:24])
	a.TargetIP = netip.AddrFrom4([4]byte(b[24:28]))
	return nil
}

// AppendTo appends the encoded message to b. An address that is not IPv4 is
// written as 0.0.0.0.
func (a *ARP) AppendTo(b []byte) []byte {
	b = append(b, 0, 1, 0x08, 0x00, 6, 4)
	b = binary.BigEndian.AppendUint16(b, a.Op)
	b = append(b, a.SenderMAC[:]...)
	b = append4(b, a.SenderIP)
	b = append(b, a.TargetMAC[:]...)
	return append4(b, a.TargetIP)
}

// append4 appends an IPv4 address, or zeros for any other, since As4 would
// panic on those.
func append4(b []byte, a netip.Addr) []byte {
	if a.Is4() || a.Is4In6() {
		v := a.As4()
		return append(b, v[:]...)
	}
	return append(b, 0, 0, 0, 0)
}

// append16 appends an IPv6 address, or zeros for the zero Addr.
func append16(b []byte, a netip.Addr) []byte {
	if !a.IsValid() {
		var z [16]byte
		return append(b, z[:]...)
	}
	v := a.As16()
	return append(b, v[:]...)
}
