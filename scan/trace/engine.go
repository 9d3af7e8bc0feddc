package trace

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/route"
	"github.com/picket-scanner/picket/scan/raw"
)

// Tracer traces the hosts of a run, group by group. Its sockets live for
// one group; the next hops' hardware addresses it learns are kept for the
// run. A Tracer is safe for use by one goroutine at a time.
type Tracer struct {
	cfg    Config
	timing Timing
	groups uint64
	macs   map[netip.Addr]packet.MAC
	stats  Stats
	// prior holds the routers earlier groups' traces met, so a later
	// group shares them too.
	prior map[hopKey]priorTrace
}

// maxPrior bounds the routers remembered from earlier groups.
const maxPrior = 1 << 14

// Stats count what a Tracer sent and heard over all its groups.
type Stats struct {
	Probes  int // probes sent, retransmissions included
	Answers int // answers that matched a probe
}

// Stats returns the counts so far.
func (t *Tracer) Stats() Stats { return t.stats }

// New returns a Tracer.
func New(cfg Config) *Tracer {
	return &Tracer{cfg: cfg, timing: cfg.Timing.withDefaults(), macs: map[netip.Addr]packet.MAC{}, prior: map[hopKey]priorTrace{}}
}

// Close releases what the Tracer holds. It holds no socket between
// groups, so this is for symmetry with the scanners.
func (t *Tracer) Close() error { return nil }

// link is one interface a group's probes go out of.
type link struct {
	raw.Link
	name  string
	ptype packet.LinkType
	batch *netio.Batch
	fill  int
}

// hostIO is how one host's probes are made and sent.
type hostIO struct {
	link *link
	tmpl *packet.Template
}

// Trace traces every host of hosts that is up and sets its Trace. A host
// that cannot be reached through a link (no route, an address of this
// host, a next hop that never answers ARP) is left without one. When ctx
// is cancelled it returns ctx's error and sets no Trace.
func (t *Tracer) Trace(ctx context.Context, hosts []*result.Host) error {
	t.groups++
	seed := t.cfg.Seed
	if seed == 0 {
		var b [8]byte
		rand.Read(b[:])
		seed = binary.LittleEndian.Uint64(b[:])
	}
	c := newCodec(mix(seed ^ t.groups))

	var targets []target
	for _, h := range hosts {
		if h.State != result.HostUp {
			continue
		}
		m, ttl := Choose(h)
		targets = append(targets, target{addr: h.Addr.Unmap(), method: m, start: Distance(ttl), wait: t.timing.wait(h)})
	}
	if len(targets) == 0 {
		return nil
	}
	links, ios, err := t.open(ctx, c, targets)
	defer func() {
		for _, l := range links {
			l.Conn.Close()
		}
	}()
	if err != nil {
		return err
	}
	reachable := targets[:0]
	for _, tg := range targets {
		if ios[tg.addr] != nil {
			reachable = append(reachable, tg)
		}
	}
	s := newSession(reachable, sessionOptions{tries: t.timing.Tries, maxTTL: t.timing.MaxTTL, maxGap: t.timing.MaxGap}, t.prior, time.Now())
	if err := t.run(ctx, c, s, links, ios); err != nil {
		return err
	}
	traces := make(map[*hostState]*result.Trace, len(s.hosts))
	for _, hs := range s.hosts {
		traces[hs] = s.trace(hs)
	}
	for _, h := range hosts {
		if hs := s.byAddr[h.Addr.Unmap()]; hs != nil && h.State == result.HostUp {
			tr := *traces[hs]
			tr.Hops = slices.Clone(tr.Hops) // a duplicate address gets its own
			h.Trace = &tr
		}
	}
	s.remember(t.prior, traces, maxPrior)
	return nil
}

