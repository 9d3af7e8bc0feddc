package memcached

import (
	"bytes"
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

func svc(version string) result.Service {
	s := result.Service{Name: "memcached", Product: "Memcached", Version: version}
	if version != "" {
		s.CPE = []string{"cpe:2.3:a:memcached:memcached:" + version + ":*:*:*:*:*:*:*"}
	}
	return s
}

func TestParseMatch(t *testing.T) {
	deb12 := servicetest.ReadHex(t, "memcached-1.6.18.hex")
	tests := []struct {
		name    string
		in      []byte
		want    service.Match
		noMatch bool
	}{
		{
			name: "memcached 1.6.18 on Debian 12",
			in:   deb12,
			want: service.Match{Service: svc("1.6.18"), Details: servicetest.Details(
				"authentication", "not required", "uptime", "2 seconds", "libevent", "2.1.12-stable", "pointer size", "64 bits")},
		},
		{
			name: "stats cut short",
			in:   deb12[:200],
			want: service.Match{Service: svc("1.6.18"), Details: servicetest.Details(
				"authentication", "not required", "uptime", "2 seconds", "libevent", "2.1.12-stable", "pointer size", "64 bits")},
		},
		{
			name: "stats refused",
			in:   []byte("VERSION 1.4.25\r\nERROR\r\n"),
			want: service.Match{Service: svc("1.4.25")},
		},
		{
			name: "authentication required",
			in:   []byte("CLIENT_ERROR unauthenticated\r\n"),
			want: service.Match{Service: svc(""), Details: servicetest.Details("authentication", "required")},
		},
		{
			name: "version answered, stats needs authentication",
			in:   []byte("VERSION 1.6.21\r\nCLIENT_ERROR unauthenticated\r\n"),
			want: service.Match{Service: svc("1.6.21"), Details: servicetest.Details("authentication", "required")},
		},
		{name: "empty", noMatch: true},
		{name: "unknown commands", in: servicetest.ReadHex(t, "memcached-1.6.18-unknown.hex"), noMatch: true},
		{name: "version not a number", in: []byte("VERSION x\r\nEND\r\n"), noMatch: true},
		{name: "Redis", in: []byte("-ERR unknown command 'version'\r\n"), noMatch: true},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
		{name: "endless line", in: bytes.Repeat([]byte("V"), 1000), noMatch: true},
		{name: "binary", in: []byte("VERSION 1.6\x00\r\n"), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			ok := (err == nil || errors.Is(err, errShort)) && (r.Version != "" || r.AuthRequired)
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

func TestEndlessStats(t *testing.T) {
	b := []byte("VERSION 1.6.18\r\n")
	for i := range 300 {
		b = append(b, "STAT k"+strings.Repeat("x", i%7)+string(rune('a'+i%26))+string(rune('a'+i/26))+" 1\r\n"...)
	}
	r, err := Parse(b)
	if !errors.Is(err, errShort) || r.Version != "1.6.18" || len(r.Stats) != maxStats {
		t.Errorf("300 stats: %v, version %q, %d stats kept; want short, 1.6.18, %d", err, r.Version, len(r.Stats), maxStats)
	}
}

func TestRun(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := servicetest.Pipe(t, servicetest.Answer(t, probe, servicetest.ReadHex(t, "memcached-1.6.18.hex")))
		m, err := Handshake.Run(t.Context(), c, nil)
		if err != nil || m.Service.Version != "1.6.18" {
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
		match bool
	}{
		{name: "silent", serve: servicetest.Silent},
		{name: "closes at once", serve: func(c net.Conn) {}},
		{name: "endless stream", serve: servicetest.DrainThen(servicetest.Endless(strings.Repeat("VERSION ", 512)))},
		{name: "endless stats", match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("VERSION 1.6.18\r\n"))
			for {
				if _, err := c.Write([]byte("STAT a b\r\n")); err != nil {
					return
				}
			}
		}},
		{name: "one byte a second", serve: servicetest.DrainThen(servicetest.Slow(string([]byte("VERSION 1.6.18\r\n"))))},
		{name: "garbage", serve: servicetest.Hangup("\x00\xff\xfeVERSION garbage\r\n")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve)
			if (err == nil) != tt.match {
				t.Errorf("got %+v, %v; want a match: %v", m, err, tt.match)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	f.Add(servicetest.ReadHex(f, "memcached-1.6.18.hex"))
	f.Add([]byte("CLIENT_ERROR unauthenticated\r\n"))
	f.Add([]byte("VERSION 1.4.25\r\nERROR\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil && !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errShort) {
			t.Fatalf("error %v is neither no match nor short", err)
		}
		if m := r.Match(); m.Service.Name != "memcached" {
			t.Fatalf("match %+v", m)
		}
	})
}
