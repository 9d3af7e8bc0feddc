// Package mongodb identifies MongoDB servers. It sends the legacy
// isMaster command in an OP_QUERY, which every MongoDB answers before
// authentication (from 2.x to 8.x, where OP_QUERY survives only for this
// handshake), then buildInfo, which also needs no login, in the message
// format the server's wire version calls for. isMaster's maxWireVersion
// narrows the release; buildInfo's version names it.
package mongodb

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises MongoDB from its answers to isMaster and buildInfo.
var Handshake = service.Handshake{
	Name:  "mongodb",
	Ports: []uint16{27017, 27018, 27019},
	Run:   run,
}

// Wire protocol opcodes.
const (
	opReply = 1
	opQuery = 2004
	opMsg   = 2013
)

const (
	headerLen = 16
	// maxMessage bounds a reply: isMaster and buildInfo answer in one or
	// two kilobytes (a large replica set's host list, a few more).
	maxMessage = 64 << 10
	// wireOpMsg is the first wire version with OP_MSG (MongoDB 3.6).
	wireOpMsg               = 6
	isMasterID, buildInfoID = 1, 2
)

// Hello is what a server answered to isMaster and buildInfo. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type Hello struct {
	MinWire, MaxWire int64 // -1 if not sent
	IsMaster         bool
	Secondary        bool
	Arbiter          bool
	Router           bool   // mongos: msg "isdbgrid"
	SetName          string // the replica set's name
	Error            string // errmsg, when ok is 0

	// From buildInfo.
	Version    string
	Enterprise bool
}

// errShort says a message is incomplete: more bytes may complete it.
var errShort = errors.New("mongodb: message incomplete")

func noMatch(why string) error {
	return fmt.Errorf("mongodb: %s: %w", why, service.ErrNoMatch)
}

func run(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	defer service.Watch(ctx, c)()
	reply, err := roundTrip(ctx, c, opQueryMsg(isMasterID, field{"isMaster", int32(1)}))
	if err != nil {
		return service.Match{}, err
	}
	h, err := ParseIsMaster(reply, isMasterID)
	if err != nil {
		return service.Match{}, service.ErrNoMatch
	}
	// buildInfo is a refinement: if it fails, isMaster's range stands.
	req := opQueryMsg(buildInfoID, field{"buildinfo", int32(1)})
	if h.MaxWire >= wireOpMsg {
		// MongoDB 6.0 and later refuse other commands in OP_QUERY.
		req = opMsgMsg(buildInfoID, field{"buildInfo", int32(1)}, field{"$db", "admin"})
	}
	if reply, err := roundTrip(ctx, c, req); err == nil {
		h.parseBuildInfo(reply, buildInfoID)
	}
	return h.Match(), nil
}

// roundTrip sends a request and reads one reply message.
func roundTrip(ctx context.Context, c net.Conn, req []byte) ([]byte, error) {
	if err := service.Send(ctx, c, req); err != nil {
		return nil, fmt.Errorf("mongodb: send: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	b, err := service.ReadAtMost(c, maxMessage, service.Deadline(ctx), func(b []byte) bool {
		n := messageLen(b)
		return n < 0 || (n > 0 && len(b) >= n)
	})
	if err != nil {
		return nil, fmt.Errorf("mongodb: read: %w", err)
	}
	return b, nil
}

// header appends a message header; the length is patched by finish.
func header(id int32, op int32) []byte {
	b := make([]byte, 4, 64)
	b = binary.LittleEndian.AppendUint32(b, uint32(id))
	b = binary.LittleEndian.AppendUint32(b, 0) // responseTo
	return binary.LittleEndian.AppendUint32(b, uint32(op))
}

func finish(b []byte) []byte {
	binary.LittleEndian.PutUint32(b, uint32(len(b)))
	return b
}

// opQueryMsg is a command in an OP_QUERY on admin.$cmd.
func opQueryMsg(id int32, cmd ...field) []byte {
	b := header(id, opQuery)
	b = binary.LittleEndian.AppendUint32(b, 0) // flags
	b = append(b, "admin.$cmd\x00"...)
	b = binary.LittleEndian.AppendUint32(b, 0)          // numberToSkip
	b = binary.LittleEndian.AppendUint32(b, 0xffffffff) // numberToReturn -1: one document
	return finish(appendDoc(b, cmd...))
}

// opMsgMsg is a command in an OP_MSG with one body section.
func opMsgMsg(id int32, cmd ...field) []byte {
	b := header(id, opMsg)
	b = binary.LittleEndian.AppendUint32(b, 0) // flagBits
	b = append(b, 0)                           // section kind 0: body
	return finish(appendDoc(b, cmd...))
}

// messageLen returns the length of the message at the start of b, 0 if
// its header is incomplete, -1 if the length is impossible.
func messageLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	n := binary.LittleEndian.Uint32(b)
	if n < headerLen+5 || n > maxMessage {
		return -1
	}
	return int(n)
}

// replyDoc returns the first document of a reply to request id: an
// OP_REPLY's first document, or an OP_MSG's body section.
func replyDoc(b []byte, id int32) ([]byte, error) {
	n := messageLen(b)
	switch {
	case n == 0 || n > len(b):
		return nil, errShort
	case n < 0:
		return nil, noMatch("message length")
	}
	b = b[:n]
	if responseTo := int32(binary.LittleEndian.Uint32(b[8:])); responseTo != id {
		return nil, noMatch(fmt.Sprintf("reply to %d, not %d", responseTo, id))
	}
	body := b[headerLen:]
	switch op := binary.LittleEndian.Uint32(b[12:]); op {
	case opReply:
		// responseFlags, cursorID, startingFrom, numberReturned.
		if len(body) < 20 || binary.LittleEndian.Uint32(body[16:]) < 1 {
			return nil, noMatch("OP_REPLY without a document")
		}
		body = body[20:]
	case opMsg:
		// flagBits, then the sections; the body section is kind 0.
		if len(body) < 5 || body[4] != 0 {
			return nil, noMatch("OP_MSG without a body section")
		}
		body = body[5:]
	default:
		return nil, noMatch(fmt.Sprintf("opcode %d", op))
	}
	doc, _, err := document(body)
	if err != nil {
		return nil, noMatch("malformed document")
	}
	return doc, nil
}

