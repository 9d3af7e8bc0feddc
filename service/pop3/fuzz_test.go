package pop3

import (
	"testing"

	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"+OK Dovecot (Debian) ready.\r\n", "+OK\r\nCAPA\r\nSTLS\r\nSASL PLAIN\r\n.\r\n", "-ERR no\n", "+OK Cyrus POP3 v2.4.17 server ready\r\n", "..x\r\n.\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := statusLen(b); n > 0 {
			if n > len(b) {
				t.Fatalf("statusLen %d past %d", n, len(b))
			}
			_, text := parseStatus(b[:n])
			Describe(text)
			b = b[n:]
		}
		if n := multiLen(b); n > 0 {
			if n > len(b) {
				t.Fatalf("multiLen %d past %d", n, len(b))
			}
			capaDetails(parseMulti(b[:n]))
		}
	})
}

// FuzzRun plays a server that sends banner, then stream whatever picket
// says: the whole handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("+OK Dovecot (Debian) ready.\r\n"), []byte("+OK\r\nCAPA\r\nSTLS\r\nSASL\r\n.\r\n+OK Logging out\r\n"))
	f.Add([]byte("+OK x\r\n"), []byte("-ERR no\r\n+OK\r\n"))
	f.Add([]byte(""), []byte("-ERR POP3 busy\r\n"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
