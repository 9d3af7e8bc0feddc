package postgresql

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"io"
	"math/big"
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

// msg builds a backend message.
func msg(typ byte, body ...string) []byte {
	b := strings.Join(body, "")
	return append(binary.BigEndian.AppendUint32([]byte{typ}, uint32(4+len(b))), b...)
}

func auth(code uint32, rest string) []byte {
	return msg('R', string(binary.BigEndian.AppendUint32(nil, code)), rest)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func svc(version, extra, ostype, cpeVersion string) result.Service {
	return result.Service{
		Name: "postgresql", Product: "PostgreSQL DB", Version: version, ExtraInfo: extra, OSType: ostype,
		CPE: []string{"cpe:2.3:a:postgresql:postgresql:" + cpeVersion + ":*:*:*:*:*:*:*"},
	}
}

// trust is what a server with "trust" authentication sends: OK, the
// parameters, a key and ReadyForQuery.
var trust = cat(auth(0, ""),
	msg('S', "server_version\x0015.18 (Debian 15.18-0+deb12u1)\x00"),
	msg('S', "client_encoding\x00UTF8\x00"),
	msg('K', "\x00\x00\x12\x34\x01\x02\x03\x04"),
	msg('Z', "I"))

func TestParseMatch(t *testing.T) {
	tests := []struct {
		name    string
		in      []byte
		want    service.Match
		noMatch bool
	}{
		{
			name: "PostgreSQL 15, SCRAM",
			in:   servicetest.ReadHex(t, "pg15-startup-plain.hex"),
			want: service.Match{Service: svc("10 or later", "", "", "*"), Details: servicetest.Details("authentication", "SCRAM-SHA-256")},
		},
		{
			name: "PostgreSQL 15 inside TLS, SCRAM with channel binding",
			in:   servicetest.ReadHex(t, "pg15-startup-tls.hex"),
			want: service.Match{Service: svc("11 or later", "", "", "*"), Details: servicetest.Details("authentication", "SCRAM-SHA-256-PLUS, SCRAM-SHA-256")},
		},
		{
			name: "PostgreSQL 15 negotiating a minor version",
			in:   servicetest.ReadHex(t, "pg15-negotiate.hex"),
			want: service.Match{Service: svc("10 or later", "", "", "*"), Details: servicetest.Details("authentication", "SCRAM-SHA-256")},
		},
		{
			name: "PostgreSQL 15 refusing protocol 4.0",
			in:   servicetest.ReadHex(t, "pg15-protocol-4.0.hex"),
			want: service.Match{Service: svc("9.6 or later", "", "", "*"), Details: servicetest.Details(
				"error", "FATAL 0A000: unsupported frontend protocol 4.0: server supports 3.0 to 3.0")},
		},
		{
			name: "PostgreSQL 15 without a pg_hba.conf entry",
			in:   servicetest.ReadHex(t, "pg15-no-hba-entry.hex"),
			want: service.Match{Service: svc("9.6 or later", "", "", "*"), Details: servicetest.Details(
				"error", `FATAL 28000: no pg_hba.conf entry for replication connection from host "198.18.0.1", user "picket", no encryption`)},
		},
		{
			name: "trust: logged in, version announced",
			in:   trust,
			want: service.Match{Service: svc("15.18", "Debian 15.18-0+deb12u1", "Linux", "15.18"), Details: servicetest.Details("authentication", "not required")},
		},
		{
			name: "trust, parameters cut short",
			in:   trust[:20],
			want: service.Match{Service: svc("", "", "", "*"), Details: servicetest.Details("authentication", "not required")},
		},
		{
			name: "MD5",
			in:   auth(5, "salt"),
			want: service.Match{Service: svc("", "", "", "*"), Details: servicetest.Details("authentication", "MD5")},
		},
		{
			name: "cleartext password",
			in:   auth(3, ""),
			want: service.Match{Service: svc("", "", "", "*"), Details: servicetest.Details("authentication", "password in cleartext")},
		},
		{
			name: "old server's error, no V field",
			in:   msg('E', "SFATAL\x00C28000\x00Mno pg_hba.conf entry\x00\x00"),
			want: service.Match{Service: svc("", "", "", "*"), Details: servicetest.Details("error", "FATAL 28000: no pg_hba.conf entry")},
		},
		{name: "empty", noMatch: true},
		{name: "truncated", in: servicetest.ReadHex(t, "pg15-startup-plain.hex")[:10], noMatch: true},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
		{name: "huge length", in: []byte("R\x7f\xff\xff\xff\x00\x00\x00\x0a"), noMatch: true},
		{name: "length below 4", in: []byte("R\x00\x00\x00\x02\x00\x00\x00\x0a"), noMatch: true},
		{name: "unknown authentication", in: auth(99, ""), noMatch: true},
		{name: "short authentication", in: msg('R', "\x00"), noMatch: true},
		{name: "parameters before login", in: msg('S', "a\x00b\x00"), noMatch: true},
		{name: "parameter after SASL", in: cat(msg('v', "\x00\x00\x00\x00\x00\x00\x00\x00"), msg('S', "a\x00b\x00")), noMatch: true},
		{name: "ready before login", in: cat(msg('E', "SFATAL\x00Mx\x00\x00")[:0], msg('Z', "I")), noMatch: true},
		{name: "error without message", in: msg('E', "SFATAL\x00C28000\x00\x00"), noMatch: true},
		{name: "error unterminated", in: msg('E', "SFATAL\x00Mno"), noMatch: true},
		{name: "error with binary field type", in: msg('E', "\x01x\x00SFATAL\x00Mm\x00\x00"), noMatch: true},
		{name: "two OKs", in: cat(auth(0, ""), auth(0, "")), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in)
			if tt.noMatch {
				if err == nil || errors.Is(err, errShort) && r.Auth == authOK {
					t.Fatalf("Parse = %+v, %v; want no match", r, err)
				}
				return
			}
			if err != nil && !(errors.Is(err, errShort) && r.Auth == authOK) {
				t.Fatal(err)
			}
			if got := r.Match(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Match:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// server is a fake PostgreSQL: it answers the SSLRequest with ssl ('S'
// with a TLS server after it, 'N', or an error), then the startup with
// reply.
func server(t *testing.T, ssl byte, reply []byte) func(c net.Conn) {
	return func(c net.Conn) {
		var req [8]byte
		if _, err := io.ReadFull(c, req[:]); err != nil || binary.BigEndian.Uint32(req[4:]) != sslRequestCode {
			t.Errorf("first message %x, %v; want an SSLRequest", req, err)
			return
		}
		if ssl == 'E' {
			c.Write(reply)
			return
		}
		c.Write([]byte{ssl})
		if ssl == 'S' {
			tc := tls.Server(c, &tls.Config{Certificates: []tls.Certificate{selfSigned(t)}})
			if err := tc.Handshake(); err != nil {
				t.Errorf("TLS: %v", err)
				return
			}
			c = tc
		}
		var head [8]byte
		if _, err := io.ReadFull(c, head[:]); err != nil || binary.BigEndian.Uint32(head[4:]) != protocol30 {
			t.Errorf("startup %x, %v", head, err)
			return
		}
		params := make([]byte, binary.BigEndian.Uint32(head[:])-8)
		io.ReadFull(c, params)
		if !bytes.Contains(params, []byte("user\x00picket\x00")) {
			t.Errorf("startup parameters %q", params)
		}
		c.Write(reply)
		io.Copy(io.Discard, c)
	}
}

func selfSigned(t *testing.T) tls.Certificate {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		ssl     byte
		reply   []byte
		version string
		details []service.Detail
	}{
		{"plaintext", 'N', servicetest.ReadHex(t, "pg15-startup-plain.hex"), "10 or later",
			servicetest.Details("tls", "not offered", "authentication", "SCRAM-SHA-256")},
		{"TLS", 'S', servicetest.ReadHex(t, "pg15-startup-tls.hex"), "11 or later",
			servicetest.Details("tls", "offered", "tls version", "TLS 1.3", "authentication", "SCRAM-SHA-256-PLUS, SCRAM-SHA-256")},
		{"trust", 'N', trust, "15.18",
			servicetest.Details("tls", "not offered", "authentication", "not required")},
		{"error instead of SSL answer", 'E', servicetest.ReadHex(t, "pg15-no-hba-entry.hex"), "9.6 or later",
			servicetest.Details("error", `FATAL 28000: no pg_hba.conf entry for replication connection from host "198.18.0.1", user "picket", no encryption`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				a, b := net.Pipe()
				done := make(chan struct{})
				go func() {
					server(t, tt.ssl, tt.reply)(b)
					b.Close()
					close(done)
				}()
				m, err := Handshake.Run(t.Context(), a, nil)
				a.Close()
				<-done
				if err != nil {
					t.Fatal(err)
				}
				if m.Service.Product != "PostgreSQL DB" || m.Service.Version != tt.version || !reflect.DeepEqual(m.Details, tt.details) {
					t.Errorf("got %+v %v; want version %q, %v", m.Service, m.Details, tt.version, tt.details)
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
		{"endless stream", servicetest.DrainThen(servicetest.Endless(strings.Repeat("N", 4096)))},
		{"endless parameters after OK", func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("N"))
			c.Write(auth(0, ""))
			for {
				if _, err := c.Write(msg('S', "a\x00b\x00")); err != nil {
					return
				}
			}
		}},
		{"one byte a second", servicetest.DrainThen(servicetest.Slow(string(cat([]byte("N"), servicetest.ReadHex(t, "pg15-startup-plain.hex")))))},
		{"garbage", servicetest.Hangup("\x00\xff\xfeR\x00\x00garbage")},
		{"S then garbage instead of TLS", servicetest.Hangup("SSH-2.0-OpenSSH_9.2p1\r\n")},
		{"N then silent", servicetest.Hangup("N")},
		{"huge message length", servicetest.Hangup("NE\x7f\xff\xff\xff")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve)
			if err == nil && tt.name != "endless parameters after OK" {
				t.Errorf("matched %+v", m)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"pg15-startup-plain.hex", "pg15-startup-tls.hex", "pg15-negotiate.hex", "pg15-protocol-4.0.hex", "pg15-no-hba-entry.hex"} {
		f.Add(servicetest.ReadHex(f, name))
	}
	f.Add(trust)
	f.Add(auth(5, "salt"))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b)
		if err != nil && !errors.Is(err, service.ErrNoMatch) && !errors.Is(err, errShort) {
			t.Fatalf("error %v is neither no match nor short", err)
		}
		if m := r.Match(); m.Service.Product != "PostgreSQL DB" {
			t.Fatalf("match %+v", m)
		}
	})
}
