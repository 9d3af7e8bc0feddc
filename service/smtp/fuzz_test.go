package smtp

import (
	"testing"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func FuzzDescribe(f *testing.F) {
	for _, s := range []string{
		"220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n", "250-mail.example.org\r\n250-AUTH PLAIN\r\n250 STARTTLS\r\n",
		"220 host.example.com ESMTP Sendmail 8.15.2/8.15.2/Debian-22; Sun\r\n", "220\r\n", "22",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The parser's own invariants: service.FuzzParseCodeReply.
		if r, ok := service.ParseCodeReply(b); ok {
			Describe(r)
			extensionDetails(r)
		}
	})
}

// FuzzRun plays a server that sends banner, then stream whatever picket
// says: the whole handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("220 mail.lab.picket.test ESMTP Postfix (Debian/GNU)\r\n"), []byte("250-mail.lab.picket.test\r\n250-PIPELINING\r\n250 STARTTLS\r\n221 2.0.0 Bye\r\n"))
	f.Add([]byte("220 ready\r\n"), []byte("502 no\r\n250 x.example\r\n"))
	f.Add([]byte(""), []byte("220-a\r\n220 b\r\n"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
