package persona

import (
	"bytes"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/packet"
)

var (
	hostAddr  = netip.MustParseAddr("198.18.0.2")
	hostAddr6 = netip.MustParseAddr("fd00::2")
	peerAddr  = netip.MustParseAddr("198.18.0.1")
	peerAddr6 = netip.MustParseAddr("fd00::1")
	peerMAC   = packet.MAC{0x02, 0, 0, 0, 0, 1}
)

// fakeClock advances only when told.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestResponder(t testing.TB, p Personality) (*Responder, *fakeClock) {
	t.Helper()
	clk := &fakeClock{t: time.Unix(1_700_000_000, 0)}
	r, err := NewResponder(Config{
		Personality: p, Addrs: []netip.Addr{hostAddr, hostAddr6},
		OpenTCP: []uint16{80}, Seed: 7, Now: clk.now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return r, clk
}

// frameTo builds a frame from the peer to the responder.
func frameTo(t testing.TB, r *Responder, v6 bool, build func(f *packet.Frame, b []byte) ([]byte, error)) []byte {
	t.Helper()
	f := packet.Frame{SrcMAC: peerMAC, DstMAC: packet.MAC(r.MAC()), Src: peerAddr, Dst: hostAddr, TTL: 64}
	if v6 {
		f.Src, f.Dst = peerAddr6, hostAddr6
	}
	b, err := build(&f, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func tcpTo(t testing.TB, r *Responder, v6 bool, sport, dport uint16, fl packet.TCPFlags, seq, ack uint32, opts []byte, data []byte) []byte {
	return frameTo(t, r, v6, func(f *packet.Frame, b []byte) ([]byte, error) {
		return f.AppendTCP(b, &packet.TCP{SrcPort: sport, DstPort: dport, Flags: fl, Seq: seq, Ack: ack, Window: 512,
			Options: packet.TCPOptions{Raw: opts}}, data)
	})
}

// handle returns the replies to one frame, decoded, and checks each is
// well formed and addressed to the peer.
func handle(t testing.TB, r *Responder, in []byte) []*packet.Decoded {
	t.Helper()
	var out []*packet.Decoded
	r.Handle(in, func(b []byte) {
		d := &packet.Decoded{}
		if err := d.Decode(bytes.Clone(b), packet.LinkEthernet); err != nil {
			t.Fatalf("reply does not decode: %v\n%x", err, b)
		}
		if d.Network != packet.NetworkARP && !d.ChecksumsValid() {
			t.Fatalf("reply with bad checksums: %x", b)
		}
		if d.Ethernet.Src != packet.MAC(r.MAC()) {
			t.Fatalf("reply from MAC %v", d.Ethernet.Src)
		}
		out = append(out, d)
	})
	return out
}

func one(t testing.TB, r *Responder, in []byte) *packet.Decoded {
	t.Helper()
	out := handle(t, r, in)
	if len(out) != 1 {
		t.Fatalf("%d replies, want 1", len(out))
	}
	return out[0]
}

// Nmap's six SEQ probes' options, and its ECN probe's.
var seqProbeOpts = [][]byte{
	{3, 3, 10, 1, 2, 4, 5, 0xb4, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 4, 2},
	{2, 4, 5, 0x78, 4, 2, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 3, 3, 0, 0},
	{8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 1, 3, 3, 5, 1, 2, 4, 2, 0x80},
	{4, 2, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 3, 3, 10, 0},
	{2, 4, 2, 0x18, 4, 2, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 3, 3, 10, 0},
	{2, 4, 1, 0x09, 4, 2, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0},
	{3, 3, 10, 1, 2, 4, 5, 0xb4, 4, 2, 1, 1},
}

// TestOptionLayouts checks each layout against the answers the stacks are
// documented to give to Nmap's probes (O1-O6, then the ECN probe).
func TestOptionLayouts(t *testing.T) {
	want := map[string][]string{
		"windows": {"M5B4NW8ST11", "M5B4NW8ST11", "M5B4NW8NNT11", "M5B4NW8ST11", "M5B4NW8ST11", "M5B4ST11", "M5B4NW8NNS"},
		"freebsd": {"M5B4NW6ST11", "M5B4NW6ST11", "M5B4NW6NNT11", "M5B4NW6ST11", "M5B4NW6ST11", "M5B4ST11", "M5B4NW6SL"},
		"lwip":    {"M5B4", "M5B4", "M5B4", "M5B4", "M5B4", "M5B4", "M5B4"},
		"linux":   {"M5B4ST11NW7", "M5B4ST11NW7", "M5B4NNT11NW7", "M5B4ST11NW7", "M5B4ST11NW7", "M5B4ST11", "M5B4NNSNW7"},
	}
	for name, p := range All() {
		r, _ := newTestResponder(t, p)
		for i, opts := range seqProbeOpts {
			d := one(t, r, tcpTo(t, r, false, uint16(1000+i), 80, packet.FlagSYN, 1, 0, opts, nil))
			if err := d.TCP.Options.Parse(d.TCP.Options.Raw); err != nil {
				t.Fatalf("%s probe %d: %v", name, i, err)
			}
			// packet's notation stops at the first EOL.
			if got := string(d.TCP.Options.AppendFingerprint(nil)); got != want[name][i] {
				t.Errorf("%s probe %d: options %s, want %s", name, i, got, want[name][i])
			}
			if len(d.TCP.Options.Raw)%4 != 0 {
				t.Errorf("%s probe %d: %d option bytes, not a multiple of 4", name, i, len(d.TCP.Options.Raw))
			}
		}
	}
}

func TestGenerators(t *testing.T) {
	p := LwIP()
	r, clk := newTestResponder(t, p)
	var isns []uint32
	var ids []uint16
	for i := range 4 {
		d := one(t, r, tcpTo(t, r, false, uint16(2000+i), 80, packet.FlagSYN, 1, 0, nil, nil))
		isns = append(isns, d.TCP.Seq)
		ids = append(ids, uint16(d.IP.ID))
		clk.t = clk.t.Add(100 * time.Millisecond)
	}
	for i := 1; i < 4; i++ {
		if isns[i]-isns[i-1] != p.TCP.ISN.Step || ids[i]-ids[i-1] != 1 {
			t.Fatalf("ISNs %v IDs %v: want steps of %d and 1", isns, ids, p.TCP.ISN.Step)
		}
	}

	// Time-linear ISNs follow the clock.
	p.TCP.ISN = ISN{Kind: ISNTime, Rate: 250_000}
	r, clk = newTestResponder(t, p)
	a := one(t, r, tcpTo(t, r, false, 3000, 80, packet.FlagSYN, 1, 0, nil, nil)).TCP.Seq
	clk.t = clk.t.Add(time.Second)
	b := one(t, r, tcpTo(t, r, false, 3001, 80, packet.FlagSYN, 1, 0, nil, nil)).TCP.Seq
	if b-a != 250_000 {
		t.Errorf("time-linear ISNs %d then %d a second later, want +250000", a, b)
	}

	// Timestamps tick at TSHz; FreeBSD's are offset per connection.
	for _, p := range []Personality{Windows(), FreeBSD()} {
		r, clk := newTestResponder(t, p)
		tsval := func(sport uint16) uint32 {
			d := one(t, r, tcpTo(t, r, false, sport, 80, packet.FlagSYN, 1, 0, seqProbeOpts[0], nil))
			d.TCP.Options.Parse(d.TCP.Options.Raw)
			if d.TCP.Options.TSEcr != 0xffffffff {
				t.Errorf("%s: TSecr %#x, want the probe's TSval", p.Name, d.TCP.Options.TSEcr)
			}
			return d.TCP.Options.TSVal
		}
		t0 := tsval(4000)
		clk.t = clk.t.Add(100 * time.Millisecond)
		t1 := tsval(4000)
		t2 := tsval(4001)
		if t1-t0 != 100 {
			t.Errorf("%s: timestamps %d then %d 100 ms later, want +100", p.Name, t0, t1)
		}
		if perConn := t2-t1 > 1000; perConn != p.TCP.TSPerConnection {
			t.Errorf("%s: another connection's timestamp %d after %d", p.Name, t2, t1)
		}
	}
}

// TestConnection walks a connection through handshake, data and close.
func TestConnection(t *testing.T) {
	r, _ := newTestResponder(t, Linux())
	sa := one(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagSYN, 100, 0, seqProbeOpts[0], nil))
	iss := sa.TCP.Seq
	if sa.IP.TTL != 64 || sa.TCP.Ack != 101 {
		t.Fatalf("SYN-ACK over IPv6: hop limit %d ack %d", sa.IP.TTL, sa.TCP.Ack)
	}
	if out := handle(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagACK, 101, iss+1, nil, nil)); len(out) != 0 {
		t.Fatalf("handshake's ACK answered: %v", out[0].TCP.Flags)
	}
	d := one(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagACK|packet.FlagPSH, 101, iss+1, nil, []byte("hello")))
	if d.TCP.Flags != packet.FlagACK || d.TCP.Ack != 106 || d.TCP.Seq != iss+1 {
		t.Fatalf("data acknowledged with %v seq %d ack %d", d.TCP.Flags, d.TCP.Seq, d.TCP.Ack)
	}
	d = one(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagACK|packet.FlagFIN, 106, iss+1, nil, nil))
	if d.TCP.Flags != packet.FlagACK|packet.FlagFIN || d.TCP.Ack != 107 {
		t.Fatalf("FIN answered with %v ack %d", d.TCP.Flags, d.TCP.Ack)
	}
	if out := handle(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagACK, 107, iss+2, nil, nil)); len(out) != 0 || len(r.conns) != 0 {
		t.Fatalf("last ACK: %d replies, %d connections left", len(out), len(r.conns))
	}
	// Now the connection is gone: an ACK gets the personality's reset.
	d = one(t, r, tcpTo(t, r, true, 5000, 80, packet.FlagACK, 107, iss+2, nil, nil))
	if d.TCP.Flags != packet.FlagRST || d.TCP.Seq != iss+2 {
		t.Fatalf("stray ACK answered with %v seq %d", d.TCP.Flags, d.TCP.Seq)
	}
}

