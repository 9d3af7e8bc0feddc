package dns

import (
	"bytes"
	"context"
	"encoding/binary"
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

const captureID = 0x1234

// reply builds a response to Query(id) with flags (QR is added) and the
// given records after the question.
func reply(id, flags uint16, an int, records ...[]byte) []byte {
	b := Query(id)
	binary.BigEndian.PutUint16(b[2:], 0x8000|flags)
	binary.BigEndian.PutUint16(b[6:], uint16(an))
	for _, r := range records {
		b = append(b, r...)
	}
	return b
}

// txtRecord is a CH TXT record named by a pointer to the question.
func txtRecord(strs ...string) []byte {
	var rdata []byte
	for _, s := range strs {
		rdata = append(append(rdata, byte(len(s))), s...)
	}
	b := []byte{0xc0, 0x0c, 0, typeTXT, 0, classCH, 0, 0, 0, 0}
	b = binary.BigEndian.AppendUint16(b, uint16(len(rdata)))
	return append(b, rdata...)
}

// withID returns a copy of msg with its id replaced.
func withID(msg []byte, id uint16) []byte {
	b := bytes.Clone(msg)
	binary.BigEndian.PutUint16(b, id)
	return b
}

var bind = result.Service{
	Name: "domain", Product: "ISC BIND", Version: "9.18.49-1~deb12u3", ExtraInfo: "Debian Linux", OSType: "Linux",
	CPE: []string{"cpe:2.3:a:isc:bind:9.18.49:*:*:*:*:*:*:*"},
}

func TestParse(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    service.Match
		errIs   error
		noMatch bool
	}{
		{
			name: "BIND 9.18 on Debian 12, UDP",
			in:   servicetest.ReadHex(t, "bind-9.18.49-udp.hex"),
			want: service.Match{Service: bind, Details: servicetest.Details("version.bind", "9.18.49-1~deb12u3-Debian")},
		},
		{
			name: "BIND 9.18 on Debian 12, TCP",
			in:   servicetest.ReadHex(t, "bind-9.18.49-tcp.hex")[2:],
			want: service.Match{Service: bind, Details: servicetest.Details("version.bind", "9.18.49-1~deb12u3-Debian")},
		},
		{
			name: "refused, question kept",
			in:   reply(captureID, 5, 0),
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "REFUSED")},
		},
		{
			name: "not implemented, question left out",
			in:   []byte{0x12, 0x34, 0x80, 0x04, 0, 0, 0, 0, 0, 0, 0, 0},
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "NOTIMP")},
		},
		{
			name: "unusual rcode",
			in:   reply(captureID, 9, 0),
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "RCODE 9")},
		},
		{
			name: "empty answer",
			in:   reply(captureID, 0, 0),
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "no answer")},
		},
		{
			name: "version hidden",
			in:   reply(captureID, 0x0400, 1, txtRecord("none")),
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "none")},
		},
		{
			name: "several strings joined, question in capitals",
			in: func() []byte {
				b := reply(captureID, 0, 1, txtRecord("9.16.1-", "Ubuntu"))
				copy(b[13:], "VERSION")
				return b
			}(),
			want: service.Match{
				Service: result.Service{Name: "domain", Product: "ISC BIND", Version: "9.16.1", ExtraInfo: "Ubuntu Linux", OSType: "Linux",
					CPE: []string{"cpe:2.3:a:isc:bind:9.16.1:*:*:*:*:*:*:*"}},
				Details: servicetest.Details("version.bind", "9.16.1-Ubuntu"),
			},
		},
		{
			name: "TXT string overrunning its record is cut",
			in:   reply(captureID, 0, 1, []byte{0xc0, 0x0c, 0, 16, 0, 3, 0, 0, 0, 0, 0, 4, 9, 'a', 'b', 'c'}),
			want: service.Match{Service: result.Service{Name: "domain"}, Details: servicetest.Details("version.bind", "abc")},
		},
		{name: "another query's reply", in: withID(servicetest.ReadHex(t, "bind-9.18.49-udp.hex"), 1), errIs: errOtherID},
		{name: "authors.bind", in: servicetest.ReadHex(t, "bind-9.18.49-authors.hex"), noMatch: true},
		{name: "version.bind in class IN", in: servicetest.ReadHex(t, "bind-9.18.49-version-in.hex"), noMatch: true},
		{name: "echo of the query", in: Query(captureID), noMatch: true},
		{name: "short", in: []byte{0x12, 0x34, 0x80}, noMatch: true},
		{name: "no question, no error", in: []byte{0x12, 0x34, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0}, noMatch: true},
		{name: "two questions", in: func() []byte { b := reply(captureID, 0, 0); b[5] = 2; return b }(), noMatch: true},
		{name: "notify opcode", in: reply(captureID, 4<<11, 0), noMatch: true},
		{name: "question cut short", in: reply(captureID, 0, 0)[:20], noMatch: true},
		{name: "record cut short", in: reply(captureID, 0, 1, txtRecord("9.18.1")[:6]), noMatch: true},
		{name: "record data cut short", in: reply(captureID, 0, 1, txtRecord("9.18.1"))[:40], noMatch: true},
		{name: "pointer to itself", in: reply(captureID, 0, 1, []byte{0xc0, 30}), noMatch: true},
		{name: "pointer forward", in: reply(captureID, 0, 1, []byte{0xc0, 40, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}), noMatch: true},
		{name: "pointer cut short", in: reply(captureID, 0, 1, []byte{0xc0}), noMatch: true},
		{name: "reserved label type", in: reply(captureID, 0, 1, []byte{0x80, 0}), noMatch: true},
		{name: "label past the end", in: reply(captureID, 0, 1, []byte{60, 'a'}), noMatch: true},
		{name: "name past the end", in: reply(captureID, 0, 1, []byte{1, 'a'}), noMatch: true},
		{name: "name of 300 bytes", in: reply(captureID, 0, 1, append(bytes.Repeat([]byte("\x05abcde"), 50), 0)), noMatch: true},
		{name: "HTTP, taken for another id", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), errIs: errOtherID},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, err := Parse(tt.in, captureID)
			switch {
			case tt.errIs != nil:
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
				return
			case tt.noMatch:
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("Parse = %+v, %v; want no match", a, err)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			if got := a.Match(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// TestPointerChain follows a chain of backward pointers, as long as
// maxJumps allows, and refuses a longer one.
func TestPointerChain(t *testing.T) {
	for _, tc := range []struct {
		jumps int
		ok    bool
	}{{maxJumps, true}, {maxJumps + 1, false}} {
		msg := []byte{3, 'c', 'o', 'm', 0}
		for i := 0; i < tc.jumps; i++ {
			prev := len(msg) - 2
			if i == 0 {
				prev = 0
			}
			msg = append(msg, 0xc0, byte(prev))
		}
		name, end, err := readName(msg, len(msg)-2)
		if (err == nil) != tc.ok || (tc.ok && (name != "com" || end != len(msg))) {
			t.Errorf("%d jumps: %q, %d, %v; want ok %v", tc.jumps, name, end, err, tc.ok)
		}
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		txt  string
		want result.Service
	}{
		{"9.18.49-1~deb12u3-Debian", bind},
		{"9.18.24", result.Service{Product: "ISC BIND", Version: "9.18.24", CPE: []string{"cpe:2.3:a:isc:bind:9.18.24:*:*:*:*:*:*:*"}}},
		{"9.11.4-P2-RedHat-9.11.4-26.P2.el7_9.13", result.Service{Product: "ISC BIND", Version: "9.11.4-P2", ExtraInfo: "RedHat Linux", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:isc:bind:9.11.4:p2:*:*:*:*:*:*"}}},
		{"9.16.23-RH", result.Service{Product: "ISC BIND", Version: "9.16.23", ExtraInfo: "RedHat Linux", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:isc:bind:9.16.23:*:*:*:*:*:*:*"}}},
		{"8.4.7-REL", result.Service{Product: "ISC BIND", Version: "8.4.7-REL", CPE: []string{"cpe:2.3:a:isc:bind:8.4.7:*:*:*:*:*:*:*"}}},
		{"dnsmasq-2.89", result.Service{Product: "dnsmasq", Version: "2.89", CPE: []string{"cpe:2.3:a:thekelleys:dnsmasq:2.89:*:*:*:*:*:*:*"}}},
		{"unbound 1.17.1", result.Service{Product: "Unbound", Version: "1.17.1", CPE: []string{"cpe:2.3:a:nlnetlabs:unbound:1.17.1:*:*:*:*:*:*:*"}}},
		{"PowerDNS Authoritative Server 4.7.3 (built Jan  1 2023 by root@localhost)", result.Service{Product: "PowerDNS Authoritative Server", Version: "4.7.3",
			CPE: []string{"cpe:2.3:a:powerdns:authoritative_server:4.7.3:*:*:*:*:*:*:*"}}},
		{"PowerDNS Recursor 4.8.4", result.Service{Product: "PowerDNS Recursor", Version: "4.8.4", CPE: []string{"cpe:2.3:a:powerdns:recursor:4.8.4:*:*:*:*:*:*:*"}}},
		{"NSD 4.6.1", result.Service{Product: "NLnet Labs NSD", Version: "4.6.1"}},
		{"Knot DNS 3.2.6", result.Service{Product: "Knot DNS", Version: "3.2.6"}},
		{"Microsoft DNS 10.0.17763 (4563304F)", result.Service{Product: "Microsoft DNS", Version: "10.0.17763", OSType: "Windows"}},
		{"9.x", result.Service{}},
		{"unknown", result.Service{}},
		{"", result.Service{}},
	}
	for _, tt := range tests {
		t.Run(tt.txt, func(t *testing.T) {
			tt.want.Name = "domain"
			if got := identify(tt.txt); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("identify(%q)\n got %+v\nwant %+v", tt.txt, got, tt.want)
			}
		})
	}
}

// tcpServer answers one query over TCP with answer(id).
func tcpServer(t *testing.T, answer func(id uint16) []byte) func(c net.Conn) {
	return func(c net.Conn) {
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			return
		}
		q := make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, q); err != nil || len(q) < 2 {
			return
		}
		if !bytes.Equal(q[2:], Query(0)[2:]) {
			t.Errorf("query %x", q)
		}
		m := answer(binary.BigEndian.Uint16(q))
		c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(m))), m...))
		io.Copy(io.Discard, c)
	}
}

