package http

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/service"
)

// readTestdata returns a captured response. The files are what Debian 12's
// nginx 1.22.1 and OpenSSH 9.2p1 sent in the lab in answer to Request;
// capture_test.go regenerates them.
func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestParse(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		status    int
		reason    string
		fields    int
		body      string // prefix of the body
		bodyLen   int    // -1: do not check
		truncated bool
		noMatch   bool
	}{
		{name: "nginx 200", in: string(readTestdata(t, "nginx-200.txt")), status: 200, reason: "OK", fields: 8, body: "<!DOCTYPE html>", bodyLen: 615},
		{name: "nginx 404", in: string(readTestdata(t, "nginx-404.txt")), status: 404, reason: "Not Found", fields: 5, body: "<html>", bodyLen: 153},
		{name: "nginx inside TLS", in: string(readTestdata(t, "nginx-tls-200.txt")), status: 200, reason: "OK", fields: 8, bodyLen: 615},
		{name: "nginx, plain HTTP to its TLS port", in: string(readTestdata(t, "nginx-plain-to-tls.txt")), status: 400, reason: "Bad Request", fields: 5, bodyLen: 255},
		{name: "sshd", in: string(readTestdata(t, "sshd.txt")), noMatch: true},
		{name: "bare LF, no reason, lower case", in: "http/1.0 200\nServer: x\n\nhello", status: 200, fields: 1, body: "hello", bodyLen: 5},
		{name: "folded header", in: "HTTP/1.1 200 OK\r\nServer: a\r\n  b\r\nX: y\r\n\r\n", status: 200, reason: "OK", fields: 2, bodyLen: 0},
		{name: "chunked", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", status: 200, reason: "OK", fields: 1, body: "hello world", bodyLen: 11},
		{name: "chunked, cut", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel", status: 200, reason: "OK", fields: 1, body: "hel", bodyLen: 3, truncated: true},
		{name: "chunked, bad size", in: "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello", status: 200, reason: "OK", fields: 1, bodyLen: 0, truncated: true},
		{name: "interim then final", in: "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 204 No Content\r\nServer: x\r\n\r\n", status: 204, reason: "No Content", fields: 1, bodyLen: 0},
		{name: "interim alone", in: "HTTP/1.1 100 Continue\r\n\r\n", status: 100, reason: "Continue", bodyLen: 0},
		{name: "switching protocols", in: "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello", status: 101, reason: "Switching Protocols", fields: 1, bodyLen: 0},
		{name: "body shorter than declared", in: "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nabc", status: 200, reason: "OK", fields: 1, body: "abc", bodyLen: 3, truncated: true},
		{name: "body longer than declared", in: "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nabc", status: 200, reason: "OK", fields: 1, body: "ab", bodyLen: 2},
		{name: "bad content length", in: "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\nabc", status: 200, reason: "OK", fields: 1, body: "abc", bodyLen: 3},
		{name: "head cut", in: "HTTP/1.1 302 Found\r\nLocation: /x\r\nServ", status: 302, reason: "Found", fields: 1, bodyLen: 0, truncated: true},
		{name: "status line only", in: "HTTP/1.1 200 OK", status: 200, reason: "OK", bodyLen: 0, truncated: true},
		{name: "body capped", in: "HTTP/1.1 200 OK\r\n\r\n" + strings.Repeat("x", MaxBody+10), status: 200, reason: "OK", bodyLen: MaxBody, truncated: true},
		{name: "junk header lines skipped", in: "HTTP/1.1 200 OK\r\nno colon here\r\n: empty name\r\nbad name: x\r\nGood: y\r\n\r\n", status: 200, reason: "OK", fields: 1, bodyLen: 0},
		{name: "RTSP", in: "RTSP/1.0 200 OK\r\nCSeq: 1\r\n\r\n", noMatch: true},
		{name: "status not a number", in: "HTTP/1.1 abc OK\r\n\r\n", noMatch: true},
		{name: "status too long", in: "HTTP/1.1 2000 OK\r\n\r\n", noMatch: true},
		{name: "version not a number", in: "HTTP/x.y 200 OK\r\n\r\n", noMatch: true},
		{name: "garbage", in: "\x00\xff\xfe garbage", noMatch: true},
		{name: "empty", in: "", noMatch: true},
		{name: "SMTP", in: "220 mail.example ESMTP Postfix\r\n", noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse([]byte(tt.in))
			if tt.noMatch {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("Parse: %v, want ErrNoMatch", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.StatusCode != tt.status || r.Reason != tt.reason || len(r.Header) != tt.fields || r.Truncated != tt.truncated {
				t.Errorf("got %d %q, %d fields, truncated %v; want %d %q, %d, %v", r.StatusCode, r.Reason, len(r.Header), r.Truncated, tt.status, tt.reason, tt.fields, tt.truncated)
			}
			if !bytes.HasPrefix(r.Body, []byte(tt.body)) || tt.bodyLen >= 0 && len(r.Body) != tt.bodyLen {
				t.Errorf("body %q (%d bytes), want prefix %q, %d bytes", r.Body[:min(len(r.Body), 40)], len(r.Body), tt.body, tt.bodyLen)
			}
		})
	}
}

func TestParseCut(t *testing.T) {
	for _, in := range []string{"H", "HTTP/", "HTTP/1.1 20"} {
		if _, err := Parse([]byte(in)); err == nil || errors.Is(err, service.ErrNoMatch) {
			t.Errorf("Parse(%q): %v, want an error that is not ErrNoMatch: the server was slow, not foreign", in, err)
		}
	}
}

func TestParseFolded(t *testing.T) {
	r, err := Parse([]byte("HTTP/1.1 200 OK\r\nServer: a\r\n\tb\r\n\r\n"))
	if err != nil || r.Get("server") != "a b" {
		t.Fatalf("folded Server = %q, %v; want \"a b\"", r.Get("server"), err)
	}
}

func TestComplete(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"nginx 200", string(readTestdata(t, "nginx-200.txt")), true},
		{"nginx 200 without its last byte", strings.TrimSuffix(string(readTestdata(t, "nginx-200.txt")), "\n"), false},
		{"head not ended", "HTTP/1.1 200 OK\r\nServer: x\r\n", false},
		{"head too long", "HTTP/1.1 200 OK\r\n" + strings.Repeat("X-Pad: y\r\n", MaxHeader/10+1), true},
		{"no length, waits for close", "HTTP/1.0 200 OK\r\n\r\nabc", false},
		{"no length, body at the cap", "HTTP/1.0 200 OK\r\n\r\n" + strings.Repeat("x", MaxBody), true},
		{"204", "HTTP/1.1 204 No Content\r\n\r\n", true},
		{"interim, final to come", "HTTP/1.1 100 Continue\r\n\r\n", false},
		{"interim then final", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n", true},
		{"chunked, done", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", true},
		{"chunked, more to come", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n", false},
		{"chunked, broken", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nnot hex\r\n", true},
		{"not HTTP", "SSH-2.0-OpenSSH_9.2p1\r\n", true},
		{"not HTTP, first bytes", "SS", true},
		{"could be HTTP", "HT", false},
		{"bad status line", "HTTP/1.1 xyz\r\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := complete([]byte(tt.in)); got != tt.want {
				t.Errorf("complete = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestTitle(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"nginx", "<html><head><title>Welcome to nginx!</title></head>", "Welcome to nginx!"},
		{"attributes and case", "<TITLE lang=en>Hello\n\t  World</TITLE>", "Hello World"},
		{"entities", "<title>Tom &amp; Jerry &#8211; &lt;3</title>", "Tom & Jerry – <3"},
		{"not a title", "<titles>x</titles><title>y</title>", "y"},
		{"unclosed", "<title>cut off here", "cut off here"},
		{"none", "<html><body>no title</body></html>", ""},
		{"empty", "<title></title>", ""},
		{"control characters", "<title>a\x00b\x1b[31m</title>", "a?b?[31m"},
		{"long", "<title>" + strings.Repeat("é", 400) + "</title>", strings.Repeat("é", maxText/2)},
		{"non-ASCII upper case before it", "İİİ<title>x</title>", "x"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Title([]byte(tt.in)); got != tt.want {
				t.Errorf("Title = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestGenerator(t *testing.T) {
	for _, tt := range []struct{ name, in, want string }{
		{"WordPress", `<meta name="generator" content="WordPress 6.4.2" />`, "WordPress 6.4.2"},
		{"content first, single quotes", `<META content='Joomla! - Open Source' NAME='Generator'>`, "Joomla! - Open Source"},
		{"unquoted", `<meta name=generator content=Hugo>`, "Hugo"},
		{"other meta first", `<meta charset="utf-8"><meta name="viewport" content="x"><meta name="generator" content="Drupal 10">`, "Drupal 10"},
		{"data-name is not name", `<meta data-name="generator" content="no">`, ""},
		{"none", `<meta name="description" content="x">`, ""},
		{"cut", `<meta name="generator" content="Word`, "Word"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := Generator([]byte(tt.in)); got != tt.want {
				t.Errorf("Generator = %q, want %q", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"nginx-200.txt", "nginx-404.txt", "nginx-plain-to-tls.txt", "sshd.txt"} {
		f.Add(readTestdata(f, name))
	}
	f.Add([]byte("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nSet-Cookie: PHPSESSID=1\r\n\r\n5\r\nhello\r\n0\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 301 Moved\nLocation: /x\nServer: Jetty(9.4.50.v20221201) (x (y)\n\n<title>t"))
	f.Fuzz(func(t *testing.T, b []byte) {
		complete(b)
		r, err := Parse(b)
		if err != nil {
			return
		}
		if len(r.Body) > MaxBody || len(r.Header) > maxFields {
			t.Fatalf("body %d, %d fields", len(r.Body), len(r.Header))
		}
		m := Identify(r)
		for _, d := range m.Details {
			if len(d.Value) > 4*maxText {
				t.Fatalf("%s: %d bytes", d.Key, len(d.Value))
			}
		}
	})
}

func FuzzHTML(f *testing.F) {
	f.Add([]byte(`<html><head><title>x &amp; y</title><meta name="generator" content="WordPress 6"></head>`))
	f.Add([]byte(`<meta content='a' name=generator`))
	f.Fuzz(func(t *testing.T, b []byte) {
		Title(b)
		Generator(b)
	})
}
