package vnc

import (
	"bytes"
	"context"
	"io"
	"net"
	"reflect"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestParseVersion(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want Version
		ok   bool
	}{
		{"3.8", "RFB 003.008\n", Version{3, 8}, true},
		{"apple", "RFB 003.889\n", Version{3, 889}, true},
		{"realvnc", "RFB 005.000\n", Version{5, 0}, true},
		{"trailing bytes ignored", "RFB 003.003\nxyz", Version{3, 3}, true},
		{"short", "RFB 003.00", Version{}, false},
		{"no newline", "RFB 003.008\r", Version{}, false},
		{"letters", "RFB 00a.008\n", Version{}, false},
		{"ssh", "SSH-2.0-OpenSSH_9.2p1\r\n", Version{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, ok := ParseVersion([]byte(tt.in))
			if v != tt.want || ok != tt.ok {
				t.Errorf("ParseVersion(%q) = %v, %v; want %v, %v", tt.in, v, ok, tt.want, tt.ok)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"whole", "RFB 003.008\n", true},
		{"partial", "RFB 00", true},
		{"prefix only", "RFB ", true},
		{"too short", "RFB", false},
		{"other text", "RFB is a protocol\n", false},
		{"ftp", "220 ready\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Detect([]byte(tt.in)); got != tt.want {
				t.Errorf("Detect(%q) = %v", tt.in, got)
			}
		})
	}
}

func TestClientVersion(t *testing.T) {
	for in, want := range map[Version]Version{
		{3, 3}: {3, 3}, {3, 4}: {3, 3}, {3, 6}: {3, 3}, {3, 7}: {3, 7}, {3, 8}: {3, 8},
		{3, 889}: {3, 8}, {4, 1}: {3, 8}, {5, 0}: {3, 8}, {0, 0}: {3, 3}, {2, 9}: {3, 3},
	} {
		if got := clientVersion(in); got != want {
			t.Errorf("clientVersion(%v) = %v, want %v", in, got, want)
		}
	}
}

func TestParseSecurity(t *testing.T) {
	tests := []struct {
		name string
		in   string
		v    Version
		want Security
		n    int
		err  bool
	}{
		{name: "3.8 two types", in: "\x02\x13\x02", v: Version{3, 8}, want: Security{Types: []uint32{19, 2}}, n: 3},
		{name: "3.8 incomplete", in: "\x02\x13", v: Version{3, 8}},
		{name: "empty", in: "", v: Version{3, 8}},
		{name: "3.3 chosen, challenge follows", in: "\x00\x00\x00\x02_\xa2", v: Version{3, 3}, want: Security{Types: []uint32{2}, Chosen: true}, n: 4},
		{name: "3.3 incomplete", in: "\x00\x00\x00", v: Version{3, 3}},
		{name: "3.8 failure", in: "\x00\x00\x00\x00\x03bad", v: Version{3, 8}, want: Security{Failed: true, Reason: "bad"}, n: 8},
		{name: "3.8 failure incomplete", in: "\x00\x00\x00\x00\x03ba", v: Version{3, 8}},
		{name: "3.3 failure", in: "\x00\x00\x00\x00\x00\x00\x00\x02no", v: Version{3, 3}, want: Security{Chosen: true, Failed: true, Reason: "no"}, n: 10},
		{name: "binary reason", in: "\x00\x00\x00\x00\x04\x00\x01\x02\x03", v: Version{3, 8}, err: true},
		{name: "reason with newline", in: "\x00\x00\x00\x00\x04a\nb.", v: Version{3, 8}, want: Security{Failed: true, Reason: "a b."}, n: 9},
		{
			name: "huge reason cut",
			in:   "\x00\xff\xff\xff\xff" + string(bytes.Repeat([]byte("x"), maxReason+10)),
			v:    Version{3, 8},
			want: Security{Failed: true, Reason: string(bytes.Repeat([]byte("x"), maxReason))},
			n:    5 + maxReason,
		},
		{name: "huge reason waits for the cut", in: "\x00\xff\xff\xff\xffxx", v: Version{3, 8}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, n, err := ParseSecurity([]byte(tt.in), tt.v)
			if (err != nil) != tt.err || n != tt.n || !reflect.DeepEqual(s, tt.want) {
				t.Errorf("ParseSecurity = %+v, %d, %v; want %+v, %d, error %v", s, n, err, tt.want, tt.n, tt.err)
			}
		})
	}
}

// TestCapturedSecurity parses what TigerVNC answered to RFB 3.3 and 3.7,
// versions picket itself sends only to servers that announce them.
func TestCapturedSecurity(t *testing.T) {
	tests := []struct {
		file string
		v    Version
		want Security
	}{
		{"tigervnc-1.12-vncauth-rfb33.txt", Version{3, 3}, Security{Types: []uint32{2}, Chosen: true}},
		{"tigervnc-1.12-none-rfb37.txt", Version{3, 7}, Security{Types: []uint32{1}}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			steps := servicetest.ReadTranscript(t, "testdata/"+tt.file)
			s, n, err := ParseSecurity(servicetest.ServerBytes(steps[2:]), tt.v)
			if err != nil || n == 0 || !reflect.DeepEqual(s, tt.want) {
				t.Errorf("ParseSecurity = %+v, %d, %v; want %+v", s, n, err, tt.want)
			}
		})
	}
}

