package imap

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

func TestParseGreeting(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
		want Greeting
		ok   bool
	}{
		{name: "dovecot", in: "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n", n: 62,
			want: Greeting{"OK", "CAPABILITY IMAP4rev1 STARTTLS", "Dovecot (Debian) ready."}, ok: true},
		{name: "no code", in: "* OK The Microsoft Exchange IMAP4 service is ready.\r\n", n: 53,
			want: Greeting{"OK", "", "The Microsoft Exchange IMAP4 service is ready."}, ok: true},
		{name: "preauth, lower case", in: "* preauth logged in as joe\n", n: 27, want: Greeting{"PREAUTH", "", "logged in as joe"}, ok: true},
		{name: "bye", in: "* BYE Too many connections\r\n", n: 28, want: Greeting{"BYE", "", "Too many connections"}, ok: true},
		{name: "unclosed code", in: "* OK [ALERT oops\r\n", n: 18, want: Greeting{"OK", "", "[ALERT oops"}, ok: true},
		{name: "other status", in: "* NO go away\r\n", n: 14},
		{name: "partial", in: "* OK [CAPA", n: 0},
		{name: "pop3", in: "+OK Dovecot ready.\r\n", n: -1},
		{name: "smtp", in: "220 mail ESMTP\r\n", n: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := greetingLen([]byte(tt.in))
			if n != tt.n {
				t.Fatalf("greetingLen = %d, want %d", n, tt.n)
			}
			if n > 0 {
				g, ok := ParseGreeting([]byte(tt.in[:n]))
				if ok != tt.ok || g != tt.want {
					t.Errorf("ParseGreeting = %+v, %v; want %+v, %v", g, ok, tt.want, tt.ok)
				}
			}
		})
	}
}

func TestTaggedLen(t *testing.T) {
	tests := []struct {
		name string
		in   string
		n    int
	}{
		{name: "tagged alone", in: "a1 OK done\r\nrest", n: 12},
		{name: "untagged first", in: "* CAPABILITY IMAP4rev1\r\na1 OK done\r\n", n: 36},
		{name: "literal hiding a tag", in: "* ID (\"x\" {12}\r\na1 OK fake\r\n)\r\na1 OK\r\n", n: 38},
		{name: "literal incomplete", in: "* ID (\"x\" {12}\r\na1 OK", n: 0},
		{name: "literal plus", in: "* ID (\"x\" {2+}\r\nab)\r\na1 OK\r\n", n: 28},
		{name: "huge literal", in: "* X {999999999}\r\n", n: -1},
		{name: "other tag is no end", in: "a2 OK\r\na1 OK\r\n", n: -1},
		{name: "garbage line", in: "* OK\r\nhello\r\n", n: -1},
		{name: "incomplete", in: "* CAPABILITY IMAP4rev1\r\n", n: 0},
		{name: "empty", in: "", n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := taggedLen("a1")([]byte(tt.in)); n != tt.n {
				t.Errorf("taggedLen = %d, want %d", n, tt.n)
			}
		})
	}
}