// open finds the route to each target, opens a socket on each interface
// used, resolves next hops and builds each target's probe template.
func (t *Tracer) open(ctx context.Context, c codec, targets []target) ([]*link, map[netip.Addr]*hostIO, error) {
	byIf := map[int]*link{}
	var links []*link
	ios := map[netip.Addr]*hostIO{}
	nextHop := map[netip.Addr]netip.Addr{}
	for _, tg := range targets {
		r, err := route.Lookup(tg.addr)
		if err != nil || r.Local || (t.cfg.Interface != "" && r.Iface.Name != t.cfg.Interface) {
			continue
		}
		l, ok := byIf[r.Iface.Index]
		if !ok {
			cfg := netio.Config{ReadBuffer: 4 << 20, WriteBuffer: 1 << 20}
			if len(r.Iface.HardwareAddr) == 6 {
				cfg.Filter = filter(c.base)
			}
			conn, err := netio.Listen(r.Iface.Name, cfg)
			if err != nil {
				return links, nil, fmt.Errorf("trace: %w", err)
			}
			l = &link{Link: raw.Link{Conn: conn}, name: r.Iface.Name, ptype: packet.LinkEthernet, batch: netio.NewBatch(64, 256)}
			if conn.Link == netio.LinkNone {
				l.ptype = packet.LinkRaw
			}
			copy(l.SrcMAC[:], r.Iface.HardwareAddr)
			byIf[r.Iface.Index] = l
			links = append(links, l)
		}
		if r.Src.Is4() && !l.Src4.IsValid() {
			l.Src4 = r.Src
		}
		if r.Src.Is6() && !l.Src6.IsValid() {
			l.Src6 = r.Src
		}
		ios[tg.addr] = &hostIO{link: l}
		nextHop[tg.addr] = r.NextHop()
	}
	for _, l := range links {
		if l.ptype != packet.LinkEthernet {
			continue
		}
		var want []netip.Addr
		for a, io := range ios {
			if _, ok := t.macs[nextHop[a]]; io.link == l && !ok {
				want = append(want, nextHop[a])
			}
		}
		found, err := raw.NextHops(ctx, l.Link, want)
		if err != nil {
			return links, nil, fmt.Errorf("trace: resolve next hops on %s: %w", l.name, err)
		}
		maps.Copy(t.macs, found)
	}
	for _, tg := range targets {
		io := ios[tg.addr]
		if io == nil {
			continue
		}
		mac, ok := t.macs[nextHop[tg.addr]]
		if !ok && io.link.ptype == packet.LinkEthernet {
			delete(ios, tg.addr) // nothing sent could arrive
			continue
		}
		tmpl, err := template(io.link, mac, tg)
		if err != nil {
			delete(ios, tg.addr) // no source address of its family
			continue
		}
		io.tmpl = tmpl
	}
	return links, ios, nil
}

// template builds the probe of a target, to be stamped with a TTL, source
// port, sequence number or echo sequence.
func template(l *link, mac packet.MAC, tg target) (*packet.Template, error) {
	src := l.Src4
	if tg.addr.Is6() {
		src = l.Src6
	}
	if !src.IsValid() {
		return nil, raw.ErrNoSource
	}
	f := packet.Frame{Link: l.ptype, SrcMAC: l.SrcMAC, DstMAC: mac, Src: src, Dst: tg.addr, TTL: 1}
	var b []byte
	var err error
	switch tg.method.Protocol {
	case result.TCP:
		// A SYN with an MSS option, as scanners send and stacks expect.
		tcp := packet.TCP{DstPort: tg.method.Port, Flags: packet.FlagSYN, Window: 1024,
			Options: packet.TCPOptions{Raw: []byte{packet.TCPOptMSS, 4, 0x05, 0xb4}}}
		b, err = f.AppendTCP(nil, &tcp, nil)
	case result.UDP:
		b, err = f.AppendUDP(nil, 0, tg.method.Port, nil)
	default:
		b, err = f.AppendEcho(nil, 0, 0, nil)
	}
	if err != nil {
		return nil, err
	}
	return packet.NewTemplate(b, l.ptype)
}

// timed is an answer and when it arrived.
type timed struct {
	answer
	at time.Time
}

