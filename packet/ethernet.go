package packet

import "encoding/binary"

// LinkType says what precedes the IP header in a frame. The zero value is
// Ethernet, the link of an AF_PACKET SOCK_RAW socket on an Ethernet or
// loopback interface.
type LinkType uint8

// Link types.
const (
	// LinkEthernet frames start with an Ethernet II header.
	LinkEthernet LinkType = iota
	// LinkRaw frames start with the IP header, version 4 or 6 told by its
	// first nibble: an AF_PACKET SOCK_DGRAM socket, a tun device.
	LinkRaw
)

func (l LinkType) String() string {
	switch l {
	case LinkEthernet:
		return "ethernet"
	case LinkRaw:
		return "raw"
	}
	return "unknown"
}

// MAC is an Ethernet address. It is a value, so unlike a net.HardwareAddr it
// costs no allocation to copy out of a frame.
type MAC [6]byte

// BroadcastMAC is the Ethernet broadcast address.
var BroadcastMAC = MAC{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}

// String returns the address in the usual form, 02:00:5e:10:00:00.
func (m MAC) String() string {
	const hex = "0123456789abcdef"
	b := make([]byte, 0, 17)
	for i, v := range m {
		if i > 0 {
			b = append(b, ':')
		}
		b = append(b, hex[v>>4], hex[v&0xf])
	}
	return string(b)
}

// EtherType is the protocol type of an Ethernet frame or VLAN tag.
type EtherType uint16

// EtherTypes this package knows.
const (
	EtherTypeIPv4 EtherType = 0x0800
	EtherTypeARP  EtherType = 0x0806
	EtherTypeVLAN EtherType = 0x8100 // 802.1Q
	EtherTypeQinQ EtherType = 0x88a8 // 802.1ad service tag
	EtherTypeIPv6 EtherType = 0x86dd

	// etherTypeQinQOld is the pre-standard service tag some switches still send.
	etherTypeQinQOld EtherType = 0x9100
)

// MaxVLANTags is how many stacked VLAN tags Decode skips: 802.1ad over
// 802.1Q. A frame with more is reported as unsupported.
const MaxVLANTags = 2

// VLANTag is one 802.1Q or 802.1ad tag.
type VLANTag struct {
	TPID EtherType // EtherTypeVLAN or EtherTypeQinQ
	TCI  uint16    // priority (3 bits), drop eligible (1), VLAN ID (12)
}

// ID returns the VLAN identifier.
func (t VLANTag) ID() uint16 { return t.TCI & 0x0fff }

// Ethernet is an Ethernet II header with its VLAN tags. It is a plain value,
// not safe for concurrent mutation.
type Ethernet struct {
	Dst, Src MAC
	Tags     [MaxVLANTags]VLANTag // the first NumTags are present, outermost first
	NumTags  uint8
	Type     EtherType // of the payload, after the tags
}

// Len returns the length of the encoded header.
func (e *Ethernet) Len() int { return 14 + 4*int(min(e.NumTags, MaxVLANTags)) }

// Decode reads the header from b and returns the payload that follows it.
// A frame's trailing padding stays in the payload; the IP layer trims it.
func (e *Ethernet) Decode(b []byte) ([]byte, error) {
	*e = Ethernet{}
	if len(b) < 14 {
		return nil, errEthernet.truncated
	}
	copy(e.Dst[:], b[0:6])
	copy(e.Src[:], b[6:12])
	t := EtherType(binary.BigEndian.Uint16(b[12:14]))
	b = b[14:]
	for t == EtherTypeVLAN || t == EtherTypeQinQ || t == etherTypeQinQOld {
		if e.NumTags == MaxVLANTags {
			return nil, errEthernet.unsupported
		}
		if len(b) < 4 {
			return nil, errEthernet.truncated
		}
		e.Tags[e.NumTags] = VLANTag{TPID: t, TCI: binary.BigEndian.Uint16(b[0:2])}
		e.NumTags++
		t = EtherType(binary.BigEndian.Uint16(b[2:4]))
		b = b[4:]
	}
	e.Type = t
	return b, nil
}

// AppendTo appends the encoded header to b.
func (e *Ethernet) AppendTo(b []byte) []byte {
	b = append(b, e.Dst[:]...)
	b = append(b, e.Src[:]...)
	for _, t := range e.Tags[:min(e.NumTags, MaxVLANTags)] {
		b = binary.BigEndian.AppendUint16(b, uint16(t.TPID))
		b = binary.BigEndian.AppendUint16(b, t.TCI)
	}
	return binary.BigEndian.AppendUint16(b, uint16(e.Type))
}
