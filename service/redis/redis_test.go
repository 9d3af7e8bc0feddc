package redis

import (
	"bytes"
	"errors"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

const redis7 = "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"

func TestParseMatch(t *testing.T) {
	open := servicetest.ReadHex(t, "redis-7.0.15-open.hex")
	tests := []struct {
		name    string
		in      []byte
		want    service.Match
		noMatch bool
	}{
		{
			name: "Redis 7.0 without a password",
			in:   open,
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store", Version: "7.0.15", OSType: "Linux", CPE: []string{redis7}},
				Details: servicetest.Details("authentication", "not required", "mode", "standalone", "os", "Linux 6.18.44-fc-v657 x86_64", "arch bits", "64"),
			},
		},
		{
			name: "Redis 7.0 with a password",
			in:   servicetest.ReadHex(t, "redis-7.0.15-noauth.hex"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: servicetest.Details("authentication", "required"),
			},
		},
		{
			name: "Redis 7.0 in protected mode",
			in:   servicetest.ReadHex(t, "redis-7.0.15-protected.hex"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: servicetest.Details("protected mode", "on", "authentication", "not set; loopback clients only"),
			},
		},
		{
			name: "INFO renamed away",
			in:   []byte("+PONG\r\n-ERR unknown command 'INFO', with args beginning with: 'server' \r\n"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: servicetest.Details("authentication", "not required"),
			},
		},
		{
			name: "Redis 2.6 with a password",
			in:   []byte("-ERR operation not permitted\r\n-ERR operation not permitted\r\n"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: servicetest.Details("authentication", "required"),
			},
		},
		{
			name: "Valkey on macOS",
			in:   []byte("+PONG\r\n" + bulk("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nos:Darwin 23.4.0 arm64\r\n")),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Valkey", Version: "8.0.1", OSType: "Mac OS X"},
				Details: servicetest.Details("authentication", "not required", "os", "Darwin 23.4.0 arm64"),
			},
		},
		{name: "empty", noMatch: true},
		{
			name: "PING answered, INFO cut short",
			in:   open[:100],
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: servicetest.Details("authentication", "not required"),
			},
		},
		{name: "POP3", in: []byte("+OK Dovecot (Debian) ready.\r\n-ERR Unknown command.\r\n"), noMatch: true},
		{name: "memcached", in: servicetest.ReadHex(t, "memcached-1.6.18-unknown.hex"), noMatch: true},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
		{name: "endless line", in: append([]byte("+"), bytes.Repeat([]byte("A"), 5000)...), noMatch: true},
		{name: "huge bulk", in: []byte("+PONG\r\n$999999999\r\n"), noMatch: true},
		{name: "negative bulk", in: []byte("+PONG\r\n$-5\r\n"), noMatch: true},
		{name: "bulk not terminated", in: []byte("+PONG\r\n$3\r\nabcXY"), noMatch: true},
		{name: "binary line", in: []byte("+PO\x00NG\r\n+x\r\n"), noMatch: true},
		{name: "array", in: []byte("*1\r\n$4\r\nPONG\r\n"), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			ok := (err == nil || errors.Is(err, errShort)) && r.Identified()
			if tt.noMatch {
				if ok {
					t.Fatalf("Parse = %+v, %v; want no match", r, err)
				}
				return
			}
			if !ok {
				t.Fatalf("Parse = %+v, %v", r, err)
			}
			if got := r.Match(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := servicetest.Pipe(t, servicetest.Answer(t, probe, servicetest.ReadHex(t, "redis-7.0.15-open.hex")))
		m, err := Handshake.Run(t.Context(), c, nil)
		if err != nil || m.Service.Version != "7.0.15" {
			t.Errorf("got %+v, %v", m, err)
		}
	})
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
		{"endless stream", servicetest.DrainThen(servicetest.Endless(strings.Repeat("+", 4096)))},
		{"endless INFO", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("+PONG\r\n$30000\r\n"))
			for {
				if _, err := c.Write([]byte("a:b\r\n")); err != nil {
					return
				}
			}
		}},
		{"one byte a second", servicetest.DrainThen(servicetest.Slow(string([]byte("+PONG\r\n$10\r\n"))))},
		{"garbage", servicetest.Hangup("\x00\xff\xfe+PONG garbage")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve)
			// A tarpit that got as far as +PONG is Redis all the same.
			if err == nil && tt.name != "endless INFO" && tt.name != "one byte a second" {
				t.Errorf("matched %+v", m)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"redis-7.0.15-open.hex", "redis-7.0.15-noauth.hex", "redis-7.0.15-protected.hex"} {
		f.Add(servicetest.ReadHex(f, name))
	}
	f.Add([]byte("+PONG\r\n$-1\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil && !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errShort) {
			t.Fatalf("error %v is neither no match nor short", err)
		}
		if m := r.Match(); m.Service.Name != "redis" {
			t.Fatalf("match %+v", m)
		}
	})
}
