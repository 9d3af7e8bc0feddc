package raw

import (
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

// FuzzHandle feeds the receiver arbitrary frames, as a hostile host or
// network could: it must never panic, and must record nothing that does
// not echo a probe's cookie.
func FuzzHandle(f *testing.F) {
	us := netip.MustParseAddr("198.18.0.1")
	them := netip.MustParseAddr("198.18.0.2")
	cfg := Config{Src4: us, Src6: netip.MustParseAddr("fd00::1"), Seed: 1}
	slots := []Slot{{Technique: scan.SYN, Port: 22}, {Technique: scan.SYN, Port: 80}, {Technique: scan.Echo}}
	newE := func() *engine {
		e, err := newEngine(cfg, []Target{{Addr: them}}, slots)
		if err != nil {
			f.Fatal(err)
		}
		e.start = time.Now()
		return e
	}
	e := newE()
	// A valid SYN-ACK to the first try of port 22, an ICMP unreachable
	// quoting the probe to port 80, and an echo reply.
	fr := packet.Frame{Link: packet.LinkEthernet, Src: them, Dst: us}
	c := e.cookie(them, 22, e.sport(0, 0))
	synack, _ := fr.AppendTCP(nil, &packet.TCP{SrcPort: 22, DstPort: e.sport(0, 0), Seq: 7, Ack: c + 1, Flags: packet.FlagSYN | packet.FlagACK}, nil)
	f.Add(synack)
	probe, _ := (&packet.Frame{Link: packet.LinkRaw, Src: us, Dst: them}).AppendTCP(nil,
		&packet.TCP{SrcPort: e.sport(0, 0), DstPort: 80, Seq: e.cookie(them, 80, e.sport(0, 0)), Flags: packet.FlagSYN}, nil)
	unreach, _ := fr.AppendICMP(nil, &packet.ICMP{Type: 3, Code: 13, Body: probe[:28]})
	f.Add(unreach)
	ce := e.cookie(them, 0, e.sport(1, 0))
	echo, _ := fr.AppendICMP(nil, &packet.ICMP{Type: 0, Rest: uint32(ce>>16)<<16 | uint32(uint16(ce)&^(maxTries-1))})
	f.Add(echo)
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, frame []byte) {
		e := newE()
		var d packet.Decoded
		e.handle(&d, frame, time.Now())
		for i := range e.state {
			s := e.state[i].Load()
			if s&outcomeMask != 0 && s&triesMask != 0 {
				t.Fatalf("state %#x: an answer recorded with tries counted, though nothing was sent", s)
			}
		}
	})
}

func TestHandleSeeds(t *testing.T) {
	// The seeds above must be recognised: otherwise the fuzzer's start
	// points test nothing.
	us, them := netip.MustParseAddr("198.18.0.1"), netip.MustParseAddr("198.18.0.2")
	e, err := newEngine(Config{Src4: us, Seed: 1}, []Target{{Addr: them}}, []Slot{{Technique: scan.SYN, Port: 22}, {Technique: scan.Echo}})
	if err != nil {
		t.Fatal(err)
	}
	e.start = time.Now()
	fr := packet.Frame{Link: packet.LinkEthernet, Src: them, Dst: us}
	c := e.cookie(them, 22, e.sport(0, 0))
	synack, _ := fr.AppendTCP(nil, &packet.TCP{SrcPort: 22, DstPort: e.sport(0, 0), Ack: c + 1, Flags: packet.FlagSYN | packet.FlagACK}, nil)
	forged, _ := fr.AppendTCP(nil, &packet.TCP{SrcPort: 22, DstPort: e.sport(0, 0), Ack: c + 2, Flags: packet.FlagSYN | packet.FlagACK}, nil)
	var d packet.Decoded
	e.handle(&d, forged, time.Now())
	if e.answered.Load() != 0 {
		t.Fatal("a SYN-ACK with the wrong acknowledgment number was taken")
	}
	e.handle(&d, synack, time.Now())
	ce := e.cookie(them, 0, e.sport(1, 0))
	echo, _ := fr.AppendICMP(nil, &packet.ICMP{Type: 0, Rest: uint32(ce>>16)<<16 | uint32(uint16(ce)&^(maxTries-1))})
	e.handle(&d, echo, time.Now())
	if got := scan.Outcome(e.state[0].Load() & outcomeMask); got != scan.SynAck {
		t.Errorf("port 22: outcome %d, want a SYN-ACK", got)
	}
	if got := scan.Outcome(e.state[1].Load() & outcomeMask); got != scan.OtherResponse {
		t.Errorf("echo: outcome %d, want a reply", got)
	}
}
