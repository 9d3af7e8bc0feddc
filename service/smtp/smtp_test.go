package smtp

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

func TestDescribe(t *testing.T) {
	windows := "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"
	tests := []struct {
		name, greeting string
		want           result.Service
	}{
		{"postfix debian", "220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", result.Service{Name: "smtp", Product: "Postfix smtpd",
			Hostname: "mail.lab.picket.test", OSType: "Linux", CPE: []string{"cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"}}},
		{"postfix plain", "220 mx1.example.net ESMTP Postfix\r\n", result.Service{Name: "smtp", Product: "Postfix smtpd",
			Hostname: "mx1.example.net", CPE: []string{"cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"}}},
		{"exim", "220 mail.example.com ESMTP Exim 4.96 Sun, 28 Jan 2024 10:00:00 +0000\r\n", result.Service{Name: "smtp", Product: "Exim smtpd", Version: "4.96",
			Hostname: "mail.example.com", CPE: []string{"cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*"}}},
		{"sendmail debian", "220 host.example.com ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Sun, 28 Jan 2024 10:00:00 GMT\r\n", result.Service{Name: "smtp", Product: "Sendmail",
			Version: "8.15.2/8.15.2/Debian-22", Hostname: "host.example.com", OSType: "Linux", CPE: []string{"cpe:2.3:a:sendmail:sendmail:8.15.2:*:*:*:*:*:*:*"}}},
		{"microsoft", "220 EX01.corp.example.com Microsoft ESMTP MAIL Service, Version: 10.0.17763.1 ready at  Sun, 28 Jan 2024 10:00:00 +0000\r\n", result.Service{Name: "smtp",
			Product: "Microsoft ESMTP", Version: "10.0.17763.1", Hostname: "EX01.corp.example.com", OSType: "Windows", CPE: []string{windows}}},
		{"opensmtpd", "220 smtp.example.org ESMTP OpenSMTPD\r\n", result.Service{Name: "smtp", Product: "OpenSMTPD",
			Hostname: "smtp.example.org", CPE: []string{"cpe:2.3:a:openbsd:opensmtpd:*:*:*:*:*:*:*:*"}}},
		{"multi-line", "220-mail.example.org ESMTP Exim 4.92 #3\r\n220-We do not authorize the use of this system\r\n220 to transport unsolicited mail\r\n", result.Service{Name: "smtp",
			Product: "Exim smtpd", Version: "4.92", Hostname: "mail.example.org", CPE: []string{"cpe:2.3:a:exim:exim:4.92:*:*:*:*:*:*:*"}}},
		{"no host name", "220 ESMTP ready\r\n", result.Service{Name: "smtp"}},
		{"address, not a name", "220 192.0.2.1 ESMTP\r\n", result.Service{Name: "smtp"}},
		{"single label", "220 mailhost ESMTP\r\n", result.Service{Name: "smtp"}},
		{"bad label", "220 -bad-.example.org ESMTP\r\n", result.Service{Name: "smtp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := service.ParseCodeReply([]byte(tt.greeting))
			if !ok {
				t.Fatal("greeting does not parse")
			}
			got := Describe(r)
			if got.Name != tt.want.Name || got.Product != tt.want.Product || got.Version != tt.want.Version || got.Hostname != tt.want.Hostname ||
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
		{"220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", true},
		{"220 gateway ready\r\n", true},
		{"554 mail.example.org ESMTP not accepting connections\r\n", true},
		{"421 mail.example.org Service not available\r\n", true},
		{"220 (vsFTPd 3.0.3)\r\n", false},
		{"220 ProFTPD Server ready\r\n", false},
		{"SSH-2.0-OpenSSH_9.2p1\r\n", false},
		{"* OK IMAP4 ready\r\n", false},
		{"2", false},
	} {
		if got := Detect([]byte(tt.banner)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.banner, got, tt.want)
		}
	}
}

func TestHelloName(t *testing.T) {
	for _, tt := range []struct {
		addr net.Addr
		want string
	}{
		{&net.TCPAddr{IP: net.ParseIP("198.18.0.1"), Port: 40000}, "[198.18.0.1]"},
		{&net.TCPAddr{IP: net.ParseIP("fd00::1"), Port: 40000}, "[IPv6:fd00::1]"},
		{&net.TCPAddr{IP: net.ParseIP("fe80::1"), Port: 40000, Zone: "eth0"}, "[IPv6:fe80::1]"},
		{&net.UnixAddr{Name: "/tmp/x"}, "picket.invalid"},
	} {
		if got := helloName(fakeAddrConn{local: tt.addr}); got != tt.want {
			t.Errorf("helloName(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

type fakeAddrConn struct {
	net.Conn
	local net.Addr
}

func (c fakeAddrConn) LocalAddr() net.Addr { return c.local }

// TestConversations replays whole conversations: the one captured from
// the lab's Postfix, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name     string
		file     string             // a captured transcript, or
		steps    []servicetest.Step // a hand-made one
		product  string
		hostname string
		details  []service.Detail
		errIs    error
	}{
		{name: "postfix captured", file: "testdata/postfix-debian12.txt", product: "Postfix smtpd", hostname: "mail.lab.picket.test", details: servicetest.Details(
			"extensions", "PIPELINING, SIZE 10240000, VRFY, ETRN, STARTTLS, ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING", "starttls", "offered")},
		{name: "auth mechanisms", steps: servicetest.Script(
			"S 220 mx.example.com ESMTP Exim 4.96 Sun, 28 Jan 2024 10:00:00 +0000\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 250-mx.example.com Hello [192.0.2.1]\r\n250-SIZE 52428800\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n",
			"C QUIT\r\n", "S 221 mx.example.com closing connection\r\n"),
			product: "Exim smtpd", hostname: "mx.example.com", details: servicetest.Details("extensions", "SIZE 52428800, AUTH PLAIN LOGIN, HELP", "auth mechanisms", "PLAIN LOGIN")},
		{name: "old auth syntax", steps: servicetest.Script(
			"S 220 mail.example.org ESMTP\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 250-mail.example.org\r\n250-AUTH=LOGIN\r\n250 8BITMIME\r\n",
			"C QUIT\r\n", "S 221 bye\r\n"),
			hostname: "mail.example.org", details: servicetest.Details("extensions", "AUTH=LOGIN, 8BITMIME", "auth mechanisms", "LOGIN")},
		{name: "HELO when EHLO is unknown, host name from it", steps: servicetest.Script(
			"S 220 ready for mail\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 502 unknown command\r\n",
			"C HELO [192.0.2.1]\r\n", "S 250 relay.example.org\r\n",
			"C QUIT\r\n", "S 221 bye\r\n"),
			hostname: "relay.example.org"},
		{name: "ftp server with a plain greeting", steps: servicetest.Script(
			"S 220 Welcome\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 530 Please login with USER and PASS.\r\n",
			"C HELO [192.0.2.1]\r\n", "S 530 Please login with USER and PASS.\r\n"),
			errIs: service.ErrNoMatch},
		{name: "named, EHLO and HELO refused", steps: servicetest.Script(
			"S 220 mail.example.org ESMTP Postfix\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 501 5.5.2 bad syntax\r\n",
			"C HELO [192.0.2.1]\r\n", "S 501 5.5.2 bad syntax\r\n",
			"C QUIT\r\n", "S 221 2.0.0 Bye\r\n"),
			product: "Postfix smtpd", hostname: "mail.example.org"},
		{name: "refuses service but named", steps: servicetest.Script("S 554 mail.example.org ESMTP not accepting messages\r\n"), hostname: "mail.example.org"},
		{name: "ftp greeting", steps: servicetest.Script("S 220 (vsFTPd 3.0.3)\r\n"), errIs: service.ErrNoMatch},
		{name: "busy and unnamed", steps: servicetest.Script("S 421 Service not available\r\n"), errIs: service.ErrNoMatch},
		{name: "pop3", steps: servicetest.Script("S +OK Dovecot ready.\r\n"), errIs: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := tt.steps
			if tt.file != "" {
				steps = servicetest.ReadTranscript(t, tt.file)
			}
			m, err := servicetest.Converse(t, steps, servicetest.CommandVerbs, Run, nil)
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
				return
			}
			s := m.Service
			if err != nil || s.Name != "smtp" || s.Product != tt.product || s.Hostname != tt.hostname {
				t.Fatalf("got %+v, %v; want smtp, %q, host %q", s, err, tt.product, tt.hostname)
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
	greeting := "220-mail.example.org ESMTP Exim 4.92 #3\r\n220 no spam\r\n"
	for _, cut := range []int{0, 5, 40, len(greeting)} {
		banner, steps := servicetest.CutBanner(greeting, cut, "C EHLO x\r\n", "S 250 mail.example.org\r\n", "C QUIT\r\n", "S 221 bye\r\n")
		m, err := servicetest.Converse(t, steps, servicetest.CommandVerbs, Run, banner)
		if err != nil || m.Service.Product != "Exim smtpd" || m.Service.Version != "4.92" {
			t.Errorf("cut at %d: %+v, %v", cut, m, err)
		}
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	postfix := "220 mail.example.org ESMTP Postfix\r\n"
	servicetest.Hostile(t, Run, 2*service.StepTimeout, "Postfix smtpd", []servicetest.HostileCase{
		{Name: "silent", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
		{Name: "closes at once", Serve: func(c net.Conn) { c.Close() }, ErrIs: io.ErrUnexpectedEOF},
		{Name: "endless multi-line greeting", Serve: servicetest.Endless("220-more\r\n"), ErrIs: service.ErrTooLong},
		{Name: "endless line", Serve: servicetest.Endless("220 aaaa"), ErrIs: service.ErrTooLong},
		{Name: "greeting one byte a second", Serve: servicetest.Slow(postfix), ErrIs: os.ErrDeadlineExceeded},
		{Name: "garbage", Serve: servicetest.Endless("\x00\xff"), ErrIs: service.ErrNoMatch},
		{Name: "named, then silent", Banner: postfix, Serve: servicetest.Silent, Match: true},
		{Name: "named, then closes", Banner: postfix, Serve: func(c net.Conn) { c.Close() }, Match: true},
		{Name: "named, then endless", Banner: postfix, Serve: servicetest.DrainThen(servicetest.Endless("250-x\r\n")), Match: true},
		{Name: "named, then slow", Banner: postfix, Serve: servicetest.DrainThen(servicetest.Slow("250-mail.example.org\r\n250 STARTTLS\r\n")), Match: true},
		{Name: "unnamed, then silent", Banner: "220 ready\r\n", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
	})
}

func TestContextCancel(t *testing.T) { servicetest.ContextCancel(t, Run) }
