package service

import (
	"bytes"
	"testing"
)

func TestCPE(t *testing.T) {
	for _, tt := range []struct {
		part, vendorProduct, version, want string
	}{
		{"a", "openbsd:openssh", "9.2p1", "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
		{"a", "dovecot:dovecot", "", "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
		{"a", "libssh:libssh", "0.9.6+x", "cpe:2.3:a:libssh:libssh:*:*:*:*:*:*:*:*"},
		{"o", "cisco:ios", "15.2(4)M", "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"},
	} {
		if got := CPE(tt.part, tt.vendorProduct, tt.version); got != tt.want {
			t.Errorf("CPE(%q, %q, %q) = %q, want %q", tt.part, tt.vendorProduct, tt.version, got, tt.want)
		}
	}
}

func TestPrintable(t *testing.T) {
	b := []byte("ok\x00\r\n\xffdone")
	orig := bytes.Clone(b)
	if got := Printable(b, 100); got != "ok????done" {
		t.Errorf("Printable(%q) = %q", b, got)
	}
	if !bytes.Equal(b, orig) {
		t.Errorf("Printable changed its argument to %q", b)
	}
	if got := Printable("0123456789", 4); got != "0123" {
		t.Errorf("cut at 4: %q", got)
	}
	if !IsText("Redis 7.0.15") || IsText([]byte("a\tb")) || !IsText("") {
		t.Error("IsText")
	}
}

func TestNumericPrefix(t *testing.T) {
	for in, want := range map[string]string{
		"7.0.15": "7.0.15", "1.6.18-debian": "1.6.18", ".5.": "5", "v1": "", "": "",
	} {
		if got := NumericPrefix(in); got != want {
			t.Errorf("NumericPrefix(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCutWord(t *testing.T) {
	for _, tt := range []struct {
		s, keyword, want string
		ok               bool
	}{
		{"SASL PLAIN LOGIN", "SASL", "PLAIN LOGIN", true},
		{"capability IMAP4rev1 ", "CAPABILITY", "IMAP4rev1", true},
		{"STLS", "stls", "", true},
		{"SASLX PLAIN", "SASL", "", false},
	} {
		if got, ok := CutWord(tt.s, tt.keyword); got != tt.want || ok != tt.ok {
			t.Errorf("CutWord(%q, %q) = %q, %v; want %q, %v", tt.s, tt.keyword, got, ok, tt.want, tt.ok)
		}
	}
}
