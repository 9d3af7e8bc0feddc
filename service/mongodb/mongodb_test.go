package mongodb

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// reply wraps a document in an OP_REPLY to request to.
func reply(to int32, doc []byte) []byte {
	b := binary.LittleEndian.AppendUint32(make([]byte, 4), 99)
	b = binary.LittleEndian.AppendUint32(b, uint32(to))
	b = binary.LittleEndian.AppendUint32(b, opReply)
	b = append(b, make([]byte, 4+8+4)...)
	b = binary.LittleEndian.AppendUint32(b, 1)
	return finish(append(b, doc...))
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		isMaster  []byte
		buildInfo []byte
		want      service.Match
		noMatch   bool
	}{
		{
			name:      "MongoDB 7.0 standalone",
			isMaster:  servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex"),
			buildInfo: servicetest.ReadHex(t, "mongodb-7.0-buildinfo.hex"),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "7.0.5", CPE: []string{"cpe:2.3:a:mongodb:mongodb:7.0.5:*:*:*:*:*:*:*"}},
				Details: servicetest.Details("wire versions", "0-21", "role", "standalone"),
			},
		},
		{
			name:     "MongoDB 7.0, buildInfo lost",
			isMaster: servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex"),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "7.0.x"},
				Details: servicetest.Details("wire versions", "0-21", "role", "standalone"),
			},
		},
		{
			name:      "MongoDB Enterprise 3.4 replica set primary",
			isMaster:  servicetest.ReadHex(t, "mongodb-3.4-rs-ismaster.hex"),
			buildInfo: servicetest.ReadHex(t, "mongodb-3.4-buildinfo.hex"),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "3.4.24", ExtraInfo: "Enterprise", CPE: []string{"cpe:2.3:a:mongodb:mongodb:3.4.24:*:*:*:*:*:*:*"}},
				Details: servicetest.Details("wire versions", "0-5", "role", "replica set primary", "replica set", "rs0"),
			},
		},
		{
			name:     "MongoDB 4.4 mongos",
			isMaster: servicetest.ReadHex(t, "mongodb-4.4-mongos-ismaster.hex"),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "4.4.x"},
				Details: servicetest.Details("wire versions", "0-9", "role", "mongos router"),
			},
		},
		{
			name:     "isMaster refused",
			isMaster: servicetest.ReadHex(t, "mongodb-unauthorized.hex"),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB"},
				Details: servicetest.Details("error", "command isMaster requires authentication"),
			},
		},
		{
			name:     "a wire version from the future",
			isMaster: reply(1, appendDoc(nil, field{"maxWireVersion", int32(40)}, field{"ok", int32(1)})),
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "later than 8.0"},
				Details: servicetest.Details("wire versions", "0-40"),
			},
		},
		{
			name:      "buildInfo answering another request",
			isMaster:  servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex"),
			buildInfo: servicetest.ReadHex(t, "mongodb-3.4-buildinfo.hex")[:0:0],
			want: service.Match{
				Service: result.Service{Name: "mongodb", Product: "MongoDB", Version: "7.0.x"},
				Details: servicetest.Details("wire versions", "0-21", "role", "standalone"),
			},
		},
		{name: "empty", noMatch: true},
		{name: "truncated", isMaster: servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex")[:100], noMatch: true},
		{name: "reply to another request", isMaster: servicetest.ReadHex(t, "mongodb-3.4-buildinfo.hex"), noMatch: true},
		{name: "buildInfo instead of isMaster", isMaster: reply(1, appendDoc(nil, field{"version", "7.0.5"}, field{"ok", int32(1)})), noMatch: true},
		{name: "ok 0 without errmsg", isMaster: reply(1, appendDoc(nil, field{"ok", int32(0)})), noMatch: true},
		{name: "no ok", isMaster: reply(1, appendDoc(nil, field{"maxWireVersion", int32(9)})), noMatch: true},
		{name: "HTTP", isMaster: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
		{name: "huge length", isMaster: []byte("\xff\xff\xff\x7f\x00\x00\x00\x00\x01\x00\x00\x00\x01\x00\x00\x00"), noMatch: true},
		{name: "unknown opcode", isMaster: func() []byte {
			b := servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex")
			b = bytes.Clone(b)
			b[12] = 0xd4
			return b
		}(), noMatch: true},
		{name: "document length past the message", isMaster: func() []byte {
			b := bytes.Clone(servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex"))
			b[36] = 0xff
			return b
		}(), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := ParseIsMaster(tt.isMaster, isMasterID)
			if tt.noMatch {
				if err == nil {
					t.Fatalf("ParseIsMaster = %+v; want no match", h)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			h.parseBuildInfo(tt.buildInfo, buildInfoID)
			if got := h.Match(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestBSON(t *testing.T) {
	doc := appendDoc(nil, field{"isMaster", int32(1)}, field{"$db", "admin"})
	want := "220000001069734d6173746572000100000002246462000600000061646d696e0000"
	if hex.EncodeToString(doc) != want {
		t.Errorf("appendDoc = %x\nwant %s", doc, want)
	}
	var names []string
	if err := elements(doc, func(e element) bool { names = append(names, e.name); return true }); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(names, []string{"isMaster", "$db"}) {
		t.Errorf("elements: %v", names)
	}

	// Every type the decoder knows, then malformed documents.
	all := servicetest.ReadHex(t, "bson-all-types.hex")
	var types []byte
	if err := elements(all, func(e element) bool { types = append(types, e.typ); return true }); err != nil {
		t.Fatalf("all types: %v", err)
	}
	if len(types) != 21 {
		t.Errorf("all types: %d elements, want 21: %x", len(types), types)
	}
	for _, bad := range []struct{ name, hex string }{
		{"empty", ""},
		{"length past the end", "ff00000000"},
		{"length below 5", "0400000000"},
		{"no terminating NUL", "0500000001"},
		{"name without NUL", "0800000010616200"},
		{"int32 cut short", "0a00000010610001000000"[:18] + "00"},
		{"string length past the end", "1000000002610010000000616263000000"[:32]},
		{"string without NUL", "0f000000026100040000006162636400"},
		{"string length 0", "0c0000000261000000000000"},
		{"unknown type", "0800000020610000"},
		{"nested length past the end", "0d00000003610020000000000000"[:26]},
		{"code with scope too short", "0c0000000f61000500000000"},
		{"regex without end", "0b0000000b610061620000"},
	} {
		b, _ := hex.DecodeString(bad.hex)
		if err := elements(b, func(element) bool { return true }); err == nil {
			t.Errorf("%s (%s): no error", bad.name, bad.hex)
		}
	}
}

// server is a fake MongoDB: it answers each request in turn with the
// next of replies, checking the opcode it expects.
func server(t *testing.T, replies []struct {
	op    int32
	reply []byte
}) func(c net.Conn) {
	return func(c net.Conn) {
		for _, r := range replies {
			var h [16]byte
			if _, err := io.ReadFull(c, h[:]); err != nil {
				return
			}
			rest := make([]byte, binary.LittleEndian.Uint32(h[:])-16)
			io.ReadFull(c, rest)
			if op := int32(binary.LittleEndian.Uint32(h[12:])); op != r.op {
				t.Errorf("request opcode %d, want %d", op, r.op)
				return
			}
			c.Write(r.reply)
		}
		io.Copy(io.Discard, c)
	}
}

func TestRun(t *testing.T) {
	type step = struct {
		op    int32
		reply []byte
	}
	tests := []struct {
		name    string
		steps   []step
		version string
	}{
		{"7.0: buildInfo in OP_MSG", []step{{opQuery, servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex")}, {opMsg, servicetest.ReadHex(t, "mongodb-7.0-buildinfo.hex")}}, "7.0.5"},
		{"3.4: buildinfo in OP_QUERY", []step{{opQuery, servicetest.ReadHex(t, "mongodb-3.4-rs-ismaster.hex")}, {opQuery, servicetest.ReadHex(t, "mongodb-3.4-buildinfo.hex")}}, "3.4.24"},
		{"buildInfo unanswered", []step{{opQuery, servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex")}}, "7.0.x"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := net.Pipe()
				done := make(chan struct{})
				go func() {
					server(t, tt.steps)(b)
					b.Close()
					close(done)
				}()
				ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
				defer cancel()
				m, err := Handshake.Run(ctx, a, nil)
				a.Close()
				<-done
				if err != nil || m.Service.Version != tt.version {
					t.Errorf("got %+v, %v; want version %s", m, err, tt.version)
				}
			})
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline with no match or an error, and leave no
// goroutine behind (synctest fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"silent", servicetest.Silent},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", servicetest.DrainThen(servicetest.Endless(strings.Repeat("\x00\x00\x01\x00", 1024)))},
		{"one byte a second", servicetest.DrainThen(servicetest.Slow(string(servicetest.ReadHex(t, "mongodb-7.0-ismaster.hex"))))},
		{"garbage", servicetest.Hangup("\x20\x00\x00\x00garbage garbage garbage garbage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve)
			if err == nil {
				t.Errorf("matched %+v", m)
			}
		})
	}
}

func FuzzParseIsMaster(f *testing.F) {
	for _, name := range []string{"mongodb-7.0-ismaster.hex", "mongodb-3.4-rs-ismaster.hex", "mongodb-4.4-mongos-ismaster.hex", "mongodb-unauthorized.hex"} {
		f.Add(servicetest.ReadHex(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := ParseIsMaster(b, isMasterID)
		if err != nil && !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errShort) {
			t.Fatalf("error %v is neither no match nor short", err)
		}
		h.parseBuildInfo(b, isMasterID)
		if m := h.Match(); m.Service.Product != "MongoDB" {
			t.Fatalf("match %+v", m)
		}
	})
}

func FuzzBSON(f *testing.F) {
	f.Add(servicetest.ReadHex(f, "bson-all-types.hex"))
	f.Add(appendDoc(nil, field{"isMaster", int32(1)}, field{"$db", "admin"}))
	f.Fuzz(func(t *testing.T, b []byte) {
		elements(b, func(e element) bool {
			e.number()
			e.str()
			e.truth()
			if e.typ == typeDocument || e.typ == typeArray {
				elements(e.val, func(element) bool { return true })
			}
			return true
		})
	})
}
