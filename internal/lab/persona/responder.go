package persona

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"time"
)

// Config describes one persona host. It is a plain value; NewResponder
// copies what it keeps.
type Config struct {
	// Personality is the stack imitated.
	Personality Personality
	// Addrs are the host's addresses, IPv4 and IPv6; at least one.
	Addrs []netip.Addr
	// MAC is the host's hardware address; nil derives a locally
	// administered one from the first address.
	MAC net.HardwareAddr
	// OpenTCP lists the TCP ports that accept connections; every other
	// port, and every UDP port, is closed.
	OpenTCP []uint16
	// Seed seeds the random generators (ISNs, IP IDs, timestamp offsets);
	// 0 picks one at random.
	Seed uint64
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// ErrConfig is wrapped by the errors of NewResponder for a bad Config.
var ErrConfig = errors.New("persona: invalid config")

// maxConns bounds the connections remembered; the oldest is forgotten.
const maxConns = 1024

// Responder is a persona host's stack without I/O: Handle turns one
// received frame into replies. It is not safe for concurrent use; Host
// serializes its calls.
type Responder struct {
	p     Personality
	mac   [6]byte
	addrs []netip.Addr
	open  map[uint16]bool
	now   func() time.Time
	boot  time.Time
	rng   *rand.Rand

	isn      uint32 // last ISN, for ISNStep
	ipid     uint16 // the shared IP ID counter
	perHost  map[netip.Addr]uint16
	tsOffset uint32 // one offset for every peer, unless per connection
	conns    map[connKey]*conn
	order    []connKey // insertion order, for eviction
	tokens   float64   // port unreachable bucket
	refilled time.Time

	out []byte // reply buffer, reused
}

type connKey struct {
	peer         netip.Addr
	sport, dport uint16
}

type conn struct {
	iss     uint32 // our initial sequence number
	rcvNext uint32 // next sequence number expected from the peer
	sndNext uint32
	est     bool
	finSent bool
}

// NewResponder checks cfg and returns a Responder for it.
func NewResponder(cfg Config) (*Responder, error) {
	if len(cfg.Addrs) == 0 {
		return nil, fmt.Errorf("%w: no address", ErrConfig)
	}
	for _, a := range cfg.Addrs {
		if !a.IsValid() || a.Is4In6() || a.IsMulticast() || a.IsUnspecified() {
			return nil, fmt.Errorf("%w: address %v", ErrConfig, a)
		}
	}
	if cfg.MAC != nil && len(cfg.MAC) != 6 {
		return nil, fmt.Errorf("%w: MAC %v is not 6 bytes", ErrConfig, cfg.MAC)
	}
	seed := cfg.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	r := &Responder{
		p:       cfg.Personality,
		addrs:   slices.Clone(cfg.Addrs),
		open:    map[uint16]bool{},
		now:     cfg.Now,
		rng:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		perHost: map[netip.Addr]uint16{},
		conns:   map[connKey]*conn{},
	}
	if r.now == nil {
		r.now = time.Now
	}
	r.boot = r.now()
	r.refilled = r.boot
	r.tokens = float64(r.p.Unreach.Limit.Burst)
	if cfg.MAC != nil {
		copy(r.mac[:], cfg.MAC)
	} else {
		a := cfg.Addrs[0].As16()
		r.mac = [6]byte{0x02, 0x50, a[12], a[13], a[14], a[15]} // locally administered
	}
	for _, p := range cfg.OpenTCP {
		r.open[p] = true
	}
	r.isn = r.rng.Uint32()
	r.ipid = uint16(r.rng.Uint32())
	r.tsOffset = r.rng.Uint32()
	return r, nil
}

// MAC returns the host's hardware address.
func (r *Responder) MAC() net.HardwareAddr { return slices.Clone(r.mac[:]) }

func (r *Responder) ours(a netip.Addr) bool { return slices.Contains(r.addrs, a) }

// Handle processes one received Ethernet frame and calls send with each
// reply, a whole frame valid only during the call. Frames not for this
// host, and malformed ones, are dropped.
func (r *Responder) Handle(b []byte, send func([]byte)) {
	var f frame
	if !parse(b, &f) {
		return
	}
	bcast := f.dstMAC == [6]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff}
	if f.etherType == etherARP {
		if f.arpOp == 1 && r.ours(f.arpTPA) && f.arpSPA.IsValid() {
			send(r.arpReply(&f))
		}
		return
	}
	if f.v6 && f.proto == protoICMPv6 && f.icmpType == 135 {
		if out := r.neighborAdvert(&f); out != nil {
			send(out)
		}
		return
	}
	// Unicast to us only, and never an answer to a source that cannot be
	// a host (which would also let a reply storm start).
	if f.dstMAC != r.mac || bcast || !r.ours(f.dst) || f.src.IsMulticast() || f.src.IsUnspecified() || f.src.IsLoopback() || f.srcMAC[0]&1 != 0 {
		return
	}
	var out []byte
	switch f.proto {
	case protoTCP:
		out = r.tcp(&f)
	case protoUDP:
		out = r.portUnreachable(&f)
	case protoICMP, protoICMPv6:
		out = r.echo(&f)
	}
	if out != nil {
		send(out)
	}
}

