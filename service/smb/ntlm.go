package smb

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"time"
)

// NTLMSSP negotiate flags (MS-NLMP 2.2.2.5) that the handshake uses.
const (
	ntlmUnicode        = 0x00000001
	ntlmOEM            = 0x00000002
	ntlmRequestTarget  = 0x00000004
	ntlmSign           = 0x00000010
	ntlmNTLM           = 0x00000200
	ntlmAlwaysSign     = 0x00008000
	ntlmExtendedSecure = 0x00080000
	ntlmTargetInfo     = 0x00800000
	ntlmVersion        = 0x02000000
	ntlm128            = 0x20000000
	ntlmKeyExchange    = 0x40000000
	ntlm56             = 0x80000000
)

var ntlmSignature = []byte("NTLMSSP\x00")

// ntlmNegotiateMessage is an NTLMSSP NEGOTIATE_MESSAGE that asks for the
// target's information and version, naming no domain or workstation.
func ntlmNegotiateMessage() []byte {
	const flags = ntlmUnicode | ntlmOEM | ntlmRequestTarget | ntlmSign | ntlmNTLM |
		ntlmAlwaysSign | ntlmExtendedSecure | ntlmTargetInfo | ntlmVersion |
		ntlm128 | ntlmKeyExchange | ntlm56
	b := append([]byte(nil), ntlmSignature...)
	b = binary.LittleEndian.AppendUint32(b, 1) // NEGOTIATE_MESSAGE
	b = binary.LittleEndian.AppendUint32(b, flags)
	// Empty domain and workstation fields, pointing past the header.
	for range 2 {
		b = binary.LittleEndian.AppendUint32(b, 0)
		b = binary.LittleEndian.AppendUint32(b, 40)
	}
	// The client's version, which servers only log: none given.
	return append(b, make([]byte, 8)...)
}

// Object identifiers of SPNEGO and of the mechanisms it names, DER
// content bytes.
var (
	oidSPNEGO  = []byte{0x2b, 0x06, 0x01, 0x05, 0x05, 0x02}
	oidNTLMSSP = []byte{0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x02, 0x02, 0x0a}

	mechanismNames = map[string]string{
		string(oidNTLMSSP):                         "NTLMSSP",
		"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02":     "Kerberos",
		"\x2a\x86\x48\x82\xf7\x12\x01\x02\x02":     "MS Kerberos",
		"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02\x03": "Kerberos user-to-user",
		"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x1e": "NEGOEX",
	}
)

// der appends a DER element with a definite length.
func der(b []byte, tag byte, content []byte) []byte {
	b = append(b, tag)
	switch n := len(content); {
	case n < 0x80:
		b = append(b, byte(n))
	case n < 0x100:
		b = append(b, 0x81, byte(n))
	default:
		b = append(b, 0x82, byte(n>>8), byte(n))
	}
	return append(b, content...)
}

// spnegoInit wraps an NTLMSSP token in an SPNEGO NegTokenInit offering
// NTLMSSP alone.
func spnegoInit(token []byte) []byte {
	mechTypes := der(nil, 0xa0, der(nil, 0x30, der(nil, 0x06, oidNTLMSSP)))
	mechToken := der(nil, 0xa2, der(nil, 0x04, token))
	init := der(nil, 0xa0, der(nil, 0x30, append(mechTypes, mechToken...)))
	return der(nil, 0x60, append(der(nil, 0x06, oidSPNEGO), init...))
}

// tlv splits the first DER element off b: its tag, content and what
// follows. Only single-byte tags and lengths of up to 4 bytes are read;
// ok is false for anything else or anything out of bounds.
func tlv(b []byte) (tag byte, content, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f {
		return 0, nil, nil, false
	}
	tag, n, off := b[0], int(b[1]), 2
	if n >= 0x80 {
		k := n & 0x7f
		if k == 0 || k > 4 || len(b) < 2+k {
			return 0, nil, nil, false
		}
		n = 0
		for _, c := range b[2 : 2+k] {
			n = n<<8 | int(c)
		}
		off += k
	}
	if n > len(b)-off {
		return 0, nil, nil, false
	}
	return tag, b[off : off+n], b[off+n:], true
}

// spnegoMechanisms returns the mechanisms an SPNEGO NegTokenInit (or
// NegTokenInit2, as servers send in the negotiate response) offers.
func spnegoMechanisms(blob []byte) []string {
	// [APPLICATION 0] { OID spnego, [0] { SEQUENCE { [0] { SEQUENCE OF OID } ... } } }
	tag, content, _, ok := tlv(blob)
	if !ok || tag != 0x60 {
		return nil
	}
	tag, oid, b, ok := tlv(content)
	if !ok || tag != 0x06 || !bytes.Equal(oid, oidSPNEGO) {
		return nil
	}
	for _, want := range []byte{0xa0, 0x30, 0xa0, 0x30} {
		if tag, b, _, ok = tlv(b); !ok || tag != want {
			return nil
		}
	}
	var mechs []string
	for len(b) > 0 && len(mechs) < 16 {
		tag, oid, rest, ok := tlv(b)
		if !ok || tag != 0x06 {
			break
		}
		name, known := mechanismNames[string(oid)]
		if !known {
			name = oidString(oid)
		}
		mechs = append(mechs, name)
		b = rest
	}
	return mechs
}

