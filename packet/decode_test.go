package packet

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestDecodeFixtures(t *testing.T) {
	tests := []struct {
		name  string
		check func(t *testing.T, d *Decoded)
	}{
		{"synack-ipv4-linux", func(t *testing.T, d *Decoded) {
			want(t, "network", d.Network, NetworkIPv4)
			want(t, "src", d.IP.Src, addr("192.0.2.10"))
			want(t, "dst", d.IP.Dst, addr("192.0.2.1"))
			want(t, "ttl", d.IP.TTL, 64)
			want(t, "id", d.IP.ID, 0)
			want(t, "df", d.IP.DF, true)
			want(t, "transport", d.Transport, TransportTCP)
			want(t, "ports", [2]uint16{d.TCP.SrcPort, d.TCP.DstPort}, [2]uint16{80, 40000})
			want(t, "flags", d.TCP.Flags, FlagSYN|FlagACK)
			want(t, "seq", d.TCP.Seq, 0xd1e2f3a4)
			want(t, "ack", d.TCP.Ack, 0x12345679)
			want(t, "window", d.TCP.Window, 65160)
			want(t, "data offset", d.TCP.DataOffset(), 10)
			want(t, "options", string(d.TCP.Options.AppendFingerprint(nil)), "M5B4ST11NW7")
			want(t, "payload", len(d.Payload), 0)
		}},
		{"rst-ipv4-vlan", func(t *testing.T, d *Decoded) {
			want(t, "tags", d.Ethernet.NumTags, 1)
			want(t, "vlan", d.Ethernet.Tags[0].ID(), 100)
			want(t, "ttl", d.IP.TTL, 128)
			want(t, "id", d.IP.ID, 0x1c46)
			want(t, "df", d.IP.DF, false)
			want(t, "flags", d.TCP.Flags, FlagRST|FlagACK)
			// The Ethernet padding is not TCP payload.
			want(t, "payload", len(d.Payload), 0)
		}},
		{"synack-ipv6", func(t *testing.T, d *Decoded) {
			want(t, "network", d.Network, NetworkIPv6)
			want(t, "src", d.IP.Src, addr("2001:db8::10"))
			want(t, "hop limit", d.IP.TTL, 64)
			want(t, "flow label", d.IP.FlowLabel, 0x12345)
			want(t, "ports", [2]uint16{d.TCP.SrcPort, d.TCP.DstPort}, [2]uint16{22, 50000})
			want(t, "mss", d.TCP.Options.MSS, 1440)
			want(t, "options", string(d.TCP.Options.AppendFingerprint(nil)), "M5A0ST11NW7")
		}},
		{"ipv6-extension-chain", func(t *testing.T, d *Decoded) {
			want(t, "next header", d.IP.NextHeader, ProtoHopByHop)
			want(t, "protocol", d.IP.Protocol, ProtoTCP)
			want(t, "extension bytes", len(d.IP.Options), 24)
			want(t, "fragment header", d.IP.HasFragment, true)
			want(t, "fragment id", d.IP.ID, 0xdeadbeef)
			want(t, "fragment offset", d.IP.FragOffset, 0)
			want(t, "transport", d.Transport, TransportTCP)
			want(t, "src port", d.TCP.SrcPort, 8080)
			want(t, "flags", d.TCP.Flags, FlagRST|FlagACK)
		}},
		{"icmp-port-unreachable-udp", func(t *testing.T, d *Decoded) {
			want(t, "transport", d.Transport, TransportICMPv4)
			want(t, "type/code", [2]uint8{d.ICMP.Type, d.ICMP.Code}, [2]uint8{ICMPv4DestUnreachable, ICMPv4PortUnreachable})
			want(t, "tos", d.IP.TOS, 0xc0)
			q := &d.Quote
			want(t, "quote src", q.IP.Src, addr("192.0.2.1"))
			want(t, "quote dst", q.IP.Dst, addr("192.0.2.20"))
			want(t, "quote ttl", q.IP.TTL, 52)
			want(t, "quote id", q.IP.ID, 0x4242)
			want(t, "quote transport", q.Transport, TransportUDP)
			want(t, "quote ports", [2]uint16{q.SrcPort, q.DstPort}, [2]uint16{53000, 161})
			want(t, "has ports", q.HasPorts(), true)
		}},
		{"icmp-admin-prohibited-tcp", func(t *testing.T, d *Decoded) {
			want(t, "code", d.ICMP.Code, ICMPv4AdminProhibited)
			want(t, "src", d.IP.Src, addr("203.0.113.1"))
			q := &d.Quote
			want(t, "quote dst", q.IP.Dst, addr("198.51.100.7"))
			want(t, "quote transport", q.Transport, TransportTCP)
			want(t, "quote ports", [2]uint16{q.SrcPort, q.DstPort}, [2]uint16{40002, 3389})
			want(t, "quote seq", q.Seq, 0xcafef00d)
			want(t, "has seq", q.HasSeq(), true)
			// Only 8 bytes of a 24-byte TCP header are quoted; the quoted
			// IP length says 44.
			want(t, "quote data", len(q.Data), 8)
			want(t, "quote length", q.IP.Length, 44)
		}},
		{"icmp-time-exceeded-echo", func(t *testing.T, d *Decoded) {
			want(t, "type", d.ICMP.Type, ICMPv4TimeExceeded)
			q := &d.Quote
			want(t, "quote transport", q.Transport, TransportICMPv4)
			want(t, "quote ttl", q.IP.TTL, 1)
			want(t, "quote echo", [3]uint16{uint16(q.ICMPType), q.ICMPID, q.ICMPSeq}, [3]uint16{ICMPv4EchoRequest, 0x0101, 3})
		}},
		{"icmpv6-port-unreachable-udp", func(t *testing.T, d *Decoded) {
			want(t, "transport", d.Transport, TransportICMPv6)
			want(t, "type/code", [2]uint8{d.ICMP.Type, d.ICMP.Code}, [2]uint8{ICMPv6DestUnreachable, ICMPv6PortUnreachable})
			q := &d.Quote
			want(t, "quote dst", q.IP.Dst, addr("2001:db8::20"))
			want(t, "quote hop limit", q.IP.TTL, 60)
			want(t, "quote ports", [2]uint16{q.SrcPort, q.DstPort}, [2]uint16{53001, 53})
			want(t, "quote data", len(q.Data), 20)
		}},
		{"icmpv6-packet-too-big", func(t *testing.T, d *Decoded) {
			want(t, "type", d.ICMP.Type, ICMPv6PacketTooBig)
			want(t, "mtu", d.ICMP.Rest, 1280)
			q := &d.Quote
			want(t, "quote length", q.IP.Length, 1420)
			want(t, "quote seq", q.Seq, 0xabcdef01)
			want(t, "quote dst port", q.DstPort, 443)
		}},
		{"arp-reply", func(t *testing.T, d *Decoded) {
			want(t, "network", d.Network, NetworkARP)
			want(t, "transport", d.Transport, TransportNone)
			want(t, "op", d.ARP.Op, ARPReply)
			want(t, "sender", d.ARP.SenderIP, addr("192.0.2.10"))
			want(t, "sender mac", d.ARP.SenderMAC.String(), "02:00:00:00:00:0a")
			want(t, "target", d.ARP.TargetIP, addr("192.0.2.1"))
		}},
		{"ndp-advertisement", func(t *testing.T, d *Decoded) {
			want(t, "type", d.ICMP.Type, ICMPv6NeighborAdvertisement)
			want(t, "hop limit", d.IP.TTL, 255)
			want(t, "target", d.NDP.Target, addr("fe80::a"))
			want(t, "flags", [3]bool{d.NDP.Router, d.NDP.Solicited, d.NDP.Override}, [3]bool{false, true, true})
			want(t, "has target mac", d.NDP.HasTargetLinkAddr, true)
			want(t, "target mac", d.NDP.TargetLinkAddr, MAC{2, 0, 0, 0, 0, 0x0a})
		}},
		{"icmp-echo-reply-raw", func(t *testing.T, d *Decoded) {
			want(t, "link", d.Link, LinkRaw)
			want(t, "type", d.ICMP.Type, ICMPv4EchoReply)
			want(t, "id/seq", [2]uint16{d.ICMP.ID(), d.ICMP.Seq()}, [2]uint16{0x1234, 7})
			want(t, "data", string(d.Payload), "picket-ping-data")
		}},
		{"icmp-timestamp-reply", func(t *testing.T, d *Decoded) {
			o, r, x, ok := d.ICMP.Timestamps()
			want(t, "timestamps", [3]uint32{o, r, x}, [3]uint32{1000, 2000, 2001})
			want(t, "ok", ok, true)
		}},
	}
	seen := map[string]bool{}
	for _, tt := range tests {
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			frame := fixture(t, tt.name)
			var d Decoded
			if err := d.Decode(frame, fixtureLink(tt.name)); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if d.Network != NetworkARP && !d.ChecksumsValid() {
				t.Error("checksums of a tcpdump-checked fixture do not verify")
			}
			tt.check(t, &d)
			checkReencode(t, frame, &d)
			if !raceEnabled {
				if n := testing.AllocsPerRun(10, func() { _ = d.Decode(frame, fixtureLink(tt.name)) }); n != 0 {
					t.Errorf("Decode allocates %v times", n)
				}
			}
		})
	}
	for _, name := range fixtureNames(t) {
		if !seen[name] {
			t.Errorf("fixture %s has no test case", name)
		}
	}
}

