package tls

import (
	"bytes"
	"cmp"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	ctls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"io"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nginxCert(t testing.TB) *x509.Certificate {
	t.Helper()
	blk, _ := pem.Decode(readTestdata(t, "nginx-tls12.pem"))
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// The captured files are what nginx 1.22.1 and OpenSSH 9.2p1 (Debian 12)
// sent in the lab in answer to crypto/tls's ClientHello; capture_test.go
// regenerates them.
func TestParseFlight(t *testing.T) {
	tls12 := readTestdata(t, "nginx-tls12.bin")
	leaf := nginxCert(t).Raw
	tests := []struct {
		name    string
		in      []byte
		tls     bool
		version uint16
		suite   uint16
		alert   int
		certs   int
	}{
		{name: "nginx TLS 1.2 flight", in: tls12, tls: true, version: ctls.VersionTLS12, suite: ctls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, alert: -1, certs: 1},
		{name: "nginx TLS 1.3 flight", in: readTestdata(t, "nginx-tls13.bin"), tls: true, version: ctls.VersionTLS13, suite: ctls.TLS_AES_256_GCM_SHA384, alert: -1},
		{name: "OpenSSL refuses TLS 1.0 with an alert", in: readTestdata(t, "nginx-tls10-alert.bin"), tls: true, alert: 80},
		{name: "HTTP 400 from a plain port", in: readTestdata(t, "nginx-plain-port.bin"), alert: -1},
		{name: "SSH banner", in: readTestdata(t, "sshd.bin"), alert: -1},
		{name: "flight cut inside the certificate", in: tls12[:300], tls: true, version: ctls.VersionTLS12, suite: ctls.TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, alert: -1},
		{name: "flight cut inside the record header", in: tls12[:3], alert: -1},
		{name: "empty", alert: -1},
		{name: "garbage", in: []byte("\x00\xff\x13\x37garbage garbage"), alert: -1},
		{name: "record too long", in: []byte("\x16\x03\x03\xff\xff\x02"), alert: -1},
		{name: "empty record", in: []byte("\x16\x03\x03\x00\x00"), alert: -1},
		{name: "bare alert record, short", in: []byte("\x15\x03\x03\x00\x01\x02"), tls: true, alert: -1},
		{name: "handshake message longer than sent", in: []byte("\x16\x03\x03\x00\x05\x02\xff\xff\xff\x00"), tls: true, alert: -1},
		{name: "server hello with bad session id length", in: []byte("\x16\x03\x03\x00\x2a\x02\x00\x00\x26\x03\x03" + strings.Repeat("r", 32) + "\xff"), tls: true, alert: -1},
		{name: "data record first", in: []byte("\x17\x03\x03\x00\x01x"), alert: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := parseFlight(tt.in)
			if f.tls != tt.tls || f.version != tt.version || f.suite != tt.suite || f.alert != tt.alert || len(f.certs) != tt.certs {
				t.Errorf("parseFlight = tls %v, version %#x, suite %#x, alert %d, %d certs; want %v, %#x, %#x, %d, %d",
					f.tls, f.version, f.suite, f.alert, len(f.certs), tt.tls, tt.version, tt.suite, tt.alert, tt.certs)
			}
			if tt.certs > 0 && !bytes.Equal(f.certs[0], leaf) {
				t.Error("the leaf certificate is not nginx's")
			}
		})
	}
}

func FuzzParseFlight(f *testing.F) {
	for _, name := range []string{"nginx-tls12.bin", "nginx-tls13.bin", "nginx-tls10-alert.bin", "nginx-plain-port.bin", "sshd.bin"} {
		f.Add(readTestdata(f, name))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		fl := parseFlight(b)
		var i Info
		i.fromFlight(fl)
		i.Details()
		if len(fl.certs) > maxCerts {
			t.Fatalf("%d certificates", len(fl.certs))
		}
	})
}

