package mysql

import (
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

// greeting builds a protocol 10 greeting as MySQL 5.7 and later send it.
func greeting(version string, caps uint32, plugin string) []byte {
	p := []byte{10}
	p = append(append(p, version...), 0)
	p = binary.LittleEndian.AppendUint32(p, 42)
	p = append(p, "abcdefgh"...)
	p = append(p, 0)
	p = binary.LittleEndian.AppendUint16(p, uint16(caps))
	p = append(p, 0xff)                        // charset
	p = binary.LittleEndian.AppendUint16(p, 2) // status
	p = binary.LittleEndian.AppendUint16(p, uint16(caps>>16))
	p = append(p, 21)
	p = append(p, make([]byte, 10)...)
	p = append(p, "ijklmnopqrst\x00"...)
	p = append(append(p, plugin...), 0)
	return packet(0, p)
}

func packet(seq byte, p []byte) []byte {
	return append([]byte{byte(len(p)), byte(len(p) >> 8), byte(len(p) >> 16), seq}, p...)
}

const mysql8Caps = 0xdfffffff

func TestParseMatch(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    service.Match
		noMatch bool
	}{
		{
			name: "MariaDB 10.11 on Debian 12",
			in:   servicetest.ReadHex(t, "mariadb-10.11.19-deb12.hex"),
			want: service.Match{
				Service: svc("MariaDB", "10.11.19-0+deb12u1", "", "Linux", "cpe:2.3:a:mariadb:mariadb:10.11.19:*:*:*:*:*:*:*"),
				Details: servicetest.Details(
					"protocol", "10", "server version", "5.5.5-10.11.19-MariaDB-0+deb12u1",
					"connection id", "6", "capabilities", "0x81fff7fe", "tls", "not offered",
					"auth plugin", "mysql_native_password",
				),
			},
		},
		{
			name: "MariaDB refusing the host",
			in:   servicetest.ReadHex(t, "mariadb-10.11.19-1130.hex"),
			want: service.Match{
				Service: svc("MariaDB", "", "Host '127.0.0.1' is not allowed to connect to this MariaDB server", "", ""),
				Details: servicetest.Details("error", "1130"),
			},
		},
		{
			name: "MySQL 8 on Ubuntu",
			in:   greeting("8.0.36-0ubuntu0.22.04.1", mysql8Caps, "caching_sha2_password"),
			want: service.Match{
				Service: svc("MySQL", "8.0.36-0ubuntu0.22.04.1", "", "Linux", "cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*"),
				Details: servicetest.Details(
					"protocol", "10", "server version", "8.0.36-0ubuntu0.22.04.1",
					"connection id", "42", "capabilities", "0xdfffffff", "tls", "offered",
					"auth plugin", "caching_sha2_password",
				),
			},
		},
		{
			name: "MySQL error with SQL state, packet 1",
			in:   packet(1, append([]byte{0xff, 0x10, 0x04}, "#08004Too many connections"...)),
			want: service.Match{
				Service: svc("MySQL", "", "Too many connections", "", ""),
				Details: servicetest.Details("error", "1040"),
			},
		},
		{
			name: "MariaDB 11 without the 5.5.5 prefix",
			in:   greeting("11.4.2-MariaDB-ubu2404", 0xa1fff7fe, "mysql_native_password"),
			want: service.Match{
				Service: svc("MariaDB", "11.4.2-ubu2404", "", "Linux", "cpe:2.3:a:mariadb:mariadb:11.4.2:*:*:*:*:*:*:*"),
				Details: servicetest.Details(
					"protocol", "10", "server version", "11.4.2-MariaDB-ubu2404",
					"connection id", "42", "capabilities", "0xa1fff7fe", "tls", "not offered",
					"auth plugin", "mysql_native_password",
				),
			},
		},
		{
			name: "TiDB",
			in:   greeting("5.7.25-TiDB-v7.1.0", mysql8Caps, "mysql_native_password"),
			want: service.Match{
				Service: svc("TiDB", "7.1.0", "", "", "cpe:2.3:a:pingcap:tidb:7.1.0:*:*:*:*:*:*:*"),
				Details: servicetest.Details(
					"protocol", "10", "server version", "5.7.25-TiDB-v7.1.0",
					"connection id", "42", "capabilities", "0xdfffffff", "tls", "offered",
					"auth plugin", "mysql_native_password",
				),
			},
		},
		{
			name: "MySQL 4.0, no 4.1 fields",
			in:   packet(0, append(append([]byte{10}, "4.0.27\x00\x01\x00\x00\x00abcdefgh\x00"...), 0x2c, 0x20)),
			want: service.Match{
				Service: svc("MySQL", "4.0.27", "", "", "cpe:2.3:a:oracle:mysql:4.0.27:*:*:*:*:*:*:*"),
				Details: servicetest.Details(
					"protocol", "10", "server version", "4.0.27", "connection id", "1",
					"capabilities", "0x0000202c", "tls", "not offered",
				),
			},
		},
		{
			name: "protocol 9",
			in:   packet(0, []byte("\x093.21.33\x00\x07\x00\x00\x00scramble\x00")),
			want: service.Match{
				Service: svc("MySQL", "3.21.33", "", "", "cpe:2.3:a:oracle:mysql:3.21.33:*:*:*:*:*:*:*"),
				Details: servicetest.Details("protocol", "9", "server version", "3.21.33", "connection id", "7"),
			},
		},
		{name: "truncated greeting", in: servicetest.ReadHex(t, "mariadb-10.11.19-deb12.hex")[:40], noMatch: true},
		{name: "header only", in: []byte{0x64, 0, 0}, noMatch: true},
		{name: "empty", noMatch: true},
		{name: "length beyond the bound", in: append([]byte{0xff, 0xff, 0xff, 0, 10}, "8.0.1\x00"...), noMatch: true},
		{name: "SSH banner", in: []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u7\r\n"), noMatch: true},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
		{name: "version not text", in: packet(0, []byte("\x0a\x01\x02\x00\x00\x00\x00\x00")), noMatch: true},
		{name: "no NUL after version", in: packet(0, []byte("\x0a8.0.36")), noMatch: true},
		{name: "error code below 1000", in: packet(0, []byte("\xff\x05\x00Hello there")), noMatch: true},
		{name: "error with binary message", in: packet(0, []byte("\xff\x6a\x04\x01\x02\x03\x04\x05")), noMatch: true},
		{name: "unknown packet type", in: packet(0, []byte("\x0bwhatever")), noMatch: true},
		{name: "sequence number 5", in: append([]byte{5, 0, 0, 5}, "\x0a8.0\x00"...), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g, err := Parse(tt.in)
			if tt.noMatch {
				if err == nil {
					t.Fatalf("Parse = %+v, want no match", g)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !Detect(tt.in) {
				t.Error("Detect refuses it")
			}
			if got := g.Match(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func svc(product, version, extra, ostype, cpe string) (s result.Service) {
	s.Name, s.Product, s.Version, s.ExtraInfo, s.OSType = "mysql", product, version, extra, ostype
	if cpe != "" {
		s.CPE = []string{cpe}
	}
	return s
}

func TestDetectPartialBanner(t *testing.T) {
	g := servicetest.ReadHex(t, "mariadb-10.11.19-deb12.hex")
	for _, n := range []int{6, 20, 60} {
		if !Detect(g[:n]) {
			t.Errorf("Detect refuses the first %d bytes of a greeting", n)
		}
	}
	for _, b := range []string{
		"220 ", "d\x00\x00\x00\x0aX", "\x05\x00\x00\x00\x0a5.7",
		"\x10\x00\x00\x00\x0a\x00\xff\xfe\x00garbage garbage",
		"SSH-2.0-OpenSSH_9.2p1\r\n",
	} {
		if Detect([]byte(b)) {
			t.Errorf("Detect(%q) = true", b)
		}
	}
}

// TestRun speaks to a server over a pipe: with the whole greeting as the
// banner, with part of it, and with none.
func TestRun(t *testing.T) {
	g := servicetest.ReadHex(t, "mariadb-10.11.19-deb12.hex")
	for _, cut := range []int{len(g), 30, 0} {
		synctest.Test(t, func(t *testing.T) {
			a, b := net.Pipe()
			defer a.Close()
			go func() {
				defer b.Close()
				b.Write(g[cut:])
				io.Copy(io.Discard, b)
			}()
			m, err := Handshake.Run(t.Context(), a, g[:cut:cut])
			if err != nil {
				t.Fatalf("banner of %d bytes: %v", cut, err)
			}
			if m.Service.Product != "MariaDB" || m.Service.Version != "10.11.19-0+deb12u1" {
				t.Errorf("banner of %d bytes: %+v", cut, m.Service)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline with no match or an error, and leave no
// goroutine behind (synctest fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	g := servicetest.ReadHex(t, "mariadb-10.11.19-deb12.hex")
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"silent", servicetest.Silent},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", servicetest.Endless(strings.Repeat("\x0a", 4096))},
		{"one byte a second", servicetest.Slow(string(g))},
		{"garbage", servicetest.Write("\x10\x00\x00\x00\x0a\x00\xff\xfe\x00garbage garbage")},
		{"header promising more", servicetest.Write("\xff\x03\x00\x00\x0a8.0.36\x00")},
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

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		go io.Copy(io.Discard, b)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := Handshake.Run(ctx, a, nil)
		if err == nil || time.Since(start) > time.Second {
			t.Errorf("after cancel: %v after %v", err, time.Since(start))
		}
		a.Close()
	})
}

func FuzzParse(f *testing.F) {
	f.Add(servicetest.ReadHex(f, "mariadb-10.11.19-deb12.hex"))
	f.Add(servicetest.ReadHex(f, "mariadb-10.11.19-1130.hex"))
	f.Add(greeting("8.0.36", mysql8Caps, "caching_sha2_password"))
	f.Add(packet(0, []byte("\x093.21.33\x00\x07\x00\x00\x00scramble\x00")))
	f.Fuzz(func(t *testing.T, b []byte) {
		g, err := Parse(b)
		if err != nil {
			if !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errShort) {
				t.Fatalf("error %v is neither no match nor short", err)
			}
			return
		}
		m := g.Match()
		if m.Service.Name != "mysql" || m.Service.Product == "" {
			t.Fatalf("match without product: %+v", m)
		}
		_ = Detect(b)
	})
}
