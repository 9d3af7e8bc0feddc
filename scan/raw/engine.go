package raw

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"net/netip"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/target"
	"github.com/picket-scanner/picket/timing"
)

// maxTries is how many transmissions of one probe the source port can
// tell apart: the try number is the source port's offset from the base.
const maxTries = 16

// Per-probe state, packed in a uint32 so the sender and the receiver can
// share it without locks.
const (
	outcomeMask = 0x0f
	triesShift  = 4
	triesMask   = 0xf0
	ttlShift    = 8
	pacedBit    = 1 << 16 // the probe is in the paced rounds
	// The try number of the transmission that earned the answer: a UDP
	// scan's paced rounds tell their answers apart by it.
	answerShift = 20
	answerMask  = 0xf << answerShift
)

// timeUnit is the resolution of the per-probe transmission time: about a
// microsecond, so a uint32 spans more than an hour.
const timeUnitShift = 10 // nanoseconds >> 10

type engine struct {
	cfg     Config
	tm      Timing
	link    packet.LinkType
	targets []Target
	slots   []Slot
	nslots  uint64
	n       uint64
	perm    target.Permutation

	// kinds are the distinct techniques of the slots, each given its own
	// block of maxTries source ports. slotIdx[k] maps a port to its slot
	// for TCP kind k (-1 when not probed); icmpSlot[k] is the one slot of
	// an ICMP kind.
	kinds    []scan.Technique
	kindOf   []int // of each slot
	slotIdx  [][]int32
	icmpSlot []int32
	hostIdx  map[netip.Addr]int32
	// payloads are the UDP payloads of each slot, tried in turn; nil for
	// the other techniques and for ports that get an empty datagram.
	payloads [][]*payload.Payload

	state []atomic.Uint32
	sent  []atomic.Uint32 // time of the last transmission, in time units since start

	key       [4]uint64
	sportBase uint16
	tmpl      [][2]*packet.Template // per kind: IPv4, IPv6; nil where a kind has no form

	start time.Time
	now   func() time.Time

	// Written by the receiver, read by the sender.
	timeout   atomic.Int64 // the current round-trip timeout, nanoseconds
	srtt      atomic.Int64 // the smoothed round trip over all hosts, nanoseconds
	answered  atomic.Uint64
	recovered atomic.Uint64
	replies   atomic.Uint64
	earned    [maxTries]atomic.Uint64 // first answers, by the try they answered
	winAnswer atomic.Uint64           // first answers since the rate controller last looked

	// Per host, for the paced rounds (paced.go).
	icmpFirst []atomic.Uint32 // probes first answered by an ICMP error
	lastErr   []atomic.Int64  // when the last ICMP error arrived, ns since start

	// Owned by the receiver until it stops.
	rtt      timing.RTT
	hostRTT  []timing.RTT
	firstRTT []time.Duration
	from     map[int]netip.Addr
	passive  []passiveSlot // per host; nil when no TCP probe is sent
	stop     atomic.Bool
}

// Slot is one probe sent to every host: a technique, and the port for a
// TCP technique (none for Echo and Timestamp).
type Slot struct {
	Technique scan.Technique
	Port      uint16
}

// maxKinds bounds the techniques one run mixes: each takes a block of
// source ports.
const maxKinds = 5

func isICMP(t scan.Technique) bool { return t == scan.Echo || t == scan.Timestamp }

