package pop3

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
// the lab's Dovecot, and hand-made ones for what it cannot show.
func TestConversations(t *testing.T) {
	tests := []struct {
		name    string
		file    string // a captured transcript, or
		steps   []step // a hand-made one
		product string
		version string
		details []service.Detail
		errIs   error
	}{
		{name: "dovecot captured", file: "testdata/dovecot-debian12.txt", product: "Dovecot pop3d", details: details(
			"capabilities", "CAPA, TOP, UIDL, RESP-CODES, PIPELINING, AUTH-RESP-CODE, STLS, SASL", "starttls", "offered")},
		{name: "sasl mechanisms", steps: script(
			"S +OK Dovecot ready.\r\n",
			"C CAPA\r\n", "S +OK\r\nCAPA\r\nUSER\r\nSASL PLAIN LOGIN\r\n.\r\n",
			"C QUIT\r\n", "S +OK Logging out\r\n"),
			product: "Dovecot pop3d", details: details("capabilities", "CAPA, USER, SASL PLAIN LOGIN", "auth mechanisms", "PLAIN LOGIN")},
		{name: "implementation names the server", steps: script(
			"S +OK server ready <21.1706@mail.example.org>\r\n",
			"C CAPA\r\n", "S +OK List of capabilities follows\r\nTOP\r\nIMPLEMENTATION Cyrus POP3 v2.4.17\r\n.\r\n",
			"C QUIT\r\n", "S +OK\r\n"),
			product: "Cyrus pop3d", version: "2.4.17", details: details("capabilities", "TOP, IMPLEMENTATION Cyrus POP3 v2.4.17")},
		{name: "no CAPA", steps: script(
			"S +OK Qpopper (version 4.0.5) at mail.example.org starting.\r\n",
			"C CAPA\r\n", "S -ERR Unknown command: \"CAPA\".\r\n",
			"C QUIT\r\n", "S +OK Pop server at mail.example.org signing off.\r\n"),
			product: "Qpopper", version: "4.0.5"},
		{name: "refusing, says POP", steps: script("S -ERR [SYS/TEMP] POP3 server busy, try later\r\n")},
		{name: "refusing, says nothing", steps: script("S -ERR go away\r\n"), errIs: service.ErrNoMatch},
		{name: "smtp", steps: script("S 220 mail.example.org ESMTP Postfix\r\n"), errIs: service.ErrNoMatch},
		{name: "imap", steps: script("S * OK Dovecot ready.\r\n"), errIs: service.ErrNoMatch},
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
				if err != nil || s.Name != "pop3" || s.Product != tt.product || s.Version != tt.version {
					t.Fatalf("got %+v, %v; want pop3, %q %q", s, err, tt.product, tt.version)
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
	greeting := "+OK Dovecot (Debian) ready.\r\n"
	for _, cut := range []int{0, 2, 10, len(greeting)} {
		synctest.Test(t, func(t *testing.T) {
			steps := script("S "+greeting[cut:], "C CAPA\r\n", "S +OK\r\nSTLS\r\n.\r\n", "C QUIT\r\n", "S +OK bye\r\n")
			if cut == len(greeting) {
				steps = steps[1:] // a pipe's empty write waits for a reader
			}
			c := replay(steps, commands(t))
			defer c.Close()
			m, err := Run(context.Background(), c, []byte(greeting[:cut]))
			if err != nil || m.Service.Product != "Dovecot pop3d" || detail(m, "starttls") != "offered" {
				t.Errorf("cut at %d: %+v, %v", cut, m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave, in a
// synctest bubble: the clock is fake, so one byte a second costs nothing,
// and a goroutine left blocked fails the test.
func TestHostile(t *testing.T) {
	dovecot := "+OK Dovecot ready.\r\n"
	tests := []struct {
		name   string
		banner string
		serve  func(c net.Conn)
		match  bool // the greeting sufficed, details may be missing
		errIs  error
	}{
		{name: "silent", serve: silent, errIs: os.ErrDeadlineExceeded},
		{name: "closes at once", serve: func(c net.Conn) { c.Close() }, errIs: io.ErrUnexpectedEOF},
		{name: "endless line", serve: endless("+OK aaaa"), errIs: errTooLong},
		{name: "greeting one byte a second", serve: slow(dovecot), errIs: os.ErrDeadlineExceeded},
		{name: "garbage", serve: endless("\x00\xff"), errIs: service.ErrNoMatch},
		{name: "named, then silent", banner: dovecot, serve: silent, match: true},
		{name: "named, then closes", banner: dovecot, serve: func(c net.Conn) { c.Close() }, match: true},
		{name: "named, then a CAPA body never finished", banner: dovecot, serve: drainThen(write("+OK\r\nCAPA\r\n")), match: true},
		{name: "named, then endless body", banner: dovecot, serve: drainThen(func(c net.Conn) { c.Write([]byte("+OK\r\n")); endless("CAPA\r\n")(c) }), match: true},
		{name: "named, then slow", banner: dovecot, serve: drainThen(slow("+OK\r\nSTLS\r\n.\r\n")), match: true},
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
				if took > 3*service.StepTimeout {
					t.Errorf("took %v", took)
				}
				if tt.match {
					if err != nil || m.Service.Product != "Dovecot pop3d" {
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
