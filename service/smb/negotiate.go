package smb

import (
	"bytes"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// SMB2 dialect revisions.
const (
	dialect202      = 0x0202
	dialect210      = 0x0210
	dialect300      = 0x0300
	dialect302      = 0x0302
	dialect311      = 0x0311
	dialectWildcard = 0x02ff // "SMB 2.???": SMB2 NEGOTIATE must follow
)

var offeredDialects = []uint16{dialect202, dialect210, dialect300, dialect302, dialect311}

// SMB2 commands and header flags.
const (
	cmdNegotiate    = 0
	cmdSessionSetup = 1

	flagResponse = 0x00000001
	flagAsync    = 0x00000002
)

// SMB2 negotiate context types.
const (
	ctxPreauth    = 1
	ctxEncryption = 2
	ctxSigning    = 8
)

const smb2HeaderLen = 64

var (
	smb1Magic = []byte{0xff, 'S', 'M', 'B'}
	smb2Magic = []byte{0xfe, 'S', 'M', 'B'}
)

// Server is what an SMB server told about itself. It is a plain value,
// safe for concurrent use: nothing changes it once parsed.
type Server struct {
	// SMB1 is set when the server answered in SMB1: it does not speak
	// SMB2 at all. Dialect is then 0 and SMB1Dialect names what it chose.
	SMB1        bool
	SMB1Dialect string // "NT LM 0.12", or "" when it accepted none
	// Dialect is the SMB2 dialect revision chosen: 0x0202 to 0x0311.
	Dialect uint16
	// Status is the NT status of the negotiate response, 0 on success.
	Status uint32

	SigningEnabled  bool
	SigningRequired bool
	GUID            [16]byte // SMB2 only
	SystemTime      time.Time
	// Capabilities are SMB2's (SMB2_GLOBAL_CAP_*) or, for SMB1, SMB1's
	// (CAP_*).
	Capabilities uint32
	// Cipher, Hash and SigningAlgorithm are the 3.1.1 negotiate
	// contexts' choices; -1 when the server sent no such context.
	Cipher, Hash, SigningAlgorithm int
	// Mechanisms are the authentication mechanisms offered in the
	// negotiate response's SPNEGO token, e.g. "NTLMSSP".
	Mechanisms []string

	// Domain and Name are an SMB1 server's workgroup and NetBIOS name,
	// as its negotiate response carries them.
	Domain, Name string

	// NTLM is the session setup's challenge, when the server sent one.
	NTLM *Challenge
}

// isSMB1 reports whether msg is an SMB1 message.
func isSMB1(msg []byte) bool { return bytes.HasPrefix(msg, smb1Magic) }

// smb1NegotiateRequest offers SMB1's "NT LM 0.12" and the two SMB2
// dialect strings, as Windows clients do: an SMB2 server answers in SMB2.
func smb1NegotiateRequest() []byte {
	b := append([]byte(nil), smb1Magic...)
	b = append(b, 0x72)                // SMB_COM_NEGOTIATE
	b = append(b, 0, 0, 0, 0)          // status
	b = append(b, 0x18)                // flags: case-insensitive, canonical paths
	b = append(b, 0x01, 0xc0)          // flags2: long names, NT status, Unicode
	b = append(b, make([]byte, 12)...) // PID high, security features, reserved
	b = append(b, 0, 0, 0xff, 0xfe)    // TID 0, PID 0xfeff
	b = append(b, 0, 0, 0, 0)          // UID, MID 0
	var dialects []byte
	for _, d := range []string{"NT LM 0.12", "SMB 2.002", "SMB 2.???"} {
		dialects = append(append(append(dialects, 0x02), d...), 0)
	}
	b = append(b, 0) // word count
	b = binary.LittleEndian.AppendUint16(b, uint16(len(dialects)))
	return append(b, dialects...)
}

// smb2Header appends an SMB2 request header.
func smb2Header(b []byte, cmd uint16, id uint64) []byte {
	b = append(b, smb2Magic...)
	b = binary.LittleEndian.AppendUint16(b, smb2HeaderLen)
	b = binary.LittleEndian.AppendUint16(b, 0) // credit charge
	b = binary.LittleEndian.AppendUint32(b, 0) // status
	b = binary.LittleEndian.AppendUint16(b, cmd)
	b = binary.LittleEndian.AppendUint16(b, 1) // credits requested
	b = binary.LittleEndian.AppendUint32(b, 0) // flags
	b = binary.LittleEndian.AppendUint32(b, 0) // next command
	b = binary.LittleEndian.AppendUint64(b, id)
	b = binary.LittleEndian.AppendUint32(b, 0xfeff) // process id
	b = binary.LittleEndian.AppendUint32(b, 0)      // tree id
	b = binary.LittleEndian.AppendUint64(b, 0)      // session id
	return append(b, make([]byte, 16)...)           // signature
}

// negotiateRequest is an SMB2 NEGOTIATE offering 2.0.2 to 3.1.1, with
// 3.1.1's preauth integrity, encryption and signing contexts.
func negotiateRequest(id uint64) []byte {
	b := smb2Header(nil, cmdNegotiate, id)
	b = binary.LittleEndian.AppendUint16(b, 36)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(offeredDialects)))
	b = binary.LittleEndian.AppendUint16(b, 0x0001) // signing enabled
	b = binary.LittleEndian.AppendUint16(b, 0)
	// Every capability, so that the server reports all of its own.
	b = binary.LittleEndian.AppendUint32(b, 0x7f)
	guid := make([]byte, 16)
	rand.Read(guid)
	b = append(b, guid...) // client GUID
	ctxOff := len(b)
	b = binary.LittleEndian.AppendUint32(b, 0) // context offset, set below
	b = binary.LittleEndian.AppendUint16(b, 3)
	b = binary.LittleEndian.AppendUint16(b, 0)
	for _, d := range offeredDialects {
		b = binary.LittleEndian.AppendUint16(b, d)
	}
	b = pad8(b)
	binary.LittleEndian.PutUint32(b[ctxOff:], uint32(len(b)))

	salt := make([]byte, 32)
	rand.Read(salt)
	preauth := binary.LittleEndian.AppendUint16(nil, 1)     // one hash
	preauth = binary.LittleEndian.AppendUint16(preauth, 32) // salt length
	preauth = binary.LittleEndian.AppendUint16(preauth, 1)  // SHA-512
	b = pad8(negotiateContext(b, ctxPreauth, append(preauth, salt...)))
	var ciphers []byte
	for _, c := range []uint16{cipherAES128GCM, cipherAES128CCM, cipherAES256GCM, cipherAES256CCM} {
		ciphers = binary.LittleEndian.AppendUint16(ciphers, c)
	}
	enc := binary.LittleEndian.AppendUint16(nil, 4)
	b = pad8(negotiateContext(b, ctxEncryption, append(enc, ciphers...)))
	sign := binary.LittleEndian.AppendUint16(nil, 3)
	for _, a := range []uint16{signAESGMAC, signAESCMAC, signHMACSHA256} {
		sign = binary.LittleEndian.AppendUint16(sign, a)
	}
	return negotiateContext(b, ctxSigning, sign)
}

