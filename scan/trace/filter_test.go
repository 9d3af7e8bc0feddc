package trace

import (
	"net/netip"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/picket-scanner/picket/packet"
)

// TestFilter runs the socket filter on frames in the kernel's BPF
// interpreter's stead.
func TestFilter(t *testing.T) {
	fx := newFixture()
	us4, us6 := fx.us4, fx.us6
	them4, them6 := fx.dst4, fx.dst6
	base := fx.c.base
	tcp := func(src, dst netip.Addr, dport uint16) []byte {
		fr := packet.Frame{Link: packet.LinkEthernet, Src: src, Dst: dst}
		b, err := fr.AppendTCP(nil, &packet.TCP{SrcPort: 80, DstPort: dport, Flags: packet.FlagRST}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	udp := func(src, dst netip.Addr, dport uint16) []byte {
		fr := packet.Frame{Link: packet.LinkEthernet, Src: src, Dst: dst}
		b, _ := fr.AppendUDP(nil, 53, dport, nil)
		return b
	}
	// An IPv4 header with four bytes of options: the port moves with it.
	withOptions := func(b []byte) []byte {
		out := append([]byte(nil), b[:34]...)
		out = append(out, 1, 1, 1, 1)
		out = append(out, b[34:]...)
		out[14] = 0x46
		out[17] += 4
		return out
	}
	fragment := tcp(them4, us4, base+4)
	fragment[20] = 0x00
	fragment[21] = 0x10 // offset 128 bytes
	arp, _ := (&packet.Frame{Link: packet.LinkEthernet, Src: us4, Dst: them4}).AppendARPRequest(nil)
	other := tcp(them4, us4, base+4)
	other[12], other[13] = 0x88, 0xcc // LLDP
	vm, err := bpf.NewVM(filter(base))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name  string
		frame []byte
		want  bool
	}{
		{"arp", arp, true},
		{"tcp to the first port", tcp(them4, us4, base), true},
		{"tcp to the last port", tcp(them4, us4, base+portSpan-1), true},
		{"tcp below", tcp(them4, us4, base-1), false},
		{"tcp above", tcp(them4, us4, base+portSpan), false},
		{"tcp with IP options", withOptions(tcp(them4, us4, base+4)), true},
		{"udp", udp(them4, us4, base+8), true},
		{"udp elsewhere", udp(them4, us4, 53), false},
		{"later fragment", fragment, false},
		{"icmp", fx.icmp(t, fx.hop4, packet.ICMPv4TimeExceeded, 0, 0, nil), true},
		{"icmpv6", fx.icmp(t, fx.hop6, packet.ICMPv6TimeExceeded, 0, 0, nil), true},
		{"tcp over IPv6", tcp(them6, us6, base+4), true},
		{"tcp over IPv6 elsewhere", tcp(them6, us6, 22), false},
		{"udp over IPv6", udp(them6, us6, base+portSpan-1), true},
		{"another EtherType", other, false},
	} {
		n, err := vm.Run(c.frame)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got := n > 0; got != c.want {
			t.Errorf("%s: accepted %v, want %v", c.name, got, c.want)
		}
	}
}
