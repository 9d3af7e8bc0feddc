package ssh

import (
	"crypto/ecdh"
	"crypto/rand"
	"math/big"
	"slices"
	"strings"
)

// kexMethod is a key exchange picket can start: one that needs a single
// message from the client (no group negotiation), whose reply carries the
// host key.
type kexMethod struct {
	name string
	// init returns the body of the client's SSH_MSG_KEXDH_INIT or
	// SSH_MSG_KEX_ECDH_INIT, after the message number.
	init func() ([]byte, error)
}

// kexMethods are in picket's order of preference. The exchange is never
// finished, so their strength is of no concern; what matters is that
// servers old and new offer one of them.
var kexMethods = []kexMethod{
	{"curve25519-sha256", ecdhInit(ecdh.X25519())},
	{"curve25519-sha256@libssh.org", ecdhInit(ecdh.X25519())},
	{"ecdh-sha2-nistp256", ecdhInit(ecdh.P256())},
	{"ecdh-sha2-nistp384", ecdhInit(ecdh.P384())},
	{"ecdh-sha2-nistp521", ecdhInit(ecdh.P521())},
	{"diffie-hellman-group14-sha256", dhInit(group14)},
	{"diffie-hellman-group14-sha1", dhInit(group14)},
	{"diffie-hellman-group1-sha1", dhInit(group1)},
}

// hostKeyAlgorithms are the host key formats picket asks for, preferred
// first. Certificates are left out: their blob is not the key.
var hostKeyAlgorithms = []string{
	"ssh-ed25519",
	"ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
	"rsa-sha2-512", "rsa-sha2-256", "ssh-rsa", "ssh-dss",
}

// ecdhInit sends an ephemeral public key as a string (RFC 5656 §4,
// RFC 8731 §3).
func ecdhInit(curve ecdh.Curve) func() ([]byte, error) {
	return func() ([]byte, error) {
		k, err := curve.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		return appendString(nil, k.PublicKey().Bytes()), nil
	}
}

// dhInit sends e = g^x mod p as an mpint (RFC 4253 §8), g = 2. A 256-bit
// exponent is plenty for a secret never used, and keeps this cheap.
func dhInit(p *big.Int) func() ([]byte, error) {
	return func() ([]byte, error) {
		x, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 256))
		if err != nil {
			return nil, err
		}
		x.Add(x, big.NewInt(2))
		return appendMpint(nil, new(big.Int).Exp(big.NewInt(2), x, p)), nil
	}
}

// The Oakley groups used by the diffie-hellman-group1 and -group14
// methods: RFC 2409 §6.2 (1024 bits) and RFC 3526 §3 (2048 bits).
var (
	group1  = hexInt("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE65381FFFFFFFFFFFFFFFF")
	group14 = hexInt("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7EDEE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3BE39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF6955817183995497CEA956AE515D2261898FA051015728E5A8AACAA68FFFFFFFFFFFFFFFF")
)

func hexInt(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("ssh: bad constant") // a typo in this file, caught by any test
	}
	return n
}

// prefs are the key exchanges and host key formats picket offers, in
// its order of preference. Tests narrow them to reach each code path.
type prefs struct {
	kex      []kexMethod
	hostKeys []string
}

var defaultPrefs = prefs{kexMethods, hostKeyAlgorithms}

// choose picks what to ask the server for: the first of picket's key
// exchanges and host key formats that the server offers too. ok is false
// when they share none.
func (p prefs) choose(k KexInit) (kex kexMethod, hostKey string, ok bool) {
	i := slices.IndexFunc(p.kex, func(m kexMethod) bool { return slices.Contains(k.Kex, m.name) })
	j := slices.IndexFunc(p.hostKeys, func(a string) bool { return slices.Contains(k.HostKey, a) })
	if i < 0 || j < 0 {
		return kexMethod{}, "", false
	}
	return p.kex[i], p.hostKeys[j], true
}

// clientKexInit is picket's SSH_MSG_KEXINIT: the chosen exchange and host
// key format, and the server's own lists for the rest so that
// negotiation cannot fail on algorithms never used.
func clientKexInit(server KexInit, kex, hostKey string) []byte {
	b := make([]byte, 17, 512)
	b[0] = msgKexInit
	rand.Read(b[1:17])
	for _, list := range [][]string{
		{kex}, {hostKey},
		server.CiphersC2S, server.CiphersS2C, server.MACsC2S, server.MACsS2C,
		server.CompressionC2S, server.CompressionS2C, nil, nil,
	} {
		b = appendString(b, []byte(strings.Join(list, ",")))
	}
	return append(b, 0, 0, 0, 0, 0) // first_kex_packet_follows, reserved
}

// hostKeyFromReply takes K_S, the host key blob, from the server's
// SSH_MSG_KEXDH_REPLY or SSH_MSG_KEX_ECDH_REPLY. The exchange hash's
// signature is not checked: picket reports the key the server presents,
// it does not trust it.
func hostKeyFromReply(p []byte) (HostKey, error) {
	if len(p) < 1 || p[0] != msgKexDHReply {
		return HostKey{}, errHostKey
	}
	blob, _, ok := readString(p[1:])
	if !ok {
		return HostKey{}, errHostKey
	}
	return ParseHostKey(blob)
}
