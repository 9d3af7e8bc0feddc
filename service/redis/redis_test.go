package redis

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// testdata reads a capture: "#" lines are comments, the rest hex.
func testdata(t testing.TB, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var h strings.Builder
	for _, line := range strings.Split(string(raw), "\n") {
		if !strings.HasPrefix(line, "#") {
			h.WriteString(strings.Join(strings.Fields(line), ""))
		}
	}
	b, err := hex.DecodeString(h.String())
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return b
}

// details builds Details from key, value pairs.
func details(kv ...string) []service.Detail {
	var d []service.Detail
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, service.Detail{Key: kv[i], Value: kv[i+1]})
	}
	return d
}

func bulk(s string) string { return "$" + strconv.Itoa(len(s)) + "\r\n" + s + "\r\n" }

const redis7 = "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"

func TestParseMatch(t *testing.T) {
	open := testdata(t, "redis-7.0.15-open.hex")
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
				Details: details("authentication", "not required", "mode", "standalone", "os", "Linux 6.18.44-fc-v657 x86_64", "arch bits", "64"),
			},
		},
		{
			name: "Redis 7.0 with a password",
			in:   testdata(t, "redis-7.0.15-noauth.hex"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: details("authentication", "required"),
			},
		},
		{
			name: "Redis 7.0 in protected mode",
			in:   testdata(t, "redis-7.0.15-protected.hex"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: details("protected mode", "on", "authentication", "not set; loopback clients only"),
			},
		},
		{
			name: "INFO renamed away",
			in:   []byte("+PONG\r\n-ERR unknown command 'INFO', with args beginning with: 'server' \r\n"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: details("authentication", "not required"),
			},
		},
		{
			name: "Redis 2.6 with a password",
			in:   []byte("-ERR operation not permitted\r\n-ERR operation not permitted\r\n"),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: details("authentication", "required"),
			},
		},
		{
			name: "Valkey on macOS",
			in:   []byte("+PONG\r\n" + bulk("# Server\r\nredis_version:7.2.4\r\nserver_name:valkey\r\nvalkey_version:8.0.1\r\nos:Darwin 23.4.0 arm64\r\n")),
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Valkey", Version: "8.0.1", OSType: "Mac OS X"},
				Details: details("authentication", "not required", "os", "Darwin 23.4.0 arm64"),
			},
		},
		{name: "empty", noMatch: true},
		{
			name: "PING answered, INFO cut short",
			in:   open[:100],
			want: service.Match{
				Service: result.Service{Name: "redis", Product: "Redis key-value store"},
				Details: details("authentication", "not required"),
			},
		},
		{name: "POP3", in: []byte("+OK Dovecot (Debian) ready.\r\n-ERR Unknown command.\r\n"), noMatch: true},
		{name: "memcached", in: testdata(t, "memcached-1.6.18-unknown.hex"), noMatch: true},
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
		a, b := net.Pipe()
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer b.Close()
			req := make([]byte, len(probe))
			if _, err := io.ReadFull(b, req); err != nil || string(req) != probe {
				t.Errorf("request %q, %v", req, err)
				return
			}
			b.Write(testdata(t, "redis-7.0.15-open.hex"))
			io.Copy(io.Discard, b)
		}()
		m, err := Handshake.Run(t.Context(), a, nil)
		a.Close()
		<-done
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
		{"silent", func(c net.Conn) { io.Copy(io.Discard, c) }},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			junk := bytes.Repeat([]byte("+"), 4096)
			for {
				if _, err := c.Write(junk); err != nil {
					return
				}
			}
		}},
		{"endless INFO", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("+PONG\r\n$30000\r\n"))
			for {
				if _, err := c.Write([]byte("a:b\r\n")); err != nil {
					return
				}
			}
		}},
		{"one byte a second", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for _, b := range []byte("+PONG\r\n$10\r\n") {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}},
		{"garbage", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("\x00\xff\xfe+PONG garbage"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := net.Pipe()
				done := make(chan struct{})
				go func() {
					tt.serve(b)
					b.Close()
					close(done)
				}()
				ctx, cancel := context.WithTimeout(t.Context(), 3*time.Second)
				defer cancel()
				start := time.Now()
				m, err := Handshake.Run(ctx, a, nil)
				// A tarpit that got as far as +PONG is Redis all the same.
				if err == nil && tt.name != "endless INFO" && tt.name != "one byte a second" {
					t.Errorf("matched %+v", m)
				}
				if d := time.Since(start); d > 3*time.Second {
					t.Errorf("returned after %v, past the 3s deadline", d)
				}
				a.Close()
				<-done
			})
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"redis-7.0.15-open.hex", "redis-7.0.15-noauth.hex", "redis-7.0.15-protected.hex"} {
		f.Add(testdata(f, name))
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