func negotiateContext(b []byte, typ uint16, data []byte) []byte {
	b = binary.LittleEndian.AppendUint16(b, typ)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(data)))
	b = binary.LittleEndian.AppendUint32(b, 0)
	return append(b, data...)
}

func pad8(b []byte) []byte {
	for len(b)%8 != 0 {
		b = append(b, 0)
	}
	return b
}

// smb2Response checks msg's SMB2 header: a response to cmd. It returns
// the status and the body.
func smb2Response(msg []byte, cmd uint16) (status uint32, body le, err error) {
	h := le(msg)
	size, _ := h.u16(4)
	c, _ := h.u16(12)
	flags, _ := h.u32(16)
	switch {
	case len(msg) < smb2HeaderLen || !bytes.HasPrefix(msg, smb2Magic) || size != smb2HeaderLen:
		return 0, nil, noMatch("not an SMB2 header")
	case c != cmd || flags&flagResponse == 0:
		return 0, nil, noMatch(fmt.Sprintf("not a response to command %d", cmd))
	}
	status, _ = h.u32(8)
	return status, le(msg[smb2HeaderLen:]), nil
}

// ParseNegotiate decodes an SMB2 NEGOTIATE response (the message without
// its NetBIOS header). It returns an error wrapping service.ErrNoMatch
// when msg is not one.
func ParseNegotiate(msg []byte) (Server, error) {
	s := Server{Cipher: -1, Hash: -1, SigningAlgorithm: -1}
	status, body, err := smb2Response(msg, cmdNegotiate)
	if err != nil {
		return Server{}, err
	}
	s.Status = status
	if status != statusOK {
		// An error response (STATUS_NOT_SUPPORTED, ...) still comes from
		// an SMB2 server; its body is the 9-byte error response.
		return s, nil
	}
	if size, ok := body.u16(0); !ok || size != 65 || len(body) < 64 {
		return Server{}, noMatch("negotiate response too short")
	}
	mode, _ := body.u16(2)
	s.SigningEnabled = mode&0x01 != 0
	s.SigningRequired = mode&0x02 != 0
	s.Dialect, _ = body.u16(4)
	switch s.Dialect {
	case dialect202, dialect210, dialect300, dialect302, dialect311, dialectWildcard:
	default:
		return Server{}, noMatch(fmt.Sprintf("dialect %#04x never offered", s.Dialect))
	}
	nctx, _ := body.u16(6)
	copy(s.GUID[:], body[8:24])
	s.Capabilities, _ = body.u32(24)
	t, _ := body.u64(40)
	s.SystemTime = filetime(t)
	secOff, _ := body.u16(56)
	secLen, _ := body.u16(58)
	if secLen > 0 {
		// Offsets count from the SMB2 header. A blob out of bounds is
		// ignored: the rest of the response still says who answered.
		if blob, ok := le(msg).slice(int(secOff), int(secLen)); ok {
			s.Mechanisms = spnegoMechanisms(blob)
		}
	}
	if s.Dialect == dialect311 {
		ctxOff, _ := body.u32(60)
		parseContexts(&s, le(msg), int(ctxOff), int(nctx))
	}
	return s, nil
}

