package ldap

import (
	"errors"
	"fmt"

	"github.com/picket-scanner/picket/service"
)

// BER as LDAP uses it (RFC 4511 §5.1): definite lengths only, tags in one
// byte. The decoder follows LDAP's schema, so nesting is as deep as the
// schema (five levels for an attribute value) and never deeper: a
// constructed element where a primitive one belongs is an error, not
// something to descend into.

// BER identifiers of the elements the handshake reads or writes.
const (
	tagBoolean     = 0x01
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagEnumerated  = 0x0a
	tagSequence    = 0x30
	tagSet         = 0x31

	tagSearchRequest  = 0x63 // [APPLICATION 3] constructed
	tagSearchResEntry = 0x64 // [APPLICATION 4]
	tagSearchResDone  = 0x65 // [APPLICATION 5]
	tagSearchResRef   = 0x73 // [APPLICATION 19]
	tagExtendedResp   = 0x78 // [APPLICATION 24]
	tagFilterPresent  = 0x87 // [7] primitive: present filter
	tagControls       = 0xa0 // [0] constructed
	tagReferral       = 0xa3 // [3] constructed, in LDAPResult
)

// errShort says the data ends inside an element: more bytes may complete
// it.
var errShort = errors.New("ldap: message incomplete")

func noMatch(why string) error {
	return fmt.Errorf("ldap: %s: %w", why, service.ErrNoMatch)
}

// header reads an element's identifier and length: the tag, the offset of
// its content and the content's length. It returns errShort when b ends
// inside the header, and an error wrapping service.ErrNoMatch for
// multi-byte tags, indefinite lengths, lengths of more than 4 bytes and
// lengths beyond limit.
func header(b []byte, limit int) (tag byte, off, n int, err error) {
	if len(b) < 2 {
		return 0, 0, 0, errShort
	}
	tag = b[0]
	if tag&0x1f == 0x1f {
		return 0, 0, 0, noMatch("multi-byte BER tag")
	}
	l := int(b[1])
	off = 2
	if l&0x80 != 0 {
		k := l & 0x7f
		if k == 0 {
			return 0, 0, 0, noMatch("indefinite BER length")
		}
		if k > 4 {
			return 0, 0, 0, noMatch("BER length of more than 4 bytes")
		}
		if len(b) < 2+k {
			return 0, 0, 0, errShort
		}
		l = 0
		for _, c := range b[2 : 2+k] {
			l = l<<8 | int(c)
		}
		off += k
	}
	if l > limit {
		return 0, 0, 0, noMatch(fmt.Sprintf("BER length %d beyond %d", l, limit))
	}
	return tag, off, l, nil
}

// decoder reads the elements of one constructed element's content in
// order. Reads past the end, or of the wrong tag, fail.
type decoder struct {
	b []byte
}

func (d *decoder) empty() bool { return len(d.b) == 0 }

// next returns the next element's tag and content.
func (d *decoder) next() (byte, []byte, error) {
	tag, off, n, err := header(d.b, len(d.b))
	if err != nil {
		return 0, nil, noMatch("truncated BER element")
	}
	if n > len(d.b)-off {
		return 0, nil, noMatch("BER element beyond its container")
	}
	content := d.b[off : off+n]
	d.b = d.b[off+n:]
	return tag, content, nil
}

// expect returns the content of the next element, which must carry tag.
func (d *decoder) expect(tag byte) ([]byte, error) {
	t, content, err := d.next()
	if err != nil {
		return nil, err
	}
	if t != tag {
		return nil, noMatch(fmt.Sprintf("BER tag %#02x where %#02x belongs", t, tag))
	}
	return content, nil
}

// integer reads an INTEGER or ENUMERATED of at most 4 bytes.
func (d *decoder) integer(tag byte) (int64, error) {
	c, err := d.expect(tag)
	if err != nil {
		return 0, err
	}
	if len(c) == 0 || len(c) > 4 {
		return 0, noMatch(fmt.Sprintf("integer of %d bytes", len(c)))
	}
	v := int64(int8(c[0])) // sign-extended
	for _, x := range c[1:] {
		v = v<<8 | int64(x)
	}
	return v, nil
}

// appendElement appends a BER element with a definite length.
func appendElement(b []byte, tag byte, content []byte) []byte {
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
