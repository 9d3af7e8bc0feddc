package packet

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"
)

var (
	macA = MAC{2, 0, 0, 0, 0, 1}
	macB = MAC{2, 0, 0, 0, 0, 2}
)

// TestBuildMatchesFixtures builds frames equal to fixtures that were
// assembled independently, so lengths, field layout and checksums are
// checked against bytes the package did not produce.
func TestBuildMatchesFixtures(t *testing.T) {
	tests := []struct {
		name  string
		build func(t *testing.T) ([]byte, error)
	}{
		{"synack-ipv4-linux", func(t *testing.T) ([]byte, error) {
			f := Frame{SrcMAC: macB, DstMAC: macA, Src: addr("192.0.2.10"), Dst: addr("192.0.2.1"), DF: true}
			tcp := TCP{SrcPort: 80, DstPort: 40000, Seq: 0xd1e2f3a4, Ack: 0x12345679, Flags: FlagSYN | FlagACK, Window: 65160}
			tcp.Options.Raw = unhex(t, "020405b4 0402 080a 9c2e5a11 0001e240 01 030307")
			return f.AppendTCP(nil, &tcp, nil)
		}},
		{"synack-ipv6", func(t *testing.T) ([]byte, error) {
			f := Frame{SrcMAC: macB, DstMAC: macA, Src: addr("2001:db8::10"), Dst: addr("2001:db8::1"), FlowLabel: 0x12345}
			tcp := TCP{SrcPort: 22, DstPort: 50000, Seq: 0x11111111, Ack: 0x22222223, Flags: FlagSYN | FlagACK, Window: 64800}
			tcp.Options.Raw = unhex(t, "020405a0 0402 080a 01020304 0a0b0c0d 01030307")
			return f.AppendTCP(nil, &tcp, nil)
		}},
		{"icmp-echo-reply-raw", func(t *testing.T) ([]byte, error) {
			f := Frame{Link: LinkRaw, Src: addr("192.0.2.30"), Dst: addr("192.0.2.1"), TTL: 255, ID: 0x7777}
			return f.AppendICMP(nil, &ICMP{Type: ICMPv4EchoReply, Rest: 0x1234<<16 | 7, Body: []byte("picket-ping-data")})
		}},
		{"icmp-timestamp-reply", func(t *testing.T) ([]byte, error) {
			f := Frame{SrcMAC: macB, DstMAC: macA, Src: addr("192.0.2.31"), Dst: addr("192.0.2.1"), ID: 1}
			return f.AppendICMP(nil, &ICMP{Type: ICMPv4TimestampReply, Rest: 0x4321<<16 | 1,
				Body: unhex(t, "000003e8 000007d0 000007d1")})
		}},
		{"icmp-port-unreachable-udp", func(t *testing.T) ([]byte, error) {
			// The quoted probe is itself what AppendUDP builds.
			probe := Frame{Link: LinkRaw, Src: addr("192.0.2.1"), Dst: addr("192.0.2.20"), TTL: 52, ID: 0x4242}
			quote, err := probe.AppendUDP(nil, 53000, 161, nil)
			if err != nil {
				return nil, err
			}
			f := Frame{SrcMAC: macB, DstMAC: macA, Src: addr("192.0.2.20"), Dst: addr("192.0.2.1"), TTL: 63, TOS: 0xc0, ID: 0x0102}
			return f.AppendICMP(nil, &ICMP{Type: ICMPv4DestUnreachable, Code: ICMPv4PortUnreachable, Body: quote})
		}},
		{"ndp-advertisement", func(t *testing.T) ([]byte, error) {
			f := Frame{SrcMAC: MAC{2, 0, 0, 0, 0, 0x0a}, DstMAC: macB, Src: addr("fe80::a"), Dst: addr("fe80::2"), TTL: 255}
			return f.AppendICMP(nil, &ICMP{Type: ICMPv6NeighborAdvertisement, Rest: 0x60000000,
				Body: unhex(t, "fe80 0000 0000 0000 0000 0000 0000 000a 0201 0200 0000 000a")})
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.build(t)
			if err != nil {
				t.Fatal(err)
			}
			if want := fixture(t, tt.name); !bytes.Equal(got, want) {
				t.Errorf("built\n% x\nfixture\n% x", got, want)
			}
		})
	}
}

