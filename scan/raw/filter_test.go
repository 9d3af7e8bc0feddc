package raw

import (
	"net/netip"
	"testing"

	"golang.org/x/net/bpf"

	"github.com/picket-scanner/picket/packet"
)

// TestFilter runs the filter in x/net/bpf's interpreter over frames built
// with the packet codecs: no socket, no root.
func TestFilter(t *testing.T) {
	vm, err := bpf.NewVM(Filter())
	if err != nil {
		t.Fatal(err)
	}
	us4, them4 := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	us6, them6 := netip.MustParseAddr("fd00::1"), netip.MustParseAddr("fd00::2")
	f4 := packet.Frame{Link: packet.LinkEthernet, Src: them4, Dst: us4}
	f6 := packet.Frame{Link: packet.LinkEthernet, Src: them6, Dst: us6}
	tcp := func(f packet.Frame, dport uint16) []byte {
		b, err := f.AppendTCP(nil, &packet.TCP{SrcPort: 80, DstPort: dport, Flags: packet.FlagSYN | packet.FlagACK}, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	icmp := func(f packet.Frame, typ uint8) []byte {
		b, err := f.AppendICMP(nil, &packet.ICMP{Type: typ, Body: make([]byte, 28)})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	udp, _ := f4.AppendUDP(nil, 53, 33000, []byte("x"))
	udpOurs, _ := f4.AppendUDP(nil, 53, 61500, []byte("x"))
	udp6, _ := f6.AppendUDP(nil, 53, 61500, []byte("x"))
	arp, _ := (&packet.Frame{Link: packet.LinkEthernet, Src: them4, Dst: us4}).AppendARPRequest(nil)
	fragment := tcp(f4, 61500)
	fragment[14+6] = 0x00
	fragment[14+7] = 0x10 // offset 128 bytes: a later fragment
	tests := []struct {
		name  string
		frame []byte
		want  bool
	}{
		{"ipv4 tcp to the scanner's ports", tcp(f4, 61500), true},
		{"ipv4 tcp to the lowest scanner port", tcp(f4, 61000), true},
		{"ipv4 tcp elsewhere", tcp(f4, 22), false},
		{"ipv4 tcp to an ephemeral port", tcp(f4, 60999), false},
		{"ipv4 later fragment", fragment, false},
		{"icmp unreachable", icmp(f4, 3), true},
		{"icmp echo reply", icmp(f4, 0), true},
		{"icmp timestamp reply", icmp(f4, 14), true},
		{"icmp echo request", icmp(f4, 8), false},
		{"icmp time exceeded", icmp(f4, 11), false},
		{"udp elsewhere", udp, false},
		{"udp to the scanner's ports", udpOurs, true},
		{"ipv6 udp to the scanner's ports", udp6, true},
		{"arp", arp, true},
		{"ipv6 tcp to the scanner's ports", tcp(f6, 65000), true},
		{"ipv6 tcp elsewhere", tcp(f6, 443), false},
		{"icmpv6 unreachable", icmp(f6, 1), true},
		{"icmpv6 neighbour advertisement", icmp(f6, 136), true},
		{"icmpv6 echo reply", icmp(f6, 129), true},
		{"icmpv6 echo request", icmp(f6, 128), false},
		{"icmpv6 router advertisement", icmp(f6, 134), false},
	}
	for _, tt := range tests {
		n, err := vm.Run(tt.frame)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := n > 0; got != tt.want {
			t.Errorf("%s: accepted %v, want %v", tt.name, got, tt.want)
		}
	}
}