func want[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Errorf("%s = %v, want %v", what, got, want)
	}
}

// checkReencode checks that every decoded layer encodes back to the bytes it
// came from.
func checkReencode(t testing.TB, frame []byte, d *Decoded) {
	t.Helper()
	rest := frame
	if d.Link == LinkEthernet {
		if got := d.Ethernet.AppendTo(nil); !bytes.HasPrefix(rest, got) {
			t.Fatalf("ethernet re-encodes as % x, frame % x", got, rest[:min(len(rest), len(got))])
		}
		rest = rest[d.Ethernet.Len():]
	}
	switch d.Network {
	case NetworkARP:
		if got := d.ARP.AppendTo(nil); !bytes.HasPrefix(rest, got) {
			t.Fatalf("arp re-encodes as % x, frame % x", got, rest)
		}
		return
	case NetworkIPv4, NetworkIPv6:
		if got := d.IP.AppendTo(nil); !bytes.Equal(got, d.ipHeader) || !bytes.HasPrefix(rest, got) {
			t.Fatalf("ip re-encodes as % x, header % x", got, d.ipHeader)
		}
	default:
		return
	}
	var got []byte
	switch d.Transport {
	case TransportTCP:
		got = d.TCP.AppendTo(nil)
	case TransportUDP:
		got = d.UDP.AppendTo(nil)
	case TransportICMPv4, TransportICMPv6:
		got = d.ICMP.AppendTo(nil)
		if !bytes.Equal(got, d.segment) {
			t.Fatalf("icmp re-encodes as % x, segment % x", got, d.segment)
		}
	default:
		return
	}
	if !bytes.HasPrefix(d.segment, got) {
		t.Fatalf("%v re-encodes as % x, segment % x", d.Transport, got, d.segment)
	}
}