func TestConnectionTableBounded(t *testing.T) {
	r, _ := newTestResponder(t, Windows())
	for i := range 3 * maxConns {
		r.Handle(tcpTo(t, r, false, uint16(i), 80, packet.FlagSYN, 1, 0, nil, nil), func([]byte) {})
	}
	if len(r.conns) > maxConns || len(r.order) > 4*maxConns+1 {
		t.Errorf("%d connections, %d keys remembered, want at most %d", len(r.conns), len(r.order), maxConns)
	}
}

func TestNeighbours(t *testing.T) {
	r, _ := newTestResponder(t, Windows())
	// ARP for our address, and for another.
	for _, c := range []struct {
		target netip.Addr
		answer bool
	}{{hostAddr, true}, {netip.MustParseAddr("198.18.0.3"), false}} {
		in := frameTo(t, r, false, func(f *packet.Frame, b []byte) ([]byte, error) {
			f.Dst = c.target
			return f.AppendARPRequest(b)
		})
		out := handle(t, r, in)
		if (len(out) == 1) != c.answer {
			t.Fatalf("ARP for %s: %d replies", c.target, len(out))
		}
		if c.answer && (out[0].ARP.Op != 2 || out[0].ARP.SenderMAC != packet.MAC(r.MAC()) || out[0].ARP.SenderIP != hostAddr) {
			t.Errorf("ARP reply %+v", out[0].ARP)
		}
	}
	in := frameTo(t, r, true, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendNeighborSolicitation(b) })
	d := one(t, r, in)
	if d.ICMP.Type != 136 || d.IP.TTL != 255 || !bytes.Equal(d.ICMP.Body[16+2:16+8], r.MAC()) {
		t.Errorf("neighbour advertisement: type %d hop limit %d body %x", d.ICMP.Type, d.IP.TTL, d.ICMP.Body)
	}
}

