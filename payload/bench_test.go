package payload

import "testing"

// BenchmarkBuild is the send path: one probe into a reused buffer.
func BenchmarkBuild(b *testing.B) {
	for _, p := range All() {
		b.Run(p.Name, func(b *testing.B) {
			buf := make([]byte, 0, 2048)
			c := uint32(0)
			b.ReportAllocs()
			for b.Loop() {
				c++
				buf = p.Build(buf[:0], c)
			}
			b.SetBytes(int64(len(buf)))
		})
	}
}

// BenchmarkRecognize reads each test server's answer.
func BenchmarkRecognize(b *testing.B) {
	for _, p := range All() {
		srv, ok := servers[p.Name]
		if !ok {
			continue
		}
		b.Run(p.Name, func(b *testing.B) {
			reply := srv.answer(b, p.Build(nil, testCookie))
			b.ReportAllocs()
			b.SetBytes(int64(len(reply)))
			for b.Loop() {
				if _, ok := p.Recognize(reply, testCookie); !ok {
					b.Fatal("not recognised")
				}
			}
		})
	}
}

// BenchmarkForPort is the lookup the engine does per probe.
func BenchmarkForPort(b *testing.B) {
	b.ReportAllocs()
	port := uint16(0)
	for b.Loop() {
		port++
		_ = ForPort(port)
	}
}
