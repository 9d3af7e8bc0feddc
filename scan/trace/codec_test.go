package trace

import (
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan/raw"
)

// fixture makes probes as the engine does and answers as hosts and routers
// do, for one scanner address of each family.
type fixture struct {
	c          codec
	us4, us6   netip.Addr
	dst4, dst6 netip.Addr
	hop4, hop6 netip.Addr
	tcp, udp   Method
	echo       Method
	ttl, try   int
}

func newFixture() fixture {
	return fixture{
		c:   newCodec(42),
		us4: netip.MustParseAddr("198.18.0.129"), us6: netip.MustParseAddr("fd00:0:1::1"),
		dst4: netip.MustParseAddr("198.18.0.2"), dst6: netip.MustParseAddr("fd00::2"),
		hop4: netip.MustParseAddr("198.18.0.138"), hop6: netip.MustParseAddr("fd00:0:2::2"),
		tcp: Method{result.TCP, 80}, udp: Method{result.UDP, 53},
		ttl: 3, try: 1,
	}
}

// probe returns the IP packet of a probe, as a router would quote it.
func (f fixture) probe(t testing.TB, m Method, dst netip.Addr) []byte {
	t.Helper()
	l := &link{Link: raw.Link{Src4: f.us4, Src6: f.us6}, ptype: packet.LinkRaw}
	tmpl, err := template(l, packet.MAC{}, target{addr: dst, method: m})
	if err != nil {
		t.Fatal(err)
	}
	return stamp(f.c, tmpl, nil, m, dst, f.ttl, f.try)
}