func TestDecodeErrors(t *testing.T) {
	synack := fixture(t, "synack-ipv4-linux")
	v6 := fixture(t, "synack-ipv6")
	ndp := fixture(t, "ndp-advertisement")
	patch := func(b []byte, off int, v ...byte) []byte {
		b = append([]byte(nil), b...)
		copy(b[off:], v)
		return b
	}
	eth := synack[:14]
	ip4 := func(h string) []byte { return append(append([]byte(nil), eth...), unhex(t, h)...) }
	tests := []struct {
		name  string
		frame []byte
		link  LinkType
		err   error
		layer string
	}{
		{"empty frame", nil, LinkEthernet, ErrTruncated, "ethernet"},
		{"short ethernet", synack[:13], LinkEthernet, ErrTruncated, "ethernet"},
		{"empty raw", nil, LinkRaw, ErrTruncated, "ip"},
		{"unknown link type", synack, LinkType(9), ErrUnsupported, "link"},
		{"vlan tag cut", unhex(t, "020000000001 020000000002 8100 00"), LinkEthernet, ErrTruncated, "ethernet"},
		{"three vlan tags", unhex(t, "020000000001 020000000002 88a8 0001 8100 0002 8100 0003 0800"), LinkEthernet, ErrUnsupported, "ethernet"},
		{"ethertype ipv4 but version 6", patch(synack, 14, 0x60), LinkEthernet, ErrMalformed, "ethernet"},
		{"ip version 5", patch(synack, 0, 0x50), LinkRaw, ErrMalformed, "ip"},
		{"ipv4 header cut", synack[:14+19], LinkEthernet, ErrTruncated, "ipv4"},
		{"ipv4 ihl 4", patch(synack, 14, 0x44), LinkEthernet, ErrMalformed, "ipv4"},
		{"ipv4 ihl past the frame", ip4("4f00 003c 0000 4000 4006 0000 c0000201 c0000202"), LinkEthernet, ErrTruncated, "ipv4"},
		{"ipv4 total length past the frame", patch(synack, 16, 0x01, 0x00), LinkEthernet, ErrTruncated, "ipv4"},
		{"ipv4 total length below the header", patch(synack, 16, 0x00, 0x13), LinkEthernet, ErrMalformed, "ipv4"},
		{"ipv6 header cut", v6[:14+39], LinkEthernet, ErrTruncated, "ipv6"},
		{"ipv6 payload length past the frame", patch(v6, 18, 0x00, 0x29), LinkEthernet, ErrTruncated, "ipv6"},
		{"ipv6 extension header cut", ipv6With(t, ProtoDestOpts, "06 00 00 00"), LinkRaw, ErrTruncated, "ipv6"},
		{"ipv6 extension length past the payload", ipv6With(t, ProtoDestOpts, "06 01 00 00 00 00 00 00"), LinkRaw, ErrTruncated, "ipv6"},
		{"ipv6 extension chain too long", ipv6With(t, ProtoDestOpts, strings.Repeat("3c 00 0000 00000000 ", 9)), LinkRaw, ErrUnsupported, "ipv6"},
		{"ipv6 ah cut", ipv6With(t, ProtoAH, "06 04 0000 00000000"), LinkRaw, ErrTruncated, "ipv6"},
		{"tcp header cut", patch(synack[:14+20+19], 16, 0, 39), LinkEthernet, ErrTruncated, "tcp"},
		{"tcp data offset 4", patch(synack, 14+20+12, 0x40), LinkEthernet, ErrMalformed, "tcp"},
		{"tcp data offset past the segment", patch(synack, 14+20+12, 0xf0), LinkEthernet, ErrTruncated, "tcp"},
		{"udp length below 8", ipWith(t, ProtoUDP, "0035 0035 0007 0000"), LinkRaw, ErrMalformed, "udp"},
		{"udp length past the datagram", ipWith(t, ProtoUDP, "0035 0035 0010 0000 00"), LinkRaw, ErrTruncated, "udp"},
		{"icmp cut", ipWith(t, ProtoICMP, "0800 0000 0000 00"), LinkRaw, ErrTruncated, "icmp"},
		{"arp for another hardware", unhex(t, "ffffffffffff 020000000002 0806 0006 0800 0604 0001"), LinkEthernet, ErrUnsupported, "arp"},
		{"arp cut", fixture(t, "arp-reply")[:14+27], LinkEthernet, ErrTruncated, "arp"},
		{"ndp option of length 0", patch(ndp, 14+40+24+1, 0), LinkEthernet, ErrMalformed, "ndp"},
		{"ndp target cut", ndpWith(t, "fe80 0000 0000 0000"), LinkRaw, ErrTruncated, "ndp"},
		{"ndp option past the message", ndpWith(t, "fe80 0000 0000 0000 0000 0000 0000 000a 0202 0200 0000"), LinkRaw, ErrTruncated, "ndp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoded
			err := d.Decode(tt.frame, tt.link)
			if !errors.Is(err, tt.err) {
				t.Fatalf("Decode error = %v, want %v", err, tt.err)
			}
			var pe *Error
			if !errors.As(err, &pe) || pe.Layer != tt.layer {
				t.Errorf("error %v: want layer %q", err, tt.layer)
			}
			if msg := err.Error(); !strings.HasPrefix(msg, "packet: "+tt.layer+": ") || strings.Count(msg, "packet:") != 1 {
				t.Errorf("error message %q", msg)
			}
			if !raceEnabled {
				if n := testing.AllocsPerRun(10, func() { _ = d.Decode(tt.frame, tt.link) }); n != 0 {
					t.Errorf("failing Decode allocates %v times", n)
				}
			}
		})
	}
}

