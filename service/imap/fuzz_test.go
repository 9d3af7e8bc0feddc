package imap

import (
	"testing"

	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"* OK [CAPABILITY IMAP4rev1 SASL-IR ID STARTTLS] Dovecot (Debian) ready.\r\n",
		"* ID (\"name\" \"Dovecot\")\r\na1 OK ID completed.\r\n",
		"* ID (\"x\" {3}\r\nabc)\r\na1 OK\r\n", "* BYE x\n", "a1 OK\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if n := greetingLen(b); n > 0 {
			if n > len(b) {
				t.Fatalf("greetingLen %d past %d", n, len(b))
			}
			if g, ok := ParseGreeting(b[:n]); ok {
				Describe(g.Text)
				capabilityDetails(g.Capabilities())
			}
		}
		if n := taggedLen("a1")(b); n > 0 {
			if n > len(b) {
				t.Fatalf("taggedLen %d past %d", n, len(b))
			}
			for _, id := range untagged(b[:n], "ID") {
				var s = Describe("")
				fromID(&s, ParseID(id))
			}
		}
	})
}

// FuzzRun plays a server that sends banner, then stream whatever picket
// says: the whole handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("* OK [CAPABILITY IMAP4rev1 ID STARTTLS] Dovecot (Debian) ready.\r\n"), []byte("* ID (\"name\" \"Dovecot\")\r\na2 OK ID completed.\r\n* BYE Logging out\r\nz OK Logout completed.\r\n"))
	f.Add([]byte("* OK x\r\n"), []byte("* CAPABILITY IMAP4rev1 ID\r\na1 OK\r\n* ID (\"name\" {3}\r\nabc)\r\na2 OK\r\n"))
	f.Add([]byte(""), []byte("* BYE busy\r\n"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
