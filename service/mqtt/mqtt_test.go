package mqtt

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestParsePacket(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Packet
		n    int
		err  error
	}{
		{name: "connack", in: " \x02\x00\x05", want: Packet{Type: 2, Body: []byte{0, 5}}, n: 4},
		{name: "two-byte length", in: "\x30\x80\x01" + string(bytes.Repeat([]byte("x"), 128)), want: Packet{Type: 3, Body: bytes.Repeat([]byte("x"), 128)}, n: 131},
		{name: "incomplete body", in: " \x02\x00"},
		{name: "incomplete length", in: "\x30\x80"},
		{name: "one byte", in: " "},
		{name: "length past four bytes", in: "\x30\x80\x80\x80\x80\x01", err: service.ErrNoMatch},
		{name: "too long", in: "\x30\xff\xff\xff\x7f", err: errTooLong},
		{name: "flags kept", in: "\x32\x00", want: Packet{Type: 3, Flags: 2, Body: []byte{}}, n: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, n, err := ParsePacket([]byte(tt.in))
			if n != tt.n || !errors.Is(err, tt.err) || (tt.err == nil && err != nil) || (n > 0 && !reflect.DeepEqual(p, tt.want)) {
				t.Errorf("ParsePacket = %+v, %d, %v; want %+v, %d, %v", p, n, err, tt.want, tt.n, tt.err)
			}
		})
	}
}

func TestParseConnack(t *testing.T) {
	v5 := func(file string) []byte {
		return servicetest.ServerBytes(servicetest.ReadTranscript(t, "testdata/"+file))
	}
	tests := []struct {
		name string
		in   []byte
		want Connack
		bad  bool
	}{
		{name: "accepted", in: []byte(" \x02\x00\x00"), want: Connack{}},
		{name: "session present", in: []byte(" \x02\x01\x00"), want: Connack{SessionPresent: true}},
		{name: "not authorized", in: []byte(" \x02\x00\x05"), want: Connack{Code: 5}},
		{name: "5.0 success with properties (mosquitto)", in: v5("mosquitto-2.0.11-v5-anonymous.txt"), want: Connack{V5: true}},
		{name: "5.0 not authorized (mosquitto)", in: v5("mosquitto-2.0.11-v5-auth.txt"), want: Connack{V5: true, Code: 0x87}},
		{name: "unknown 3.1.1 code", in: []byte(" \x02\x00\x06"), bad: true},
		{name: "unknown 5.0 code", in: []byte(" \x03\x00\x42\x00"), bad: true},
		{name: "properties length wrong", in: []byte(" \x03\x00\x87\x05"), bad: true},
		{name: "reserved ack flags", in: []byte(" \x02\x02\x00"), bad: true},
		{name: "fixed header flags", in: []byte("\x21\x02\x00\x00"), bad: true},
		{name: "suback", in: []byte("\x90\x03\x00\x01\x00"), bad: true},
		{name: "short", in: []byte(" \x01\x00"), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, n, err := ParsePacket(tt.in)
			if err != nil || n == 0 {
				t.Fatalf("ParsePacket: %d, %v", n, err)
			}
			c, err := ParseConnack(p)
			if (err != nil) != tt.bad || c != tt.want {
				t.Errorf("ParseConnack = %+v, %v; want %+v, bad %v", c, err, tt.want, tt.bad)
			}
		})
	}
}

func TestParsePublish(t *testing.T) {
	tests := []struct {
		name    string
		p       Packet
		topic   string
		payload string
		bad     bool
	}{
		{name: "qos 0", p: Packet{Type: 3, Body: []byte("\x00\x01tpay")}, topic: "t", payload: "pay"},
		{name: "qos 1 skips the identifier", p: Packet{Type: 3, Flags: 2, Body: []byte("\x00\x01t\x00\x07pay")}, topic: "t", payload: "pay"},
		{name: "qos 3", p: Packet{Type: 3, Flags: 6, Body: []byte("\x00\x01t\x00\x07")}, bad: true},
		{name: "topic past the end", p: Packet{Type: 3, Body: []byte("\x00\x09t")}, bad: true},
		{name: "identifier missing", p: Packet{Type: 3, Flags: 2, Body: []byte("\x00\x01t\x00")}, bad: true},
		{name: "not a publish", p: Packet{Type: 9, Body: []byte("\x00\x01\x00")}, bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topic, payload, err := ParsePublish(tt.p)
			if (err != nil) != tt.bad || topic != tt.topic || string(payload) != tt.payload {
				t.Errorf("ParsePublish = %q, %q, %v", topic, payload, err)
			}
		})
	}
}