// oidString renders DER OID content in dotted form.
func oidString(oid []byte) string {
	if len(oid) == 0 || len(oid) > 32 {
		return "?"
	}
	var parts []string
	v := uint64(0)
	for i, c := range oid {
		v = v<<7 | uint64(c&0x7f)
		if c&0x80 != 0 {
			if v > 1<<50 {
				return "?"
			}
			continue
		}
		if len(parts) == 0 {
			first := min(v/40, 2)
			parts = append(parts, strconv.FormatUint(first, 10), strconv.FormatUint(v-40*first, 10))
		} else {
			parts = append(parts, strconv.FormatUint(v, 10))
		}
		v = 0
		if i == len(oid)-1 {
			break
		}
	}
	return strings.Join(parts, ".")
}

// ntlmssp returns the NTLMSSP message inside a security blob: servers
// wrap it in an SPNEGO NegTokenResp, whose DER need not be walked to find
// it.
func ntlmssp(blob []byte) []byte {
	i := bytes.Index(blob, ntlmSignature)
	if i < 0 {
		return nil
	}
	return blob[i:]
}

// Challenge is what an NTLMSSP CHALLENGE_MESSAGE tells of the server. It
// is a plain value, safe for concurrent use.
type Challenge struct {
	Flags      uint32
	TargetName string
	// From the target information's AV pairs.
	NetBIOSComputer, NetBIOSDomain  string
	DNSComputer, DNSDomain, DNSTree string
	Timestamp                       time.Time
	// Version is the server's OS version as NTLMSSP reports it, when
	// HasVersion: Windows' major.minor.build; Samba sends a fixed one.
	HasVersion   bool
	Major, Minor uint8
	Build        uint16
	Revision     uint8 // NTLMSSP revision, 15 today
}

// AV pair identifiers (MS-NLMP 2.2.2.1).
const (
	avEOL = iota
	avNbComputerName
	avNbDomainName
	avDNSComputerName
	avDNSDomainName
	avDNSTreeName
	avFlags
	avTimestamp
)

// ParseChallenge decodes an NTLMSSP CHALLENGE_MESSAGE. Fields out of
// bounds are left empty; an error wrapping service.ErrNoMatch says b is
// not a challenge at all.
func ParseChallenge(b []byte) (Challenge, error) {
	m := le(b)
	typ, _ := m.u32(8)
	if len(b) < 48 || !bytes.HasPrefix(b, ntlmSignature) || typ != 2 {
		return Challenge{}, noMatch("not an NTLMSSP challenge")
	}
	var ch Challenge
	ch.Flags, _ = m.u32(20)
	nameLen, _ := m.u16(12)
	nameOff, _ := m.u32(16)
	infoLen, _ := m.u16(40)
	infoOff, _ := m.u32(44)
	// The version field sits between the fixed header and the payload;
	// a payload starting earlier means there is none.
	payload := len(b)
	if nameLen > 0 {
		payload = min(payload, int(nameOff))
	}
	if infoLen > 0 {
		payload = min(payload, int(infoOff))
	}
	if ch.Flags&ntlmVersion != 0 && payload >= 56 && len(b) >= 56 {
		ch.HasVersion = true
		ch.Major, ch.Minor = b[48], b[49]
		ch.Build = binary.LittleEndian.Uint16(b[50:])
		ch.Revision = b[55]
	}
	if name, ok := m.slice(int(nameOff), int(nameLen)); ok && nameLen > 0 {
		if ch.Flags&ntlmUnicode != 0 {
			ch.TargetName = utf16le(name)
		} else {
			ch.TargetName = printable(string(name))
		}
	}
	if info, ok := m.slice(int(infoOff), int(infoLen)); ok {
		ch.parseTargetInfo(le(info))
	}
	return ch, nil
}

// parseTargetInfo reads the AV pairs up to MsvAvEOL or the first out of
// bounds.
func (ch *Challenge) parseTargetInfo(info le) {
	for off, i := 0, 0; i < 64; i++ {
		id, ok1 := info.u16(off)
		n, ok2 := info.u16(off + 2)
		v, ok3 := info.slice(off+4, int(n))
		if !ok1 || !ok2 || !ok3 || id == avEOL {
			return
		}
		switch id {
		case avNbComputerName:
			ch.NetBIOSComputer = utf16le(v)
		case avNbDomainName:
			ch.NetBIOSDomain = utf16le(v)
		case avDNSComputerName:
			ch.DNSComputer = utf16le(v)
		case avDNSDomainName:
			ch.DNSDomain = utf16le(v)
		case avDNSTreeName:
			ch.DNSTree = utf16le(v)
		case avTimestamp:
			if t, ok := le(v).u64(0); ok {
				ch.Timestamp = filetime(t)
			}
		}
		off += 4 + int(n)
	}
}
