package ftp

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

func TestParseReply(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		n     int // replyLen
		want  Reply
		valid bool
	}{
		{name: "single line", in: "220 (vsFTPd 3.0.3)\r\n", n: 20, want: Reply{220, []string{"(vsFTPd 3.0.3)"}}, valid: true},
		{name: "bare LF and the next reply kept", in: "331 Password?\n230 ok\n", n: 14, want: Reply{331, []string{"Password?"}}, valid: true},
		{name: "code alone", in: "220\r\n", n: 5, want: Reply{220, []string{""}}, valid: true},
		{name: "multi-line with free lines", in: "211-Features:\r\n EPRT\r\n211 End\r\n", n: 31,
			want: Reply{211, []string{"Features:", " EPRT", "End"}}, valid: true},
		{name: "multi-line, other code inside", in: "220-Welcome\r\n230 not the end\r\n220 ready\r\n", n: 41,
			want: Reply{220, []string{"Welcome", "230 not the end", "ready"}}, valid: true},
		{name: "multi-line incomplete", in: "220-Welcome\r\n220-more\r\n", n: 0},
		{name: "partial line", in: "220 (vsFT", n: 0},
		{name: "partial code", in: "22", n: 0},
		{name: "empty", in: "", n: 0},
		{name: "not a code", in: "SSH-2.0-OpenSSH\r\n", n: -1},
		{name: "code out of range", in: "600 no\r\n", n: -1},
		{name: "no separator", in: "2200 x\r\n", n: -1},
		{name: "http", in: "HTTP/1.1 200 OK\r\n", n: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := replyLen([]byte(tt.in)); n != tt.n {
				t.Errorf("replyLen = %d, want %d", n, tt.n)
			}
			r, ok := ParseReply([]byte(tt.in))
			if ok != tt.valid || (ok && (r.Code != tt.want.Code || !slices.Equal(r.Lines, tt.want.Lines))) {
				t.Errorf("ParseReply = %+v, %v; want %+v", r, ok, tt.want)
			}
		})
	}
}

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
			r, ok := ParseReply([]byte(tt.greeting))
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

// script builds steps from lines that start with "S " or "C ".
func script(lines ...string) []step {
	var steps []step
	for _, l := range lines {
		steps = append(steps, step{server: l[0] == 'S', data: []byte(l[2:])})
	}
	return steps
}

// commands reads the client's command lines in place of a recorded
// client step and checks they are the recorded ones.
func commands(t *testing.T) func(r *bufio.Reader, recorded []byte) error {
	return func(r *bufio.Reader, recorded []byte) error {
		for _, want := range strings.SplitAfter(string(recorded), "\n") {
			if want == "" {
				continue
			}
			got, err := r.ReadString('\n')
			if err != nil {
				return err
			}
			if got != want {
				t.Errorf("client sent %q, want %q", got, want)
			}
		}
		return nil
	}
}

// TestConversations replays whole conversations: the one captured from
// the lab's vsftpd, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name    string
		file    string // a captured transcript, or
		steps   []step // a hand-made one
		product string
		details []service.Detail
		errIs   error
	}{
		{name: "vsftpd captured", file: "testdata/vsftpd-debian12.txt", product: "vsftpd", details: details("anonymous login", "allowed", "system", "UNIX Type: L8", "features", "EPRT, EPSV, MDTM, PASV, REST STREAM, SIZE, TVFS")},
		{name: "anonymous refused at PASS", steps: script(
			"S 220 ProFTPD Server (Debian) [::ffff:10.0.0.1]\r\n",
			"C USER anonymous\r\n", "S 331 Anonymous login ok, send your complete email address as your password\r\n",
			"C PASS picket@example.org\r\n", "S 530 Login incorrect.\r\n",
			"C SYST\r\n", "S 215 UNIX Type: L8\r\n",
			"C FEAT\r\n", "S 211-Features:\r\n AUTH TLS\r\n MDTM\r\n211 End\r\n",
			"C QUIT\r\n", "S 221 Goodbye.\r\n"),
			product: "ProFTPD", details: details("anonymous login", "refused", "system", "UNIX Type: L8", "features", "AUTH TLS, MDTM", "starttls", "offered")},
		{name: "anonymous refused at USER", steps: script(
			"S 220-Welcome to Pure-FTPd [privsep]\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n",
			"C USER anonymous\r\n", "S 530 This FTP server does not allow anonymous logins\r\n",
			"C SYST\r\n", "S 530 You aren't logged in\r\n",
			"C FEAT\r\n", "S 500 Unknown command\r\n",
			"C QUIT\r\n", "S 221 Logout.\r\n"),
			product: "Pure-FTPd", details: details("anonymous login", "refused")},
		{name: "anonymous allowed at USER, ready soon first", steps: script(
			"S 120 Service ready in 1 minutes.\r\n220 Microsoft FTP Service\r\n",
			"C USER anonymous\r\n", "S 230 User logged in.\r\n",
			"C SYST\r\n", "S 215 Windows_NT\r\n",
			"C FEAT\r\n", "S 211-Extended features supported:\r\n SIZE\r\n211 END\r\n",
			"C QUIT\r\n", "S 221 Goodbye.\r\n"),
			product: "Microsoft ftpd", details: details("anonymous login", "allowed", "system", "Windows_NT", "features", "SIZE")},
		{name: "smtp server with a plain greeting", steps: script(
			"S 220 gateway ready\r\n",
			"C USER anonymous\r\n", "S 502 5.5.2 Error: command not recognized\r\n"),
			errIs: service.ErrNoMatch},
		{name: "smtp greeting", steps: script("S 220 mail.example.org ESMTP Postfix\r\n"), errIs: service.ErrNoMatch},
		{name: "busy but named", steps: script("S 421 Too many users on this FTP server, sorry\r\n"), product: ""},
		{name: "busy and unnamed", steps: script("S 421 Service not available\r\n"), errIs: service.ErrNoMatch},
		{name: "garbage", steps: script("S \x16\x03\x01\x00\x00\r\n"), errIs: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			steps := tt.steps
			if tt.file != "" {
				steps = readTranscript(t, tt.file)
			}
			synctest.Test(t, func(t *testing.T) {
				c := replay(steps, commands(t))
				defer c.Close()
				m, err := Run(context.Background(), c, nil)
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
		})
	}
}