func TestRunTCP(t *testing.T) {
	capture := servicetest.ReadHex(t, "bind-9.18.49-tcp.hex")[2:]
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		done := make(chan struct{})
		go func() {
			tcpServer(t, func(id uint16) []byte { return withID(capture, id) })(b)
			b.Close()
			close(done)
		}()
		m, err := Handshake.Run(t.Context(), a, nil)
		a.Close()
		<-done
		if err != nil || !reflect.DeepEqual(m.Service, bind) {
			t.Errorf("got %+v, %v", m, err)
		}
	})
}

// TestProbeUDP uses a pipe as a datagram link: each write is read whole.
func TestProbeUDP(t *testing.T) {
	capture := servicetest.ReadHex(t, "bind-9.18.49-udp.hex")
	tests := []struct {
		name  string
		serve func(c net.Conn) // gets each query, may answer
		match bool
		took  time.Duration // at least
	}{
		{name: "answers", match: true, serve: func(c net.Conn) {
			q := make([]byte, 512)
			n, _ := c.Read(q)
			c.Write(withID(capture, binary.BigEndian.Uint16(q[:n])))
		}},
		{name: "first query lost", match: true, took: retransmit, serve: func(c net.Conn) {
			q := make([]byte, 512)
			c.Read(q)
			n, _ := c.Read(q)
			c.Write(withID(capture, binary.BigEndian.Uint16(q[:n])))
		}},
		{name: "stray datagrams first", match: true, serve: func(c net.Conn) {
			q := make([]byte, 512)
			n, _ := c.Read(q)
			id := binary.BigEndian.Uint16(q[:n])
			c.Write(withID(capture, id+1))
			c.Write(withID(capture, id+2))
			c.Write(withID(capture, id))
		}},
		{name: "garbage", serve: func(c net.Conn) {
			q := make([]byte, 512)
			n, _ := c.Read(q)
			c.Write(append(q[:2:2], "garbage garbage"...))
			_ = n
		}},
		{name: "silent", took: 3 * time.Second, serve: func(c net.Conn) {
			io.Copy(io.Discard, c)
		}},
		{name: "only strays", took: 3 * time.Second, serve: func(c net.Conn) {
			q := make([]byte, 512)
			n, _ := c.Read(q)
			id := binary.BigEndian.Uint16(q[:n])
			for i := range 20 {
				if _, err := c.Write(withID(capture, id+1+uint16(i))); err != nil {
					return
				}
			}
			io.Copy(io.Discard, c)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := net.Pipe()
				done := make(chan struct{})
				go func() {
					tt.serve(b)
					io.Copy(io.Discard, b)
					close(done)
				}()
				ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
				defer cancel()
				start := time.Now()
				m, err := ProbeUDP(ctx, a)
				took := time.Since(start)
				a.Close()
				<-done
				if (err == nil) != tt.match {
					t.Fatalf("got %+v, %v; want a match: %v", m, err, tt.match)
				}
				if tt.match && !reflect.DeepEqual(m.Service, bind) {
					t.Errorf("got %+v", m.Service)
				}
				if took < tt.took || took > 3*time.Second {
					t.Errorf("took %v, want from %v to the 3s deadline", took, tt.took)
				}
			})
		})
	}
}

