package mongodb

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// This file holds the little BSON (bsonspec.org) the handshake needs: an
// encoder for flat command documents, and a decoder that walks a
// document's top-level elements with every length checked.

// BSON element types.
const (
	typeDouble     = 0x01
	typeString     = 0x02
	typeDocument   = 0x03
	typeArray      = 0x04
	typeBinary     = 0x05
	typeUndefined  = 0x06
	typeObjectID   = 0x07
	typeBool       = 0x08
	typeDateTime   = 0x09
	typeNull       = 0x0a
	typeRegex      = 0x0b
	typeDBPointer  = 0x0c
	typeJavaScript = 0x0d
	typeSymbol     = 0x0e
	typeCodeScope  = 0x0f
	typeInt32      = 0x10
	typeTimestamp  = 0x11
	typeInt64      = 0x12
	typeDecimal128 = 0x13
	typeMinKey     = 0xff
	typeMaxKey     = 0x7f
)

var errBSON = errors.New("mongodb: malformed BSON")

// field is one element of a command document: an int32 or a string.
type field struct {
	name string
	val  any // int32 or string
}

// appendDoc appends a BSON document of fields to b.
func appendDoc(b []byte, fields ...field) []byte {
	start := len(b)
	b = append(b, 0, 0, 0, 0)
	for _, f := range fields {
		switch v := f.val.(type) {
		case int32:
			b = append(b, typeInt32)
			b = append(append(b, f.name...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(v))
		case string:
			b = append(b, typeString)
			b = append(append(b, f.name...), 0)
			b = binary.LittleEndian.AppendUint32(b, uint32(len(v)+1))
			b = append(append(b, v...), 0)
		default:
			panic(fmt.Sprintf("mongodb: appendDoc: %T", v))
		}
	}
	b = append(b, 0)
	binary.LittleEndian.PutUint32(b[start:], uint32(len(b)-start))
	return b
}

// document returns the BSON document at the start of b, checked for its
// declared length and terminating NUL, and what follows it.
func document(b []byte) (doc, rest []byte, err error) {
	if len(b) < 5 {
		return nil, nil, errBSON
	}
	n := binary.LittleEndian.Uint32(b)
	if n < 5 || uint64(n) > uint64(len(b)) || b[n-1] != 0 {
		return nil, nil, errBSON
	}
	return b[:n], b[n:], nil
}

// element is one top-level element of a document; val is its raw value.
type element struct {
	typ  byte
	name string
	val  []byte
}

// elements walks doc's top-level elements, calling fn for each until it
// returns false. Nested documents are checked for their bounds, not
// walked.
func elements(doc []byte, fn func(e element) bool) error {
	doc, _, err := document(doc)
	if err != nil {
		return err
	}
	b := doc[4 : len(doc)-1]
	for len(b) > 0 {
		typ := b[0]
		name, rest, ok := bytes.Cut(b[1:], []byte{0})
		if !ok {
			return errBSON
		}
		n, err := valueLen(typ, rest)
		if err != nil {
			return err
		}
		if !fn(element{typ: typ, name: string(name), val: rest[:n]}) {
			return nil
		}
		b = rest[n:]
	}
	return nil
}

// valueLen returns the length of a value of type typ at the start of b.
func valueLen(typ byte, b []byte) (int, error) {
	fixed := func(n int) (int, error) {
		if len(b) < n {
			return 0, errBSON
		}
		return n, nil
	}
	// lenPrefixed is an int32 length, then that many bytes (plus extra).
	lenPrefixed := func(extra int, nulEnd bool) (int, error) {
		if len(b) < 4 {
			return 0, errBSON
		}
		l := uint64(binary.LittleEndian.Uint32(b))
		n := 4 + l + uint64(extra)
		if n > uint64(len(b)) || (nulEnd && (l == 0 || b[n-1] != 0)) {
			return 0, errBSON
		}
		return int(n), nil
	}
	switch typ {
	case typeUndefined, typeNull, typeMinKey, typeMaxKey:
		return 0, nil
	case typeBool:
		return fixed(1)
	case typeInt32:
		return fixed(4)
	case typeDouble, typeDateTime, typeTimestamp, typeInt64:
		return fixed(8)
	case typeObjectID:
		return fixed(12)
	case typeDecimal128:
		return fixed(16)
	case typeString, typeJavaScript, typeSymbol:
		return lenPrefixed(0, true)
	case typeBinary:
		return lenPrefixed(1, false)
	case typeDBPointer:
		n, err := lenPrefixed(0, true)
		if err != nil || n+12 > len(b) {
			return 0, errBSON
		}
		return n + 12, nil
	case typeDocument, typeArray:
		d, _, err := document(b)
		return len(d), err
	case typeCodeScope:
		// The int32 counts itself; a string and a document follow.
		if len(b) < 4 {
			return 0, errBSON
		}
		n := uint64(binary.LittleEndian.Uint32(b))
		if n < 14 || n > uint64(len(b)) {
			return 0, errBSON
		}
		return int(n), nil
	case typeRegex:
		i := bytes.IndexByte(b, 0)
		if i < 0 {
			return 0, errBSON
		}
		j := bytes.IndexByte(b[i+1:], 0)
		if j < 0 {
			return 0, errBSON
		}
		return i + 1 + j + 1, nil
	}
	return 0, fmt.Errorf("mongodb: BSON type %#x: %w", typ, errBSON)
}

// number returns a numeric element's value as an int64.
func (e element) number() (int64, bool) {
	switch e.typ {
	case typeInt32:
		return int64(int32(binary.LittleEndian.Uint32(e.val))), true
	case typeInt64:
		return int64(binary.LittleEndian.Uint64(e.val)), true
	case typeDouble:
		f := math.Float64frombits(binary.LittleEndian.Uint64(e.val))
		if math.IsNaN(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return 0, false
		}
		return int64(f), true
	}
	return 0, false
}

// str returns a string element's value.
func (e element) str() (string, bool) {
	if e.typ != typeString {
		return "", false
	}
	return string(e.val[4 : len(e.val)-1]), true
}

// truth returns a boolean element's value.
func (e element) truth() bool {
	return e.typ == typeBool && e.val[0] != 0
}
