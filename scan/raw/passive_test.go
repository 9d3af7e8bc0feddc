package raw

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

// passiveEngine is an engine that SYN-scans ports 21 to 30 of one host,
// and replies from that host: a SYN-ACK from port p, or a reset.
func passiveEngine(t *testing.T) (*engine, func(port uint16, rst bool, id uint16) []byte) {
	t.Helper()
	us, them := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	var slots []Slot
	for p := uint16(21); p <= 30; p++ {
		slots = append(slots, Slot{Technique: scan.SYN, Port: p})
	}
	e, err := newEngine(Config{Src4: us, Seed: 1}, []Target{{Addr: them}}, slots)
	if err != nil {
		t.Fatal(err)
	}
	e.start = time.Now()
	reply := func(port uint16, rst bool, id uint16) []byte {
		fr := packet.Frame{Link: packet.LinkEthernet, Src: them, Dst: us, TTL: 64, DF: true, ID: id}
		c := e.cookie(them, port, e.sport(0, 0))
		tcp := packet.TCP{SrcPort: port, DstPort: e.sport(0, 0), Ack: c + 1, Flags: packet.FlagSYN | packet.FlagACK, Window: 64240}
		tcp.Options.Raw = []byte{2, 4, 5, 0xb4}
		if rst {
			tcp = packet.TCP{SrcPort: port, DstPort: e.sport(0, 0), Ack: c + 1, Flags: packet.FlagRST | packet.FlagACK}
		}
		b, err := fr.AppendTCP(nil, &tcp, nil)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	return e, reply
}

func TestPassiveKeepsFirstReplies(t *testing.T) {
	e, reply := passiveEngine(t)
	var d packet.Decoded
	for i, p := range []uint16{21, 22, 23, 24, 25, 26, 27, 28} {
		// SYN-ACKs from 21, 23, 25, 27; resets from the others.
		e.handle(&d, reply(p, i%2 == 1, uint16(100+i)), time.Now())
	}
	tab := e.table()
	got := tab.Passive[0]
	// Three SYN-ACKs and two resets, in arrival order.
	want := []struct {
		port uint16
		rst  bool
	}{{21, false}, {22, true}, {23, false}, {24, true}, {25, false}}
	if len(got) != len(want) {
		t.Fatalf("kept %d samples, want %d: %+v", len(got), len(want), got)
	}
	for i, w := range want {
		s := got[i]
		if s.Port != w.port || s.Flags.Has(packet.FlagRST) != w.rst || !s.ToSYN || s.TTL != 64 || !s.DF || s.Version != 4 {
			t.Errorf("sample %d = %+v, want port %d (reset %v)", i, s, w.port, w.rst)
		}
		if s.IPID != uint16(100+i) {
			t.Errorf("sample %d: IP ID %d, want %d", i, s.IPID, 100+i)
		}
		if !w.rst && (s.Window != 64240 || !bytes.Equal(s.Options, []byte{2, 4, 5, 0xb4}) || s.Offered != osfp.OfferMSS) {
			t.Errorf("SYN-ACK sample %d: window %d options %x offered %v", i, s.Window, s.Options, s.Offered)
		}
	}
}

func TestPassiveNoTCP(t *testing.T) {
	us, them := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	e, err := newEngine(Config{Src4: us, Seed: 1}, []Target{{Addr: them}}, []Slot{{Technique: scan.Echo}})
	if err != nil {
		t.Fatal(err)
	}
	if e.passive != nil || e.table().Passive != nil {
		t.Error("an ICMP-only engine keeps passive samples")
	}
}

func TestHandleAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates on its own account")
	}
	e, reply := passiveEngine(t)
	synack, rst := reply(22, false, 1), reply(23, true, 2)
	var d packet.Decoded
	now := time.Now()
	// The first replies are copied into the host's slot, the later ones
	// are not: neither may allocate.
	if n := testing.AllocsPerRun(100, func() {
		e.handle(&d, synack, now)
		e.handle(&d, rst, now)
	}); n != 0 {
		t.Errorf("handle allocates %v times per reply pair", n)
	}
}
