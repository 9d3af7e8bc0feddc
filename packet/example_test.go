package packet_test

import (
	"fmt"
	"net/netip"

	"github.com/picket-scanner/picket/packet"
)

// A SYN scan builds its probe once, then stamps and patches it per target;
// the receiver decodes every reply into one reusable Decoded.
func Example() {
	f := packet.Frame{
		SrcMAC: packet.MAC{2, 0, 0, 0, 0, 1},
		DstMAC: packet.MAC{2, 0, 0, 0, 0, 0xfe}, // the gateway
		Src:    netip.MustParseAddr("192.0.2.1"),
		Dst:    netip.MustParseAddr("192.0.2.1"), // patched per probe
	}
	syn := packet.TCP{SrcPort: 40000, Flags: packet.FlagSYN, Window: 1024}
	syn.Options.Raw = packet.AppendMSSOption(nil, 1460)
	frame, err := f.AppendTCP(nil, &syn, nil)
	if err != nil {
		panic(err)
	}
	tmpl, err := packet.NewTemplate(frame, packet.LinkEthernet)
	if err != nil {
		panic(err)
	}

	buf := make([]byte, 0, 1514) // one slot of a send ring
	p := tmpl.Probe(buf)
	if err := p.SetDst(netip.MustParseAddr("198.51.100.7")); err != nil {
		panic(err)
	}
	p.SetDstPort(443)
	p.SetSeq(0x5eed) // a keyed hash of the 4-tuple, in a real scan

	var d packet.Decoded
	if err := d.Decode(p.Bytes(), packet.LinkEthernet); err != nil {
		panic(err)
	}
	fmt.Println(d.IP.Src, "->", d.IP.Dst, d.Transport, d.TCP.DstPort, d.TCP.Flags,
		"options", string(d.TCP.Options.AppendFingerprint(nil)), "checksums ok:", d.ChecksumsValid())
	// Output: 192.0.2.1 -> 198.51.100.7 tcp 443 SYN options M5B4 checksums ok: true
}