func TestTranscripts(t *testing.T) {
	mqtt := result.Service{Name: "mqtt"}
	tests := []struct {
		file string
		want service.Match
	}{
		{"mosquitto-2.0.11-anonymous.txt", service.Match{
			Service: result.Service{Name: "mqtt", Product: "Eclipse Mosquitto", Version: "2.0.11",
				CPE: []string{"cpe:2.3:a:eclipse:mosquitto:2.0.11:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("authentication", "not required")}},
		{"mosquitto-2.0.11-auth.txt", service.Match{Service: mqtt,
			Details: servicetest.Details("authentication", "required", "connect", "refused: not authorized")}},
		{"v5-only.txt", service.Match{Service: mqtt,
			Details: servicetest.Details("connect", "refused: unsupported protocol version", "protocol", "MQTT 5.0 only")}},
		{"old-broker.txt", service.Match{Service: mqtt,
			Details: servicetest.Details("connect", "refused: unacceptable protocol version")}},
		{"other-broker.txt", service.Match{Service: mqtt, Details: servicetest.Details("authentication", "not required")}},
		{"sys-denied.txt", service.Match{Service: mqtt, Details: servicetest.Details("authentication", "not required")}},
		{"other-version.txt", service.Match{Service: mqtt,
			Details: servicetest.Details("authentication", "not required", "broker version", "acme 1.2")}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := servicetest.ConverseHandshake(t, Handshake, servicetest.ReadTranscript(t, "testdata/"+tt.file), servicetest.Exact)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("got  %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

// TestRun covers answers that are not MQTT, and exchanges cut short.
func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		serve   string
		noMatch bool
		fails   bool
	}{
		{name: "http", serve: "HTTP/1.1 400 Bad Request\r\n\r\n", noMatch: true},
		{name: "redis", serve: "-ERR unknown command\r\n", noMatch: true},
		{name: "tls alert", serve: "\x15\x03\x01\x00\x02\x02\x46", noMatch: true},
		{name: "huge packet", serve: " \xff\xff\xff\x7f", noMatch: true},
		{name: "connack cut short", serve: " \x02\x00", fails: true},
		{name: "nothing", fails: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.Against(t, Run, nil, servicetest.Hangup(tt.serve))
			switch {
			case tt.noMatch && !errors.Is(err, service.ErrNoMatch):
				t.Errorf("got %+v, %v; want no match", m, err)
			case tt.fails && (err == nil || errors.Is(err, service.ErrNoMatch)):
				t.Errorf("got %+v, %v; want a failed attempt", m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline, and leave no goroutine behind (synctest
// fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	accept := func(c net.Conn) {
		go io.Copy(io.Discard, c)
		c.Write([]byte(" \x02\x00\x00"))
	}
	tests := []struct {
		name  string
		serve func(c net.Conn)
		match bool
	}{
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "never reads", serve: func(c net.Conn) { time.Sleep(time.Hour) }},
		{name: "endless zeros", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				if _, err := c.Write(make([]byte, 4096)); err != nil {
					return
				}
			}
		}},
		{name: "one byte a second", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte(" ")); err != nil {
					return
				}
			}
		}},
		{name: "accepts, then silent", match: true, serve: func(c net.Conn) { accept(c); time.Sleep(time.Hour) }},
		{name: "accepts, then endless pings", match: true, serve: func(c net.Conn) {
			accept(c)
			for {
				if _, err := c.Write([]byte("\xd0\x00")); err != nil {
					return
				}
			}
		}},
		{name: "accepts, then a huge publish", match: true, serve: func(c net.Conn) {
			accept(c)
			c.Write([]byte("\x30\xff\xff\x03"))
			for {
				if _, err := c.Write(make([]byte, 4096)); err != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, Run, 3*time.Second, tt.serve)
			if (err == nil) != tt.match {
				t.Errorf("got %+v, %v; want a match: %v", m, err, tt.match)
			}
		})
	}
}
