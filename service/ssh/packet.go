package ssh

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/big"
	"strings"
)

// Message numbers (RFC 4253 §12; 30 and 31 are shared by DH, ECDH and
// curve25519 key exchanges).
const (
	msgDisconnect = 1
	msgIgnore     = 2
	msgDebug      = 4
	msgKexInit    = 20
	msgKexDHInit  = 30 // SSH_MSG_KEXDH_INIT, SSH_MSG_KEX_ECDH_INIT
	msgKexDHReply = 31 // SSH_MSG_KEXDH_REPLY, SSH_MSG_KEX_ECDH_REPLY
)

// maxPacket bounds a binary packet's length field: RFC 4253 §6.1 has
// every implementation take packets of 35000 bytes in all.
const maxPacket = 35000

var (
	errPacket  = errors.New("ssh: malformed binary packet")
	errKexInit = errors.New("ssh: malformed SSH_MSG_KEXINIT")
	errHostKey = errors.New("ssh: malformed host key")
)

// packetLen checks the header of a binary packet (packet_length,
// padding_length) and returns the packet's total length on the wire.
func packetLen(head []byte) (int, error) {
	n := binary.BigEndian.Uint32(head)
	pad := uint32(head[4])
	// The payload holds at least its message number.
	if n > maxPacket || n < pad+2 {
		return 0, fmt.Errorf("%w: length %d, padding %d", errPacket, n, pad)
	}
	return 4 + int(n), nil
}

// payload returns the payload of a whole packet checked by packetLen.
func payload(pkt []byte) []byte {
	return pkt[5 : len(pkt)-int(pkt[4])]
}

// appendPacket frames payload as an unencrypted binary packet.
func appendPacket(b, payload []byte) []byte {
	pad := 8 - (5+len(payload))%8
	if pad < 4 {
		pad += 8
	}
	b = binary.BigEndian.AppendUint32(b, uint32(1+len(payload)+pad))
	b = append(b, byte(pad))
	b = append(b, payload...)
	padding := make([]byte, pad)
	rand.Read(padding)
	return append(b, padding...)
}

func appendString(b, s []byte) []byte {
	b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
	return append(b, s...)
}

// appendMpint encodes a non-negative integer as an SSH mpint.
func appendMpint(b []byte, n *big.Int) []byte {
	v := n.Bytes()
	if len(v) > 0 && v[0]&0x80 != 0 {
		v = append([]byte{0}, v...)
	}
	return appendString(b, v)
}

// readString takes an SSH string off the front of b.
func readString(b []byte) (s, rest []byte, ok bool) {
	if len(b) < 4 {
		return nil, b, false
	}
	n := binary.BigEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, b, false
	}
	return b[4 : 4+n], b[4+n:], true
}

// KexInit is the algorithm negotiation message, SSH_MSG_KEXINIT (RFC 4253
// §7.1): what the server offers, each list in its order of preference.
type KexInit struct {
	Kex, HostKey                   []string
	CiphersC2S, CiphersS2C         []string
	MACsC2S, MACsS2C               []string
	CompressionC2S, CompressionS2C []string
	LanguagesC2S, LanguagesS2C     []string
	FirstKexFollows                bool
}

// ParseKexInit decodes an SSH_MSG_KEXINIT payload.
func ParseKexInit(p []byte) (KexInit, error) {
	if len(p) < 17 || p[0] != msgKexInit {
		return KexInit{}, errKexInit
	}
	rest := p[17:] // message number and cookie
	var k KexInit
	for _, list := range []*[]string{
		&k.Kex, &k.HostKey, &k.CiphersC2S, &k.CiphersS2C, &k.MACsC2S, &k.MACsS2C,
		&k.CompressionC2S, &k.CompressionS2C, &k.LanguagesC2S, &k.LanguagesS2C,
	} {
		s, r, ok := readString(rest)
		if !ok || !printable(s) || strings.ContainsAny(string(s), " \t") {
			return KexInit{}, errKexInit
		}
		rest = r
		if len(s) > 0 {
			*list = strings.Split(string(s), ",")
		}
	}
	// first_kex_packet_follows and a reserved uint32.
	if len(rest) < 5 {
		return KexInit{}, errKexInit
	}
	k.FirstKexFollows = rest[0] != 0
	return k, nil
}

// HostKey is a server's public host key.
type HostKey struct {
	Type string // the key's format, "ssh-ed25519", "ssh-rsa", ...
	Bits int    // its size, 0 when not known
	// Fingerprint is as ssh-keygen -l prints it: "SHA256:" and the
	// unpadded base64 of the SHA-256 of the key blob.
	Fingerprint string
}

// String is what the "host key" detail holds.
func (k HostKey) String() string { return k.Type + " " + k.Fingerprint }

// ParseHostKey reads a public key blob (RFC 4253 §6.6) far enough to name
// its type and size.
func ParseHostKey(blob []byte) (HostKey, error) {
	typ, rest, ok := readString(blob)
	if !ok || len(typ) == 0 || len(typ) > 64 || !printable(typ) {
		return HostKey{}, errHostKey
	}
	sum := sha256.Sum256(blob)
	k := HostKey{Type: string(typ), Fingerprint: "SHA256:" + base64.RawStdEncoding.EncodeToString(sum[:])}
	switch k.Type {
	case "ssh-ed25519":
		if key, _, ok := readString(rest); ok && len(key) == 32 {
			k.Bits = 256
		}
	case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521":
		if curve, _, ok := readString(rest); ok && "ecdsa-sha2-"+string(curve) == k.Type {
			fmt.Sscanf(string(curve), "nistp%d", &k.Bits)
		}
	case "ssh-rsa":
		if _, r, ok := readString(rest); ok { // e, then n
			if n, _, ok := readString(r); ok {
				k.Bits = new(big.Int).SetBytes(n).BitLen()
			}
		}
	case "ssh-dss":
		if p, _, ok := readString(rest); ok {
			k.Bits = new(big.Int).SetBytes(p).BitLen()
		}
	}
	return k, nil
}
