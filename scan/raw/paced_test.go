package raw

import (
	"net/netip"
	"testing"
	"time"

	"github.com/picket-scanner/picket/scan"
)

// pacedEngine is an engine of a UDP scan of ports 1..n on one host, with
// every probe sent once and silent, and a clock the test moves.
func pacedEngine(t *testing.T, n int) (*engine, *paced, *time.Time) {
	t.Helper()
	slots := make([]Slot, n)
	for i := range slots {
		slots[i] = Slot{Technique: scan.UDP, Port: uint16(i + 1)}
	}
	now := time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC)
	e, err := newEngine(Config{Technique: scan.UDP, portScan: true, Src4: netip.MustParseAddr("198.18.0.1"), Seed: 1,
		Now: func() time.Time { return now }}, []Target{{Addr: netip.MustParseAddr("198.18.0.2")}}, slots)
	if err != nil {
		t.Fatal(err)
	}
	e.start = now
	for i := range e.state {
		e.state[i].Store(1 << triesShift)
	}
	e.icmpFirst[0].Store(6)
	hosts := e.pacedHosts(now)
	if len(hosts) != 1 || len(hosts[0].pending) != n {
		t.Fatalf("paced hosts %v, want one with %d probes", hosts, n)
	}
	return e, hosts[0], &now
}

// send makes p's next round at now, as pace does.
func send(e *engine, p *paced, now time.Time) []uint64 {
	round := e.nextRound(p, now)
	p.try++
	if p.try >= maxTries {
		p.try = pacedTryBase
	}
	p.first = false
	p.round, p.sentAt = round, now
	if p.idle {
		p.idleAt = now
	}
	p.wait = max(p.wait, 100*time.Millisecond)
	p.evalAt = now.Add(p.wait)
	return round
}

// answer records a port unreachable for probe idx to try number try.
func answer(e *engine, idx uint64, try int, at time.Time) {
	e.record(0, idx, scan.PortUnreach, 64, try, at)
}

func TestPacedFirstRoundTakesManyAndCertifiesBeforeAnAnswer(t *testing.T) {
	e, p, now := pacedEngine(t, 200)
	*now = now.Add(200 * time.Millisecond)
	e.lastErr[0].Store(int64(100 * time.Millisecond)) // the burst just ended
	round := send(e, p, *now)
	if len(round) != roundFreshIdle {
		t.Fatalf("first round of %d probes, want %d: it spends what the host saved", len(round), roundFreshIdle)
	}
	// The host had one token: the fourth probe took it.
	answer(e, round[3], p.try, now.Add(time.Millisecond))
	e.evaluate(p, now.Add(100*time.Millisecond))
	for i, idx := range round[:6] {
		want := uint8(0)
		if i < 3 {
			want = 1
		}
		if p.cert[idx] != want {
			t.Errorf("probe %d of the round: certified %d times, want %d", i, p.cert[idx], want)
		}
	}
}

func TestPacedIdleRoundCertifiesAll(t *testing.T) {
	e, p, now := pacedEngine(t, 10)
	e.lastErr[0].Store(0)
	*now = now.Add(2 * time.Second) // a token's time since the last error
	round := send(e, p, *now)
	if !p.idle || len(round) != 10 {
		t.Fatalf("idle %v, round of %d", p.idle, len(round))
	}
	e.evaluate(p, now.Add(100*time.Millisecond))
	for _, idx := range round {
		if p.cert[idx] != 1 {
			t.Fatalf("probe %d certified %d times after a silent idle round, want 1", idx, p.cert[idx])
		}
	}
	// Not idle: a silent round proves nothing.
	*now = now.Add(200 * time.Millisecond)
	e.lastErr[0].Store(int64(now.Sub(e.start)))
	round = send(e, p, *now)
	e.evaluate(p, now.Add(100*time.Millisecond))
	for _, idx := range round {
		if p.cert[idx] != 1 {
			t.Fatalf("probe %d certified %d times after a silent round with no token, want still 1", idx, p.cert[idx])
		}
	}
}

