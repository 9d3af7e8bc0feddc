package mqtt

import (
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"testing"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{" \x02\x00\x00", " \t\x00\x00\x06\"\x00\n!\x00\x14", " \x03\x00\x87\x00",
		"\x90\x03\x00\x01\x001-\x00\x13$SYS/broker/versionmosquitto version 2.0.11"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for len(b) > 0 {
			p, n, err := ParsePacket(b)
			if err != nil || n == 0 {
				return
			}
			if n > len(b) || len(p.Body) > maxPacket {
				t.Fatalf("n = %d of %d, body %d", n, len(b), len(p.Body))
			}
			if c, err := ParseConnack(p); err == nil {
				if c.Name() == "" {
					t.Fatalf("connack %+v has no name", c)
				}
				Describe(c, "")
			}
			if _, payload, err := ParsePublish(p); err == nil {
				Describe(Connack{}, printable(payload, 128))
			}
			b = b[n:]
		}
	})
}

// FuzzRun plays a broker that sends stream whatever picket says: the
// handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte(" \x02\x00\x00\x90\x03\x00\x01\x001-\x00\x13$SYS/broker/versionmosquitto version 2.0.11"))
	f.Add([]byte(" \x02\x00\x05"))
	f.Fuzz(func(t *testing.T, stream []byte) {
		servicetest.Play(t, Run, nil, stream)
	})
}
