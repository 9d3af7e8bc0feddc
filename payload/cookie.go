package payload

import "encoding/binary"

// Labels keep the identifiers derived from one cookie distinct from each
// other: an IKE SPI and an IKE nonce must not be the same bytes.
const (
	labelNTP uint32 = iota + 1
	labelIKESPI
	labelIKENonce
	labelIKEKE
	labelSTUN
	labelOpenVPN
	labelQUICDst
	labelQUICSrc
	labelDTLS
	labelWSD
)

// fill writes bytes derived from cookie and label into b: the output of
// SplitMix64 seeded with both. It is a fixed public function, so a
// recogniser given the same cookie derives the same bytes and compares.
func fill(b []byte, cookie, label uint32) {
	x := uint64(cookie)<<32 | uint64(label)
	var w [8]byte
	for len(b) > 0 {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
		z = (z ^ z>>27) * 0x94d049bb133111eb
		z ^= z >> 31
		binary.BigEndian.PutUint64(w[:], z)
		b = b[copy(b, w[:]):]
	}
}

// matches reports whether b holds the bytes fill derives for cookie and
// label. It allocates nothing for identifiers up to 32 bytes.
func matches(b []byte, cookie, label uint32) bool {
	var w [32]byte
	if len(b) > len(w) {
		return false
	}
	fill(w[:len(b)], cookie, label)
	return string(w[:len(b)]) == string(b)
}

// id16 folds the cookie into a 16-bit identifier (DNS, NetBIOS, CoAP
// message id, memcached request id).
func id16(cookie uint32) uint16 { return uint16(cookie>>16) ^ uint16(cookie) }

// grow extends dst by n zero bytes and returns the extended slice and the
// new bytes.
func grow(dst []byte, n int) ([]byte, []byte) {
	dst = append(dst, make([]byte, n)...)
	return dst, dst[len(dst)-n:]
}

const hexDigits = "0123456789abcdef"

// appendHex appends b in lower-case hexadecimal.
func appendHex(dst []byte, b []byte) []byte {
	for _, c := range b {
		dst = append(dst, hexDigits[c>>4], hexDigits[c&15])
	}
	return dst
}

// appendHex32 appends v as 8 lower-case hexadecimal digits.
func appendHex32(dst []byte, v uint32) []byte {
	for s := 28; s >= 0; s -= 4 {
		dst = append(dst, hexDigits[v>>s&15])
	}
	return dst
}
