package rdp

import (
	"encoding/binary"
	"fmt"
	"strings"

	"github.com/picket-scanner/picket/service"
)

// Security protocols of RDP's negotiation (MS-RDPBCGR 2.2.1.1.1,
// requestedProtocols and selectedProtocol).
const (
	protocolRDP      = 0 // standard RDP security
	protocolSSL      = 1 // TLS
	protocolHybrid   = 2 // CredSSP (network level authentication)
	protocolRDSTLS   = 4
	protocolHybridEx = 8 // CredSSP with early user authorization result
	protocolRDSAAD   = 16
)

// request is a TPKT (RFC 1006) carrying an X.224 Connection Request TPDU
// (ITU-T X.224 13.3: length indicator 14, CR code 0xE0, destination and
// source references 0, class 0) with an RDP Negotiation Request
// (MS-RDPBCGR 2.2.1.1.1: type 1, no flags, length 8) asking for TLS or
// CredSSP. No routing token or cookie: the server needs none to answer.
var request = []byte{
	0x03, 0x00, 0x00, 0x13, // TPKT version 3, length 19
	0x0e, 0xe0, 0x00, 0x00, 0x00, 0x00, 0x00, // X.224 CR
	0x01, 0x00, 0x08, 0x00, // RDP_NEG_REQ
	protocolSSL | protocolHybrid, 0x00, 0x00, 0x00,
}

// maxTPKT bounds the answer: a Connection Confirm takes 11 or 19 bytes.
const maxTPKT = 512

// Confirm is the server's X.224 Connection Confirm with its negotiation
// answer (MS-RDPBCGR 2.2.1.2). It is a value, safe for concurrent use.
type Confirm struct {
	// SrcRef is the TPDU's source reference: Windows and xrdp send
	// 0x1234.
	SrcRef uint16
	// Negotiated is set when the confirm carries a negotiation response
	// or failure; servers older than RDP 5.2's successors send neither.
	Negotiated bool
	// Failure is set for an RDP_NEG_FAILURE; Code is then its
	// failureCode.
	Failure bool
	Code    uint32
	// Flags and Protocol are the RDP_NEG_RSP's flags and
	// selectedProtocol.
	Flags    byte
	Protocol uint32
}

var errNotConfirm = fmt.Errorf("rdp: not an X.224 connection confirm: %w", service.ErrNoMatch)

// tpktLen reports the length of the TPKT at the start of b: 0 while its
// header is incomplete, -1 if b cannot start one.
func tpktLen(b []byte) int {
	if len(b) > 0 && b[0] != 3 || len(b) > 1 && b[1] != 0 {
		return -1
	}
	if len(b) < 4 {
		return 0
	}
	n := int(binary.BigEndian.Uint16(b[2:]))
	if n < 11 || n > maxTPKT {
		return -1
	}
	return n
}

// ParseConfirm decodes a TPKT holding an X.224 Connection Confirm. b must
// hold the whole TPKT (tpktLen says how long it is).
func ParseConfirm(b []byte) (Confirm, error) {
	n := tpktLen(b)
	if n <= 0 || len(b) < n {
		return Confirm{}, errNotConfirm
	}
	b = b[:n]
	// The length indicator counts the TPDU's header after itself; a
	// Connection Confirm is code 0xD0 with a credit of 0.
	if int(b[4]) != n-5 || b[5] != 0xd0 {
		return Confirm{}, errNotConfirm
	}
	c := Confirm{SrcRef: binary.BigEndian.Uint16(b[8:])}
	vp := b[11:]
	switch {
	case len(vp) == 0:
		return c, nil
	case len(vp) == 8 && (vp[0] == 2 || vp[0] == 3) && binary.LittleEndian.Uint16(vp[2:]) == 8:
		c.Negotiated = true
		v := binary.LittleEndian.Uint32(vp[4:])
		if vp[0] == 3 {
			c.Failure, c.Code = true, v
		} else {
			c.Flags, c.Protocol = vp[1], v
		}
		return c, nil
	}
	// X.224 parameters (0xC0 TPDU size, 0xC1/0xC2 TSAPs): ISO-TSAP,
	// Siemens S7 and the like, not RDP.
	return Confirm{}, errNotConfirm
}

// ProtocolName names a selected security protocol.
func ProtocolName(p uint32) string {
	switch p {
	case protocolRDP:
		return "standard RDP security"
	case protocolSSL:
		return "TLS"
	case protocolHybrid:
		return "CredSSP (NLA)"
	case protocolRDSTLS:
		return "RDSTLS"
	case protocolHybridEx:
		return "CredSSP with early user authorization (NLA)"
	case protocolRDSAAD:
		return "RDS AAD authentication"
	}
	return fmt.Sprintf("unknown (0x%x)", p)
}

// failureNames are RDP_NEG_FAILURE's codes (MS-RDPBCGR 2.2.1.2.2).
var failureNames = map[uint32]string{
	1: "TLS required by server",
	2: "TLS not allowed by server",
	3: "TLS certificate not on server",
	4: "inconsistent flags",
	5: "CredSSP required by server",
	6: "TLS with user authentication required by server",
}

// FailureName names a negotiation failure code.
func FailureName(code uint32) string {
	if n, ok := failureNames[code]; ok {
		return n
	}
	return fmt.Sprintf("unknown (0x%x)", code)
}

// flagNames are RDP_NEG_RSP's flags (MS-RDPBCGR 2.2.1.2.1).
var flagNames = []struct {
	bit  byte
	name string
}{
	{0x01, "extended client data"},
	{0x02, "graphics pipeline"},
	{0x08, "restricted admin"},
	{0x10, "redirected authentication"},
}

// FlagNames lists the flags set, in the specification's order.
func FlagNames(f byte) string {
	var names []string
	for _, n := range flagNames {
		if f&n.bit != 0 {
			names = append(names, n.name)
		}
	}
	if rest := f &^ 0x1b; rest != 0 {
		names = append(names, fmt.Sprintf("0x%02x", rest))
	}
	return strings.Join(names, ", ")
}