// TestHostile runs the TCP handshake against servers that misbehave: it
// must return within its deadline with no match or an error, and leave no
// goroutine behind (synctest fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"silent", servicetest.Silent},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", servicetest.DrainThen(servicetest.Endless(strings.Repeat("\x3f", 4096)))},
		{"one byte a second", servicetest.DrainThen(servicetest.Slow(string(servicetest.ReadHex(t, "bind-9.18.49-tcp.hex"))))},
		{"garbage", servicetest.Hangup("\x00\x10garbage garbage!")},
		{"echo", func(c net.Conn) { io.Copy(c, c) }},
		{"length beyond the bound", servicetest.Hangup("\xff\xff\x12\x34")},
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

func FuzzParse(f *testing.F) {
	for _, name := range []string{"bind-9.18.49-udp.hex", "bind-9.18.49-authors.hex", "bind-9.18.49-version-in.hex"} {
		f.Add(servicetest.ReadHex(f, name))
	}
	f.Add(reply(captureID, 5, 0))
	f.Add(reply(captureID, 0, 1, txtRecord("9.16.1-", "Ubuntu")))
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := Parse(b, captureID)
		if err != nil && !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errOtherID) {
			t.Fatalf("error %v", err)
		}
		if m := a.Match(); m.Service.Name != "domain" {
			t.Fatalf("match %+v", m)
		}
		for off := range min(len(b), 64) {
			readName(b, off)
		}
	})
}

func FuzzIdentify(f *testing.F) {
	for _, s := range []string{"9.18.49-1~deb12u3-Debian", "9.11.4-P2-RedHat-9.11.4-26.P2.el7", "dnsmasq-2.89", "PowerDNS Recursor 4.8.4"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got := identify(s); got.Product == "" && (got.Version != "" || len(got.CPE) > 0) {
			t.Fatalf("version without product: %+v", got)
		}
	})
}