// run sends the session's probes and feeds it their answers until every
// trace is done, the time limit passes or ctx is cancelled.
func (t *Tracer) run(ctx context.Context, c codec, s *session, links []*link, ios map[netip.Addr]*hostIO) error {
	events := make(chan timed, 1024)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for _, l := range links {
		l.Conn.SetReadDeadline(time.Time{})
		wg.Go(func() { receive(l, c, events, stop) })
	}
	defer func() {
		close(stop)
		for _, l := range links {
			l.Conn.SetReadDeadline(time.Unix(1, 0))
		}
		wg.Wait()
	}()

	limit := time.NewTimer(t.timing.Limit)
	defer limit.Stop()
	wake := time.NewTimer(time.Hour)
	defer wake.Stop()
	const burst = 64
	tokens, last := float64(burst), time.Now()
	for {
		now := time.Now()
		tokens = min(tokens+now.Sub(last).Seconds()*t.timing.Rate, burst)
		last = now
		s.expire(now)
		if n := int(tokens); n > 0 {
			reqs := s.next(n)
			tokens -= float64(len(reqs))
			if err := t.send(c, s, reqs, ios); err != nil {
				return err
			}
		}
		if s.done() {
			return nil
		}
		next := s.deadline()
		if len(s.ready) > 0 {
			next = now.Add(time.Duration(float64(time.Second) / t.timing.Rate))
		}
		d := time.Hour
		if !next.IsZero() {
			d = max(next.Sub(now), 0)
		}
		wake.Reset(d)
		select {
		case ev := <-events:
			s.answer(ev.answer, ev.at)
			t.stats.Answers++
			for more := true; more; {
				select {
				case ev := <-events:
					s.answer(ev.answer, ev.at)
					t.stats.Answers++
				default:
					more = false
				}
			}
		case <-wake.C:
		case <-limit.C:
			return nil // what is not known by now is reported silent
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// send stamps and sends probes, batched per link. Each is recorded as
// sent before it goes, so that no answer can come before its probe.
func (t *Tracer) send(c codec, s *session, reqs []req, ios map[netip.Addr]*hostIO) error {
	now := time.Now()
	var used []*link
	for _, r := range reqs {
		io := ios[r.h.addr]
		l := io.link
		if l.fill == len(l.batch.Bufs) {
			if err := flush(l); err != nil {
				return err
			}
		}
		if l.fill == 0 {
			used = append(used, l)
		}
		try := s.sent(r, now)
		t.stats.Probes++
		l.batch.Bufs[l.fill] = stamp(c, io.tmpl, l.batch.Bufs[l.fill][:0], r.h.method, r.h.addr, r.ttl, try)
		l.fill++
	}
	for _, l := range used {
		if err := flush(l); err != nil {
			return err
		}
	}
	return nil
}

// stamp makes the probe of one TTL and try to dst from its template, in
// buf's storage.
func stamp(c codec, t *packet.Template, buf []byte, m Method, dst netip.Addr, ttl, try int) []byte {
	p := t.Probe(buf)
	p.SetTTL(uint8(ttl))
	switch m.Protocol {
	case result.TCP, result.UDP:
		sport := c.sport(ttl, try)
		p.SetSrcPort(sport)
		p.SetSeq(c.seq(dst, m.Port, sport))
	default:
		p.SetEcho(c.echoID(dst), tag(ttl, try))
	}
	p.SetID(uint16(c.hash(dst, uint64(tag(ttl, try)))))
	return p.Bytes()
}

func flush(l *link) error {
	if l.fill == 0 {
		return nil
	}
	defer func() { l.fill = 0 }()
	// A full send queue takes part of a batch: send the rest again, a
	// bounded number of times.
	for range 100 {
		n, err := l.Conn.WriteBatch(l.batch, l.fill)
		if err != nil {
			return fmt.Errorf("trace: send on %s: %w", l.name, err)
		}
		if n >= l.fill {
			return nil
		}
		// Swap, not copy, so that no two buffers share storage.
		for i := n; i < l.fill; i++ {
			l.batch.Bufs[i-n], l.batch.Bufs[i] = l.batch.Bufs[i], l.batch.Bufs[i-n]
		}
		l.fill -= n
		if n == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	return fmt.Errorf("trace: send on %s: the kernel takes no frames", l.name)
}

// receive reads, validates and passes on answers until stop is closed.
func receive(l *link, c codec, out chan<- timed, stop <-chan struct{}) {
	b := netio.NewBatch(32, 2048)
	var d packet.Decoded
	for {
		n, err := l.Conn.ReadBatch(b)
		select {
		case <-stop:
			return
		default:
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return
		}
		now := time.Now()
		for i := 0; i < n; i++ {
			if d.Decode(b.Bufs[i], l.ptype) != nil {
				continue
			}
			a, ok := c.match(&d)
			if !ok {
				continue
			}
			select {
			case out <- timed{a, now}:
			case <-stop:
				return
			}
		}
	}
}
