package ftp

import (
	"testing"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func FuzzDescribe(f *testing.F) {
	for _, s := range []string{
		"220 (vsFTPd 3.0.3)\r\n", "211-Features:\r\n EPRT\r\n211 End\r\n", "220-a\n220 b\n", "220\r\n", "22",
		"220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220 x\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		// The parser's own invariants: service.FuzzParseCodeReply.
		if r, ok := service.ParseCodeReply(b); ok {
			Describe(r)
			featureDetails(r)
			systemOS(r.Text())
		}
	})
}

// FuzzRun plays a server that sends banner, then stream whatever picket
// says: the whole handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("220 (vsFTPd 3.0.3)\r\n"), []byte("331 Please specify the password.\r\n230 Login successful.\r\n215 UNIX Type: L8\r\n211-Features:\r\n EPRT\r\n211 End\r\n221 Goodbye.\r\n"))
	f.Add([]byte("220 Welcome\r\n"), []byte("530 no\r\n"))
	f.Add([]byte(""), []byte("120 soon\r\n220-a\r\n220 b\r\n"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
