package rsync

import (
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"testing"
)

func FuzzParse(f *testing.F) {
	f.Add("@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4", []byte("pub            \tPublic files\n@RSYNCD: EXIT\n"))
	f.Add("@RSYNCD: 29", []byte("Welcome\n\nftp\tx\n@ERROR: no\n"))
	f.Fuzz(func(t *testing.T, greeting string, listing []byte) {
		g, _ := ParseGreeting(greeting)
		l := ParseListing(listing)
		if len(l.Modules) > maxModules {
			t.Fatalf("%d modules", len(l.Modules))
		}
		if done := listingDone(nil)(listing); done && !(l.Done || l.Error != "") && len(listing) > 0 {
			// The end marker is the last line: the listing must
			// agree unless an earlier line already ended it.
			t.Fatalf("listingDone but the listing is not done: %q", listing)
		}
		if m := Describe(g, l); m.Service.Name != "rsync" {
			t.Fatalf("match %+v", m)
		}
	})
}

// FuzzRun plays a daemon that sends banner, then stream, whatever picket
// says: the handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("@RSYNCD: 31.0\n"), []byte("pub\tx\n@RSYNCD: EXIT\n"))
	f.Add([]byte("@RSYNCD: 32.0 md5\nmotd\n"), []byte("@ERROR: x\n"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