// parseContexts reads a 3.1.1 response's negotiate contexts into s,
// stopping at the first out of bounds.
func parseContexts(s *Server, msg le, off, n int) {
	if off > len(msg) {
		return
	}
	for i := 0; i < n && i < 16; i++ {
		off = (off + 7) &^ 7
		typ, ok1 := msg.u16(off)
		size, ok2 := msg.u16(off + 2)
		data, ok3 := msg.slice(off+8, int(size))
		if !ok1 || !ok2 || !ok3 {
			return
		}
		d := le(data)
		// Each response context names one choice: a count of 1 and the
		// chosen value.
		switch typ {
		case ctxPreauth:
			if v, ok := d.u16(4); ok {
				s.Hash = int(v)
			}
		case ctxEncryption:
			if v, ok := d.u16(2); ok {
				s.Cipher = int(v)
			}
		case ctxSigning:
			if v, ok := d.u16(2); ok {
				s.SigningAlgorithm = int(v)
			}
		}
		off += 8 + int(size)
	}
}

// sessionSetupRequest is an SMB2 SESSION_SETUP carrying an NTLMSSP
// NEGOTIATE_MESSAGE in an SPNEGO token.
func sessionSetupRequest(id uint64) []byte {
	blob := spnegoInit(ntlmNegotiateMessage())
	b := smb2Header(nil, cmdSessionSetup, id)
	b = binary.LittleEndian.AppendUint16(b, 25)
	b = append(b, 0)                           // flags
	b = append(b, 0x01)                        // signing enabled
	b = binary.LittleEndian.AppendUint32(b, 1) // capabilities: DFS
	b = binary.LittleEndian.AppendUint32(b, 0) // channel
	b = binary.LittleEndian.AppendUint16(b, smb2HeaderLen+24)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(blob)))
	b = binary.LittleEndian.AppendUint64(b, 0) // previous session
	return append(b, blob...)
}

// ParseSessionSetup decodes an SMB2 SESSION_SETUP response: its status
// and security blob. It returns an error wrapping service.ErrNoMatch when
// msg is not one.
func ParseSessionSetup(msg []byte) (status uint32, blob []byte, err error) {
	status, body, err := smb2Response(msg, cmdSessionSetup)
	if err != nil {
		return 0, nil, err
	}
	if status == statusPending {
		return status, nil, nil
	}
	size, ok := body.u16(0)
	if !ok || size != 9 {
		// Errors have a 9-byte body too, but a session setup refused
		// outright (STATUS_ACCESS_DENIED) carries no blob either way.
		return status, nil, nil
	}
	off, _ := body.u16(4)
	n, _ := body.u16(6)
	blob, _ = le(msg).slice(int(off), int(n))
	return status, blob, nil
}