// TestBuildRoundTrip decodes what every builder builds, in both families
// and on both link types.
func TestBuildRoundTrip(t *testing.T) {
	type family struct {
		name     string
		src, dst netip.Addr
	}
	families := []family{
		{"ipv4", addr("192.0.2.1"), addr("198.51.100.7")},
		{"ipv6", addr("2001:db8::1"), addr("2001:db8:ff::7")},
	}
	opts := AppendSACKPermittedOption(AppendWindowScaleOption(AppendNOPOption(AppendMSSOption(nil, 1460)), 10))
	for _, fam := range families {
		for _, link := range []LinkType{LinkEthernet, LinkRaw} {
			f := Frame{Link: link, SrcMAC: macA, DstMAC: macB, Src: fam.src, Dst: fam.dst, TTL: 57, ID: 0xbeef, DF: true, TOS: 0x10, FlowLabel: 0xabcde}
			prefix := []byte("existing") // builders append, never overwrite
			check := func(t *testing.T, frame []byte, err error, tr Transport) *Decoded {
				t.Helper()
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.HasPrefix(frame, prefix) {
					t.Fatal("prefix overwritten")
				}
				frame = frame[len(prefix):]
				var d Decoded
				if err := d.Decode(frame, link); err != nil {
					t.Fatalf("Decode: %v", err)
				}
				if !d.ChecksumsValid() {
					t.Error("checksums do not verify")
				}
				want(t, "transport", d.Transport, tr)
				want(t, "src", d.IP.Src, fam.src)
				want(t, "dst", d.IP.Dst, fam.dst)
				want(t, "ttl", d.IP.TTL, 57)
				want(t, "tos", d.IP.TOS, 0x10)
				if d.IP.Version == 4 {
					want(t, "id", d.IP.ID, 0xbeef)
					want(t, "df", d.IP.DF, true)
				} else {
					want(t, "flow label", d.IP.FlowLabel, 0xabcde)
				}
				if link == LinkEthernet {
					want(t, "dst mac", d.Ethernet.Dst, macB)
					want(t, "src mac", d.Ethernet.Src, macA)
				}
				checkReencode(t, frame, &d)
				return &d
			}
			name := fam.name + "/" + link.String()
			t.Run(name+"/tcp", func(t *testing.T) {
				tcp := TCP{SrcPort: 40000, DstPort: 443, Seq: 0x01020304, Flags: FlagSYN | FlagECE | FlagCWR, Window: 1024, Urgent: 7}
				tcp.Options.Raw = opts
				b, err := f.AppendTCP(prefix, &tcp, []byte("hello"))
				d := check(t, b, err, TransportTCP)
				want(t, "ports", [2]uint16{d.TCP.SrcPort, d.TCP.DstPort}, [2]uint16{40000, 443})
				want(t, "seq", d.TCP.Seq, 0x01020304)
				want(t, "flags", d.TCP.Flags, FlagSYN|FlagECE|FlagCWR)
				want(t, "urgent", d.TCP.Urgent, 7)
				want(t, "options", string(d.TCP.Options.AppendFingerprint(nil)), "M5B4NWASL")
				want(t, "padded options", len(d.TCP.Options.Raw), 12)
				want(t, "payload", string(d.Payload), "hello")
			})
			t.Run(name+"/udp", func(t *testing.T) {
				b, err := f.AppendUDP(prefix, 53000, 53, []byte{0x12, 0x34})
				d := check(t, b, err, TransportUDP)
				want(t, "ports", [2]uint16{d.UDP.SrcPort, d.UDP.DstPort}, [2]uint16{53000, 53})
				want(t, "length", d.UDP.Length, 10)
				want(t, "payload", string(d.Payload), "\x12\x34")
			})
			t.Run(name+"/echo", func(t *testing.T) {
				b, err := f.AppendEcho(prefix, 0x1111, 2, []byte("ping"))
				icmp := TransportICMPv4
				typ := uint8(ICMPv4EchoRequest)
				if fam.src.Is6() {
					icmp, typ = TransportICMPv6, ICMPv6EchoRequest
				}
				d := check(t, b, err, icmp)
				want(t, "type", d.ICMP.Type, typ)
				want(t, "id/seq", [2]uint16{d.ICMP.ID(), d.ICMP.Seq()}, [2]uint16{0x1111, 2})
				want(t, "data", string(d.Payload), "ping")
			})
			if fam.src.Is4() {
				t.Run(name+"/timestamp", func(t *testing.T) {
					b, err := f.AppendTimestamp(prefix, 9, 10, 86399999)
					d := check(t, b, err, TransportICMPv4)
					want(t, "type", d.ICMP.Type, ICMPv4Timestamp)
					o, r, x, ok := d.ICMP.Timestamps()
					want(t, "timestamps", [4]uint32{o, r, x, uint32(d.ICMP.ID())}, [4]uint32{86399999, 0, 0, 9})
					want(t, "ok", ok, true)
				})
			}
		}
	}
}

