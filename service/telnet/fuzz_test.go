package telnet

import (
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"testing"
)

// FuzzStream feeds the stream parser a split input: the result must not
// depend on where the input was split.
func FuzzStream(f *testing.F) {
	f.Add([]byte("\xff\xfd\x01\xff\xfd\x1f\xff\xfb\x01\xff\xfb\x03\r\r\nDebian GNU/Linux 12\r\n\rvm login: "), 5)
	f.Add([]byte("\xff\xfa\x18\x01\xff\xf0\x1b[1mx\xff\xff"), 3)
	f.Fuzz(func(t *testing.T, b []byte, cut int) {
		var whole, split Stream
		whole.Write(b)
		if cut < 0 || cut > len(b) {
			cut = len(b) / 2
		}
		split.Write(b[:cut])
		split.Write(b[cut:])
		if string(whole.Text) != string(split.Text) || len(whole.Options) != len(split.Options) {
			t.Fatalf("whole %q %v, split %q %v", whole.Text, whole.Options, split.Text, split.Options)
		}
		m := Describe(&whole)
		if m.Service.Name != "telnet" {
			t.Fatalf("match %+v", m)
		}
		Detect(b)
	})
}

// FuzzRun plays a server that sends banner, then stream, whatever picket
// says: the handshake must neither panic nor hang.
func FuzzRun(f *testing.F) {
	f.Add([]byte("\xff\xfd\x01"), []byte("\r\nlogin: "))
	f.Add([]byte("\xff\xfb\x25\xff\xfb\x26"), []byte("\xff\xfa\x18\x01\xff\xf0/ # "))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, Run, banner, stream)
	})
}
