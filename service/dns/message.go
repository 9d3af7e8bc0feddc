package dns

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/picket-scanner/picket/service"
)

// This file builds the version.bind query and parses answers to it (RFC
// 1035 §4), every offset checked: a reply is attacker-controlled.

const (
	typeTXT   = 16
	classCH   = 3 // CHAOS, where servers answer about themselves
	headerLen = 12
	// maxAnswers bounds the records read; version.bind has one.
	maxAnswers = 32
	// maxJumps bounds the compression pointers followed in one name.
	maxJumps = 16
	// versionName is the question asked.
	versionName = "version.bind"
)

// Answer is what a server answered to version.bind CH TXT. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type Answer struct {
	RCode     int // 0 NOERROR, 5 REFUSED, ...
	Truncated bool
	// Text holds the answer's TXT strings, each record's joined.
	Text []string
}

// errOtherID says the message answers another query: over UDP, a stray
// or late datagram to skip.
var errOtherID = errors.New("dns: reply to another query")

func noMatch(why string) error {
	return fmt.Errorf("dns: %s: %w", why, service.ErrNoMatch)
}

// Query returns a version.bind CH TXT query with id, no recursion asked.
func Query(id uint16) []byte {
	b := binary.BigEndian.AppendUint16(make([]byte, 0, 32), id)
	b = append(b, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0) // flags 0, one question
	for _, label := range strings.Split(versionName, ".") {
		b = append(append(b, byte(len(label))), label...)
	}
	b = append(b, 0)
	b = binary.BigEndian.AppendUint16(b, typeTXT)
	return binary.BigEndian.AppendUint16(b, classCH)
}

// Parse decodes a reply to Query(id). Its error wraps service.ErrNoMatch
// when msg is not a DNS reply to that query, or is errOtherID when it
// answers another.
func Parse(msg []byte, id uint16) (Answer, error) {
	var a Answer
	if len(msg) < headerLen {
		return a, noMatch("shorter than a header")
	}
	if binary.BigEndian.Uint16(msg) != id {
		return a, errOtherID
	}
	flags := binary.BigEndian.Uint16(msg[2:])
	if flags&0x8000 == 0 {
		return a, noMatch("not a response (an echo?)")
	}
	if op := flags >> 11 & 0xf; op != 0 {
		return a, noMatch(fmt.Sprintf("opcode %d", op))
	}
	a.RCode = int(flags & 0xf)
	a.Truncated = flags&0x0200 != 0
	qd := int(binary.BigEndian.Uint16(msg[4:]))
	an := int(binary.BigEndian.Uint16(msg[6:]))
	switch {
	case qd > 1:
		return a, noMatch(fmt.Sprintf("%d questions", qd))
	case qd == 0 && a.RCode == 0:
		// Only an error may leave the question out.
		return a, noMatch("no question")
	}
	off := headerLen
	if qd == 1 {
		name, end, err := readName(msg, off)
		if err != nil {
			return a, err
		}
		if end+4 > len(msg) {
			return a, noMatch("question cut short")
		}
		// Case may differ (0x20 randomisation, or a server's whim).
		if !strings.EqualFold(name, versionName) ||
			binary.BigEndian.Uint16(msg[end:]) != typeTXT || binary.BigEndian.Uint16(msg[end+2:]) != classCH {
			return a, noMatch(fmt.Sprintf("answers %q, not version.bind", name))
		}
		off = end + 4
	}
	for range min(an, maxAnswers) {
		_, end, err := readName(msg, off)
		if err != nil {
			return a, err
		}
		if end+10 > len(msg) {
			return a, noMatch("record cut short")
		}
		typ := binary.BigEndian.Uint16(msg[end:])
		rdlen := int(binary.BigEndian.Uint16(msg[end+8:]))
		rdata := msg[end+10:]
		if rdlen > len(rdata) {
			return a, noMatch("record data cut short")
		}
		rdata = rdata[:rdlen]
		if typ == typeTXT {
			a.Text = append(a.Text, txt(rdata))
		}
		off = end + 10 + rdlen
	}
	return a, nil
}

// txt joins a TXT record's character strings, each a length byte and
// that many bytes; a string overrunning the record is cut.
func txt(rdata []byte) string {
	var sb strings.Builder
	for len(rdata) > 0 {
		n := int(rdata[0])
		rdata = rdata[1:]
		n = min(n, len(rdata))
		sb.Write(rdata[:n])
		rdata = rdata[n:]
	}
	return service.Printable(sb.String(), 256)
}

// readName reads the domain name at off in msg, following compression
// pointers, and returns it dotted and the offset just past it in place.
// A pointer must point backwards, before the label that holds it, and at
// most maxJumps are followed: no loop can be built.
func readName(msg []byte, off int) (string, int, error) {
	var labels []string
	end := -1 // where the name ends in place, once a pointer is taken
	size := 0
	limit := off // a pointer must point below this
	for jumps := 0; ; {
		if off >= len(msg) {
			return "", 0, noMatch("name runs past the message")
		}
		l := int(msg[off])
		switch {
		case l == 0:
			if end < 0 {
				end = off + 1
			}
			return strings.Join(labels, "."), end, nil
		case l&0xc0 == 0xc0:
			if off+1 >= len(msg) {
				return "", 0, noMatch("pointer cut short")
			}
			ptr := (l&0x3f)<<8 | int(msg[off+1])
			if ptr >= limit || jumps >= maxJumps {
				return "", 0, noMatch("compression pointer loops or points forward")
			}
			jumps++
			if end < 0 {
				end = off + 2
			}
			off, limit = ptr, ptr
		case l&0xc0 != 0:
			return "", 0, noMatch("reserved label type")
		default:
			if off+1+l > len(msg) {
				return "", 0, noMatch("label runs past the message")
			}
			if size += l + 1; size > 255 {
				return "", 0, noMatch("name longer than 255 bytes")
			}
			labels = append(labels, service.Printable(string(msg[off+1:off+1+l]), 63))
			off += 1 + l
		}
	}
}
