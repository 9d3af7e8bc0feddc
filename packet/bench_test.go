package packet

import (
	"net/netip"
	"testing"
)

func BenchmarkDecode(b *testing.B) {
	for _, name := range []string{"synack-ipv4-linux", "synack-ipv6", "icmp-admin-prohibited-tcp", "ipv6-extension-chain"} {
		b.Run(name, func(b *testing.B) {
			frame := fixture(b, name)
			var d Decoded
			b.ReportAllocs()
			b.SetBytes(int64(len(frame)))
			for b.Loop() {
				if err := d.Decode(frame, LinkEthernet); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkProbe is the send path of a SYN scan: stamp a template and patch
// the target, ports, sequence number and IP ID.
func BenchmarkProbe(b *testing.B) {
	for _, tc := range []struct {
		name    string
		fixture string
		dst     netip.Addr
	}{
		{"ipv4", "synack-ipv4-linux", addr("198.51.100.1")},
		{"ipv6", "synack-ipv6", addr("2001:db8::99")},
	} {
		b.Run(tc.name, func(b *testing.B) {
			tmpl, err := NewTemplate(fixture(b, tc.fixture), LinkEthernet)
			if err != nil {
				b.Fatal(err)
			}
			buf := make([]byte, 0, 128)
			var i uint32
			b.ReportAllocs()
			for b.Loop() {
				i++
				p := tmpl.Probe(buf)
				_ = p.SetDst(tc.dst)
				p.SetDstPort(uint16(i))
				p.SetSrcPort(uint16(i >> 3))
				p.SetSeq(i * 2654435761)
				p.SetID(uint16(i))
			}
		})
	}
}

// BenchmarkAppendTCP builds the same probe from scratch, for comparison with
// BenchmarkProbe.
func BenchmarkAppendTCP(b *testing.B) {
	f := Frame{SrcMAC: macA, DstMAC: macB, Src: addr("192.0.2.1"), Dst: addr("198.51.100.1")}
	tcp := TCP{SrcPort: 40000, DstPort: 443, Seq: 1, Flags: FlagSYN, Window: 1024}
	tcp.Options.Raw = AppendMSSOption(nil, 1460)
	buf := make([]byte, 0, 128)
	b.ReportAllocs()
	for b.Loop() {
		tcp.Seq++
		if _, err := f.AppendTCP(buf[:0], &tcp, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkChecksum(b *testing.B) {
	data := make([]byte, 1500)
	for i := range data {
		data[i] = byte(i)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		_ = Checksum(data, 0)
	}
}
