package osdetect

import (
	"math/rand/v2"
	"net/netip"
	"testing"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

var (
	scanner = netip.MustParseAddr("198.18.0.1")
	target  = netip.MustParseAddr("198.18.0.2")
)

func TestTargets(t *testing.T) {
	hosts := []netip.Addr{target, netip.MustParseAddr("198.18.0.3")}
	syn := scan.NewTable(scan.SYN, hosts, []uint16{443, 80, 22, 25})
	// Host 0: 80 and 22 open, 443 and 25 closed. Host 1: nothing answers.
	copy(syn.Outcome, []scan.Outcome{scan.Reset, scan.SynAck, scan.SynAck, scan.Reset})
	syn.RTT[0].SRTT = 3000
	udp := scan.NewTable(scan.UDP, hosts, []uint16{161, 53})
	copy(udp.Outcome, []scan.Outcome{scan.PortUnreach, scan.PortUnreach})
	ts := Targets(hosts, []*scan.Table{syn, udp})
	want := Target{Addr: target, OpenTCP: 22, ClosedTCP: 25, ClosedUDP: 53, UDPScanned: true, SRTT: 3000}
	if ts[0] != want {
		t.Errorf("host 0: %+v, want %+v", ts[0], want)
	}
	if ts[1].OpenTCP != 0 || ts[1].ClosedTCP != 0 || ts[1].ClosedUDP != 0 || !ts[1].UDPScanned {
		t.Errorf("host 1: %+v, want no ports and a UDP scan", ts[1])
	}
}

// testHost is a host on an Ethernet link with a try under way, every
// probe sent.
func testHost(t *testing.T) (*host, *try) {
	t.Helper()
	l := &link{ltype: packet.LinkEthernet, hosts: map[netip.Addr]*host{}}
	l.Src4 = scanner
	h := &host{
		t:    Target{Addr: target, OpenTCP: 22, ClosedTCP: 443, ClosedUDP: 53},
		link: l, src: scanner, wake: make(chan struct{}, 1),
		rng: rand.New(rand.NewPCG(1, 2)),
	}
	l.hosts[target] = h
	tr := h.newTry()
	for _, p := range osfp.Probes() {
		if _, err := h.build(nil, tr, &p); err != nil {
			t.Fatal(err)
		}
		tr.sent[slotOf(&p)] = true
	}
	return h, tr
}

// reply builds a frame from the target to the scanner.
func reply(t *testing.T, build func(f *packet.Frame) ([]byte, error)) []byte {
	t.Helper()
	f := packet.Frame{Link: packet.LinkEthernet, Src: target, Dst: scanner, TTL: 64}
	b, err := build(&f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestOffer(t *testing.T) {
	h, tr := testHost(t)
	tcp := func(sport, dport uint16, flags packet.TCPFlags) []byte {
		return reply(t, func(f *packet.Frame) ([]byte, error) {
			return f.AppendTCP(nil, &packet.TCP{SrcPort: sport, DstPort: dport, Flags: flags, Ack: tr.r.SeqBase + 1}, nil)
		})
	}
	echo := func(id uint16) []byte {
		return reply(t, func(f *packet.Frame) ([]byte, error) {
			return f.AppendICMP(nil, &packet.ICMP{Type: packet.ICMPv4EchoReply, Rest: uint32(id) << 16})
		})
	}
	// U1's unreachable quotes the probe as sent.
	p := osfp.Probes()[8]
	u1, err := h.build(nil, tr, &p)
	if err != nil {
		t.Fatal(err)
	}
	unreach := reply(t, func(f *packet.Frame) ([]byte, error) {
		return f.AppendICMP(nil, &packet.ICMP{Type: packet.ICMPv4DestUnreachable, Code: packet.ICMPv4PortUnreachable, Body: u1[14:]})
	})
	for _, frame := range [][]byte{
		tcp(22, tr.portBase, packet.FlagSYN|packet.FlagACK),     // SEQ1
		tcp(22, tr.portBase, packet.FlagRST),                    // a duplicate: ignored
		tcp(80, tr.portBase+1, packet.FlagSYN|packet.FlagACK),   // another port: ignored
		tcp(443, tr.portBase+19, packet.FlagRST|packet.FlagACK), // T7
		tcp(22, tr.portBase+19, packet.FlagRST),                 // T7 from the open port: ignored
		tcp(22, tr.portBase+6, packet.FlagSYN|packet.FlagACK),   // an OPS retry not sent: ignored
		echo(tr.icmpID + 1),
		echo(tr.icmpID + 2), // no such probe
		unreach,
	} {
		h.link.dispatch(new(packet.Decoded), frame)
	}
	r := h.finish()
	if r.Seq[0] == nil || !r.Seq[0].TCP.Flags.Has(packet.FlagSYN) {
		t.Errorf("SEQ1: %v", r.Seq[0])
	}
	if r.Seq[1] != nil || r.OPSRetry[0] != nil {
		t.Errorf("replies kept from the wrong port or an unsent probe: %v %v", r.Seq[1], r.OPSRetry[0])
	}
	if r.T[7] == nil || r.T[7].TCP.SrcPort != 443 {
		t.Errorf("T7: %v", r.T[7])
	}
	if r.IE[0] != nil || r.IE[1] == nil {
		t.Errorf("IE: %v", r.IE)
	}
	if r.U1 == nil {
		t.Fatal("U1 got no reply")
	}
	fp := osfp.Compute(r)
	if v, _ := fp.Get("U1", "RID"); v != "G" {
		t.Errorf("U1.RID = %q, want G:\n%s", v, fp)
	}
	if v, _ := fp.Get("U1", "RUCK"); v != "G" {
		t.Errorf("U1.RUCK = %q, want G:\n%s", v, fp)
	}
	// After the try, replies are not kept.
	h.link.dispatch(new(packet.Decoded), tcp(22, tr.portBase, packet.FlagSYN|packet.FlagACK))
	if h.cur != nil {
		t.Error("a try is current after finish")
	}
}

func TestReportNoMatch(t *testing.T) {
	h, _ := testHost(t)
	r := h.finish()
	own, err := osfp.Own()
	if err != nil {
		t.Fatal(err)
	}
	d, err := New(Config{DBs: []*osfp.DB{own}, Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	cond := osfp.Conditions{OpenTCPPort: 22, ClosedTCPPort: 443, Distance: -1}
	out := d.report(h, []tryResult{{r, osfp.Analyze(r)}}, cond)
	if out.Exact || len(out.Matches) != 0 || out.Fingerprint == "" {
		t.Errorf("a host that answered nothing: %+v", out)
	}
	if len(out.PortsUsed) != 2 || out.PortsUsed[0] != (result.OSPort{State: result.Open, Protocol: result.TCP, Number: 22}) {
		t.Errorf("ports used: %+v", out.PortsUsed)
	}
}

// FuzzDispatch feeds arbitrary frames to the receiver's dispatch: none may
// panic, whatever it claims to answer.
func FuzzDispatch(f *testing.F) {
	t := &testing.T{}
	h, tr := testHost(t)
	f.Add(reply(t, func(fr *packet.Frame) ([]byte, error) {
		return fr.AppendTCP(nil, &packet.TCP{SrcPort: 22, DstPort: tr.portBase, Flags: packet.FlagSYN | packet.FlagACK}, nil)
	}))
	f.Add(reply(t, func(fr *packet.Frame) ([]byte, error) {
		return fr.AppendICMP(nil, &packet.ICMP{Type: packet.ICMPv4DestUnreachable, Code: 3, Body: make([]byte, 28)})
	}))
	f.Fuzz(func(t *testing.T, frame []byte) {
		h.mu.Lock()
		h.cur = tr
		tr.got = [numSlots]bool{}
		h.mu.Unlock()
		h.link.dispatch(new(packet.Decoded), frame)
	})
}