func newEngine(cfg Config, targets []Target, slots []Slot) (*engine, error) {
	e := &engine{
		cfg:     cfg,
		tm:      cfg.Timing.withDefaults(),
		link:    packet.LinkEthernet,
		targets: targets,
		slots:   slots,
		nslots:  uint64(len(slots)),
		n:       uint64(len(targets)) * uint64(len(slots)),
		hostIdx: make(map[netip.Addr]int32, len(targets)),
		now:     cfg.Now,
		from:    map[int]netip.Addr{},
		kindOf:  make([]int, len(slots)),
	}
	if e.now == nil {
		e.now = time.Now
	}
	if cfg.Conn != nil && cfg.Conn.Link == netio.LinkNone {
		e.link = packet.LinkRaw
	}
	for i, sl := range slots {
		k := slices.Index(e.kinds, sl.Technique)
		if k < 0 {
			if len(e.kinds) == maxKinds {
				return nil, fmt.Errorf("raw: more than %d probe techniques in one run", maxKinds)
			}
			k = len(e.kinds)
			e.kinds = append(e.kinds, sl.Technique)
			e.slotIdx = append(e.slotIdx, nil)
			e.icmpSlot = append(e.icmpSlot, -1)
		}
		e.kindOf[i] = k
		if isICMP(sl.Technique) {
			if e.icmpSlot[k] >= 0 {
				return nil, fmt.Errorf("raw: %s probe given twice", sl.Technique.Name())
			}
			e.icmpSlot[k] = int32(i)
			continue
		}
		if e.slotIdx[k] == nil {
			e.slotIdx[k] = make([]int32, 65536)
			for j := range e.slotIdx[k] {
				e.slotIdx[k][j] = -1
			}
		}
		e.slotIdx[k][sl.Port] = int32(i)
	}
	for i, t := range targets {
		e.hostIdx[t.Addr] = int32(i)
	}
	e.payloads = slotPayloads(cfg.Payloads, slots)
	var seed [40]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil, err
	}
	for i := range e.key {
		e.key[i] = binary.LittleEndian.Uint64(seed[8*i:])
	}
	s := cfg.Seed
	if s == 0 {
		s = binary.LittleEndian.Uint64(seed[32:])
	}
	e.perm = target.NewPermutation(e.n, s)
	// Source ports stay clear of the kernel's ephemeral range (32768-60999
	// on Linux), so no local connection shares them.
	const span = maxKinds * maxTries
	e.sportBase = 61000 + uint16(mix(s)%(65536-61000-span))
	e.state = make([]atomic.Uint32, e.n)
	e.sent = make([]atomic.Uint32, e.n)
	rc := timing.RTTConfig{Initial: e.tm.InitialRTT, Min: e.tm.MinRTT, Max: e.tm.MaxRTT}
	e.rtt = timing.NewRTT(rc)
	e.hostRTT = make([]timing.RTT, len(targets))
	for i := range e.hostRTT {
		e.hostRTT[i] = timing.NewRTT(rc)
	}
	e.icmpFirst = make([]atomic.Uint32, len(targets))
	e.lastErr = make([]atomic.Int64, len(targets))
	e.firstRTT = make([]time.Duration, len(targets))
	if slices.ContainsFunc(e.kinds, isTCP) {
		e.passive = make([]passiveSlot, len(targets))
	}
	e.timeout.Store(int64(e.tm.InitialRTT))
	e.tmpl = make([][2]*packet.Template, len(e.kinds))
	for k, t := range e.kinds {
		for fam, src := range []netip.Addr{cfg.Src4, cfg.Src6} {
			if !src.IsValid() || (t == scan.Timestamp && fam == 1) {
				continue // ICMPv6 has no timestamp request
			}
			dst := netip.IPv4Unspecified()
			if fam == 1 {
				dst = netip.IPv6Unspecified()
			}
			tm, err := e.template(t, e.sport(k, 0), src, dst)
			if err != nil {
				return nil, err
			}
			e.tmpl[k][fam] = tm
		}
	}
	return e, nil
}

// sport is the source port of try number try of kind k.
func (e *engine) sport(k, try int) uint16 {
	return e.sportBase + uint16(k*maxTries+try)
}

// kindTry reads kind and try number back from one of our source ports.
func (e *engine) kindTry(port uint16) (k, try int, ok bool) {
	rel := int(port) - int(e.sportBase)
	if rel < 0 || rel >= len(e.kinds)*maxTries {
		return 0, 0, false
	}
	return rel / maxTries, rel % maxTries, true
}

func mix(z uint64) uint64 {
	z = (z ^ z>>30) * 0xbf58476d1ce4e5b9
	z = (z ^ z>>27) * 0x94d049bb133111eb
	return z ^ z>>31
}

