package rdp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	ctls "crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"math/big"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

var (
	ms = result.Service{Name: "ms-wbt-server", Product: "Microsoft Terminal Services", OSType: "Windows",
		CPE: []string{"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}}
	xrdp = result.Service{Name: "ms-wbt-server", Product: "xrdp",
		CPE: []string{"cpe:2.3:a:neutrinolabs:xrdp:*:*:*:*:*:*:*:*"}}
)

func TestParseConfirm(t *testing.T) {
	server := func(file string) []byte {
		return servicetest.ServerBytes(servicetest.ReadTranscript(t, "testdata/"+file))
	}
	tests := []struct {
		name string
		in   []byte
		want Confirm
		bad  bool
	}{
		{name: "xrdp, TLS", in: server("xrdp-0.9.21-negotiate.txt"),
			want: Confirm{SrcRef: 0x1234, Negotiated: true, Flags: 1, Protocol: protocolSSL}},
		{name: "xrdp asked for CredSSP alone", in: server("xrdp-0.9.21-hybrid-only.txt"),
			want: Confirm{SrcRef: 0x1234, Negotiated: true, Flags: 1, Protocol: protocolRDP}},
		{name: "xrdp without negotiation", in: server("xrdp-0.9.21-no-negreq.txt"), want: Confirm{SrcRef: 0x1234}},
		{name: "failure", in: server("windows-rdp-only.txt"),
			want: Confirm{SrcRef: 0x1234, Negotiated: true, Failure: true, Code: 2}},
		{name: "iso-tsap parameters", in: server("iso-tsap.txt"), bad: true},
		{name: "connection request", in: request, bad: true},
		{name: "length indicator wrong", in: []byte("\x03\x00\x00\x0b\x07\xd0\x00\x00\x124\x00"), bad: true},
		{name: "negotiation length wrong", in: []byte("\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x02\x01\x09\x00\x01\x00\x00\x00"), bad: true},
		{name: "unknown negotiation type", in: []byte("\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x07\x01\b\x00\x01\x00\x00\x00"), bad: true},
		{name: "short", in: []byte("\x03\x00\x00\x13\x0e\xd0"), bad: true},
		{name: "tpkt too short", in: []byte("\x03\x00\x00\x05\x00"), bad: true},
		{name: "http", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), bad: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cc, err := ParseConfirm(tt.in)
			if (err != nil) != tt.bad || cc != tt.want {
				t.Errorf("ParseConfirm = %+v, %v; want %+v, bad %v", cc, err, tt.want, tt.bad)
			}
			if err != nil && !errors.Is(err, service.ErrNoMatch) {
				t.Errorf("error %v is not a no match", err)
			}
		})
	}
}