// TestDrops: what a host must not answer.
func TestDrops(t *testing.T) {
	r, _ := newTestResponder(t, Windows())
	syn := tcpTo(t, r, false, 6000, 80, packet.FlagSYN, 1, 0, nil, nil)
	for name, mutate := range map[string]func(b []byte){
		"other MAC":         func(b []byte) { b[5] ^= 1 },
		"broadcast MAC":     func(b []byte) { copy(b, []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}) },
		"bad IP checksum":   func(b []byte) { b[14+10] ^= 1 },
		"bad TCP checksum":  func(b []byte) { b[14+20+16] ^= 1 },
		"multicast source":  func(b []byte) { b[6] |= 1 },
		"truncated":         func(b []byte) { binary.BigEndian.PutUint16(b[14+2:], 200) },
		"fragment":          func(b []byte) { b[14+6] |= 0x20 },
		"other destination": func(b []byte) { b[14+19] = 9 },
	} {
		b := bytes.Clone(syn)
		mutate(b)
		if out := handle(t, r, b); len(out) != 0 {
			t.Errorf("%s: answered", name)
		}
	}
	// An echo request with Echo.Off, a UDP datagram with Unreach.Off.
	p := Windows()
	p.Echo.Off, p.Unreach.Off = true, true
	r, _ = newTestResponder(t, p)
	if out := handle(t, r, frameTo(t, r, false, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendEcho(b, 1, 1, nil) })); len(out) != 0 {
		t.Error("echo answered with Echo.Off")
	}
	if out := handle(t, r, frameTo(t, r, false, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendUDP(b, 1, 2, nil) })); len(out) != 0 {
		t.Error("UDP answered with Unreach.Off")
	}
}