func TestBuildARPRequest(t *testing.T) {
	f := Frame{SrcMAC: macA, Src: addr("192.0.2.1"), Dst: addr("192.0.2.77")}
	b, err := f.AppendARPRequest(nil)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoded
	if err := d.Decode(b, LinkEthernet); err != nil {
		t.Fatal(err)
	}
	want(t, "dst mac", d.Ethernet.Dst, BroadcastMAC)
	want(t, "op", d.ARP.Op, ARPRequest)
	want(t, "sender", d.ARP.SenderIP, addr("192.0.2.1"))
	want(t, "sender mac", d.ARP.SenderMAC, macA)
	want(t, "target", d.ARP.TargetIP, addr("192.0.2.77"))
	want(t, "target mac", d.ARP.TargetMAC, MAC{})
	want(t, "length", len(b), 42)

	f.DstMAC = macB // a unicast refresh
	b, _ = f.AppendARPRequest(b[:0])
	_ = d.Decode(b, LinkEthernet)
	want(t, "unicast dst mac", d.Ethernet.Dst, macB)
}

func TestBuildNeighborSolicitation(t *testing.T) {
	tests := []struct {
		name    string
		src     string
		hasSLLA bool
	}{
		{"address resolution", "fe80::1", true},
		{"duplicate address detection", "::", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := Frame{SrcMAC: macA, DstMAC: macB, Src: addr(tt.src), Dst: addr("2001:db8::1:2:3")}
			b, err := f.AppendNeighborSolicitation(nil)
			if err != nil {
				t.Fatal(err)
			}
			var d Decoded
			if err := d.Decode(b, LinkEthernet); err != nil {
				t.Fatal(err)
			}
			if !d.ChecksumsValid() {
				t.Error("checksum does not verify")
			}
			want(t, "dst", d.IP.Dst, addr("ff02::1:ff02:3"))
			want(t, "dst mac", d.Ethernet.Dst, MAC{0x33, 0x33, 0xff, 0x02, 0x00, 0x03})
			want(t, "hop limit", d.IP.TTL, 255)
			want(t, "type", d.ICMP.Type, ICMPv6NeighborSolicitation)
			want(t, "target", d.NDP.Target, addr("2001:db8::1:2:3"))
			want(t, "has source mac", d.NDP.HasSrcLinkAddr, tt.hasSLLA)
			if tt.hasSLLA {
				want(t, "source mac", d.NDP.SrcLinkAddr, macA)
			}
		})
	}
}

