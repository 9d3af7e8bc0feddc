package pop3

import (
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"testing"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		ok   bool
		text string
	}{
		{name: "ok", in: "+OK Dovecot (Debian) ready.\r\n", n: 29, ok: true, text: "Dovecot (Debian) ready."},
		{name: "ok alone, next kept", in: "+OK\r\nCAPA\r\n", n: 5, ok: true},
		{name: "err", in: "-ERR [SYS/TEMP] too many\n", n: 25, text: "[SYS/TEMP] too many"},
		{name: "partial", in: "+OK Dove", n: 0},
		{name: "partial prefix", in: "-E", n: 0},
		{name: "empty", in: "", n: 0},
		{name: "word continues", in: "+OKAY\r\n", n: -1},
		{name: "smtp", in: "220 mail ESMTP\r\n", n: -1},
		{name: "imap", in: "* OK ready\r\n", n: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := statusLen([]byte(tt.in))
			if n != tt.n {
				t.Fatalf("statusLen = %d, want %d", n, tt.n)
			}
			if n > 0 {
				if ok, text := parseStatus([]byte(tt.in[:n])); ok != tt.ok || text != tt.text {
					t.Errorf("parseStatus = %v %q, want %v %q", ok, text, tt.ok, tt.text)
				}
			}
		})
	}
}