// cookie is the keyed hash that a reply must echo: of the target address
// and both ports. It is not a cryptographic MAC, but with 256 random key
// bits per scan a blind spoofer has to guess 32 bits per forged reply.
func (e *engine) cookie(dst netip.Addr, dport, sport uint16) uint32 {
	a := dst.As16()
	hi := binary.BigEndian.Uint64(a[:8])
	lo := binary.BigEndian.Uint64(a[8:])
	h1, l1 := bits.Mul64(hi^e.key[0], lo^e.key[1])
	h2, l2 := bits.Mul64(h1^l1^e.key[2], uint64(dport)<<16|uint64(sport)^e.key[3])
	return uint32((h2 ^ l2) >> 16)
}

func (e *engine) template(t scan.Technique, sport uint16, src, dst netip.Addr) (*packet.Template, error) {
	f := packet.Frame{Link: e.link, SrcMAC: e.cfg.SrcMAC, Src: src, Dst: dst}
	var b []byte
	var err error
	switch t {
	case scan.Echo:
		// No payload, as Nmap's echo probe.
		b, err = f.AppendEcho(nil, 0, 0, nil)
	case scan.Timestamp:
		b, err = f.AppendTimestamp(nil, 0, 0, 0)
	case scan.UDP:
		// An empty datagram, as Nmap's -PU sends to ports it has no
		// payload for.
		b, err = f.AppendUDP(nil, sport, 1, nil)
	default:
		tcp := packet.TCP{SrcPort: sport, DstPort: 1, Window: 1024}
		switch t {
		case scan.SYN:
			tcp.Flags = packet.FlagSYN
			// As Nmap's SYN probe: one option, MSS 1460, which every
			// stack accepts and which looks like an ordinary connection
			// attempt. synOffer tells the passive OS guess so.
			tcp.Options.Raw = []byte{2, 4, 0x05, 0xb4}
		case scan.ACK:
			tcp.Flags = packet.FlagACK
		case scan.FIN:
			tcp.Flags = packet.FlagFIN
		case scan.NULL:
		case scan.Xmas:
			tcp.Flags = packet.FlagFIN | packet.FlagPSH | packet.FlagURG
		default:
			return nil, fmt.Errorf("raw: technique %s is not a raw TCP or ICMP probe", t.Name())
		}
		b, err = f.AppendTCP(nil, &tcp, nil)
	}
	if err != nil {
		return nil, err
	}
	return packet.NewTemplate(b, e.link)
}

// expected returns whether a TCP reply with these fields answers the probe
// whose cookie is c, and what it says.
func classifyTCP(t scan.Technique, flags packet.TCPFlags, seq, ack, c uint32) (scan.Outcome, bool) {
	switch t {
	case scan.SYN:
		if ack != c+1 {
			return scan.None, false
		}
		switch {
		case flags.Has(packet.FlagSYN | packet.FlagACK):
			return scan.SynAck, true
		case flags.Has(packet.FlagRST):
			return scan.Reset, true
		}
	case scan.ACK:
		// A reset answering a bare ACK takes its sequence number from
		// the probe's acknowledgment number (RFC 9293 3.10.7.1).
		if flags.Has(packet.FlagRST) && seq == c {
			return scan.Reset, true
		}
	case scan.FIN, scan.Xmas:
		if flags.Has(packet.FlagRST) && ack == c+1 {
			return scan.Reset, true
		}
	case scan.NULL:
		if flags.Has(packet.FlagRST) && ack == c {
			return scan.Reset, true
		}
	}
	return scan.None, false
}

// priority orders outcomes: an answer from the port beats an ICMP error,
// which beats silence, so a late or retransmitted answer refines the state.
func priority(o scan.Outcome) int {
	switch o {
	case scan.None:
		return 0
	case scan.SynAck, scan.Reset, scan.UDPResponse:
		return 2
	}
	return 1
}

func (e *engine) units(t time.Time) uint32 {
	return uint32(uint64(t.Sub(e.start)) >> timeUnitShift)
}

