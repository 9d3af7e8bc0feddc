package payload

// A strict, minimal reader of BER (ITU-T X.690) as SNMP uses it: one-byte
// tags, definite lengths, at most 4 length octets, every length checked
// against what is left. It returns views and allocates nothing.

// BER tags SNMP uses.
const (
	berInteger     = 0x02
	berOctetString = 0x04
	berNull        = 0x05
	berOID         = 0x06
	berSequence    = 0x30
	berGetRequest  = 0xa0
	berGetResponse = 0xa2
	berReport      = 0xa8
)

// berNext reads one TLV from b and returns its tag, its contents and what
// follows it.
func berNext(b []byte) (tag byte, val, rest []byte, ok bool) {
	if len(b) < 2 || b[0]&0x1f == 0x1f { // high tag numbers: not in SNMP
		return 0, nil, nil, false
	}
	tag, b = b[0], b[1:]
	n := int(b[0])
	b = b[1:]
	if n&0x80 != 0 {
		k := n & 0x7f
		if k == 0 || k > 4 || k > len(b) { // 0: indefinite, not in SNMP
			return 0, nil, nil, false
		}
		n = 0
		for _, c := range b[:k] {
			n = n<<8 | int(c)
		}
		b = b[k:]
		if n < 0 {
			return 0, nil, nil, false
		}
	}
	if n > len(b) {
		return 0, nil, nil, false
	}
	return tag, b[:n], b[n:], true
}

// berExpect reads one TLV of the given tag.
func berExpect(b []byte, want byte) (val, rest []byte, ok bool) {
	tag, val, rest, ok := berNext(b)
	if !ok || tag != want {
		return nil, nil, false
	}
	return val, rest, true
}

// berInt decodes INTEGER contents of up to 8 bytes, two's complement.
func berInt(val []byte) (int64, bool) {
	if len(val) == 0 || len(val) > 8 {
		return 0, false
	}
	v := int64(int8(val[0]))
	for _, c := range val[1:] {
		v = v<<8 | int64(c)
	}
	return v, true
}

// berReadInt reads an INTEGER TLV.
func berReadInt(b []byte) (int64, []byte, bool) {
	val, rest, ok := berExpect(b, berInteger)
	if !ok {
		return 0, nil, false
	}
	v, ok := berInt(val)
	return v, rest, ok
}

// appendBERInt32 appends an INTEGER TLV whose value is in
// [0x40000000, 0x7fffffff]: always four content bytes, the minimal
// encoding, so a probe has a fixed layout whatever its cookie.
func appendBERInt32(dst []byte, v uint32) []byte {
	v = v&0x3fffffff | 0x40000000
	return append(dst, berInteger, 4, byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
}

// snmpID is the request id (and SNMPv3 msgID) a probe with cookie
// carries: 30 bits of the cookie, see appendBERInt32.
func snmpID(cookie uint32) int64 { return int64(cookie&0x3fffffff | 0x40000000) }
