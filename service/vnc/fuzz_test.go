package vnc

import (
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"testing"
)

func FuzzParseSecurity(f *testing.F) {
	for _, s := range []string{"\x02\x13\x02", "\x00\x00\x00\x00\x1aToo many security failures", "\x00\x00\x00\x02", "\x01"} {
		f.Add([]byte(s), uint8(8))
		f.Add([]byte(s), uint8(3))
	}
	f.Fuzz(func(t *testing.T, b []byte, minor uint8) {
		v := Version{3, int(minor)}
		s, n, err := ParseSecurity(b, v)
		if n < 0 || n > len(b) || n > maxSecurity || (err != nil && n != 0) {
			t.Fatalf("n = %d of %d, err %v", n, len(b), err)
		}
		if len(s.Reason) > maxReason {
			t.Fatalf("reason of %d bytes", len(s.Reason))
		}
		m := Describe(v, &s)
		if m.Service.Name != "vnc" {
			t.Fatalf("match %+v", m)
		}
	})
}

func FuzzParseVersion(f *testing.F) {
	f.Add([]byte("RFB 003.008\n"))
	f.Add([]byte("RFB 003.889\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := ParseVersion(b)
		if ok && !Detect(b) {
			t.Fatalf("parsed %v but Detect refuses %q", v, b)
		}
		if ok {
			clientVersion(v).message()
			Describe(v, nil)
		}
	})
}

// FuzzRun plays a server that sends banner, then stream, whatever picket
// says: the handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("RFB 003.008\n"), []byte("\x02\x13\x02"))
	f.Add([]byte("RFB 003.003\n"), []byte("\x00\x00\x00\x00\x00\x00\x00\x02no"))
	f.Add([]byte("RFB 0"), []byte("03.008\n\x00\x00\x00\x00\x01x"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
