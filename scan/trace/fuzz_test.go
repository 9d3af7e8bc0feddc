package trace

import (
	"testing"
	"time"

	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
)

// FuzzMatch feeds the receiver's validation arbitrary frames, as a hostile
// host or router could send: it must never panic, must accept only what
// names a probe's TTL and try, and the session must take whatever it
// accepts without harm.
func FuzzMatch(f *testing.F) {
	fx := newFixture()
	seq := fx.c.seq(fx.dst4, 80, fx.c.sport(fx.ttl, fx.try))
	f.Add(fx.tcpReply(f, fx.dst4, packet.FlagSYN|packet.FlagACK, seq+1))
	f.Add(fx.icmp(f, fx.hop4, packet.ICMPv4TimeExceeded, 0, 0, fx.probe(f, fx.tcp, fx.dst4)[:28]))
	f.Add(fx.icmp(f, fx.hop4, packet.ICMPv4TimeExceeded, 0, 0, fx.probe(f, fx.echo, fx.dst4)[:28]))
	f.Add(fx.icmp(f, fx.dst4, packet.ICMPv4DestUnreachable, 3, 0, fx.probe(f, fx.udp, fx.dst4)[:28]))
	f.Add(fx.icmp(f, fx.hop6, packet.ICMPv6TimeExceeded, 0, 0, fx.probe(f, fx.udp, fx.dst6)))
	f.Add(fx.icmp(f, fx.dst6, packet.ICMPv6EchoReply, 0, uint32(fx.c.echoID(fx.dst6))<<16|uint32(tag(fx.ttl, fx.try)), nil))
	f.Fuzz(func(t *testing.T, frame []byte) {
		var d packet.Decoded
		if d.Decode(frame, packet.LinkEthernet) != nil {
			return
		}
		a, ok := fx.c.match(&d)
		if !ok {
			return
		}
		if a.ttl < 1 || a.ttl > MaxTTL || a.try < 0 || a.try >= maxTries || a.kind == kindNone || !a.from.IsValid() {
			t.Fatalf("accepted %+v", a)
		}
		if a.kind == kindTarget && a.from != a.dst {
			t.Fatalf("the host's own answer comes from %s, not %s", a.from, a.dst)
		}
		now := time.Unix(1e9, 0)
		s := newSession([]target{
			{addr: fx.dst4, method: Method{result.TCP, 80}, start: a.ttl},
			{addr: fx.dst6, method: Method{}, start: 1},
		}, sessionOptions{tries: 2, maxTTL: 30, maxGap: 5}, nil, now)
		for _, r := range s.next(10) {
			s.sent(r, now)
		}
		s.answer(a, now.Add(time.Millisecond))
		s.expire(now.Add(time.Hour))
		for _, h := range s.hosts {
			if tr := s.trace(h); len(tr.Hops) > 30 {
				t.Fatalf("%d hops", len(tr.Hops))
			}
		}
	})
}
