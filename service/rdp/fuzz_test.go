package rdp

import (
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"testing"
)

func FuzzParseConfirm(f *testing.F) {
	for _, s := range []string{
		"\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x02\x01\b\x00\x01\x00\x00\x00",
		"\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x03\x00\b\x00\x02\x00\x00\x00",
		"\x03\x00\x00\x0b\x06\xd0\x00\x00\x124\x00",
		"\x03\x00\x00\x0e\x09\xd0\x00\x01\x00\x02\x00\xc0\x01\x0a",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := tpktLen(b)
		if n > maxTPKT {
			t.Fatalf("tpktLen %d", n)
		}
		cc, err := ParseConfirm(b)
		if err != nil {
			return
		}
		if n <= 0 || n > len(b) {
			t.Fatalf("parsed %+v from a TPKT of length %d in %d bytes", cc, n, len(b))
		}
		if m := Describe(cc); m.Service.Name != "ms-wbt-server" || len(m.Details) == 0 {
			t.Fatalf("match %+v", m)
		}
	})
}

// FuzzRun plays a server that sends stream whatever picket says: the
// handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("\x03\x00\x00\x13\x0e\xd0\x00\x00\x124\x00\x02\x01\b\x00\x01\x00\x00\x00\x16\x03\x01\x00\x05hello"))
	f.Add([]byte("\x03\x00\x00\x0b\x06\xd0\x00\x00\x124\x00"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		servicetest.Play(t, Run, nil, stream)
	})
}
