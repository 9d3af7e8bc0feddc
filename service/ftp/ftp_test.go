package ftp

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
		{"vsftpd", "220 (vsFTPd 3.0.3)\r\n", result.Service{Name: "ftp", Product: "vsftpd", Version: "3.0.3",
			CPE: []string{"cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"}}},
		{"proftpd debian", "220 ProFTPD 1.3.5e Server (Debian) [::ffff:198.18.0.2]\r\n", result.Service{Name: "ftp", Product: "ProFTPD", Version: "1.3.5e", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:proftpd:proftpd:1.3.5e:*:*:*:*:*:*:*"}}},
		{"proftpd without version", "220 ProFTPD Server (ProFTPD Default Installation) [198.18.0.2]\r\n", result.Service{Name: "ftp", Product: "ProFTPD",
			CPE: []string{"cpe:2.3:a:proftpd:proftpd:*:*:*:*:*:*:*:*"}}},
		{"pure-ftpd multi-line", "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n220 This is a private system\r\n",
			result.Service{Name: "ftp", Product: "Pure-FTPd", CPE: []string{"cpe:2.3:a:pureftpd:pure-ftpd:*:*:*:*:*:*:*:*"}}},
		{"filezilla old", "220-FileZilla Server version 0.9.41 beta\r\n220 Hello\r\n", result.Service{Name: "ftp", Product: "FileZilla ftpd", Version: "0.9.41 beta", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:filezilla-project:filezilla_server:0.9.41:*:*:*:*:*:*:*", windows}}},
		{"filezilla new", "220-FileZilla Server 1.7.0\r\n220 Please visit https://filezilla-project.org/\r\n", result.Service{Name: "ftp", Product: "FileZilla ftpd", Version: "1.7.0", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:filezilla-project:filezilla_server:1.7.0:*:*:*:*:*:*:*", windows}}},
		{"microsoft", "220 Microsoft FTP Service\r\n", result.Service{Name: "ftp", Product: "Microsoft ftpd", OSType: "Windows", CPE: []string{windows}}},
		{"unknown", "220 Welcome to the archive\r\n", result.Service{Name: "ftp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, ok := service.ParseCodeReply([]byte(tt.greeting))
			if !ok {
				t.Fatal("greeting does not parse")
			}
			got := Describe(r)
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
		{"220 (vsFTPd 3.0.3)\r\n", true},
		{"220 Welcome\r\n", true},
		{"220-", true},
		{"120 ready in 5 minutes\r\n", true},
		{"421 Too many connections to this FTP server\r\n", true},
		{"220 mail.example.org ESMTP Postfix (Debian/GNU)\r\n", false},
		{"530 Login\r\n", false},
		{"SSH-2.0-OpenSSH_9.2p1\r\n", false},
		{"+OK Dovecot ready.\r\n", false},
		{"22", false},
	} {
		if got := Detect([]byte(tt.banner)); got != tt.want {
			t.Errorf("Detect(%q) = %v, want %v", tt.banner, got, tt.want)
		}
	}
}

// TestConversations replays whole conversations: the one captured from
// the lab's vsftpd, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name    string
		file    string             // a captured transcript, or
		steps   []servicetest.Step // a hand-made one
		product string
		details []service.Detail
		errIs   error
	}{
		{name: "vsftpd captured", file: "testdata/vsftpd-debian12.txt", product: "vsftpd", details: servicetest.Details("anonymous login", "allowed", "system", "UNIX Type: L8", "features", "EPRT, EPSV, MDTM, PASV, REST STREAM, SIZE, TVFS")},
		{name: "anonymous refused at PASS", steps: servicetest.Script(
			"S 220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n",
			"C USER anonymous\r\n", "S 331 Anonymous login ok, send your complete email address as your password\r\n",
			"C PASS picket@example.org\r\n", "S 530 Login incorrect.\r\n",
			"C SYST\r\n", "S 215 UNIX Type: L8\r\n",
			"C FEAT\r\n", "S 211-Features:\r\n AUTH TLS\r\n MDTM\r\n211 End\r\n",
			"C QUIT\r\n", "S 221 Goodbye.\r\n"),
			product: "ProFTPD", details: servicetest.Details("anonymous login", "refused", "system", "UNIX Type: L8", "features", "AUTH TLS, MDTM", "starttls", "offered")},
		{name: "anonymous refused at USER", steps: servicetest.Script(
			"S 220-Welcome to Pure-FTPd [privsep]\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
			"C USER anonymous\r\n", "S 530 This FTP server does not allow anonymous logins\r\n",
			"C SYST\r\n", "S 530 You aren't logged in\r\n",
			"C FEAT\r\n", "S 500 Unknown command\r\n",
			"C QUIT\r\n", "S 221 Logout.\r\n"),
			product: "Pure-FTPd", details: servicetest.Details("anonymous login", "refused")},
		{name: "anonymous allowed at USER, ready soon first", steps: servicetest.Script(
			"S 120 Service ready in 1 minutes.\r\n220 Microsoft FTP Service\r\n",
			"C USER anonymous\r\n", "S 230 User logged in.\r\n",
			"C SYST\r\n", "S 215 Windows_NT\r\n",
			"C FEAT\r\n", "S 211-Extended features supported:\r\n SIZE\r\n211 END\r\n",
			"C QUIT\r\n", "S 221 Goodbye.\r\n"),
			product: "Microsoft ftpd", details: servicetest.Details("anonymous login", "allowed", "system", "Windows_NT", "features", "SIZE")},
		{name: "smtp server with a plain greeting", steps: servicetest.Script(
			"S 220 gateway ready\r\n",
			"C USER anonymous\r\n", "S 502 5.5.2 Error: command not recognized\r\n"),
			errIs: service.ErrNoMatch},
		{name: "smtp greeting", steps: servicetest.Script("S 220 mail.example.org ESMTP Postfix\r\n"), errIs: service.ErrNoMatch},
		{name: "busy but named", steps: servicetest.Script("S 421 Too many users on this FTP server, sorry\r\n"), product: ""},
		{name: "busy and unnamed", steps: servicetest.Script("S 421 Service not available\r\n"), errIs: service.ErrNoMatch},
		{name: "garbage", steps: servicetest.Script("S \x16\x03\x01\x00\x00\r\n"), errIs: service.ErrNoMatch},
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
			if err != nil || m.Service.Name != "ftp" || m.Service.Product != tt.product {
				t.Fatalf("got %+v, %v; want ftp, %q", m.Service, err, tt.product)
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
	greeting := "220-Welcome to Pure-FTPd [privsep]\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n"
	for _, cut := range []int{0, 5, 36, len(greeting)} {
		banner, steps := servicetest.CutBanner(greeting, cut, "C USER anonymous\r\n", "S 230 ok\r\n")
		m, err := servicetest.Converse(t, steps, servicetest.CommandLines, Run, banner)
		if err != nil || m.Service.Product != "Pure-FTPd" || servicetest.Detail(m, "anonymous login") != "allowed" {
			t.Errorf("cut at %d: %+v, %v", cut, m, err)
		}
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	servicetest.Hostile(t, Run, 2*service.StepTimeout, "vsftpd", []servicetest.HostileCase{
		{Name: "silent", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
		{Name: "closes at once", Serve: func(c net.Conn) { c.Close() }, ErrIs: io.ErrUnexpectedEOF},
		{Name: "endless multi-line greeting", Serve: servicetest.Endless("220-more\r\n"), ErrIs: service.ErrTooLong},
		{Name: "endless line", Serve: servicetest.Endless("220 aaaa"), ErrIs: service.ErrTooLong},
		{Name: "greeting one byte a second", Serve: servicetest.Slow("220 (vsFTPd 3.0.3)\r\n"), ErrIs: os.ErrDeadlineExceeded},
		{Name: "garbage", Serve: servicetest.Endless("\x00\xff"), ErrIs: service.ErrNoMatch},
		{Name: "named, then silent", Banner: "220 (vsFTPd 3.0.3)\r\n", Serve: servicetest.Silent, Match: true},
		{Name: "named, then closes", Banner: "220 (vsFTPd 3.0.3)\r\n", Serve: func(c net.Conn) { c.Close() }, Match: true},
		{Name: "named, then endless", Banner: "220 (vsFTPd 3.0.3)\r\n", Serve: servicetest.DrainThen(servicetest.Endless("331-x\r\n")), Match: true},
		{Name: "named, then slow", Banner: "220 (vsFTPd 3.0.3)\r\n", Serve: servicetest.DrainThen(servicetest.Slow("331 Please specify the password.\r\n")), Match: true},
		{Name: "unnamed, then silent", Banner: "220 Welcome\r\n", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
	})
}

func TestContextCancel(t *testing.T) { servicetest.ContextCancel(t, Run) }