func TestBuildErrors(t *testing.T) {
	v4, v6 := addr("192.0.2.1"), addr("2001:db8::1")
	long := TCP{}
	long.Options.Raw = make([]byte, 41)
	tests := []struct {
		name  string
		build func() ([]byte, error)
		err   error
	}{
		{"mixed families", func() ([]byte, error) {
			f := Frame{Src: v4, Dst: v6}
			return f.AppendUDP(nil, 1, 2, nil)
		}, ErrAddress},
		{"no source", func() ([]byte, error) {
			f := Frame{Dst: v4}
			return f.AppendTCP(nil, &TCP{}, nil)
		}, ErrAddress},
		{"options past 40 bytes", func() ([]byte, error) {
			f := Frame{Src: v4, Dst: v4}
			return f.AppendTCP(nil, &long, nil)
		}, ErrTooLong},
		{"ipv4 datagram past 65535", func() ([]byte, error) {
			f := Frame{Src: v4, Dst: v4}
			return f.AppendUDP(nil, 1, 2, make([]byte, 65535-28+1))
		}, ErrTooLong},
		{"udp past 65535", func() ([]byte, error) {
			f := Frame{Src: v6, Dst: v6}
			return f.AppendUDP(nil, 1, 2, make([]byte, 65535))
		}, ErrTooLong},
		{"unknown link", func() ([]byte, error) {
			f := Frame{Link: 7, Src: v4, Dst: v4}
			return f.AppendEcho(nil, 1, 1, nil)
		}, ErrUnsupported},
		{"timestamp over ipv6", func() ([]byte, error) {
			f := Frame{Src: v6, Dst: v6}
			return f.AppendTimestamp(nil, 1, 1, 0)
		}, ErrAddress},
		{"arp over ipv6", func() ([]byte, error) {
			f := Frame{Src: v6, Dst: v6}
			return f.AppendARPRequest(nil)
		}, ErrAddress},
		{"arp on a raw link", func() ([]byte, error) {
			f := Frame{Link: LinkRaw, Src: v4, Dst: v4}
			return f.AppendARPRequest(nil)
		}, ErrUnsupported},
		{"solicitation for ipv4", func() ([]byte, error) {
			f := Frame{Src: v4, Dst: v4}
			return f.AppendNeighborSolicitation(nil)
		}, ErrAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.build()
			if !errors.Is(err, tt.err) {
				t.Fatalf("error = %v, want %v", err, tt.err)
			}
			if len(b) != 0 {
				t.Errorf("failed build left %d bytes", len(b))
			}
		})
	}
}

func TestBuildMappedAddressesAreIPv4(t *testing.T) {
	f := Frame{Link: LinkRaw, Src: addr("::ffff:192.0.2.1"), Dst: addr("192.0.2.2")}
	b, err := f.AppendUDP(nil, 1, 2, nil)
	if err != nil {
		t.Fatal(err)
	}
	var d Decoded
	if err := d.Decode(b, LinkRaw); err != nil || d.Network != NetworkIPv4 || d.IP.Src != addr("192.0.2.1") {
		t.Errorf("decoded %v %v from %v", d.Network, d.IP.Src, err)
	}
}

func TestBuildAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	buf := make([]byte, 0, 2048)
	f4 := Frame{SrcMAC: macA, DstMAC: macB, Src: addr("192.0.2.1"), Dst: addr("192.0.2.2")}
	f6 := Frame{SrcMAC: macA, DstMAC: macB, Src: addr("2001:db8::1"), Dst: addr("2001:db8::2")}
	tcp := TCP{SrcPort: 1, DstPort: 2, Flags: FlagSYN}
	tcp.Options.Raw = AppendMSSOption(nil, 1460)
	payload := []byte("payload")
	tests := []struct {
		name string
		fn   func()
	}{
		{"tcp", func() { _, _ = f4.AppendTCP(buf[:0], &tcp, nil) }},
		{"tcp ipv6", func() { _, _ = f6.AppendTCP(buf[:0], &tcp, nil) }},
		{"udp", func() { _, _ = f4.AppendUDP(buf[:0], 1, 2, payload) }},
		{"echo", func() { _, _ = f6.AppendEcho(buf[:0], 1, 2, payload) }},
		{"timestamp", func() { _, _ = f4.AppendTimestamp(buf[:0], 1, 2, 3) }},
		{"arp", func() { _, _ = f4.AppendARPRequest(buf[:0]) }},
		{"neighbor solicitation", func() { _, _ = f6.AppendNeighborSolicitation(buf[:0]) }},
	}
	for _, tt := range tests {
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %v allocations per build", tt.name, n)
		}
	}
}