// icmp builds an ICMP message from src to the scanner, in an Ethernet frame.
func (f fixture) icmp(t testing.TB, src netip.Addr, typ, code uint8, rest uint32, body []byte) []byte {
	t.Helper()
	us := f.us4
	if src.Is6() {
		us = f.us6
	}
	fr := packet.Frame{Link: packet.LinkEthernet, Src: src, Dst: us}
	b, err := fr.AppendICMP(nil, &packet.ICMP{Type: typ, Code: code, Rest: rest, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// tcpReply builds a TCP segment from src's probed port to the probe's source port.
func (f fixture) tcpReply(t testing.TB, src netip.Addr, flags packet.TCPFlags, ack uint32) []byte {
	t.Helper()
	us := f.us4
	if src.Is6() {
		us = f.us6
	}
	fr := packet.Frame{Link: packet.LinkEthernet, Src: src, Dst: us}
	b, err := fr.AppendTCP(nil, &packet.TCP{SrcPort: f.tcp.Port, DstPort: f.c.sport(f.ttl, f.try), Ack: ack, Flags: flags}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMatch(t *testing.T) {
	f := newFixture()
	seq := f.c.seq(f.dst4, 80, f.c.sport(f.ttl, f.try))
	seq6 := f.c.seq(f.dst6, 80, f.c.sport(f.ttl, f.try))
	quote4 := func(m Method) []byte { return f.probe(t, m, f.dst4)[:28] } // IP header and 8 bytes, as RFC 792
	quote6 := func(m Method) []byte { return f.probe(t, m, f.dst6) }      // as much as fits, as RFC 4443
	udpFrom := func(src netip.Addr, dport uint16) []byte {
		fr := packet.Frame{Link: packet.LinkEthernet, Src: src, Dst: f.us4}
		b, _ := fr.AppendUDP(nil, 53, dport, []byte("answer"))
		return b
	}
	id4, id6 := uint32(f.c.echoID(f.dst4))<<16, uint32(f.c.echoID(f.dst6))<<16
	tg := uint32(tag(f.ttl, f.try))
	for _, c := range []struct {
		name  string
		frame []byte
		want  kind // kindNone: no match
		from  netip.Addr
		m     Method
	}{
		{"syn-ack", f.tcpReply(t, f.dst4, packet.FlagSYN|packet.FlagACK, seq+1), kindTarget, f.dst4, f.tcp},
		{"reset", f.tcpReply(t, f.dst4, packet.FlagRST|packet.FlagACK, seq+1), kindTarget, f.dst4, f.tcp},
		{"reset over IPv6", f.tcpReply(t, f.dst6, packet.FlagRST|packet.FlagACK, seq6+1), kindTarget, f.dst6, f.tcp},
		{"reset acking another sequence", f.tcpReply(t, f.dst4, packet.FlagRST|packet.FlagACK, seq+2), kindNone, netip.Addr{}, Method{}},
		{"reset without ack", f.tcpReply(t, f.dst4, packet.FlagRST, seq+1), kindNone, netip.Addr{}, Method{}},
		{"bare ack", f.tcpReply(t, f.dst4, packet.FlagACK, seq+1), kindNone, netip.Addr{}, Method{}},
		{"udp answer", udpFrom(f.dst4, f.c.sport(f.ttl, f.try)), kindTarget, f.dst4, f.udp},
		{"udp to another port", udpFrom(f.dst4, f.c.base-1), kindNone, netip.Addr{}, Method{}},
		{"echo reply", f.icmp(t, f.dst4, packet.ICMPv4EchoReply, 0, id4|tg, nil), kindTarget, f.dst4, f.echo},
		{"echo reply with another id", f.icmp(t, f.dst4, packet.ICMPv4EchoReply, 0, id4+1<<16|tg, nil), kindNone, netip.Addr{}, Method{}},
		{"echo reply over IPv6", f.icmp(t, f.dst6, packet.ICMPv6EchoReply, 0, id6|tg, nil), kindTarget, f.dst6, f.echo},
		{"time exceeded, tcp", f.icmp(t, f.hop4, packet.ICMPv4TimeExceeded, 0, 0, quote4(f.tcp)), kindHop, f.hop4, f.tcp},
		{"time exceeded, udp", f.icmp(t, f.hop4, packet.ICMPv4TimeExceeded, 0, 0, quote4(f.udp)), kindHop, f.hop4, f.udp},
		{"time exceeded, echo", f.icmp(t, f.hop4, packet.ICMPv4TimeExceeded, 0, 0, quote4(f.echo)), kindHop, f.hop4, f.echo},
		{"time exceeded in reassembly", f.icmp(t, f.hop4, packet.ICMPv4TimeExceeded, 1, 0, quote4(f.tcp)), kindNone, netip.Addr{}, Method{}},
		{"time exceeded quoting too little", f.icmp(t, f.hop4, packet.ICMPv4TimeExceeded, 0, 0, quote4(f.tcp)[:24]), kindNone, netip.Addr{}, Method{}},
		{"time exceeded over IPv6, tcp", f.icmp(t, f.hop6, packet.ICMPv6TimeExceeded, 0, 0, quote6(f.tcp)), kindHop, f.hop6, f.tcp},
		{"time exceeded over IPv6, echo", f.icmp(t, f.hop6, packet.ICMPv6TimeExceeded, 0, 0, quote6(f.echo)), kindHop, f.hop6, f.echo},
		{"port unreachable from the host", f.icmp(t, f.dst4, packet.ICMPv4DestUnreachable, 3, 0, quote4(f.udp)), kindTarget, f.dst4, f.udp},
		{"port unreachable over IPv6", f.icmp(t, f.dst6, packet.ICMPv6DestUnreachable, 4, 0, quote6(f.udp)), kindTarget, f.dst6, f.udp},
		{"host unreachable from a router", f.icmp(t, f.hop4, packet.ICMPv4DestUnreachable, 1, 0, quote4(f.tcp)), kindUnreach, f.hop4, f.tcp},
		{"ICMPv6 quoting IPv4", f.icmp(t, f.hop6, packet.ICMPv6TimeExceeded, 0, 0, quote4(f.tcp)), kindNone, netip.Addr{}, Method{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var d packet.Decoded
			if err := d.Decode(c.frame, packet.LinkEthernet); err != nil {
				t.Fatalf("decode: %v", err)
			}
			a, ok := f.c.match(&d)
			if c.want == kindNone {
				if ok {
					t.Errorf("matched %+v", a)
				}
				return
			}
			if !ok {
				t.Fatal("no match")
			}
			wantDst := f.dst4
			if c.from.Is6() {
				wantDst = f.dst6
			}
			want := answer{dst: wantDst, proto: c.m.Protocol, port: c.m.port(), ttl: f.ttl, try: f.try, from: c.from, kind: c.want}
			if a != want {
				t.Errorf("answer %+v, want %+v", a, want)
			}
		})
	}
}

func TestTag(t *testing.T) {
	c := newCodec(7)
	for ttl := 1; ttl <= MaxTTL; ttl++ {
		for try := range maxTries {
			if gt, gtry, ok := c.fromPort(c.sport(ttl, try)); !ok || gt != ttl || gtry != try {
				t.Fatalf("TTL %d try %d comes back as %d %d %v", ttl, try, gt, gtry, ok)
			}
			if gt, gtry, ok := untag(tag(ttl, try)); !ok || gt != ttl || gtry != try {
				t.Fatalf("tag of TTL %d try %d comes back as %d %d %v", ttl, try, gt, gtry, ok)
			}
		}
	}
	if c.base < 61000 || int(c.base)+portSpan > 65536 {
		t.Errorf("source ports %d-%d", c.base, int(c.base)+portSpan-1)
	}
	for _, p := range []uint16{c.base - 1, c.base + portSpan, c.base} { // TTL 0 is no probe
		if _, _, ok := c.fromPort(p); ok {
			t.Errorf("port %d reads as a probe's", p)
		}
	}
}

func TestDistanceChoose(t *testing.T) {
	for ttl, want := range map[uint8]int{0: 0, 64: 1, 61: 4, 1: 64, 128: 1, 125: 4, 65: 64, 255: 1, 250: 6} {
		if got := Distance(ttl); got != want {
			t.Errorf("Distance(%d) = %d, want %d", ttl, got, want)
		}
	}
	port := func(p result.Protocol, n uint16, s result.State, r result.Reason, ttl uint8) result.Port {
		return result.Port{Protocol: p, Number: n, State: s, Reason: r, ReasonTTL: ttl}
	}
	for _, c := range []struct {
		name string
		host result.Host
		want Method
		ttl  uint8
	}{
		{"closed before open", result.Host{Ports: []result.Port{
			port(result.TCP, 22, result.Open, result.ReasonSynAck, 61), port(result.TCP, 80, result.Closed, result.ReasonReset, 62)}},
			Method{result.TCP, 80}, 62},
		{"open", result.Host{Ports: []result.Port{
			port(result.TCP, 22, result.Filtered, result.ReasonNoResponse, 0), port(result.TCP, 443, result.Open, result.ReasonSynAck, 61)}},
			Method{result.TCP, 443}, 61},
		{"closed udp", result.Host{Ports: []result.Port{
			port(result.TCP, 22, result.Filtered, result.ReasonNoResponse, 0), port(result.UDP, 53, result.Closed, result.ReasonPortUnreach, 60)}},
			Method{result.UDP, 53}, 60},
		{"a router's reset proves nothing of the host", result.Host{ReasonTTL: 63, Ports: []result.Port{
			{Protocol: result.TCP, Number: 80, State: result.Closed, Reason: result.ReasonReset, ReasonTTL: 62, ReasonAddr: netip.MustParseAddr("10.0.0.1")}}},
			Method{}, 63},
		{"echo", result.Host{ReasonTTL: 61, Reason: result.ReasonEchoReply}, Method{}, 61},
	} {
		t.Run(c.name, func(t *testing.T) {
			m, ttl := Choose(&c.host)
			if m != c.want || ttl != c.ttl {
				t.Errorf("Choose = %+v, %d; want %+v, %d", m, ttl, c.want, c.ttl)
			}
		})
	}
}