func TestParseID(t *testing.T) {
	tests := []struct {
		name, in string
		want     [][2]string
	}{
		{"dovecot", `("name" "Dovecot")`, [][2]string{{"name", "Dovecot"}}},
		{"cyrus", `("name" "Cyrus IMAPD" "version" "3.0.8-Debian-3.0.8-6+deb10u4" "vendor" "Project Cyrus" "os" "Linux")`,
			[][2]string{{"name", "Cyrus IMAPD"}, {"version", "3.0.8-Debian-3.0.8-6+deb10u4"}, {"vendor", "Project Cyrus"}, {"os", "Linux"}}},
		{"nil list", `NIL`, nil},
		{"nil value dropped", `("name" NIL "os" "Linux")`, [][2]string{{"os", "Linux"}}},
		{"escapes", `("name" "a \"quoted\" \\ name")`, [][2]string{{"name", `a "quoted" \ name`}}},
		{"unterminated", `("name" "Dovecot" "version" "2.3`, [][2]string{{"name", "Dovecot"}}},
		{"odd count", `("name")`, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseID(tt.in); !slices.Equal(got, tt.want) {
				t.Errorf("ParseID = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	tests := []struct {
		name, text string
		want       result.Service
	}{
		{"dovecot debian", "Dovecot (Debian) ready.", result.Service{Name: "imap", Product: "Dovecot imapd", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"}}},
		{"cyrus debian", "mail.example.org Cyrus IMAP 3.0.8-Debian-3.0.8-6+deb10u4 server ready", result.Service{Name: "imap", Product: "Cyrus imapd",
			Version: "3.0.8-Debian-3.0.8-6+deb10u4", OSType: "Linux", CPE: []string{"cpe:2.3:a:cmu:cyrus_imap_server:3.0.8:*:*:*:*:*:*:*"}}},
		{"cyrus old", "mail Cyrus IMAP4 v2.2.13 server ready", result.Service{Name: "imap", Product: "Cyrus imapd", Version: "2.2.13",
			CPE: []string{"cpe:2.3:a:cmu:cyrus_imap_server:2.2.13:*:*:*:*:*:*:*"}}},
		{"courier", "Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.  See COPYING for distribution information.", result.Service{Name: "imap", Product: "Courier Imapd"}},
		{"exchange", "The Microsoft Exchange IMAP4 service is ready.", result.Service{Name: "imap", Product: "Microsoft Exchange imapd", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:microsoft:exchange_server:*:*:*:*:*:*:*:*", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}}},
		{"uw", "localhost IMAP4rev1 2007f.404 at Thu, 1 Feb 2024 10:00:00 +0000 (UTC)", result.Service{Name: "imap", Product: "UW imapd", Version: "2007f.404"}},
		{"unknown", "IMAP4rev1 Service Ready", result.Service{Name: "imap"}},
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
		{"* OK [CAPABILITY IMAP4rev1] Dovecot (Debian) ready.\r\n", true},
		{"* OK", true},
		{"* PRE", true},
		{"* BYE too many\r\n", true},
		{"* NO\r\n", false},
		{"* ", false},
		{"+OK Dovecot ready.\r\n", false},
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
		{name: "dovecot captured", file: "testdata/dovecot-debian12.txt", product: "Dovecot imapd", details: servicetest.Details(
			"capabilities", "IMAP4rev1, SASL-IR, LOGIN-REFERRALS, ID, ENABLE, IDLE, LITERAL+, STARTTLS, LOGINDISABLED", "starttls", "offered", "server id", "name=Dovecot")},
		{name: "capabilities asked, ID names the server", steps: servicetest.Script(
			"S * OK server ready\r\n",
			"C a1 CAPABILITY\r\n", "S * CAPABILITY IMAP4rev1 ID AUTH=PLAIN AUTH=GSSAPI\r\na1 OK Completed\r\n",
			"C a2 ID NIL\r\n", "S * ID (\"name\" \"Cyrus IMAPD\" \"version\" \"3.0.8-Debian-3.0.8-6+deb10u4\" \"os\" \"Linux\")\r\na2 OK Completed\r\n",
			"C z LOGOUT\r\n", "S * BYE LOGOUT received\r\nz OK Completed\r\n"),
			product: "Cyrus imapd", version: "3.0.8-Debian-3.0.8-6+deb10u4", details: servicetest.Details(
				"capabilities", "IMAP4rev1, ID, AUTH=PLAIN, AUTH=GSSAPI", "auth mechanisms", "PLAIN GSSAPI",
				"server id", "name=Cyrus IMAPD, version=3.0.8-Debian-3.0.8-6+deb10u4, os=Linux")},
		{name: "no ID offered", steps: servicetest.Script(
			"S * OK [CAPABILITY IMAP4rev1 STARTTLS] Courier-IMAP ready.\r\n",
			"C z LOGOUT\r\n", "S * BYE Courier-IMAP server shutting down\r\nz OK LOGOUT completed\r\n"),
			product: "Courier Imapd", details: servicetest.Details("capabilities", "IMAP4rev1, STARTTLS", "starttls", "offered")},
		{name: "ID says nothing", steps: servicetest.Script(
			"S * OK [CAPABILITY IMAP4rev1 ID] Dovecot ready.\r\n",
			"C a2 ID NIL\r\n", "S * ID NIL\r\na2 OK\r\n",
			"C z LOGOUT\r\n", "S z OK\r\n"),
			product: "Dovecot imapd", details: servicetest.Details("capabilities", "IMAP4rev1, ID")},
		{name: "bye", steps: servicetest.Script("S * BYE Dovecot: too many connections\r\n"), product: "Dovecot imapd"},
		{name: "pop3", steps: servicetest.Script("S +OK Dovecot ready.\r\n"), errIs: service.ErrNoMatch},
		{name: "other status", steps: servicetest.Script("S * NO go away\r\n"), errIs: service.ErrNoMatch},
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
			if err != nil || s.Name != "imap" || s.Product != tt.product || s.Version != tt.version {
				t.Fatalf("got %+v, %v; want imap, %q %q", s, err, tt.product, tt.version)
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
	greeting := "* OK [CAPABILITY IMAP4rev1 STARTTLS] Dovecot (Debian) ready.\r\n"
	for _, cut := range []int{0, 1, 20, len(greeting)} {
		banner, steps := servicetest.CutBanner(greeting, cut, "C z LOGOUT\r\n", "S z OK\r\n")
		m, err := servicetest.Converse(t, steps, servicetest.CommandLines, Run, banner)
		if err != nil || m.Service.Product != "Dovecot imapd" || servicetest.Detail(m, "starttls") != "offered" {
			t.Errorf("cut at %d: %+v, %v", cut, m, err)
		}
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	dovecot := "* OK Dovecot ready.\r\n"
	servicetest.Hostile(t, Run, 3*service.StepTimeout, "Dovecot imapd", []servicetest.HostileCase{
		{Name: "silent", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
		{Name: "closes at once", Serve: func(c net.Conn) { c.Close() }, ErrIs: io.ErrUnexpectedEOF},
		{Name: "endless line", Serve: servicetest.Endless("* OK aaaa"), ErrIs: service.ErrTooLong},
		{Name: "greeting one byte a second", Serve: servicetest.Slow(dovecot), ErrIs: os.ErrDeadlineExceeded},
		{Name: "garbage", Serve: servicetest.Endless("\x00\xff"), ErrIs: service.ErrNoMatch},
		{Name: "named, then silent", Banner: dovecot, Serve: servicetest.Silent, Match: true},
		{Name: "named, then closes", Banner: dovecot, Serve: func(c net.Conn) { c.Close() }, Match: true},
		{Name: "named, then endless untagged", Banner: dovecot, Serve: servicetest.DrainThen(servicetest.Endless("* CAPABILITY IMAP4rev1\r\n")), Match: true},
		{Name: "named, then an endless literal", Banner: dovecot, Serve: servicetest.DrainThen(func(c net.Conn) { c.Write([]byte("* X {60000}\r\n")); servicetest.Endless("x")(c) }), Match: true},
		{Name: "named, then slow", Banner: dovecot, Serve: servicetest.DrainThen(servicetest.Slow("* CAPABILITY IMAP4rev1 ID\r\na1 OK\r\n")), Match: true},
		{Name: "named, then garbage", Banner: dovecot, Serve: servicetest.DrainThen(servicetest.Endless("garbage\r\n")), Match: true},
	})
}

func TestContextCancel(t *testing.T) { servicetest.ContextCancel(t, Run) }