// ipWith returns a raw IPv4 datagram 192.0.2.1 -> 192.0.2.2 carrying the
// hex upper-layer bytes.
func ipWith(t *testing.T, proto IPProtocol, upper string) []byte {
	t.Helper()
	p := unhex(t, upper)
	ip := IP{Version: 4, Length: uint16(20 + len(p)), TTL: 64, Protocol: proto, Src: addr("192.0.2.1"), Dst: addr("192.0.2.2")}
	return append(ip.AppendTo(nil), p...)
}

// ipv6With returns a raw IPv6 datagram whose first next header is next.
func ipv6With(t *testing.T, next IPProtocol, upper string) []byte {
	t.Helper()
	p := unhex(t, upper)
	ip := IP{Version: 6, Length: uint16(len(p)), TTL: 64, Protocol: next, Src: addr("2001:db8::1"), Dst: addr("2001:db8::2")}
	return append(ip.AppendTo(nil), p...)
}

// ndpWith returns a raw neighbor advertisement with the hex body.
func ndpWith(t *testing.T, body string) []byte {
	t.Helper()
	return ipv6With(t, ProtoICMPv6, "8800 0000 60000000 "+body)
}

func TestDecodeStopsWithoutError(t *testing.T) {
	tests := []struct {
		name      string
		frame     []byte
		link      LinkType
		network   Network
		transport Transport
		payload   int
	}{
		{"lldp ethertype", unhex(t, "0180c200000e 020000000002 88cc 0206"), LinkEthernet, NetworkNone, TransportNone, 0},
		{"802.3 length instead of ethertype", unhex(t, "0180c2000000 020000000002 0026 4242"), LinkEthernet, NetworkNone, TransportNone, 0},
		{"ipv4 later fragment", ipFrag(t, 185), LinkRaw, NetworkIPv4, TransportNone, 8},
		{"ipv4 gre", ipWith(t, 47, "0000 0800"), LinkRaw, NetworkIPv4, TransportOther, 4},
		{"icmp over ipv6 is not icmpv6", ipv6With(t, ProtoICMP, "0800 0000 0000 0000"), LinkRaw, NetworkIPv6, TransportOther, 8},
		{"ipv6 no next header", ipv6With(t, ProtoNoNext, ""), LinkRaw, NetworkIPv6, TransportOther, 0},
		{"ipv6 esp", ipv6With(t, ProtoESP, "00000001 00000001 ffff"), LinkRaw, NetworkIPv6, TransportOther, 10},
		{"ipv6 later fragment", ipv6With(t, ProtoFragment, "06 00 0009 00000001 abcdabcd"), LinkRaw, NetworkIPv6, TransportNone, 4},
		{"ipv6 ah then udp", ipv6With(t, ProtoAH, "11 01 0000 00000001 00000001 0035 0035 0008 0000"), LinkRaw, NetworkIPv6, TransportUDP, 0},
		{"ipv6 zero payload length before ethernet padding", ipv6With(t, ProtoNoNext, "000000000000"), LinkRaw, NetworkIPv6, TransportOther, 0},
		{"ipv6 zero payload length of a big tcp aggregate", bigTCP(t), LinkRaw, NetworkIPv6, TransportTCP, 70000},
	}
	// ipv6With set payload lengths; a zero one is what is tested.
	for _, i := range []int{len(tests) - 2, len(tests) - 1} {
		tests[i].frame[4], tests[i].frame[5] = 0, 0
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoded
			if err := d.Decode(tt.frame, tt.link); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			want(t, "network", d.Network, tt.network)
			want(t, "transport", d.Transport, tt.transport)
			want(t, "payload", len(d.Payload), tt.payload)
		})
	}
}