func (e *engine) run(ctx context.Context) (*scan.Table, scan.Stats, error) {
	e.start = e.now()
	var st scan.Stats
	if !e.cfg.sharedProgress {
		e.cfg.Progress.Start(e.cfg.Technique, e.n)
	}
	e.cfg.Conn.SetReadDeadline(time.Time{})
	var wg sync.WaitGroup
	wg.Go(e.receive)

	pc := newPacer(e.tm, len(e.targets), e.now)
	var err error
	for {
		t0, a0 := e.now(), e.answered.Load()
		sw, serr := e.sweepAll(ctx, pc)
		if e.cfg.Technique != scan.UDP {
			// A UDP scan's limited hosts are paced in rounds.
			e.matchLimit(pc, sw, e.now().Sub(t0), e.answered.Load()-a0)
		}
		st.Sent += sw.sent
		st.Retransmissions += sw.retransmitted
		if sw.sent > 0 {
			st.Passes++
		}
		if serr != nil {
			err = serr
			break
		}
		if sw.pending == 0 || e.hostTimedOut() {
			break
		}
		if sw.sent == 0 {
			// Nothing was due: sleep until the first probe is, or an
			// answer may have settled everything.
			if werr := e.sleepUntil(ctx, sw.nextDue); werr != nil {
				err = werr
				break
			}
		}
	}

	if err == nil && e.cfg.portScan && e.tm.MaxRetries > 0 {
		// The rounds retransmit: --max-retries 0 asks for none.
		var sent uint64
		sent, err = e.pace(ctx)
		st.Sent += sent
		st.Retransmissions += sent
	}

	e.stop.Store(true)
	e.cfg.Conn.SetReadDeadline(time.Unix(1, 0))
	wg.Wait()
	e.cfg.Conn.SetReadDeadline(time.Time{})

	tab := e.table()
	st.Replies = e.replies.Load()
	st.Answered = e.answered.Load()
	st.Recovered = e.recovered.Load()
	st.PeakRate = pc.peak
	st.NoReply = e.n - st.Answered
	if ks, kerr := e.cfg.Conn.Stats(); kerr == nil {
		st.KernelDrops = ks.Dropped
	}
	if p := e.cfg.Progress; p != nil {
		// What was not answered is given up on now.
		p.Resolved.Add(e.n - st.Answered)
	}
	return tab, st, err
}

func (e *engine) hostTimedOut() bool {
	return e.tm.HostTimeout > 0 && e.now().Sub(e.start) > e.tm.HostTimeout
}

// senders is how many goroutines send. Each probe the kernel takes is
// pushed through the driver, and on a virtual link through the receiving
// stack too, on the sending thread's CPU: more senders use more cores.
var senders = min(runtime.NumCPU(), 4)

// sweepAll runs one sweep split across the senders.
func (e *engine) sweepAll(ctx context.Context, pc *pacer) (sweepResult, error) {
	if senders <= 1 || e.cfg.InOrder || e.n < 4096 {
		return e.sweep(ctx, pc, 0, 1)
	}
	results := make([]sweepResult, senders)
	errs := make([]error, senders)
	var wg sync.WaitGroup
	for i := range senders {
		wg.Go(func() { results[i], errs[i] = e.sweep(ctx, pc, uint64(i), uint64(senders)) })
	}
	wg.Wait()
	var r sweepResult
	for _, x := range results {
		r.sent += x.sent
		r.retransmitted += x.retransmitted
		r.pending += x.pending
		if r.nextDue.IsZero() || (!x.nextDue.IsZero() && x.nextDue.Before(r.nextDue)) {
			r.nextDue = x.nextDue
		}
	}
	return r, errors.Join(errs...)
}

// sweepResult is what one sweep over the probes did and left.
type sweepResult struct {
	sent          uint64 // retransmissions included
	retransmitted uint64
	// pending counts probes still waiting: unsent, or sent and not yet
	// timed out. Zero ends the scan.
	pending uint64
	nextDue time.Time // when the earliest pending probe times out
}

// allowedTries is Nmap's adaptive retry cap: one more transmission than
// the highest try number that ever earned an answer, and at least two,
// within --max-retries. On a clean network that is one retransmission;
// on a lossy one, as many as keep paying off.
func (e *engine) allowedTries() int {
	best := 0
	for t := maxTries - 1; t > 0; t-- {
		if e.earned[t].Load() > 0 {
			best = t
			break
		}
	}
	return min(best+2, e.tm.MaxRetries+1)
}

