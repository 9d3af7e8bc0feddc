package smtp

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
		{name: "greeting", in: "220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", n: 53,
			want: Reply{220, []string{"mail.lab.picket.test ESMTP Postfix (Debian/GNU)"}}, valid: true},
		{name: "ehlo", in: "250-mail.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n", n: 52,
			want: Reply{250, []string{"mail.example.org", "PIPELINING", "STARTTLS"}}, valid: true},
		{name: "ehlo incomplete", in: "250-mail.example.org\r\n250-PIPELINING\r\n", n: 0},
		{name: "not a code", in: "+OK Dovecot ready.\r\n", n: -1},
		{name: "empty", in: "", n: 0},
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
			r, ok := ParseReply([]byte(tt.greeting))
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

// script builds steps from lines that start with "S " or "C ".
func script(lines ...string) []step {
	var steps []step
	for _, l := range lines {
		steps = append(steps, step{server: l[0] == 'S', data: []byte(l[2:])})
	}
	return steps
}

// commands reads the client's command lines in place of a recorded
// client step and checks they are the recorded commands.
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
			// The verb only: EHLO's argument is the client's address.
			if g, w := strings.Fields(got), strings.Fields(want); len(g) == 0 || g[0] != w[0] {
				t.Errorf("client sent %q, want %q", got, want)
			}
		}
		return nil
	}
}

// TestConversations replays whole conversations: the one captured from
// the lab's Postfix, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name     string
		file     string // a captured transcript, or
		steps    []step // a hand-made one
		product  string
		hostname string
		details  []service.Detail
		errIs    error
	}{
		{name: "postfix captured", file: "testdata/postfix-debian12.txt", product: "Postfix smtpd", hostname: "mail.lab.picket.test", details: details(
			"extensions", "PIPELINING, SIZE 10240000, VRFY, ETRN, STARTTLS, ENHANCEDSTATUSCODES, 8BITMIME, DSN, SMTPUTF8, CHUNKING", "starttls", "offered")},
		{name: "auth mechanisms", steps: script(
			"S 220 mx.example.com ESMTP Exim 4.96 Sun, 28 Jan 2024 10:00:00 +0000\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 250-mx.example.com Hello [192.0.2.1]\r\n250-SIZE 52428800\r\n250-AUTH PLAIN LOGIN\r\n250 HELP\r\n",
			"C QUIT\r\n", "S 221 mx.example.com closing connection\r\n"),
			product: "Exim smtpd", hostname: "mx.example.com", details: details("extensions", "SIZE 52428800, AUTH PLAIN LOGIN, HELP", "auth mechanisms", "PLAIN LOGIN")},
		{name: "old auth syntax", steps: script(
			"S 220 mail.example.org ESMTP\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 250-mail.example.org\r\n250-AUTH=LOGIN\r\n250 8BITMIME\r\n",
			"C QUIT\r\n", "S 221 bye\r\n"),
			hostname: "mail.example.org", details: details("extensions", "AUTH=LOGIN, 8BITMIME", "auth mechanisms", "LOGIN")},
		{name: "HELO when EHLO is unknown, host name from it", steps: script(
			"S 220 ready for mail\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 502 unknown command\r\n",
			"C HELO [192.0.2.1]\r\n", "S 250 relay.example.org\r\n",
			"C QUIT\r\n", "S 221 bye\r\n"),
			hostname: "relay.example.org"},
		{name: "ftp server with a plain greeting", steps: script(
			"S 220 Welcome\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 530 Please login with USER and PASS.\r\n",
			"C HELO [192.0.2.1]\r\n", "S 530 Please login with USER and PASS.\r\n"),
			errIs: service.ErrNoMatch},
		{name: "named, EHLO and HELO refused", steps: script(
			"S 220 mail.example.org ESMTP Postfix\r\n",
			"C EHLO [192.0.2.1]\r\n", "S 501 5.5.2 bad syntax\r\n",
			"C HELO [192.0.2.1]\r\n", "S 501 5.5.2 bad syntax\r\n",
			"C QUIT\r\n", "S 221 2.0.0 Bye\r\n"),
			product: "Postfix smtpd", hostname: "mail.example.org"},
		{name: "refuses service but named", steps: script("S 554 mail.example.org ESMTP not accepting messages\r\n"), hostname: "mail.example.org"},
		{name: "ftp greeting", steps: script("S 220 (vsFTPd 3.0.3)\r\n"), errIs: service.ErrNoMatch},
		{name: "busy and unnamed", steps: script("S 421 Service not available\r\n"), errIs: service.ErrNoMatch},
		{name: "pop3", steps: script("S +OK Dovecot ready.\r\n"), errIs: service.ErrNoMatch},
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
				s := m.Service
				if err != nil || s.Name != "smtp" || s.Product != tt.product || s.Hostname != tt.hostname {
					t.Fatalf("got %+v, %v; want smtp, %q, host %q", s, err, tt.product, tt.hostname)
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
	greeting := "220-mail.example.org ESMTP Exim 4.92 #3\r\n220 no spam\r\n"
	for _, cut := range []int{0, 5, 40, len(greeting)} {
		synctest.Test(t, func(t *testing.T) {
			steps := script("S "+greeting[cut:], "C EHLO x\r\n", "S 250 mail.example.org\r\n", "C QUIT\r\n", "S 221 bye\r\n")
			if cut == len(greeting) {
				steps = steps[1:] // a pipe's empty write waits for a reader
			}
			c := replay(steps, commands(t))
			defer c.Close()
			m, err := Run(context.Background(), c, []byte(greeting[:cut]))
			if err != nil || m.Service.Product != "Exim smtpd" || m.Service.Version != "4.92" {
				t.Errorf("cut at %d: %+v, %v", cut, m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	postfix := "220 mail.example.org ESMTP Postfix\r\n"
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
		{name: "greeting one byte a second", serve: slow(postfix), errIs: os.ErrDeadlineExceeded},
		{name: "garbage", serve: endless("\x00\xff"), errIs: service.ErrNoMatch},
		{name: "named, then silent", banner: postfix, serve: silent, match: true},
		{name: "named, then closes", banner: postfix, serve: func(c net.Conn) { c.Close() }, match: true},
		{name: "named, then endless", banner: postfix, serve: drainThen(endless("250-x\r\n")), match: true},
		{name: "named, then slow", banner: postfix, serve: drainThen(slow("250-mail.example.org\r\n250 STARTTLS\r\n")), match: true},
		{name: "unnamed, then silent", banner: "220 ready\r\n", serve: silent, errIs: os.ErrDeadlineExceeded},
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
					if err != nil || m.Service.Product != "Postfix smtpd" {
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