// bigTCP returns a raw IPv6 TCP segment with 70,000 bytes of payload.
func bigTCP(t *testing.T) []byte {
	t.Helper()
	tcp := TCP{SrcPort: 443, DstPort: 50000, Flags: FlagACK}
	b := ipv6With(t, ProtoTCP, "")
	b = tcp.AppendTo(b)
	return append(b, make([]byte, 70000)...)
}

// ipFrag returns a raw IPv4 fragment at offset off (in 8-byte units).
func ipFrag(t *testing.T, off uint16) []byte {
	t.Helper()
	ip := IP{Version: 4, Length: 28, TTL: 64, Protocol: ProtoTCP, FragOffset: off * 8,
		Src: addr("192.0.2.1"), Dst: addr("192.0.2.2")}
	return append(ip.AppendTo(nil), 1, 2, 3, 4, 5, 6, 7, 8)
}

func TestDecodeOptionsPastDataOffset(t *testing.T) {
	// Data offset 6 leaves 4 option bytes, but the timestamps option in
	// them claims 10: the segment still decodes, and its options say why
	// they stopped. The bytes past the data offset are payload.
	var d Decoded
	frame := ipWith(t, ProtoTCP, "0050 9c40 00000001 00000002 6012 ffff 0000 0000"+
		" 0101 080a"+" 00000003 00000004")
	if err := d.Decode(frame, LinkRaw); err != nil {
		t.Fatal(err)
	}
	want(t, "flags", d.TCP.Flags, FlagSYN|FlagACK)
	if !errors.Is(d.TCP.Options.Err, ErrTruncated) {
		t.Errorf("Options.Err = %v, want truncated", d.TCP.Options.Err)
	}
	want(t, "options parsed", len(d.TCP.Options.Kinds()), 2)
	want(t, "payload", len(d.Payload), 8)
}

