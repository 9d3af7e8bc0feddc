package packet

import (
	"encoding/binary"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// refSum is RFC 1071's algorithm as written there, 16 bits at a time: a
// reference independent of Sum's 64-bit loop.
func refSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(b[i])<<8 | uint32(b[i+1])
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
}

func TestChecksumKnownValues(t *testing.T) {
	tests := []struct {
		name     string
		data     string
		sum      uint16
		checksum uint16
	}{
		// RFC 1071 section 3's worked example.
		{name: "rfc 1071 example", data: "00 01 f2 03 f4 f5 f6 f7", sum: 0xddf2, checksum: 0x220d},
		// The IPv4 header worked by hand in many textbooks, checksum zeroed.
		{name: "ipv4 header", data: "4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7", sum: 0x479e, checksum: 0xb861},
		{name: "ipv4 header with its checksum", data: "4500 0073 0000 4000 4011 b861 c0a8 0001 c0a8 00c7", sum: 0xffff, checksum: 0},
		{name: "odd length pads with zero", data: "01 02 03", sum: 0x0402, checksum: 0xfbfd},
		{name: "empty", data: "", sum: 0, checksum: 0xffff},
		{name: "carries fold twice", data: "ffff ffff ffff 0001", sum: 0x0001, checksum: 0xfffe},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := unhex(t, tt.data)
			if got := Sum(b, 0); got != tt.sum {
				t.Errorf("Sum = %#04x, want %#04x", got, tt.sum)
			}
			if got := Checksum(b, 0); got != tt.checksum {
				t.Errorf("Checksum = %#04x, want %#04x", got, tt.checksum)
			}
		})
	}
}

func TestSumMatchesReference(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 200 {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		want := refSum(b)
		if got := Sum(b, 0); got != want && !(got == 0xffff && want == 0) && !(got == 0 && want == 0xffff) {
			t.Fatalf("len %d: Sum = %#04x, reference %#04x", n, got, want)
		}
		// Summing in even-length pieces gives the same.
		if n >= 6 {
			cut := (n / 3) &^ 1
			if got := Sum(b[cut:], Sum(b[:cut], 0)); got != Sum(b, 0) {
				t.Fatalf("len %d: split sum %#04x != whole %#04x", n, got, Sum(b, 0))
			}
		}
	}
}

func TestChecksumUpdate(t *testing.T) {
	// RFC 1624 section 4: m changes from 0x5555 to 0x3285 where the rest
	// sums to 0xcd7a; the new checksum is 0x0000, which RFC 1141's form
	// gets wrong as 0xffff.
	if got := ChecksumUpdate16(0xdd2f, 0x5555, 0x3285); got != 0x0000 {
		t.Errorf("RFC 1624 example: got %#04x, want 0x0000", got)
	}

	r := rand.New(rand.NewPCG(3, 4))
	tests := []struct {
		name  string
		width int
		patch func(hc uint16, old, new []byte) uint16
	}{
		{"16 bits", 2, func(hc uint16, old, new []byte) uint16 {
			return ChecksumUpdate16(hc, binary.BigEndian.Uint16(old), binary.BigEndian.Uint16(new))
		}},
		{"32 bits", 4, func(hc uint16, old, new []byte) uint16 {
			return ChecksumUpdate32(hc, binary.BigEndian.Uint32(old), binary.BigEndian.Uint32(new))
		}},
		{"IPv6 address", 16, ChecksumUpdate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range 5000 {
				b := make([]byte, 40)
				for j := range b {
					b[j] = byte(r.Uint32())
				}
				if i%7 == 0 { // sparse data reaches sums of 0 and 0xffff
					clear(b)
					b[r.IntN(len(b))] = byte(r.Uint32())
				}
				off := 2 * r.IntN((len(b)-tt.width)/2+1)
				hc := Checksum(b, 0)
				old := append([]byte(nil), b[off:off+tt.width]...)
				for j := off; j < off+tt.width; j++ {
					b[j] = byte(r.Uint32())
				}
				got := tt.patch(hc, old, b[off:off+tt.width])
				if want := Checksum(b, 0); got != want {
					t.Fatalf("case %d: incremental %#04x, recomputed %#04x (data % x)", i, got, want, b)
				}
			}
		})
	}
}

func TestPseudoHeaderSum(t *testing.T) {
	tests := []struct {
		name     string
		src, dst string
		proto    IPProtocol
		length   int
		words    string // the pseudo-header, laid out as the RFCs do
	}{
		{name: "ipv4", src: "192.0.2.1", dst: "198.51.100.7", proto: ProtoTCP, length: 40,
			words: "c000 0201 c633 6407 0006 0028"},
		{name: "ipv6", src: "2001:db8::1", dst: "2001:db8::20", proto: ProtoUDP, length: 1500,
			words: "2001 0db8 0000 0000 0000 0000 0000 0001 2001 0db8 0000 0000 0000 0000 0000 0020 0000 05dc 0000 0011"},
		{name: "ipv6 length over 16 bits", src: "::1", dst: "::2", proto: ProtoICMPv6, length: 70000,
			words: "0000 0000 0000 0000 0000 0000 0000 0001 0000 0000 0000 0000 0000 0000 0000 0002 0001 1170 0000 003a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := refSum(unhex(t, tt.words))
			if got := PseudoHeaderSum(tt.proto, addr(tt.src), addr(tt.dst), tt.length); got != want {
				t.Errorf("PseudoHeaderSum = %#04x, want %#04x", got, want)
			}
		})
	}
	// Mixed or invalid families must not panic.
	_ = PseudoHeaderSum(ProtoTCP, addr("192.0.2.1"), addr("2001:db8::1"), 20)
	_ = PseudoHeaderSum(ProtoTCP, addr("192.0.2.1"), netip.Addr{}, 20)
}