func TestDetails(t *testing.T) {
	cert := nginxCert(t)
	base := Info{Detected: true, Version: ctls.VersionTLS13, CipherSuite: ctls.TLS_AES_256_GCM_SHA384, ALPN: "http/1.1",
		Certificates: []*x509.Certificate{cert}, Leaf: cert.Raw}
	tests := []struct {
		name string
		info func(Info) Info
		want map[string]string // keys that must have these values; "" means absent
	}{
		{
			name: "nginx, valid",
			info: func(i Info) Info { i.At = cert.NotBefore.Add(time.Hour); return i },
			want: map[string]string{
				"tls version":             "TLS 1.3",
				"cipher suite":            "TLS_AES_256_GCM_SHA384",
				"alpn":                    "http/1.1",
				"certificate subject":     "CN=lab.picket.test,O=picket lab",
				"certificate issuer":      "CN=lab.picket.test,O=picket lab",
				"certificate sans":        "DNS:lab.picket.test, DNS:*.lab.picket.test, IP:198.18.0.2, IP:fd00::2",
				"certificate not before":  "2026-11-28T02:32:08Z",
				"certificate not after":   "2036-11-25T02:32:08Z",
				"certificate expired":     "no",
				"certificate key":         "RSA 2048",
				"certificate signature":   "SHA256-RSA",
				"certificate sha-256":     "e9849a0b3c123774d11b2ade5b4fe83a7a27014284ae2324104ef0a00d43fb8a",
				"certificate self-signed": "yes",
				"tls handshake":           "",
				"certificate chain":       "",
			},
		},
		{
			name: "expired",
			info: func(i Info) Info { i.At = cert.NotAfter.Add(time.Second); return i },
			want: map[string]string{"certificate expired": "yes", "certificate not yet valid": ""},
		},
		{
			name: "not yet valid",
			info: func(i Info) Info { i.At = cert.NotBefore.Add(-time.Hour); return i },
			want: map[string]string{"certificate expired": "no", "certificate not yet valid": "yes"},
		},
		{
			name: "failed with an alert, nothing else known",
			info: func(Info) Info { return Info{Detected: true, Failure: "alert internal_error"} },
			want: map[string]string{"tls handshake": "failed: alert internal_error", "tls version": "", "certificate subject": ""},
		},
		{
			name: "unparsable leaf",
			info: func(Info) Info { return Info{Detected: true, Leaf: []byte("not DER")} },
			want: map[string]string{"certificate": "unparsable", "certificate sha-256": fingerprint([]byte("not DER"))},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]string{}
			for _, d := range tt.info(base).Details() {
				if _, dup := got[d.Key]; dup {
					t.Errorf("key %q twice", d.Key)
				}
				if d.Key != strings.ToLower(d.Key) {
					t.Errorf("key %q is not lower case", d.Key)
				}
				got[d.Key] = d.Value
			}
			for k, want := range tt.want {
				if got[k] != want {
					t.Errorf("%s = %q, want %q", k, got[k], want)
				}
			}
		})
	}
}

func TestClean(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"plain", "CN=example.org", "CN=example.org"},
		{"control characters", "CN=a\x00b\nc\x1b[31m", "CN=a?b?c?[31m"},
		{"invalid UTF-8", "CN=\xff\xfe", "CN=??"},
		{"long", strings.Repeat("é", maxValue), strings.Repeat("é", maxValue/2)},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := clean(tt.in); got != tt.want {
				t.Errorf("clean(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

// testCert makes a certificate for a fake server.
func testCert(t testing.TB, self bool) ctls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(7),
		Subject:      pkix.Name{CommonName: "fake.example", Organization: []string{"picket test"}},
		DNSNames:     []string{"fake.example"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
	}
	parent, signer := tmpl, key
	if !self {
		ca, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		parent = &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "fake CA"},
			NotBefore: tmpl.NotBefore, NotAfter: tmpl.NotAfter, IsCA: true, BasicConstraintsValid: true,
			KeyUsage: x509.KeyUsageCertSign}
		signer = ca
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, signer)
	if err != nil {
		t.Fatal(err)
	}
	return ctls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// readHello reads the ClientHello record, so that a fake server answers