func TestDecodeReuse(t *testing.T) {
	var d Decoded
	if err := d.Decode(fixture(t, "synack-ipv4-linux"), LinkEthernet); err != nil {
		t.Fatal(err)
	}
	if err := d.Decode(fixture(t, "arp-reply"), LinkEthernet); err != nil {
		t.Fatal(err)
	}
	if d.TCP.SrcPort != 0 || d.IP.Src.IsValid() || d.Transport != TransportNone || len(d.TCP.Options.Kinds()) != 0 {
		t.Errorf("fields of the previous frame survive: %+v", d)
	}
}

func TestDecodeQuoteLeniency(t *testing.T) {
	icmpErr := func(quote string) []byte {
		return ipWith(t, ProtoICMP, "0303 0000 00000000 "+quote)
	}
	tests := []struct {
		name      string
		frame     []byte
		version   uint8
		transport Transport
		ports     bool
	}{
		{"nothing quoted", icmpErr(""), 0, TransportNone, false},
		{"ip header cut", icmpErr("4500 001c 0000 0000 4011"), 0, TransportNone, false},
		{"garbage version", icmpErr("7500 001c 0000 0000 4011 0000 c0000201 c0000202"), 0, TransportNone, false},
		{"header only", icmpErr("4500 001c 0000 0000 4011 0000 c0000201 c0000202"), 4, TransportUDP, false},
		{"two bytes of udp", icmpErr("4500 001c 0000 0000 4011 0000 c0000201 c0000202 0035"), 4, TransportUDP, false},
		// Some stacks return the quoted total length byte-swapped; the
		// quote must still match.
		{"swapped total length", icmpErr("4500 1c00 0000 0000 4011 0000 c0000201 c0000202 0035 00a1 0008 0000"), 4, TransportUDP, true},
		{"total length shorter than the quote", icmpErr("4500 0018 0000 0000 4011 0000 c0000201 c0000202 0035 00a1 0008 0000"), 4, TransportUDP, true},
		{"quoted later fragment", icmpErr("4500 001c 0000 0010 4011 0000 c0000201 c0000202 0035 00a1 0008 0000"), 4, TransportNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Decoded
			if err := d.Decode(tt.frame, LinkRaw); err != nil {
				t.Fatal(err)
			}
			want(t, "version", d.Quote.IP.Version, tt.version)
			want(t, "transport", d.Quote.Transport, tt.transport)
			want(t, "ports", d.Quote.HasPorts(), tt.ports)
		})
	}
}

func TestStrings(t *testing.T) {
	tests := []struct{ got, want string }{
		{MAC{0x02, 0, 0x5e, 0x10, 0xab, 0xff}.String(), "02:00:5e:10:ab:ff"},
		{(FlagSYN | FlagACK).String(), "SYN|ACK"},
		{(FlagAE | FlagCWR | 0x800).String(), "CWR|AE|RES11"},
		{TCPFlags(0).String(), "none"},
		{NetworkIPv6.String(), "ipv6"},
		{Network(99).String(), "unknown"},
		{TransportICMPv6.String(), "icmpv6"},
		{Transport(99).String(), "unknown"},
		{LinkRaw.String(), "raw"},
		{errTCPOpt.truncated.Error(), "packet: tcp options: truncated"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}