// SMB1 security mode and capability bits.
const (
	smb1SigningEnabled  = 0x04
	smb1SigningRequired = 0x08
	smb1CapExtendedSec  = 0x80000000
	smb1Flags2Unicode   = 0x8000
)

// ParseSMB1Negotiate decodes an SMB1 NEGOTIATE response to the request
// this package sends. It returns an error wrapping service.ErrNoMatch when
// msg is not one.
func ParseSMB1Negotiate(msg []byte) (Server, error) {
	s := Server{SMB1: true, Cipher: -1, Hash: -1, SigningAlgorithm: -1}
	m := le(msg)
	if len(msg) < 35 || !isSMB1(msg) || msg[4] != 0x72 || msg[9]&0x80 == 0 {
		return Server{}, noMatch("not an SMB1 negotiate response")
	}
	s.Status, _ = m.u32(5)
	flags2, _ := m.u16(10)
	wc := int(msg[32])
	if s.Status != statusOK || wc == 0 {
		return s, nil
	}
	idx, ok := m.u16(33)
	if !ok {
		return Server{}, noMatch("SMB1 negotiate response too short")
	}
	if idx == 0xffff {
		return s, nil // none of the dialects offered
	}
	if idx != 0 || wc != 17 {
		// Dialects 1 and 2 are SMB2's, answered in SMB2; an NT LM 0.12
		// answer has 17 words.
		return Server{}, noMatch(fmt.Sprintf("SMB1 dialect %d with %d words", idx, wc))
	}
	if len(msg) < 33+34 {
		return Server{}, noMatch("SMB1 negotiate response cut inside its words")
	}
	s.SMB1Dialect = "NT LM 0.12"
	w := le(msg[33:])
	mode := msg[35]
	s.SigningEnabled = mode&smb1SigningEnabled != 0
	s.SigningRequired = mode&smb1SigningRequired != 0
	s.Capabilities, _ = w.u32(19)
	t, _ := w.u64(23)
	s.SystemTime = filetime(t)
	chLen := int(w[33])
	bc, ok := m.u16(33 + 34)
	if !ok {
		return s, nil
	}
	data, ok := m.slice(33+34+2, int(bc))
	if !ok {
		data = msg[min(len(msg), 33+34+2):]
	}
	if s.Capabilities&smb1CapExtendedSec != 0 {
		if len(data) >= 16 {
			copy(s.GUID[:], data)
			s.Mechanisms = spnegoMechanisms(data[16:])
		}
		return s, nil
	}
	if chLen > len(data) {
		return s, nil
	}
	names := data[chLen:]
	unicode := flags2&smb1Flags2Unicode != 0
	s.Domain, names = smb1String(names, unicode)
	s.Name, _ = smb1String(names, unicode)
	return s, nil
}

// smb1String reads a NUL-terminated string, UTF-16LE or OEM, and returns
// it (printable, bounded) and what follows.
func smb1String(b []byte, unicode bool) (string, []byte) {
	if !unicode {
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return printable(string(b)), nil
		}
		return printable(string(b[:i])), b[i+1:]
	}
	for i := 0; i+1 < len(b); i += 2 {
		if b[i] == 0 && b[i+1] == 0 {
			return utf16le(b[:i]), b[i+2:]
		}
	}
	return utf16le(b), nil
}

// utf16le decodes UTF-16LE into a printable, bounded string.
func utf16le(b []byte) string {
	u := make([]uint16, 0, len(b)/2)
	for i := 0; i+1 < len(b); i += 2 {
		u = append(u, binary.LittleEndian.Uint16(b[i:]))
	}
	return printable(string(utf16.Decode(u)))
}

// printable keeps s fit for a report: control characters replaced, at
// most 256 bytes.
func printable(s string) string {
	var b []byte
	for _, r := range s {
		if r < 0x20 || r == 0x7f || r == 0xfffd {
			r = '?'
		}
		b = utf8.AppendRune(b, r)
		if len(b) >= 256 {
			break
		}
	}
	return string(b)
}