func TestQuoteChanges(t *testing.T) {
	p := Windows()
	p.Unreach = Unreach{QuoteLenDelta: 20, QuoteZeroID: true, QuoteChecksum: QuoteChecksumRedo, QuoteZeroUDPChecksum: true, Unused: 0xdead, DF: true}
	r, _ := newTestResponder(t, p)
	in := frameTo(t, r, false, func(f *packet.Frame, b []byte) ([]byte, error) {
		f.ID = 0x5555
		return f.AppendUDP(b, 7, 9, bytes.Repeat([]byte{1}, 100))
	})
	d := one(t, r, in)
	q := d.ICMP.Body
	if d.ICMP.Rest != 0xdead || !d.IP.DF || len(q) != 128 {
		t.Fatalf("unused %#x DF %v quote %d bytes", d.ICMP.Rest, d.IP.DF, len(q))
	}
	if binary.BigEndian.Uint16(q[2:]) != 148 || binary.BigEndian.Uint16(q[4:]) != 0 || binary.BigEndian.Uint16(q[26:]) != 0 {
		t.Errorf("quoted length, ID and UDP checksum not changed: %x", q[:28])
	}
	if packet.Checksum(q[:20], 0) != 0 {
		t.Errorf("quoted header's checksum not redone: %x", q[:20])
	}
	// Over IPv6: a destination unreachable, port unreachable code.
	d = one(t, r, frameTo(t, r, true, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendUDP(b, 7, 9, nil) }))
	if d.ICMP.Type != 1 || d.ICMP.Code != 4 || d.IP.TTL != 128 {
		t.Errorf("IPv6 unreachable: type %d code %d hop limit %d", d.ICMP.Type, d.ICMP.Code, d.IP.TTL)
	}
}

func TestNewResponderErrors(t *testing.T) {
	for name, cfg := range map[string]Config{
		"no address":  {},
		"bad address": {Addrs: []netip.Addr{{}}},
		"multicast":   {Addrs: []netip.Addr{netip.MustParseAddr("ff02::1")}},
		"short MAC":   {Addrs: []netip.Addr{hostAddr}, MAC: []byte{1, 2}},
	} {
		if _, err := NewResponder(cfg); !errors.Is(err, ErrConfig) {
			t.Errorf("%s: %v, want ErrConfig", name, err)
		}
	}
}

// FuzzHandle feeds arbitrary frames to every personality: no panic, at
// most one reply, and every reply well formed and sent to the frame's
// source.
func FuzzHandle(f *testing.F) {
	r, _ := newTestResponder(f, Windows())
	for i, opts := range seqProbeOpts {
		f.Add(tcpTo(f, r, false, uint16(i), 80, packet.FlagSYN, 1, 0, opts, nil))
		f.Add(tcpTo(f, r, true, uint16(i), 443, packet.FlagACK|packet.FlagFIN, 1, 2, opts, []byte("x")))
	}
	f.Add(frameTo(f, r, false, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendEcho(b, 1, 2, []byte("ping")) }))
	f.Add(frameTo(f, r, true, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendUDP(b, 1, 2, []byte("u")) }))
	f.Add(frameTo(f, r, true, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendNeighborSolicitation(b) }))
	f.Add(frameTo(f, r, false, func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendARPRequest(b) }))
	f.Add([]byte{})
	responders := map[string]*Responder{}
	for name, p := range All() {
		responders[name], _ = newTestResponder(f, p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, r := range responders {
			in := bytes.Clone(b)
			n := 0
			r.Handle(in, func(out []byte) {
				n++
				d := &packet.Decoded{}
				if err := d.Decode(bytes.Clone(out), packet.LinkEthernet); err != nil {
					t.Fatalf("reply does not decode: %v", err)
				}
				if d.Network != packet.NetworkARP && !d.ChecksumsValid() {
					t.Fatalf("reply with bad checksums: %x", out)
				}
				if !bytes.Equal(out[:6], b[6:12]) && out[0] != 0x33 {
					t.Fatalf("reply to %x, not to the sender %x", out[:6], b[6:12])
				}
			})
			if n > 1 {
				t.Fatalf("%d replies to one frame", n)
			}
			if !bytes.Equal(in, b) {
				t.Fatal("Handle changed its input")
			}
		}
	})
}

func TestResetDataAndECN(t *testing.T) {
	p := Windows()
	p.Resets.SynClosed.Data = []byte("port closed")
	p.Resets.SynClosed.Window = 4321
	p.TCP.ECN = ECNEchoAll
	r, _ := newTestResponder(t, p)
	d := one(t, r, tcpTo(t, r, false, 7000, 81, packet.FlagSYN, 10, 0, nil, nil))
	if d.TCP.Flags != packet.FlagRST|packet.FlagACK || d.TCP.Ack != 11 || d.TCP.Window != 4321 || string(d.Payload) != "port closed" {
		t.Errorf("reset %v ack %d window %d data %q", d.TCP.Flags, d.TCP.Ack, d.TCP.Window, d.Payload)
	}
	d = one(t, r, tcpTo(t, r, false, 7001, 80, packet.FlagSYN|packet.FlagECE|packet.FlagCWR, 10, 0, nil, nil))
	if d.TCP.Flags != packet.FlagSYN|packet.FlagACK|packet.FlagECE|packet.FlagCWR {
		t.Errorf("ECN SYN answered with %v", d.TCP.Flags)
	}
}