// sweep walks the permutation once and sends every probe that is due: never
// sent, or sent and unanswered for a round-trip timeout with tries left.
// Retransmissions thus start as soon as each probe times out, overlapping
// the first transmissions of later probes rather than waiting for a pass to
// end.
func (e *engine) sweep(ctx context.Context, pc *pacer, part, parts uint64) (sweepResult, error) {
	const batchLen = 64
	var r sweepResult
	frameLen := 0
	for _, tt := range e.tmpl {
		for _, t := range tt {
			if t != nil {
				frameLen = max(frameLen, t.Len())
			}
		}
	}
	b := netio.NewBatch(batchLen, max(frameLen, e.maxPayloadFrame()))
	k, step := uint64(0), uint64(1)
	if e.cfg.Shards > 1 {
		k, step = uint64(e.cfg.Shard-1), uint64(e.cfg.Shards)
	}
	k, step = k+part*step, step*parts
	allowed := e.allowedTries()
	if e.cfg.portScan {
		// The paced rounds that follow use the try numbers above.
		allowed = min(allowed, pacedTryBase)
	}
	fill := 0
	now := e.now()
	stamp := e.units(now)
	timeout := uint32(uint64(e.timeoutDur()) >> timeUnitShift)
	nextDue := ^uint32(0)
	flush := func() error {
		if fill == 0 {
			return nil
		}
		now = pc.wait(fill, &e.winAnswer, time.Duration(e.srtt.Load()))
		off := 0
		for off < fill {
			n, err := e.cfg.Conn.WriteBatch(batchView(b, off, fill), fill-off)
			off += n
			if err != nil {
				// The device queue is full: give it a moment.
				pc.backoff()
				time.Sleep(200 * time.Microsecond)
			}
		}
		if p := e.cfg.Progress; p != nil {
			p.Sent.Add(uint64(fill))
			p.Rate.Store(uint64(pc.rate))
		}
		fill = 0
		stamp = e.units(now)
		timeout = uint32(uint64(e.timeoutDur()) >> timeUnitShift)
		return ctx.Err()
	}
	for ; k < e.n; k += step {
		idx := k
		if !e.cfg.InOrder {
			idx = e.perm.At(k)
		}
		s := e.state[idx].Load()
		if s&outcomeMask != 0 {
			continue
		}
		tries := int(s & triesMask >> triesShift)
		if tries > 0 {
			due := e.sent[idx].Load() + timeout
			if int32(due-stamp) > 0 {
				r.pending++
				if int32(due-nextDue) < 0 || nextDue == ^uint32(0) {
					nextDue = due
				}
				continue
			}
			if tries >= allowed {
				// Given up on: it rests on silence, unless the paced
				// rounds take it up.
				continue
			}
		}
		if (r.sent+r.retransmitted)&1023 == 0 && e.hostTimedOut() {
			break
		}
		frame, ok := e.stamp(b.Bufs[fill], idx, tries)
		if !ok {
			// No such probe for this family (an ICMPv6 timestamp):
			// spend every try at once, so it counts as given up.
			e.state[idx].Store(uint32(maxTries-1) << triesShift)
			continue
		}
		b.Bufs[fill] = frame
		e.sent[idx].Store(stamp)
		e.state[idx].Add(1 << triesShift)
		fill++
		r.sent++
		if tries > 0 {
			r.retransmitted++
		}
		r.pending++
		if fill == batchLen {
			if err := flush(); err != nil {
				return r, err
			}
		}
	}
	if err := flush(); err != nil {
		return r, err
	}
	if nextDue == ^uint32(0) || r.sent > 0 {
		// Just sent probes are due a timeout from now.
		r.nextDue = e.now().Add(e.timeoutDur())
	} else {
		r.nextDue = e.start.Add(time.Duration(uint64(nextDue) << timeUnitShift))
	}
	return r, nil
}