// after it as a real one would.
func readHello(c net.Conn) bool {
	var h [5]byte
	if _, err := io.ReadFull(c, h[:]); err != nil {
		return false
	}
	_, err := io.CopyN(io.Discard, c, int64(h[3])<<8|int64(h[4]))
	return err == nil
}

func TestClientFakeServer(t *testing.T) {
	tests := []struct {
		name     string
		self     bool
		server   *ctls.Config
		alpn     []string
		wantALPN string
		wantSelf string
		// wantVersion is the "tls version" detail; "" means TLS 1.3.
		wantVersion string
	}{
		{name: "TLS 1.3, h2 chosen", self: true, server: &ctls.Config{NextProtos: []string{"h2", "http/1.1"}}, alpn: probeALPN, wantALPN: "h2", wantSelf: "yes"},
		{name: "TLS 1.2, no ALPN offered", server: &ctls.Config{MaxVersion: ctls.VersionTLS12, NextProtos: []string{"h2"}}, wantSelf: "no", wantVersion: "TLS 1.2"},
		{name: "h2-only server, http/1.1 offered", self: true, server: &ctls.Config{NextProtos: []string{"h2"}}, alpn: []string{"http/1.1"}, wantSelf: "yes"},
		{name: "TLS 1.0 only, CBC suite", self: true, server: &ctls.Config{MinVersion: ctls.VersionTLS10, MaxVersion: ctls.VersionTLS10}, wantSelf: "yes", wantVersion: "TLS 1.0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				tt.server.Certificates = []ctls.Certificate{testCert(t, tt.self)}
				c := servicetest.Pipe(t, func(s net.Conn) {
					ts := ctls.Server(s, tt.server)
					if ts.Handshake() != nil {
						return
					}
					// Echo, to show the returned conn works; read whole
					// first, since TLS 1.0 splits a write in two records.
					buf := make([]byte, 4)
					if _, err := io.ReadFull(ts, buf); err == nil {
						ts.Write(buf)
					}
				})
				tc, info, err := Client(t.Context(), c, "fake.example", tt.alpn...)
				if err != nil {
					t.Fatal(err)
				}
				if !info.Detected || info.ALPN != tt.wantALPN || info.Failure != "" {
					t.Errorf("info: detected %v, ALPN %q, failure %q; want true, %q, none", info.Detected, info.ALPN, info.Failure, tt.wantALPN)
				}
				d := details(info)
				if want := cmp.Or(tt.wantVersion, "TLS 1.3"); d["tls version"] != want {
					t.Errorf("tls version %q, want %q", d["tls version"], want)
				}
				if d["certificate subject"] != "CN=fake.example,O=picket test" || d["certificate key"] != "ECDSA P-256" || d["certificate self-signed"] != tt.wantSelf {
					t.Errorf("details: %v", d)
				}
				if _, err := io.WriteString(tc, "ping"); err != nil {
					t.Fatal(err)
				}
				got := make([]byte, 4)
				if _, err := io.ReadFull(tc, got); err != nil || string(got) != "ping" {
					t.Fatalf("echo through the returned conn: %q, %v", got, err)
				}
				tc.Close()
			})
		})
	}
}

func details(i Info) map[string]string {
	m := map[string]string{}
	for _, d := range i.Details() {
		m[d.Key] = d.Value
	}
	return m
}