func TestTranscripts(t *testing.T) {
	vnc := func(extra string, cpe ...string) result.Service {
		return result.Service{Name: "vnc", Product: "VNC", ExtraInfo: extra, CPE: cpe}
	}
	tests := []struct {
		file string
		want service.Match
	}{
		{"tigervnc-1.12-none.txt", service.Match{Service: vnc("protocol 3.8"),
			Details: servicetest.Details("security types", "None (1)", "authentication", "none")}},
		{"tigervnc-1.12-vncauth.txt", service.Match{Service: vnc("protocol 3.8"),
			Details: servicetest.Details("security types", "VNC Authentication (2)", "authentication", "required")}},
		{"tigervnc-1.12-default.txt", service.Match{Service: vnc("protocol 3.8"),
			Details: servicetest.Details("security types", "VeNCrypt (19), VNC Authentication (2)", "authentication", "required")}},
		{"apple-3.889.txt", service.Match{
			Service: result.Service{Name: "vnc", Product: "Apple remote desktop vnc", OSType: "Mac OS X",
				CPE: []string{"cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("security types", "Apple Remote Desktop (30)", "authentication", "required")}},
		{"realvnc-5.0.txt", service.Match{
			Service: result.Service{Name: "vnc", Product: "RealVNC", ExtraInfo: "protocol 5.0",
				CPE: []string{"cpe:2.3:a:realvnc:vnc_server:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("security types", "RA2 (5), RA2ne (6)", "authentication", "required")}},
		{"ultravnc-mslogon.txt", service.Match{
			Service: result.Service{Name: "vnc", Product: "UltraVNC", ExtraInfo: "protocol 3.8",
				CPE: []string{"cpe:2.3:a:uvnc:ultravnc:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("security types", "UltraVNC MS-Logon II (113), VNC Authentication (2)", "authentication", "required")}},
		{"tight.txt", service.Match{
			Service: result.Service{Name: "vnc", Product: "TightVNC", ExtraInfo: "protocol 3.8",
				CPE: []string{"cpe:2.3:a:tightvnc:tightvnc:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("security types", "Tight (16)", "authentication", "required")}},
		{"failure-rfb38.txt", service.Match{Service: vnc("protocol 3.8"),
			Details: servicetest.Details("connection refused", "Too many security failures")}},
		{"failure-rfb33.txt", service.Match{Service: vnc("protocol 3.3"),
			Details: servicetest.Details("connection refused", "Too many security failures")}},
		{"repeater.txt", service.Match{Service: result.Service{Name: "vnc", Product: "UltraVNC repeater",
			CPE: []string{"cpe:2.3:a:uvnc:ultravnc_repeater:*:*:*:*:*:*:*:*"}}}},
		{"silent-after-version.txt", service.Match{Service: vnc("protocol 3.8")}},
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

func TestRunBanner(t *testing.T) {
	tests := []struct {
		name    string
		banner  string
		serve   string // sent after the banner
		noMatch bool
		product string
	}{
		{name: "version split across banner and stream", banner: "RFB 00", serve: "3.008\n\x01\x01", product: "VNC"},
		{name: "empty banner", banner: "", serve: "RFB 003.008\n\x01\x01", product: "VNC"},
		{name: "not rfb", banner: "RFB 003.0x8\n", noMatch: true},
		{name: "not rfb, partial", banner: "HELLO", noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.Against(t, Run, []byte(tt.banner), servicetest.DrainThen(servicetest.Write(tt.serve)))
			if tt.noMatch {
				if err == nil {
					t.Errorf("matched %+v", m)
				}
				return
			}
			if err != nil || m.Service.Product != tt.product {
				t.Errorf("got %+v, %v", m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline, and leave no goroutine behind (synctest
// fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	tests := []struct {
		name   string
		banner string
		serve  func(c net.Conn)
		match  bool // the version alone identifies VNC
	}{
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "closes at once", serve: func(c net.Conn) {}},
		{name: "endless garbage", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			junk := bytes.Repeat([]byte{0xff}, 4096)
			for {
				if _, err := c.Write(junk); err != nil {
					return
				}
			}
		}},
		{name: "one byte a second", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for _, b := range []byte("RFB 003.008\n\x02\x01") {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}},
		{name: "endless reason", banner: "RFB 003.008\n", match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("\x00\x7f\xff\xff\xff"))
			for {
				if _, err := c.Write(bytes.Repeat([]byte("a"), 1000)); err != nil {
					return
				}
			}
		}},
		{name: "types never come", banner: "RFB 003.008\n", match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			c.Write([]byte("\xff\x01"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, func(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
				return Run(ctx, c, []byte(tt.banner))
			}, 3*time.Second, tt.serve)
			if (err == nil) != tt.match {
				t.Errorf("got %+v, %v; want a match: %v", m, err, tt.match)
			}
		})
	}
}