// nextID draws an IP ID of kind k for a packet to dst answering f.
func (r *Responder) nextID(k IPIDKind, dst netip.Addr, f *frame) uint16 {
	switch k {
	case IPIDIncrement:
		r.ipid++
		return r.ipid
	case IPIDRandomIncrement:
		for {
			d := 1001 + r.rng.Uint32N(19000-1)
			if d%256 != 0 {
				r.ipid += uint16(d)
				return r.ipid
			}
		}
	case IPIDRandom:
		return uint16(r.rng.Uint32())
	case IPIDPerHost:
		id, ok := r.perHost[dst]
		if !ok {
			if len(r.perHost) >= maxConns {
				clear(r.perHost)
			}
			id = uint16(r.rng.Uint32())
		}
		id++
		r.perHost[dst] = id
		return id
	case IPIDCopy:
		return f.id
	}
	return 0
}

// nextISN draws an initial sequence number.
func (r *Responder) nextISN() uint32 {
	isn := r.p.TCP.ISN
	switch isn.Kind {
	case ISNTime:
		return r.isn + uint32(r.now().Sub(r.boot).Seconds()*float64(isn.Rate))
	case ISNStep:
		r.isn += isn.Step
		return r.isn
	}
	return r.rng.Uint32()
}

// tsval is the timestamp clock's value now for a connection.
func (r *Responder) tsval(k connKey) uint32 {
	hz := r.p.TCP.TSHz
	if hz <= 0 {
		hz = 1000
	}
	off := r.tsOffset
	if r.p.TCP.TSPerConnection {
		// A hash of the connection, as FreeBSD keys its offset.
		a := k.peer.As16()
		h := uint64(r.tsOffset) ^ uint64(k.sport)<<16 ^ uint64(k.dport)
		h = mix(h ^ binary.BigEndian.Uint64(a[:8]))
		h = mix(h ^ binary.BigEndian.Uint64(a[8:]))
		off = uint32(h >> 32)
	}
	ms := r.now().Sub(r.boot).Milliseconds()
	return off + uint32(ms*int64(hz)/1000) + 1
}

// limitUnreach takes a token from the port unreachable bucket.
func (r *Responder) limitUnreach() bool {
	l := r.p.Unreach.Limit
	if l.Burst <= 0 {
		return true
	}
	now := r.now()
	if l.Interval > 0 {
		r.tokens = min(float64(l.Burst), r.tokens+float64(now.Sub(r.refilled))/float64(l.Interval))
	}
	r.refilled = now
	if r.tokens < 1 {
		return false
	}
	r.tokens--
	return true
}

