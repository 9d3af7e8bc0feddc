package packet

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"net/netip"
	"testing"
)

// probeValues are what a scanner varies per probe.
type probeValues struct {
	src, dst         netip.Addr
	dstMAC           MAC
	srcPort, dstPort uint16
	seq, ack         uint32
	id               uint16
	ttl              uint8
	echoID, echoSeq  uint16
}

// build builds from scratch the frame a patched probe must equal.
func (v probeValues) build(t *testing.T, link LinkType, tr Transport) []byte {
	t.Helper()
	f := Frame{Link: link, SrcMAC: macA, DstMAC: v.dstMAC, Src: v.src, Dst: v.dst, TTL: v.ttl, ID: v.id, DF: true}
	var b []byte
	var err error
	switch tr {
	case TransportTCP:
		tcp := TCP{SrcPort: v.srcPort, DstPort: v.dstPort, Seq: v.seq, Ack: v.ack, Flags: FlagSYN, Window: 1024}
		tcp.Options.Raw = AppendMSSOption(nil, 1460)
		b, err = f.AppendTCP(nil, &tcp, nil)
	case TransportUDP:
		b, err = f.AppendUDP(nil, v.srcPort, v.dstPort, []byte("probe payload"))
	default:
		b, err = f.AppendEcho(nil, v.echoID, v.echoSeq, []byte("ping"))
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (v probeValues) patch(t *testing.T, p Probe) {
	t.Helper()
	if err := p.SetDst(v.dst); err != nil {
		t.Fatal(err)
	}
	if err := p.SetSrc(v.src); err != nil {
		t.Fatal(err)
	}
	p.SetDstMAC(v.dstMAC)
	p.SetSrcPort(v.srcPort)
	p.SetDstPort(v.dstPort)
	p.SetSeq(v.seq)
	p.SetAck(v.ack)
	p.SetID(v.id)
	p.SetTTL(v.ttl)
	p.SetEcho(v.echoID, v.echoSeq)
}

func randomValues(r *rand.Rand, v6 bool) probeValues {
	v := probeValues{
		dstMAC:  MAC{2, byte(r.Uint32()), byte(r.Uint32()), 0, 0, byte(r.Uint32())},
		srcPort: uint16(r.Uint32()), dstPort: uint16(r.Uint32()),
		seq: r.Uint32(), ack: r.Uint32(), id: uint16(r.Uint32()), ttl: uint8(r.Uint32()),
		echoID: uint16(r.Uint32()), echoSeq: uint16(r.Uint32()),
	}
	if v.ttl == 0 {
		v.ttl = 1 // 0 means DefaultTTL to a Frame
	}
	if v6 {
		var a, b [16]byte
		for i := range a {
			a[i], b[i] = byte(r.Uint32()), byte(r.Uint32())
		}
		a[0], b[0] = 0x20, 0x20 // not IPv4-mapped
		v.src, v.dst = netip.AddrFrom16(a), netip.AddrFrom16(b)
	} else {
		v.src = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
		v.dst = netip.AddrFrom4([4]byte{byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32()), byte(r.Uint32())})
	}
	return v
}

func TestTemplatePatchEqualsFreshBuild(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, v6 := range []bool{false, true} {
		for _, link := range []LinkType{LinkEthernet, LinkRaw} {
			for _, tr := range []Transport{TransportTCP, TransportUDP, TransportICMPv4} {
				name := "ipv4"
				if v6 {
					name = "ipv6"
				}
				t.Run(name+"/"+link.String()+"/"+tr.String(), func(t *testing.T) {
					base := randomValues(r, v6)
					tmpl, err := NewTemplate(base.build(t, link, tr), link)
					if err != nil {
						t.Fatal(err)
					}
					buf := make([]byte, 0, 256)
					for range 2000 {
						v := randomValues(r, v6)
						p := tmpl.Probe(buf)
						v.patch(t, p)
						if want := v.build(t, link, tr); !bytes.Equal(p.Bytes(), want) {
							t.Fatalf("patched\n% x\nbuilt\n% x", p.Bytes(), want)
						}
					}
				})
			}
		}
	}
}

// TestTemplateUDPChecksumZero drives a UDP checksum through zero, which
// must go on the wire as 0xffff (RFC 768).
func TestTemplateUDPChecksumZero(t *testing.T) {
	for _, v6 := range []bool{false, true} {
		v := randomValues(rand.New(rand.NewPCG(7, 8)), v6)
		tmpl, err := NewTemplate(v.build(t, LinkRaw, TransportUDP), LinkRaw)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for port := range 1 << 16 {
			v.srcPort = uint16(port)
			b := v.build(t, LinkRaw, TransportUDP)
			if b[len(b)-len("probe payload")-2] != 0xff || b[len(b)-len("probe payload")-1] != 0xff {
				continue
			}
			found = true
			p := tmpl.Probe(nil)
			v.patch(t, p)
			if !bytes.Equal(p.Bytes(), b) {
				t.Fatalf("patched\n% x\nbuilt\n% x", p.Bytes(), b)
			}
			break
		}
		if !found {
			t.Fatal("no source port gives a zero checksum")
		}
	}
}

func TestTemplateNoChecksumUDP(t *testing.T) {
	// An IPv4 UDP template without a checksum keeps none.
	f := Frame{Link: LinkRaw, Src: addr("192.0.2.1"), Dst: addr("192.0.2.2")}
	b, _ := f.AppendUDP(nil, 1, 2, []byte("x"))
	b[20+6], b[20+7] = 0, 0
	tmpl, err := NewTemplate(b, LinkRaw)
	if err != nil {
		t.Fatal(err)
	}
	p := tmpl.Probe(nil)
	p.SetDstPort(161)
	_ = p.SetDst(addr("192.0.2.99"))
	var d Decoded
	if err := d.Decode(p.Bytes(), LinkRaw); err != nil || d.UDP.Checksum != 0 || !d.ChecksumsValid() {
		t.Errorf("checksum %#04x, valid %v, err %v", d.UDP.Checksum, d.ChecksumsValid(), err)
	}
}

func TestTemplateSettersOfOtherProtocolsDoNothing(t *testing.T) {
	f := Frame{Link: LinkRaw, Src: addr("2001:db8::1"), Dst: addr("2001:db8::2")}
	udp, _ := f.AppendUDP(nil, 1, 2, nil)
	echo, _ := f.AppendEcho(nil, 1, 2, nil)
	tests := []struct {
		name  string
		frame []byte
		set   func(p Probe)
	}{
		{"seq on udp", udp, func(p Probe) { p.SetSeq(99); p.SetAck(99) }},
		{"echo on udp", udp, func(p Probe) { p.SetEcho(9, 9) }},
		{"ports on icmp", echo, func(p Probe) { p.SetSrcPort(9); p.SetDstPort(9) }},
		{"ip id on ipv6", echo, func(p Probe) { p.SetID(9) }},
		{"mac on a raw link", echo, func(p Probe) { p.SetDstMAC(macB) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tmpl, err := NewTemplate(tt.frame, LinkRaw)
			if err != nil {
				t.Fatal(err)
			}
			p := tmpl.Probe(nil)
			tt.set(p)
			if !bytes.Equal(p.Bytes(), tt.frame) {
				t.Errorf("frame changed:\n% x\n% x", p.Bytes(), tt.frame)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	synack := fixture(t, "synack-ipv4-linux")
	badSum := append([]byte(nil), synack...)
	badSum[len(badSum)-1]++
	frag := ipWith(t, ProtoUDP, "0035 0035 0008 0000")
	frag[6] |= 0x20 // MF: a first fragment
	tests := []struct {
		name  string
		frame []byte
		link  LinkType
		err   error
	}{
		{"arp", fixture(t, "arp-reply"), LinkEthernet, ErrUnsupported},
		{"unknown ethertype", unhex(t, "0180c200000e 020000000002 88cc 0206"), LinkEthernet, ErrUnsupported},
		{"fragment", frag, LinkRaw, ErrUnsupported},
		{"esp", ipv6With(t, ProtoESP, "00000001 00000001"), LinkRaw, ErrUnsupported},
		{"wrong checksum", badSum, LinkEthernet, ErrMalformed},
		{"undecodable", synack[:20], LinkEthernet, ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := NewTemplate(tt.frame, tt.link); !errors.Is(err, tt.err) {
				t.Errorf("NewTemplate error = %v, want %v", err, tt.err)
			}
		})
	}

	tmpl, err := NewTemplate(synack, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	p := tmpl.Probe(nil)
	for _, a := range []netip.Addr{{}, addr("2001:db8::1")} {
		if err := p.SetDst(a); !errors.Is(err, ErrAddress) {
			t.Errorf("SetDst(%v) error = %v, want ErrAddress", a, err)
		}
	}
	if err := p.SetDst(addr("::ffff:192.0.2.99")); err != nil {
		t.Errorf("SetDst of an IPv4-mapped address: %v", err)
	}
	tmpl6, _ := NewTemplate(fixture(t, "synack-ipv6"), LinkEthernet)
	if err := tmpl6.Probe(nil).SetSrc(addr("::ffff:192.0.2.99")); !errors.Is(err, ErrAddress) {
		t.Errorf("SetSrc of an IPv4-mapped address on IPv6: %v", err)
	}
	want(t, "len", tmpl.Len(), len(synack))
	want(t, "transport", tmpl.Transport(), TransportTCP)
}

func TestTemplateIsNotModified(t *testing.T) {
	frame := fixture(t, "synack-ipv4-linux")
	orig := append([]byte(nil), frame...)
	tmpl, err := NewTemplate(frame, LinkEthernet)
	if err != nil {
		t.Fatal(err)
	}
	frame[30] = 0 // the template copied the frame
	buf := make([]byte, 0, 128)
	p := tmpl.Probe(buf)
	p.SetSeq(1)
	p.SetDstPort(2)
	if q := tmpl.Probe(nil); !bytes.Equal(q.Bytes(), orig) {
		t.Error("patching a probe changed the template")
	}
	if &p.Bytes()[0] != &buf[:1][0] {
		t.Error("Probe did not reuse the buffer")
	}
}

func TestTemplateAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	for _, name := range []string{"synack-ipv4-linux", "synack-ipv6"} {
		tmpl, err := NewTemplate(fixture(t, name), LinkEthernet)
		if err != nil {
			t.Fatal(err)
		}
		dst := addr("198.51.100.1")
		if name == "synack-ipv6" {
			dst = addr("2001:db8::99")
		}
		buf := make([]byte, 0, 128)
		n := testing.AllocsPerRun(100, func() {
			p := tmpl.Probe(buf)
			_ = p.SetDst(dst)
			p.SetDstPort(443)
			p.SetSrcPort(40000)
			p.SetSeq(0x12345678)
			p.SetID(7)
			p.SetTTL(9)
		})
		if n != 0 {
			t.Errorf("%s: %v allocations per probe", name, n)
		}
	}
}