func TestPacedSuspectsLeadAndConclude(t *testing.T) {
	e, p, now := pacedEngine(t, 20)
	e.lastErr[0].Store(0)
	for r := 0; r < certClean; r++ {
		*now = now.Add(2 * time.Second)
		round := send(e, p, *now)
		if r > 0 && p.cert[round[0]] == 0 {
			t.Fatalf("round %d starts with a probe never certified: suspects go first", r)
		}
		e.evaluate(p, now.Add(100*time.Millisecond))
	}
	if round := e.nextRound(p, *now); len(round) != 0 {
		t.Errorf("%d probes left after %d idle silent rounds, want none", len(round), certClean)
	}
}

func TestPacedLateAnswerTakesBackItsRound(t *testing.T) {
	e, p, now := pacedEngine(t, 10)
	e.lastErr[0].Store(0)
	*now = now.Add(2 * time.Second)
	round := send(e, p, *now)
	e.evaluate(p, now.Add(100*time.Millisecond))
	// The error for the third probe arrives after the round was judged.
	answer(e, round[2], p.try, now.Add(300*time.Millisecond))
	wait := p.wait
	*now = now.Add(400 * time.Millisecond)
	send(e, p, *now)
	e.evaluate(p, now.Add(p.wait))
	for _, idx := range round {
		if p.cert[idx] != 0 {
			t.Errorf("probe %d still certified %d times after its round's late answer", idx, p.cert[idx])
		}
	}
	if p.wait <= wait {
		t.Errorf("wait %v after a late answer, want more than %v", p.wait, wait)
	}
}

func TestPacedLossAsksMoreProof(t *testing.T) {
	e, p, now := pacedEngine(t, 10)
	e.lastErr[0].Store(0)
	*now = now.Add(2 * time.Second)
	round := send(e, p, *now)
	e.evaluate(p, now.Add(100*time.Millisecond))
	*now = now.Add(2 * time.Second)
	round = send(e, p, *now)
	// A probe found silent once now draws an error: its silence was a
	// loss.
	answer(e, round[0], p.try, now.Add(time.Millisecond))
	e.evaluate(p, now.Add(100*time.Millisecond))
	if p.need != certLossy {
		t.Errorf("need %d certifications after a loss, want %d", p.need, certLossy)
	}
}

func TestPacedLearnsTheRate(t *testing.T) {
	e, p, now := pacedEngine(t, 60)
	e.lastErr[0].Store(0)
	var limited float64
	e.cfg.OnLimited = func(_ netip.Addr, r float64) { limited = r }
	// A host earning four tokens a second: every 250 ms one probe of
	// the round draws an error.
	for i := 0; i < 40 && limited == 0; i++ {
		*now = now.Add(250 * time.Millisecond)
		round := send(e, p, *now)
		var idx uint64
		for _, x := range round {
			if p.cert[x] == 0 {
				idx = x
				break
			}
		}
		answer(e, idx, p.try, now.Add(time.Millisecond))
		e.evaluate(p, now.Add(100*time.Millisecond))
	}
	if limited < 3 || limited > 4.5 {
		t.Errorf("rate learned %.2f/s, want about 4", limited)
	}
	if p.gap < 250*time.Millisecond || p.gap > 500*time.Millisecond {
		t.Errorf("token gap %v, want between one and two tokens' time (250-500ms)", p.gap)
	}
}

// TestPacedIdleRoundsSpaced: an error whose reply was lost spent a token
// unseen, so the host may look idle when it is not. Idle rounds come a
// token's time apart, so one lost reply costs one false certification.
func TestPacedIdleRoundsSpaced(t *testing.T) {
	e, p, now := pacedEngine(t, 10)
	e.lastErr[0].Store(0)
	*now = now.Add(2 * time.Second)
	send(e, p, *now)
	if !p.idle {
		t.Fatal("the first round after a token's time without errors is not idle")
	}
	e.evaluate(p, now.Add(100*time.Millisecond))
	*now = now.Add(200 * time.Millisecond)
	send(e, p, *now)
	if p.idle {
		t.Error("a round 200 ms after an idle round is idle too: a lost reply would certify twice")
	}
	e.evaluate(p, now.Add(100*time.Millisecond))
	*now = now.Add(p.gap)
	send(e, p, *now)
	if !p.idle {
		t.Error("a round a token's time after the last idle one is not idle")
	}
}