// stamp writes probe idx's frame for transmission number try into buf,
// reusing its storage, and returns it; false when the probe has no form
// for the target's family.
func (e *engine) stamp(buf []byte, idx uint64, try int) ([]byte, bool) {
	h := idx / e.nslots
	si := idx % e.nslots
	sl := e.slots[si]
	k := e.kindOf[si]
	t := &e.targets[h]
	fam := 0
	if t.Addr.Is6() {
		fam = 1
	}
	tmpl := e.tmpl[k][fam]
	if tmpl == nil {
		return buf, false
	}
	if pl := e.payloads[si]; pl != nil {
		return e.stampPayload(buf, t, sl.Port, pl[try%len(pl)], e.sport(k, try), fam), true
	}
	p := tmpl.Probe(buf)
	p.SetDstMAC(t.NextHop)
	p.SetDst(t.Addr)
	if isICMP(sl.Technique) {
		c := e.cookie(t.Addr, 0, e.sport(k, 0))
		p.SetEcho(uint16(c>>16), uint16(c)&^(maxTries-1)|uint16(try))
		p.SetID(uint16(c >> 8))
	} else {
		sport := e.sport(k, try)
		c := e.cookie(t.Addr, sl.Port, sport)
		p.SetSrcPort(sport)
		p.SetDstPort(sl.Port)
		p.SetSeq(c)
		if sl.Technique == scan.ACK {
			p.SetAck(c)
		}
		// A UDP probe has no sequence number: the IP ID carries the
		// cookie, and an ICMP error quotes it back.
		p.SetID(uint16(c >> 8))
	}
	return p.Bytes(), true
}

// batchView returns b with its buffers shifted by off, for resending the
// tail of a partly sent batch. It allocates only on that rare path.
func batchView(b *netio.Batch, off, fill int) *netio.Batch {
	if off == 0 {
		return b
	}
	v := netio.NewBatch(fill-off, 1)
	for i := off; i < fill; i++ {
		v.Bufs[i-off] = b.Bufs[i]
	}
	return v
}

func (e *engine) timeoutDur() time.Duration { return time.Duration(e.timeout.Load()) }

// matchLimit slows the scan to a rate limit the targets show. Hosts limit
// the resets or ICMP errors they send (macOS and the BSDs cap resets at a
// few hundred a second), and above the limit the answers keep coming at
// the same pace however fast the probes go: retransmissions then earn
// answers, but few of them. When a sweep of at least 100 retransmissions
// earned answers for fewer than four in five, the send rate is held to the
// rate at which answers came, so the next sweep's probes are answered
// rather than lost again.
func (e *engine) matchLimit(pc *pacer, sw sweepResult, took time.Duration, answers uint64) {
	if sw.retransmitted < 100 || answers == 0 || took <= 0 {
		return
	}
	if float64(answers) >= 0.8*float64(sw.retransmitted) {
		return
	}
	pc.limit(float64(answers) / took.Seconds())
}

// sleepUntil waits until t, returning early once every probe is answered.
func (e *engine) sleepUntil(ctx context.Context, t time.Time) error {
	tick := time.NewTicker(2 * time.Millisecond)
	defer tick.Stop()
	for e.now().Before(t) {
		if e.answered.Load() == e.n {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
	return nil
}

func (e *engine) table() *scan.Table {
	hosts := make([]netip.Addr, len(e.targets))
	for i, t := range e.targets {
		hosts[i] = t.Addr
	}
	ports := make([]uint16, len(e.slots))
	for i, sl := range e.slots {
		ports[i] = sl.Port
	}
	tab := scan.NewTable(e.cfg.Technique, hosts, ports)
	for i := range e.state {
		s := e.state[i].Load()
		tab.Outcome[i] = scan.Outcome(s & outcomeMask)
		tab.TTL[i] = uint8(s >> ttlShift)
	}
	if e.cfg.Shards > 1 {
		for i := range tab.Outcome {
			k := uint64(i)
			if !e.cfg.InOrder {
				k = e.perm.Index(k)
			}
			if k%uint64(e.cfg.Shards) != uint64(e.cfg.Shard-1) {
				tab.Outcome[i] = scan.NotProbed
			}
		}
	}
	for i := range e.targets {
		if r := &e.hostRTT[i]; r.Measured() {
			tab.RTT[i] = scan.HostRTT{First: e.firstRTT[i], SRTT: r.SRTT(), RTTVar: r.RTTVar(), Timeout: r.Timeout()}
		}
		tab.TimedOut[i] = e.hostTimedOut() && !e.hostDone(i)
	}
	if len(e.from) > 0 {
		tab.ReplyFrom = e.from
	}
	tab.Passive = e.passiveSamples()
	return tab
}

func (e *engine) hostDone(i int) bool {
	base := uint64(i) * e.nslots
	for j := base; j < base+e.nslots; j++ {
		if e.state[j].Load()&outcomeMask == 0 {
			return false
		}
	}
	return true
}