// ParseIsMaster decodes the reply to isMaster (request id). Its error
// wraps service.ErrNoMatch when b is not MongoDB's, or is errShort when
// the message is incomplete.
func ParseIsMaster(b []byte, id int32) (Hello, error) {
	h := Hello{MinWire: -1, MaxWire: -1}
	doc, err := replyDoc(b, id)
	if err != nil {
		return h, err
	}
	var hasOK, ok, hasMaster bool
	err = elements(doc, func(e element) bool {
		switch e.name {
		case "ok":
			n, isNum := e.number()
			hasOK, ok = isNum, isNum && n == 1
		case "ismaster", "isWritablePrimary":
			hasMaster = hasMaster || e.typ == typeBool
			h.IsMaster = h.IsMaster || e.truth()
		case "secondary":
			h.Secondary = e.truth()
		case "arbiterOnly":
			h.Arbiter = e.truth()
		case "msg":
			s, _ := e.str()
			h.Router = s == "isdbgrid"
		case "setName":
			s, _ := e.str()
			h.SetName = service.Printable(s, 64)
		case "maxWireVersion", "minWireVersion":
			if n, isNum := e.number(); isNum && n >= 0 && n < 1000 {
				if e.name == "maxWireVersion" {
					h.MaxWire = n
				} else {
					h.MinWire = n
				}
			}
		case "errmsg":
			s, _ := e.str()
			h.Error = service.Printable(s, 200)
		}
		return true
	})
	// A MongoDB reply says ok, and either the isMaster fields or why not.
	switch {
	case err != nil || !hasOK:
		return h, noMatch("not a command reply")
	case ok && (hasMaster || h.MaxWire >= 0), !ok && h.Error != "":
		return h, nil
	}
	return h, noMatch("not an isMaster reply")
}

// parseBuildInfo adds what the reply to buildInfo tells, if it is one.
func (h *Hello) parseBuildInfo(b []byte, id int32) {
	doc, err := replyDoc(b, id)
	if err != nil {
		return
	}
	elements(doc, func(e element) bool {
		switch e.name {
		case "version":
			if s, _ := e.str(); s != "" && s[0] >= '0' && s[0] <= '9' && service.IsText(s) && len(s) <= 64 {
				h.Version = s
			}
		case "modules":
			// An array of module names: Enterprise builds list "enterprise".
			if e.typ == typeArray {
				elements(e.val, func(m element) bool {
					if s, _ := m.str(); s == "enterprise" {
						h.Enterprise = true
					}
					return true
				})
			}
		}
		return true
	})
}

// releases maps maxWireVersion to the release that introduced it. From
// 5.1 on, each release, rapid ones included, takes the next number.
var releases = []string{
	0: "", 1: "2.6", 2: "2.6", 3: "3.0", 4: "3.2", 5: "3.4", 6: "3.6", 7: "4.0", 8: "4.2",
	9: "4.4", 10: "4.7", 11: "4.8", 12: "4.9", 13: "5.0", 14: "5.1", 15: "5.2", 16: "5.3",
	17: "6.0", 18: "6.1", 19: "6.2", 20: "6.3", 21: "7.0", 22: "7.1", 23: "7.2", 24: "7.3",
	25: "8.0",
}

// wireRange names the releases a maxWireVersion stands for.
func wireRange(max int64) string {
	switch {
	case max < 0:
		return ""
	case max == 0:
		return "2.4 or earlier"
	case max >= int64(len(releases)):
		return "later than " + releases[len(releases)-1]
	}
	return releases[max] + ".x"
}

// Match turns the replies into what picket reports.
func (h Hello) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name, s.Product = "mongodb", "MongoDB"
	s.Version = h.Version
	if s.Version == "" {
		s.Version = wireRange(h.MaxWire)
	}
	if v := service.NumericPrefix(h.Version); v != "" {
		s.CPE = []string{"cpe:2.3:a:mongodb:mongodb:" + v + ":*:*:*:*:*:*:*"}
	}
	if h.Enterprise {
		s.ExtraInfo = "Enterprise"
	}
	if h.MaxWire >= 0 {
		m.Details = append(m.Details, service.Detail{Key: "wire versions",
			Value: strconv.FormatInt(max(h.MinWire, 0), 10) + "-" + strconv.FormatInt(h.MaxWire, 10)})
	}
	role := ""
	switch {
	case h.Error != "":
	case h.Router:
		role = "mongos router"
	case h.SetName != "" && h.IsMaster:
		role = "replica set primary"
	case h.SetName != "" && h.Secondary:
		role = "replica set secondary"
	case h.SetName != "" && h.Arbiter:
		role = "replica set arbiter"
	case h.SetName != "":
		role = "replica set member"
	case h.IsMaster:
		role = "standalone"
	}
	if role != "" {
		m.Details = append(m.Details, service.Detail{Key: "role", Value: role})
	}
	if h.SetName != "" {
		m.Details = append(m.Details, service.Detail{Key: "replica set", Value: h.SetName})
	}
	if h.Error != "" {
		m.Details = append(m.Details, service.Detail{Key: "error", Value: h.Error})
	}
	return m
}