// ipHeader appends an Ethernet header and an IP header for a reply of n
// bytes of payload to f's sender and returns the buffer and the offset of
// the payload.
func (r *Responder) ipHeader(f *frame, proto uint8, df bool, id uint16, tos uint8, n int) []byte {
	return r.ipHeaderTTL(f, proto, df, id, tos, n, r.ttl())
}

// ttl is the personality's initial TTL; 0 means 64.
func (r *Responder) ttl() uint8 {
	if r.p.TTL == 0 {
		return 64
	}
	return r.p.TTL
}

func (r *Responder) ipHeaderTTL(f *frame, proto uint8, df bool, id uint16, tos uint8, n int, ttl uint8) []byte {
	b := r.out[:0]
	b = append(b, f.srcMAC[:]...)
	b = append(b, r.mac[:]...)
	if f.v6 {
		b = binary.BigEndian.AppendUint16(b, etherIPv6)
		b = append(b, 0x60|tos>>4, tos<<4, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(n))
		b = append(b, proto, ttl)
		s, d := f.dst.As16(), f.src.As16()
		b = append(b, s[:]...)
		b = append(b, d[:]...)
		return b
	}
	b = binary.BigEndian.AppendUint16(b, etherIPv4)
	h := len(b)
	b = append(b, 0x45, tos)
	b = binary.BigEndian.AppendUint16(b, uint16(20+n))
	b = binary.BigEndian.AppendUint16(b, id)
	var frag uint16
	if df {
		frag = 0x4000
	}
	b = binary.BigEndian.AppendUint16(b, frag)
	b = append(b, ttl, proto, 0, 0)
	s, d := f.dst.As4(), f.src.As4()
	b = append(b, s[:]...)
	b = append(b, d[:]...)
	binary.BigEndian.PutUint16(b[h+10:], checksum(b[h:h+20], 0))
	return b
}

// finish fills the transport checksum of the payload starting at off.
func (r *Responder) finish(b []byte, off int, f *frame, proto uint8, sumAt int) []byte {
	seg := b[off:]
	binary.BigEndian.PutUint16(seg[sumAt:], 0)
	binary.BigEndian.PutUint16(seg[sumAt:], checksum(seg, pseudoSum(f.v6, proto, f.dst, f.src, len(seg))))
	r.out = b
	return b
}

func (r *Responder) arpReply(f *frame) []byte {
	b := r.out[:0]
	b = append(b, f.srcMAC[:]...)
	b = append(b, r.mac[:]...)
	b = binary.BigEndian.AppendUint16(b, etherARP)
	b = append(b, 0, 1, 0x08, 0x00, 6, 4, 0, 2)
	b = append(b, r.mac[:]...)
	tpa, spa := f.arpTPA.As4(), f.arpSPA.As4()
	b = append(b, tpa[:]...)
	b = append(b, f.arpSHA[:]...)
	b = append(b, spa[:]...)
	r.out = b
	return b
}

// neighborAdvert answers a neighbour solicitation for one of our IPv6
// addresses.
func (r *Responder) neighborAdvert(f *frame) []byte {
	if len(f.l4) < 24 || f.icmpCode != 0 || f.ttl != 255 {
		return nil
	}
	target := netip.AddrFrom16([16]byte(f.l4[8:24]))
	if !r.ours(target) {
		return nil
	}
	src := f.src
	flags := byte(0x60) // solicited, override
	if src.IsUnspecified() {
		// Duplicate address detection: answer to all nodes.
		src = netip.MustParseAddr("ff02::1")
		flags = 0x20
	}
	g := *f
	g.dst, g.src = target, src
	if src.IsMulticast() {
		a := src.As16()
		g.srcMAC = [6]byte{0x33, 0x33, a[12], a[13], a[14], a[15]}
	}
	n := 32
	// Neighbour discovery insists on a hop limit of 255.
	b := r.ipHeaderTTL(&g, protoICMPv6, false, 0, 0, n, 255)
	off := len(b)
	b = append(b, 136, 0, 0, 0, flags, 0, 0, 0)
	t := target.As16()
	b = append(b, t[:]...)
	b = append(b, 2, 1)
	b = append(b, r.mac[:]...)
	return r.finish(b, off, &g, protoICMPv6, 2)
}