func TestTPKTLen(t *testing.T) {
	for in, want := range map[string]int{
		"": 0, "\x03": 0, "\x03\x00\x00": 0, "\x03\x00\x00\x13": 19, "\x04": -1, "\x03\x01": -1,
		"\x03\x00\x00\x05": -1, "\x03\x00\xff\xff": -1, "H": -1,
	} {
		if got := tpktLen([]byte(in)); got != want {
			t.Errorf("tpktLen(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestFlagNames(t *testing.T) {
	for in, want := range map[byte]string{
		0: "", 1: "extended client data", 0x1f: "extended client data, graphics pipeline, restricted admin, redirected authentication, 0x04",
		0x80: "0x80",
	} {
		if got := FlagNames(in); got != want {
			t.Errorf("FlagNames(%#x) = %q, want %q", in, got, want)
		}
	}
}

func TestTranscripts(t *testing.T) {
	tests := []struct {
		file string
		want service.Match
	}{
		{"xrdp-0.9.21-negotiate.txt", service.Match{Service: xrdp,
			Details: servicetest.Details("security protocol", "TLS", "server flags", "extended client data", "nla", "not used")}},
		{"xrdp-0.9.21-rdp.txt", service.Match{Service: xrdp,
			Details: servicetest.Details("security protocol", "standard RDP security", "server flags", "extended client data",
				"tls", "not offered", "nla", "not used")}},
		{"windows-nla.txt", service.Match{Service: ms,
			Details: servicetest.Details("security protocol", "CredSSP (NLA)",
				"server flags", "extended client data, graphics pipeline, restricted admin, redirected authentication")}},
		{"windows-rdp-only.txt", service.Match{Service: ms, Details: servicetest.Details("negotiation failure", "TLS not allowed by server")}},
		{"windows-xp.txt", service.Match{Service: ms,
			Details: servicetest.Details("security protocol", "standard RDP security (no negotiation)", "tls", "not offered")}},
		{"freerdp-style.txt", service.Match{Service: result.Service{Name: "ms-wbt-server"},
			Details: servicetest.Details("security protocol", "TLS", "server flags", "extended client data, graphics pipeline", "nla", "not used")}},
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
	t.Run("iso-tsap.txt", func(t *testing.T) {
		if m, err := servicetest.ConverseHandshake(t, Handshake, servicetest.ReadTranscript(t, "testdata/iso-tsap.txt"), servicetest.Exact); !errors.Is(err, service.ErrNoMatch) {
			t.Errorf("got %+v, %v; want no match", m, err)
		}
	})
}

// selfSigned makes a certificate like the one Windows generates for RDP:
// self-signed, the computer's name as its subject.
func selfSigned(t *testing.T, cn string) ctls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: cn},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(180 * 24 * time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	return ctls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// TestTLS plays a Windows server that selects CredSSP and then completes
// the TLS handshake: the certificate is reported, and its subject names
// the host.
func TestTLS(t *testing.T) {
	cert := selfSigned(t, "WIN-LAB01.corp.example")
	confirm := servicetest.ServerBytes(servicetest.ReadTranscript(t, "testdata/windows-nla.txt"))
	m, err := servicetest.Against(t, Run, nil, func(server net.Conn) {
		req := make([]byte, len(request))
		if _, err := io.ReadFull(server, req); err != nil {
			return
		}
		server.Write(confirm)
		ts := ctls.Server(server, &ctls.Config{Certificates: []ctls.Certificate{cert}})
		ts.Handshake()
		io.Copy(io.Discard, server)
	})
	if err != nil {
		t.Fatal(err)
	}
	if m.Service.Hostname != "WIN-LAB01.corp.example" || m.Service.Product != ms.Product {
		t.Errorf("service %+v", m.Service)
	}
	if subject := servicetest.Detail(m, "certificate subject"); subject != "CN=WIN-LAB01.corp.example" {
		t.Errorf("details %v", m.Details)
	}
}

// TestRun covers answers that are not RDP, and exchanges cut short.
func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		banner  string
		serve   string
		noMatch bool
	}{
		{name: "server speaks first", banner: "SSH-2.0-x\r\n", noMatch: true},
		{name: "http", serve: "HTTP/1.1 400 Bad Request\r\n\r\n", noMatch: true},
		{name: "tls alert", serve: "\x15\x03\x01\x00\x02\x02\x46", noMatch: true},
		{name: "confirm cut short", serve: "\x03\x00\x00\x13\x0e\xd0\x00"},
		{name: "nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.Against(t, Run, []byte(tt.banner), servicetest.Hangup(tt.serve))
			if err == nil {
				t.Errorf("matched %+v", m)
			}
			if errors.Is(err, service.ErrNoMatch) != tt.noMatch {
				t.Errorf("error %v; want no match: %v", err, tt.noMatch)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline, and leave no goroutine behind (synctest
// fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	confirmTLS := "\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x02\x1f\b\x00\x02\x00\x00\x00"
	tests := []struct {
		name  string
		serve func(c net.Conn)
		match bool
	}{
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "never reads", serve: func(c net.Conn) { time.Sleep(time.Hour) }},
		{name: "endless garbage", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				if _, err := c.Write(make([]byte, 4096)); err != nil {
					return
				}
			}
		}},
		{name: "one byte a second", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for _, b := range []byte(confirmTLS) {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}},
		{name: "confirm, then silent through TLS", match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte(confirmTLS))
			time.Sleep(time.Hour)
		}},
		{name: "confirm, then garbage for TLS", match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte(confirmTLS))
			for {
				if _, err := c.Write([]byte("\x16\x03\x03\xff\xff")); err != nil {
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