// Hostile and foreign servers: each returns within the step deadline
// (fake time under synctest), never hangs, leaves no goroutine.
func TestRunHostile(t *testing.T) {
	tls12 := readTestdata(t, "nginx-tls12.bin")
	tests := []struct {
		name     string
		serve    func(net.Conn)
		banner   string
		noMatch  bool   // ErrNoMatch
		failure  string // the match's "tls handshake" detail, when a match
		subject  string // the match's certificate subject, when a match
		anyError bool   // an error that is not ErrNoMatch
	}{
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }, anyError: true},
		{name: "closes at once", serve: func(c net.Conn) { c.Close() }, anyError: true},
		{name: "garbage after the hello", serve: func(c net.Conn) { readHello(c); c.Write([]byte("\x00\x01garbage\xff\xfe")); io.Copy(io.Discard, c) }, noMatch: true},
		{name: "endless zeros", serve: func(c net.Conn) {
			readHello(c)
			zeros := make([]byte, 4096)
			for {
				if _, err := c.Write(zeros); err != nil {
					return
				}
			}
		}, noMatch: true},
		{name: "endless handshake records", serve: func(c net.Conn) {
			readHello(c)
			rec := append([]byte{22, 3, 3, 0x40, 0}, make([]byte, 0x4000)...)
			for {
				if _, err := c.Write(rec); err != nil {
					return
				}
			}
		}, failure: "*"},
		{name: "one byte per second", serve: func(c net.Conn) {
			readHello(c)
			for _, b := range tls12 {
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
				time.Sleep(time.Second)
			}
		}, failure: "timeout"},
		{name: "HTTP answer", serve: func(c net.Conn) { readHello(c); c.Write(readTestdata(t, "nginx-plain-port.bin")); c.Close() }, noMatch: true},
		{name: "SSH banner", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c) // a socket buffers the ClientHello; a pipe does not
			c.Write(readTestdata(t, "sshd.bin"))
		}, noMatch: true},
		{name: "banner already read", banner: "SSH-2.0-OpenSSH_9.2p1\r\n", serve: func(c net.Conn) { io.Copy(io.Discard, c) }, noMatch: true},
		{name: "alert", serve: func(c net.Conn) { readHello(c); c.Write(readTestdata(t, "nginx-tls10-alert.bin")); c.Close() }, failure: "alert internal_error"},
		{name: "replayed TLS 1.2 flight", serve: func(c net.Conn) { readHello(c); c.Write(tls12); io.Copy(io.Discard, c) },
			failure: "*", subject: "CN=lab.picket.test,O=picket lab"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				c := servicetest.Pipe(t, tt.serve)
				start := time.Now()
				m, err := Handshake.Run(t.Context(), c, []byte(tt.banner))
				if took := time.Since(start); took > service.StepTimeout {
					t.Errorf("took %v", took)
				}
				switch {
				case tt.noMatch:
					if !errors.Is(err, service.ErrNoMatch) {
						t.Fatalf("err %v, want ErrNoMatch", err)
					}
				case tt.anyError:
					if err == nil || errors.Is(err, service.ErrNoMatch) {
						t.Fatalf("err %v, want a failure that is not ErrNoMatch", err)
					}
				default:
					if err != nil {
						t.Fatal(err)
					}
					d := map[string]string{}
					for _, x := range m.Details {
						d[x.Key] = x.Value
					}
					if !m.TLS || m.Service.Name != "ssl" {
						t.Errorf("match %+v, want ssl with TLS", m)
					}
					if f := d["tls handshake"]; tt.failure == "*" && f == "" || tt.failure != "*" && f != "failed: "+tt.failure {
						t.Errorf("tls handshake = %q, want failed: %s", f, tt.failure)
					}
					if d["certificate subject"] != tt.subject {
						t.Errorf("certificate subject = %q, want %q", d["certificate subject"], tt.subject)
					}
				}
			})
		})
	}
}

func TestRunCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		c := servicetest.Pipe(t, func(c net.Conn) { io.Copy(io.Discard, c) })
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := Handshake.Run(ctx, c, nil)
		if !errors.Is(err, context.Canceled) {
			t.Errorf("err %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != time.Second {
			t.Errorf("took %v, want 1s", took)
		}
		// c is still the caller's, open: a write reaches the server.
		if err := c.SetDeadline(time.Now().Add(time.Second)); err != nil {
			t.Errorf("conn closed by a cancelled handshake: %v", err)
		}
	})
}