// echo answers an ICMP or ICMPv6 echo request.
func (r *Responder) echo(f *frame) []byte {
	e := r.p.Echo
	if e.Off || (!f.v6 && f.icmpType != 8) || (f.v6 && f.icmpType != 128) {
		return nil
	}
	df := e.DF == DFAlways || e.DF == DFCopy && f.df
	code := f.icmpCode
	if e.ZeroCode {
		code = 0
	}
	typ, proto := uint8(0), uint8(protoICMP)
	if f.v6 {
		typ, proto = 129, protoICMPv6
	}
	b := r.ipHeader(f, proto, df, r.nextID(r.p.IPID.Echo, f.src, f), f.tos, len(f.l4))
	off := len(b)
	b = append(b, typ, code, 0, 0)
	b = append(b, f.l4[4:]...)
	return r.finish(b, off, f, proto, 2)
}

// portUnreachable answers a UDP datagram: every UDP port is closed.
func (r *Responder) portUnreachable(f *frame) []byte {
	u := r.p.Unreach
	if u.Off || !r.limitUnreach() {
		return nil
	}
	maxLen := u.MaxLen
	if maxLen <= 0 {
		maxLen = 1500
	}
	if f.v6 {
		maxLen = max(maxLen, 1280)
	}
	hdr := 20
	if f.v6 {
		hdr = 40
	}
	quote := f.ip
	if u.HeaderOnly {
		quote = quote[:min(len(quote), f.ihl+8)]
	}
	quote = quote[:max(0, min(len(quote), maxLen-hdr-8))]
	typ, code, proto := uint8(3), uint8(3), uint8(protoICMP)
	if f.v6 {
		typ, code, proto = 1, 4, protoICMPv6
	}
	b := r.ipHeader(f, proto, u.DF && !f.v6, r.nextID(r.p.IPID.Unreach, f.src, f), 0, 8+len(quote))
	off := len(b)
	b = append(b, typ, code, 0, 0)
	b = binary.BigEndian.AppendUint32(b, u.Unused)
	q := len(b)
	b = append(b, quote...)
	if !f.v6 && len(quote) >= 20 {
		h := b[q:]
		changed := false
		if u.QuoteLenDelta != 0 {
			tl := binary.BigEndian.Uint16(h[2:4])
			binary.BigEndian.PutUint16(h[2:4], uint16(int(tl)+u.QuoteLenDelta))
			changed = true
		}
		if u.QuoteZeroID {
			binary.BigEndian.PutUint16(h[4:6], 0)
			changed = true
		}
		switch {
		case u.QuoteChecksum == QuoteChecksumZero:
			binary.BigEndian.PutUint16(h[10:12], 0)
		case u.QuoteChecksum == QuoteChecksumRedo && changed:
			binary.BigEndian.PutUint16(h[10:12], 0)
			binary.BigEndian.PutUint16(h[10:12], checksum(h[:f.ihl], 0))
		}
	}
	if u.QuoteZeroUDPChecksum && len(quote) >= f.ihl+8 {
		binary.BigEndian.PutUint16(b[q+f.ihl+6:], 0)
	}
	return r.finish(b, off, f, proto, 2)
}

// mix is splitmix64's finalizer: every input bit moves every output bit.
func mix(h uint64) uint64 {
	h = (h ^ h>>30) * 0xbf58476d1ce4e5b9
	h = (h ^ h>>27) * 0x94d049bb133111eb
	return h ^ h>>31
}