// TestBannerShapes gives Run the greeting cut in the ways an engine might
// have read it.
func TestBannerShapes(t *testing.T) {
	greeting := "220-Welcome to Pure-FTPd [privsep]\r\n220 You will be disconnected after 15 minutes of inactivity.\r\n"
	for _, cut := range []int{0, 5, 36, len(greeting)} {
		synctest.Test(t, func(t *testing.T) {
			steps := script("S "+greeting[cut:], "C USER anonymous\r\n", "S 230 ok\r\n")
			if cut == len(greeting) {
				steps = steps[1:] // a pipe's empty write waits for a reader
			}
			c := replay(steps, commands(t))
			defer c.Close()
			m, err := Run(context.Background(), c, []byte(greeting[:cut]))
			if err != nil || m.Service.Product != "Pure-FTPd" || detail(m, "anonymous login") != "allowed" {
				t.Errorf("cut at %d: %+v, %v", cut, m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	tests := []struct {
		name   string
		banner string
		serve  func(c net.Conn)
		match  bool // the greeting sufficed, details may be missing
		errIs  error
	}{
		{name: "silent", serve: silent, errIs: os.ErrDeadlineExceeded},
		{name: "closes at once", serve: func(c net.Conn) { c.Close() }, errIs: io.ErrUnexpectedEOF},
		{name: "endless multi-line greeting", serve: endless("220-more\r\n"), errIs: errTooLong},
		{name: "endless line", serve: endless("220 aaaa"), errIs: errTooLong},
		{name: "greeting one byte a second", serve: slow("220 (vsFTPd 3.0.3)\r\n"), errIs: os.ErrDeadlineExceeded},
		{name: "garbage", serve: endless("\x00\xff"), errIs: service.ErrNoMatch},
		{name: "named, then silent", banner: "220 (vsFTPd 3.0.3)\r\n", serve: silent, match: true},
		{name: "named, then closes", banner: "220 (vsFTPd 3.0.3)\r\n", serve: func(c net.Conn) { c.Close() }, match: true},
		{name: "named, then endless", banner: "220 (vsFTPd 3.0.3)\r\n", serve: drainThen(endless("331-x\r\n")), match: true},
		{name: "named, then slow", banner: "220 (vsFTPd 3.0.3)\r\n", serve: drainThen(slow("331 Please specify the password.\r\n")), match: true},
		{name: "unnamed, then silent", banner: "220 Welcome\r\n", serve: silent, errIs: os.ErrDeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, server := net.Pipe()
				done := make(chan struct{})
				go func() { tt.serve(server); close(done) }()
				start := time.Now()
				m, err := Run(context.Background(), client, []byte(tt.banner))
				took := time.Since(start)
				client.Close()
				<-done
				if took > 2*service.StepTimeout {
					t.Errorf("took %v", took)
				}
				if tt.match {
					if err != nil || m.Service.Product != "vsftpd" {
						t.Fatalf("got %+v, %v; want the greeting's match", m.Service, err)
					}
					return
				}
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
			})
		})
	}
}

func TestContextCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		defer client.Close()
		go silent(server)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		if _, err := Run(ctx, client, nil); err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("after cancel: %v, %v", err, time.Since(start))
		}
	})
}

// Fake servers for TestHostile. Each returns once the client end is
// closed.

func silent(c net.Conn) { io.Copy(io.Discard, c); c.Close() }

func write(s string) func(net.Conn) {
	return func(c net.Conn) { c.Write([]byte(s)); silent(c) }
}

func endless(s string) func(net.Conn) {
	return func(c net.Conn) {
		for {
			if _, err := c.Write([]byte(s)); err != nil {
				return
			}
		}
	}
}

func slow(s string) func(net.Conn) {
	return func(c net.Conn) {
		for i := range len(s) {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
		}
		silent(c)
	}
}

// drainThen reads what the client sends in the background while serve
// talks: a pipe's writes wait for a reader.
func drainThen(serve func(net.Conn)) func(net.Conn) {
	return func(c net.Conn) {
		go io.Copy(io.Discard, c)
		serve(c)
	}
}

// details builds the expected details from keys and values in turn.
func details(kv ...string) []service.Detail {
	var d []service.Detail
	for i := 0; i+1 < len(kv); i += 2 {
		d = append(d, service.Detail{Key: kv[i], Value: kv[i+1]})
	}
	return d
}