func TestMulti(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want []string
	}{
		{name: "capa", in: "CAPA\r\nSTLS\r\n.\r\n+OK next", n: 15, want: []string{"CAPA", "STLS"}},
		{name: "empty body", in: ".\r\n", n: 3, want: nil},
		{name: "byte-stuffed", in: "..hidden\r\n.\n", n: 12, want: []string{".hidden"}},
		{name: "incomplete", in: "CAPA\r\nSTLS\r\n", n: 0},
		{name: "dot inside a line", in: "a.b\r\n", n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := multiLen([]byte(tt.in))
			if n != tt.n {
				t.Fatalf("multiLen = %d, want %d", n, tt.n)
			}
			if n > 0 {
				if got := parseMulti([]byte(tt.in[:n])); !slices.Equal(got, tt.want) {
					t.Errorf("parseMulti = %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name, text string
		want       result.Service
	}{
		{"dovecot debian", "Dovecot (Debian) ready.", result.Service{Name: "pop3", Product: "Dovecot pop3d", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"}}},
		{"dovecot", "Dovecot ready.", result.Service{Name: "pop3", Product: "Dovecot pop3d", CPE: []string{"cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"}}},
		{"cyrus debian", "mail.example.org Cyrus POP3 3.0.8-Debian-3.0.8-6+deb10u4 server ready <123.456@mail.example.org>", result.Service{Name: "pop3",
			Product: "Cyrus pop3d", Version: "3.0.8-Debian-3.0.8-6+deb10u4", OSType: "Linux", CPE: []string{"cpe:2.3:a:cmu:cyrus_imap_server:3.0.8:*:*:*:*:*:*:*"}}},
		{"cyrus old", "mail Cyrus POP3 v2.4.17 server ready", result.Service{Name: "pop3", Product: "Cyrus pop3d", Version: "2.4.17",
			CPE: []string{"cpe:2.3:a:cmu:cyrus_imap_server:2.4.17:*:*:*:*:*:*:*"}}},
		{"courier", "Hello there.", result.Service{Name: "pop3", Product: "Courier pop3d"}},
		{"exchange", "The Microsoft Exchange POP3 service is ready.", result.Service{Name: "pop3", Product: "Microsoft Exchange pop3d", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}}},
		{"qpopper", "Qpopper (version 4.0.5) at mail.example.org starting.", result.Service{Name: "pop3", Product: "Qpopper", Version: "4.0.5",
			CPE: []string{"cpe:2.3:a:qualcomm:qpopper:4.0.5:*:*:*:*:*:*:*"}}},
		{"unknown", "POP3 server ready <1896.697170952@dbc.mtview.ca.us>", result.Service{Name: "pop3"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Describe(tt.text)
			if got.Name != tt.want.Name || got.Product != tt.want.Product || got.Version != tt.want.Version ||
				got.OSType != tt.want.OSType || !slices.Equal(got.CPE, tt.want.CPE) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestDetect(t *testing.T) {
	for _, tt := range []struct {
		banner string
		want   bool
	}{
		{"+OK Dovecot (Debian) ready.\r\n", true},
		{"+OK", true},
		{"-ERR POP3 server busy\r\n", true},
		{"-ERR go away\r\n", false},
		{"* OK IMAP4 ready\r\n", false},
		{"220 mail ESMTP\r\n", false},
	} {
		if got := Detect([]byte(tt.banner)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.banner, got, tt.want)
		}
	}
}

// TestConversations replays whole conversations: the one captured from
// the lab's Dovecot, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name    string
		file    string             // a captured transcript, or
		steps   []servicetest.Step // a hand-made one
		product string
		version string
		details []service.Detail
		errIs   error
	}{
		{name: "dovecot captured", file: "testdata/dovecot-debian12.txt", product: "Dovecot pop3d", details: servicetest.Details(
			"capabilities", "CAPA, TOP, UIDL, RESP-CODES, PIPELINING, AUTH-RESP-CODE, STLS, SASL", "starttls", "offered")},
		{name: "sasl mechanisms", steps: servicetest.Script(
			"S +OK Dovecot ready.\r\n",
			"C CAPA\r\n", "S +OK\r\nCAPA\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n",
			"C QUIT\r\n", "S +OK Logging out\r\n"),
			product: "Dovecot pop3d", details: servicetest.Details("capabilities", "CAPA, USER, SASL PLAIN LOGIN", "auth mechanisms", "PLAIN LOGIN")},
		{name: "implementation names the server", steps: servicetest.Script(
			"S +OK server ready <21.1706@mail.example.org>\r\n",
			"C CAPA\r\n", "S +OK List of capabilities follows\r\nTOP\r\nIMPLEMENTATION Cyrus POP3 v2.4.17\r\n.\r\n",
			"C QUIT\r\n", "S +OK\r\n"),
			product: "Cyrus pop3d", version: "2.4.17", details: servicetest.Details("capabilities", "TOP, IMPLEMENTATION Cyrus POP3 v2.4.17")},
		{name: "no CAPA", steps: servicetest.Script(
			"S +OK Qpopper (version 4.0.5) at mail.example.org starting.\r\n",
			"C CAPA\r\n", "S -ERR Unknown command: \"CAPA\".\r\n",
			"C QUIT\r\n", "S +OK Pop server at mail.example.org signing off.\r\n"),
			product: "Qpopper", version: "4.0.5"},
		{name: "refusing, says POP", steps: servicetest.Script("S -ERR [SYS/TEMP] POP3 server busy, try later\r\n")},
		{name: "refusing, says nothing", steps: servicetest.Script("S -ERR go away\r\n"), errIs: service.ErrNoMatch},
		{name: "smtp", steps: servicetest.Script("S 220 mail.example.org ESMTP Postfix\r\n"), errIs: service.ErrNoMatch},
		{name: "imap", steps: servicetest.Script("S * OK Dovecot ready.\r\n"), errIs: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := tt.steps
			if tt.file != "" {
				steps = servicetest.ReadTranscript(t, tt.file)
			}
			m, err := servicetest.Converse(t, steps, servicetest.CommandLines, Run, nil)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
				return
			}
			s := m.Service
			if err != nil || s.Name != "pop3" || s.Product != tt.product || s.Version != tt.version {
				t.Fatalf("got %+v, %v; want pop3, %q %q", s, err, tt.product, tt.version)
			}
			if !slices.Equal(m.Details, tt.details) {
				t.Errorf("details %q\nwant    %q", m.Details, tt.details)
			}
		})
	}
}

// TestBannerShapes gives Run the greeting cut in the ways an engine might
// have read it.
func TestBannerShapes(t *testing.T) {
	greeting := "+OK Dovecot (Debian) ready.\r\n"
	for _, cut := range []int{0, 2, 10, len(greeting)} {
		banner, steps := servicetest.CutBanner(greeting, cut, "C CAPA\r\n", "S +OK\r\nSTLS\r\n.\r\n", "C QUIT\r\n", "S +OK bye\r\n")
		m, err := servicetest.Converse(t, steps, servicetest.CommandLines, Run, banner)
		if err != nil || m.Service.Product != "Dovecot pop3d" || servicetest.Detail(m, "starttls") != "offered" {
			t.Errorf("cut at %d: %+v, %v", cut, m, err)
		}
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	dovecot := "+OK Dovecot ready.\r\n"
	servicetest.Hostile(t, Run, 3*service.StepTimeout, "Dovecot pop3d", []servicetest.HostileCase{
		{Name: "silent", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
		{Name: "closes at once", Serve: func(c net.Conn) { c.Close() }, ErrIs: io.ErrUnexpectedEOF},
		{Name: "endless line", Serve: servicetest.Endless("+OK aaaa"), ErrIs: service.ErrTooLong},
		{Name: "greeting one byte a second", Serve: servicetest.Slow(dovecot), ErrIs: os.ErrDeadlineExceeded},
		{Name: "garbage", Serve: servicetest.Endless("\x00\xff"), ErrIs: service.ErrNoMatch},
		{Name: "named, then silent", Banner: dovecot, Serve: servicetest.Silent, Match: true},
		{Name: "named, then closes", Banner: dovecot, Serve: func(c net.Conn) { c.Close() }, Match: true},
		{Name: "named, then a CAPA body never finished", Banner: dovecot, Serve: servicetest.DrainThen(servicetest.Write("+OK\r\nCAPA\r\n")), Match: true},
		{Name: "named, then endless body", Banner: dovecot, Serve: servicetest.DrainThen(func(c net.Conn) { c.Write([]byte("+OK\r\n")); servicetest.Endless("CAPA\r\n")(c) }), Match: true},
		{Name: "named, then slow", Banner: dovecot, Serve: servicetest.DrainThen(servicetest.Slow("+OK\r\nSTLS\r\n.\r\n")), Match: true},
	})
}

func TestContextCancel(t *testing.T) { servicetest.ContextCancel(t, Run) }
