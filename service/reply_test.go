package service

import (
	"slices"
	"testing"
)

func TestParseCodeReply(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		n     int // CodeReplyLen
		want  CodeReply
		valid bool
	}{
		{name: "ftp: single line", in: "220 (vsFTPd 3.0.3)\r\n", n: 20, want: CodeReply{220, []string{"(vsFTPd 3.0.3)"}}, valid: true},
		{name: "ftp: bare LF and the next reply kept", in: "331 Password?\n230 ok\n", n: 14, want: CodeReply{331, []string{"Password?"}}, valid: true},
		{name: "ftp: code alone", in: "220\r\n", n: 5, want: CodeReply{220, []string{""}}, valid: true},
		{name: "ftp: multi-line with free lines", in: "211-Features:\r\n EPRT\r\n211 End\r\n", n: 31,
			want: CodeReply{211, []string{"Features:", " EPRT", "End"}}, valid: true},
		{name: "ftp: multi-line, other code inside", in: "220-Welcome\r\n230 not the end\r\n220 ready\r\n", n: 41,
			want: CodeReply{220, []string{"Welcome", "230 not the end", "ready"}}, valid: true},
		{name: "ftp: multi-line incomplete", in: "220-Welcome\r\n220-more\r\n", n: 0},
		{name: "ftp: partial line", in: "220 (vsFT", n: 0},
		{name: "ftp: partial code", in: "22", n: 0},
		{name: "ftp: empty", in: "", n: 0},
		{name: "ftp: not a code", in: "SSH-2.0-OpenSSH\r\n", n: -1},
		{name: "ftp: code out of range", in: "600 no\r\n", n: -1},
		{name: "ftp: no separator", in: "2200 x\r\n", n: -1},
		{name: "ftp: http", in: "HTTP/1.1 200 OK\r\n", n: -1},
		{name: "smtp: greeting", in: "220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", n: 53,
			want: CodeReply{220, []string{"mail.lab.picket.test ESMTP Postfix (Debian/GNU)"}}, valid: true},
		{name: "smtp: ehlo", in: "250-mail.example.org\r\n250-PIPELINING\r\n250 STARTTLS\r\n", n: 52,
			want: CodeReply{250, []string{"mail.example.org", "PIPELINING", "STARTTLS"}}, valid: true},
		{name: "smtp: ehlo incomplete", in: "250-mail.example.org\r\n250-PIPELINING\r\n", n: 0},
		{name: "smtp: not a code", in: "+OK Dovecot ready.\r\n", n: -1},
		{name: "smtp: empty", in: "", n: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := CodeReplyLen([]byte(tt.in)); n != tt.n {
				t.Errorf("CodeReplyLen = %d, want %d", n, tt.n)
			}
			r, ok := ParseCodeReply([]byte(tt.in))
			if ok != tt.valid || (ok && (r.Code != tt.want.Code || !slices.Equal(r.Lines, tt.want.Lines))) {
				t.Errorf("ParseCodeReply = %+v, %v; want %+v", r, ok, tt.want)
			}
		})
	}
}

func FuzzParseCodeReply(f *testing.F) {
	for _, s := range []string{
		// FTP's
		"220 (vsFTPd 3.0.3)\r\n", "211-Features:\r\n EPRT\r\n211 End\r\n", "220-a\n220 b\n", "220\r\n", "22",
		"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 x\r\n",
		// SMTP's
		"220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", "250-mail.example.org\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n",
		"220 host.example.com ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Sun\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := CodeReplyLen(b)
		r, ok := ParseCodeReply(b)
		if ok != (n > 0) || n > len(b) {
			t.Fatalf("CodeReplyLen %d, ParseCodeReply ok %v", n, ok)
		}
		if ok && (r.Code < 100 || r.Code > 599 || len(r.Lines) == 0) {
			t.Fatalf("parsed %+v", r)
		}
	})
}
