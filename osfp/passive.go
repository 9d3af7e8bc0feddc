package osfp

import (
	"fmt"
	"math"
	"strings"

	"github.com/picket-scanner/picket/packet"
)

// The passive tier: an OS family from the SYN-ACKs and resets a port scan
// received anyway, at no extra packets.
//
// The rules are picket's own, written from what the stacks are publicly
// known to do (their sources, documentation and RFCs), not taken from any
// fingerprint database. What a port scan's replies can tell is limited by
// the SYN that drew them: picket's SYN offers only an MSS, as Nmap's does,
// and a stack that follows RFC 7323 and RFC 2018 then answers with an MSS
// and nothing else. So the telling fields are those every reply carries:
//
//   - The initial TTL (hop limit): 64 for Linux, the BSDs and macOS, 128
//     for Windows, 255 for most network devices and small embedded stacks
//     (lwIP's default), 32 for a few old or tiny ones.
//   - The window: Linux sizes its initial window in whole segments of the
//     MSS it announces (44 × 1460 = 64240, 45 × 1440 = 64800 on IPv6,
//     10 or 20 segments on older kernels); FreeBSD and macOS offer 65535,
//     OpenBSD 16384, Windows 8192 or 65535, embedded stacks a few
//     kilobytes.
//   - DF: set by every stack that does path MTU discovery (Linux, Windows,
//     the BSDs); small stacks often leave it clear. IPv6 has no DF.
//   - The IPv4 ID: zero on DF segments for Linux and FreeBSD (RFC 6864),
//     one counter for everything on Windows and small stacks, random on
//     OpenBSD and macOS.
//   - The resets: Linux, Windows and the BSDs answer a SYN to a closed
//     port with RST|ACK and a zero window; some small stacks keep their
//     window in resets, or leave ACK off.
//   - The options, when there is more than the MSS: a stack that offers
//     window scaling, SACK or timestamps unasked breaks the RFCs, which
//     the major stacks do not; and when the SYN did offer them, their
//     order tells the stacks apart (Linux ends with the window scale,
//     Windows and the BSDs put it second, the BSDs pad with end-of-list).
//
// Each observation adds weight to the families it fits and takes some from
// those it contradicts; the weights act as log-odds, and the confidence is
// the best family's share of them, capped below certainty because a
// passive guess can be fooled (a changed default TTL, a middlebox that
// answers for the host).

// Stack is an OS family as the passive tier tells them apart.
type Stack uint8

// Stacks.
const (
	StackUnknown  Stack = iota
	StackLinux          // Linux, Android and embedded Linux
	StackWindows        // Microsoft Windows
	StackBSD            // FreeBSD, OpenBSD, NetBSD, macOS and iOS
	StackEmbedded       // small embedded stacks and network devices
	numStacks
)

var stackNames = [numStacks]string{
	StackUnknown:  "unknown",
	StackLinux:    "Linux",
	StackWindows:  "Windows",
	StackBSD:      "BSD/macOS",
	StackEmbedded: "embedded/network device",
}

var stackKeys = [numStacks]string{
	StackUnknown:  "unknown",
	StackLinux:    "linux",
	StackWindows:  "windows",
	StackBSD:      "bsd",
	StackEmbedded: "embedded",
}

// String returns the family's name for people: "Linux", "BSD/macOS", ...
func (s Stack) String() string {
	if s < numStacks {
		return stackNames[s]
	}
	return stackNames[StackUnknown]
}

// Key returns the family's name for machines: "linux", "windows", "bsd",
// "embedded" or "unknown".
func (s Stack) Key() string {
	if s < numStacks {
		return stackKeys[s]
	}
	return stackKeys[StackUnknown]
}

// Offer is a set of TCP options a SYN of ours carried.
type Offer uint8

// Options a SYN may offer.
const (
	OfferMSS Offer = 1 << iota
	OfferWScale
	OfferSACK
	OfferTimestamps
)

// Sample is what one TCP reply to a scan probe showed of the stack that
// sent it: a SYN-ACK, or a reset. It is a plain value; Options may be a
// view into a received frame (see SampleFrom), valid as long as the frame.
type Sample struct {
	Version uint8 // IP version: 4 or 6
	TTL     uint8 // IPv4 TTL or IPv6 hop limit, as received
	DF      bool  // IPv4 Don't Fragment
	IPID    uint16
	Flags   packet.TCPFlags
	Window  uint16
	// Options are the reply's TCP option bytes, in order, padding
	// included.
	Options []byte
	// Port is the port that answered.
	Port uint16
	// ToSYN says the reply answers a SYN of ours, which offered the
	// options in Offered; a reset to an ACK, FIN, NULL or Xmas probe
	// has it false.
	ToSYN   bool
	Offered Offer
	// Order is the reply's place among every TCP reply the host sent
	// the scan, counted from 1 as they arrived; 0 when not known. A
	// counter shared by the host's packets moves at least as much as
	// the replies between two samples, which tells it from random IDs
	// however many replies came in between.
	Order uint32
}

// SampleFrom takes a sample from a decoded TCP segment. Its Options are a
// view into d's frame; copy them to keep them longer. Port, ToSYN and
// Offered are left for the caller, who knows what the segment answers.
func SampleFrom(d *packet.Decoded) Sample {
	return Sample{
		Version: d.IP.Version, TTL: d.IP.TTL, DF: d.IP.DF, IPID: uint16(d.IP.ID),
		Flags: d.TCP.Flags, Window: d.TCP.Window, Options: d.TCP.Options.Raw,
		Port: d.TCP.SrcPort,
	}
}

// PassiveGuess is the passive tier's verdict on one host. It is a plain
// value.
type PassiveGuess struct {
	Stack Stack
	// Confidence is 0 to 100; 0 with StackUnknown.
	Confidence int
	// Evidence lists what the replies showed, in words ("TTL 64",
	// "window 64240 (44 segments of 1460)", "DF", "IP ID zero"), in a fixed
	// order: TTL, window, MSS and options, DF, IP ID, resets, resets set
	// aside.
	Evidence []string
	// SynAcks and Resets count the samples the guess rests on.
	SynAcks, Resets int
}

// String is the guess in one line, as the host report shows it: "Linux
// (confidence 90%): TTL 64, window 64240 (44 segments of 1460), DF, IP ID zero".
func (g PassiveGuess) String() string {
	var b strings.Builder
	b.WriteString(g.Stack.String())
	if g.Stack != StackUnknown {
		fmt.Fprintf(&b, " (confidence %d%%)", g.Confidence)
	}
	if len(g.Evidence) > 0 {
		b.WriteString(": ")
		b.WriteString(strings.Join(g.Evidence, ", "))
	}
	return b.String()
}

// Confidence limits: a passive guess is never certain, and less so from
// resets alone, which a firewall may send for the host.
const (
	passiveCap      = 95
	passiveResetCap = 60
	// passiveMinShare is the share of the weight the best family needs to
	// be named at all.
	passiveMinShare = 0.65
)

// IP ID spans: a counter shared by everything a host sends moves by the
// packets it sent in between, which during a scan of a few thousand ports
// stays well under this. Random IDs fall under it rarely: three samples
// with a total span under a quarter of the range by chance 3% of the time,
// five 0.02%.
const ipidCounterSpan = 16384

// ipidOtherTraffic is how far a shared counter may move, beyond the
// replies a scan saw, between two of them: the host's other traffic. A
// random ID falls in the window by chance (2n+257)/65536 of the time for
// n replies in between.
const ipidOtherTraffic = 256

// Passive guesses the OS family of one host from its samples, in the order
// they arrived. Samples that are neither SYN-ACKs to our SYNs nor resets
// are ignored; none leaves the stack unknown.
func Passive(samples []Sample) PassiveGuess {
	var g PassiveGuess
	var syn, rst []Sample
	for _, s := range samples {
		switch {
		case passiveSynAck(s):
			syn = append(syn, s)
		case passiveReset(s):
			rst = append(rst, s)
		}
	}
	if len(syn) == 0 && len(rst) == 0 {
		return g
	}
	var w weights
	ev := &g.Evidence

	// The initial TTL decides the most, so it also decides which samples
	// speak for the host: resets whose TTL tells another story came from
	// somewhere else (a firewall rejecting for the host).
	var first Sample
	if len(syn) > 0 {
		first = syn[0]
	} else {
		first = rst[0]
	}
	ittl := InitialTTL(first.TTL)
	// all are the samples kept, in arrival order.
	all := make([]Sample, 0, len(syn)+len(rst))
	rst = rst[:0]
	odd := 0
	for _, s := range samples {
		switch {
		case passiveSynAck(s):
			all = append(all, s)
		case passiveReset(s) && len(syn) > 0 && InitialTTL(s.TTL) != ittl:
			odd++
		case passiveReset(s):
			all = append(all, s)
			rst = append(rst, s)
		}
	}
	g.SynAcks, g.Resets = len(syn), len(rst)
	v6 := first.Version == 6
	ttlWord := "TTL"
	if v6 {
		ttlWord = "hop limit"
	}
	if int(first.TTL) == ittl {
		*ev = append(*ev, fmt.Sprintf("%s %d", ttlWord, ittl))
	} else {
		*ev = append(*ev, fmt.Sprintf("%s %d (initial %d)", ttlWord, first.TTL, ittl))
	}
	switch ittl {
	case 32:
		w.add(StackEmbedded, 2)
		w.add(StackWindows, 0.5) // Windows 95/98 and NT 3.5
		w.add(StackLinux, -1)
		w.add(StackBSD, -1)
	case 64:
		w.add(StackLinux, 1.5)
		w.add(StackBSD, 1.5)
		w.add(StackEmbedded, 0.5)
		w.add(StackWindows, -3)
	case 128:
		w.add(StackWindows, 4)
		w.add(StackLinux, -2)
		w.add(StackBSD, -2)
		w.add(StackEmbedded, -1)
	case 255:
		w.add(StackEmbedded, 4)
		w.add(StackLinux, -2)
		w.add(StackBSD, -2)
		w.add(StackWindows, -2)
	}

	if len(syn) > 0 {
		synAckRules(syn[0], &w, ev)
	}
	if !v6 {
		dfRules(all, &w, ev)
		ipidRules(all, &w, ev)
	}
	resetRules(rst, &w, ev)
	if odd > 0 {
		*ev = append(*ev, fmt.Sprintf("%d reset(s) with another initial TTL set aside", odd))
	}

	best, share := w.best()
	limit := passiveCap
	if len(syn) == 0 {
		limit = passiveResetCap
	}
	if share < passiveMinShare {
		return g
	}
	g.Stack = best
	g.Confidence = min(limit, int(math.Round(100*share)))
	return g
}

func passiveSynAck(s Sample) bool {
	return s.ToSYN && s.Flags.Has(packet.FlagSYN|packet.FlagACK) && s.Flags&packet.FlagRST == 0
}

func passiveReset(s Sample) bool {
	return s.Flags.Has(packet.FlagRST) && s.Flags&packet.FlagSYN == 0
}

// synAckRules weighs what a SYN-ACK's window and options say.
func synAckRules(s Sample, w *weights, ev *[]string) {
	o := parseOpts(s.Options)
	win := int(s.Window)
	switch {
	case !o.hasMSS:
		*ev = append(*ev, fmt.Sprintf("window %d", win))
	case linuxWindow(win, int(o.mss), o.ts):
		seg := int(o.mss)
		if o.ts {
			seg -= 12
		}
		*ev = append(*ev, fmt.Sprintf("window %d (%d segments of %d)", win, win/seg, seg))
	default:
		*ev = append(*ev, fmt.Sprintf("window %d", win))
	}
	switch {
	case o.hasMSS && linuxWindow(win, int(o.mss), o.ts):
		// Whole segments: what Linux's tcp_select_initial_window does.
		w.add(StackLinux, 3)
	case win == 65535:
		w.add(StackBSD, 2.5)
		w.add(StackWindows, 1)
		w.add(StackEmbedded, 0.5)
	case win == 8192:
		w.add(StackWindows, 2)
	case win == 16384:
		w.add(StackBSD, 1) // OpenBSD
		w.add(StackWindows, 0.5)
	case win < 4096:
		w.add(StackEmbedded, 2.5)
	}

	switch {
	case !o.hasMSS:
		*ev = append(*ev, "no MSS option")
		w.add(StackEmbedded, 1)
	case o.letters == "M":
		*ev = append(*ev, fmt.Sprintf("MSS %d only", o.mss))
	default:
		*ev = append(*ev, fmt.Sprintf("MSS %d, options %s", o.mss, o.names()))
	}
	if !s.ToSYN {
		return
	}
	if unasked := o.offers() &^ s.Offered; unasked&(OfferWScale|OfferSACK|OfferTimestamps) != 0 {
		// RFC 7323 and RFC 2018 allow these in a SYN-ACK only when the
		// SYN offered them; the major stacks keep to that.
		*ev = append(*ev, "options offered unasked")
		w.add(StackEmbedded, 1)
		w.add(StackLinux, -0.5)
		w.add(StackWindows, -0.5)
		w.add(StackBSD, -0.5)
		return
	}
	if !o.ws {
		return
	}
	// The SYN asked for window scaling: where it sits tells the stacks
	// apart.
	switch {
	case strings.HasSuffix(o.letters, "NW"):
		*ev = append(*ev, "window scale last")
		w.add(StackLinux, 3)
	case o.eolPad:
		*ev = append(*ev, "end-of-list padding")
		w.add(StackBSD, 3)
	case strings.HasPrefix(o.letters, "MNW"):
		// Windows and FreeBSD both lay out MSS, window scale, SACK,
		// timestamps: against Linux, not between them.
		*ev = append(*ev, "window scale second")
		w.add(StackWindows, 1.5)
		w.add(StackBSD, 1.5)
	}
}

// linuxWindow reports whether win is a whole number of segments, as Linux
// sizes it: at least four of the MSS it announced (less 12 bytes of
// timestamps when it uses them), and not 65535, which is odd.
func linuxWindow(win, mss int, ts bool) bool {
	if ts {
		mss -= 12
	}
	return mss >= 64 && win >= 4*mss && win%mss == 0 && win >= 4096
}

// dfRules weighs IPv4's Don't Fragment.
func dfRules(all []Sample, w *weights, ev *[]string) {
	df := 0
	for _, s := range all {
		if s.DF {
			df++
		}
	}
	switch {
	case df == len(all):
		*ev = append(*ev, "DF")
		w.add(StackLinux, 0.5)
		w.add(StackWindows, 0.5)
		w.add(StackBSD, 0.5)
		w.add(StackEmbedded, -1)
	case df == 0:
		*ev = append(*ev, "no DF")
		w.add(StackEmbedded, 2)
		w.add(StackLinux, -1.5)
		w.add(StackWindows, -1.5)
		w.add(StackBSD, -1.5)
	default:
		*ev = append(*ev, "DF on some replies")
	}
}

type ipidKind uint8

const (
	ipidNone ipidKind = iota
	ipidZero
	ipidNonzero // one sample, not zero
	ipidConstant
	ipidCounter
	ipidRandom
	ipidMixed // zero on some, not on others
)

// classifyIPID says how the IDs of samples, in arrival order, were chosen;
// order holds the samples' Order, or is nil.
func classifyIPID(ids []uint16, order []uint32) ipidKind {
	if len(ids) == 0 {
		return ipidNone
	}
	zero := 0
	for _, id := range ids {
		if id == 0 {
			zero++
		}
	}
	switch {
	case zero == len(ids):
		return ipidZero
	case zero > 0:
		return ipidMixed
	case len(ids) == 1:
		return ipidNonzero
	}
	constant := true
	for _, id := range ids[1:] {
		if id != ids[0] {
			constant = false
		}
	}
	if constant {
		return ipidConstant
	}
	if counter(ids, order, false) || counter(ids, order, true) {
		return ipidCounter
	}
	return ipidRandom
}

// counter reports whether ids rise as a counter the host shares would,
// each step at least one. Where the Orders of two samples say how many
// replies came in between, the step must be at least that many and at
// most twice as many (replies lost on the way count too) plus a little
// other traffic; when that is half the ID space or more, the pair tells
// nothing. Elsewhere the steps must add up to less than ipidCounterSpan.
// swapped reads the IDs byte-swapped, as older Windows put them on the
// wire.
func counter(ids []uint16, order []uint32, swapped bool) bool {
	span, told := 0, 0
	for i := 1; i < len(ids); i++ {
		a, b := ids[i-1], ids[i]
		if swapped {
			a, b = a>>8|a<<8, b>>8|b<<8
		}
		d := int(b - a)
		if d == 0 {
			return false
		}
		if order != nil && order[i-1] > 0 && order[i] > order[i-1] {
			if n := int(order[i] - order[i-1]); n < 1<<15 {
				if d < n || d > 2*n+ipidOtherTraffic {
					return false
				}
				told++
			}
			continue
		}
		span += d
		told++
	}
	return told > 0 && span < ipidCounterSpan
}

// ipidRules weighs the IPv4 IDs of the samples, in arrival order.
func ipidRules(all []Sample, w *weights, ev *[]string) {
	ids := make([]uint16, 0, len(all))
	order := make([]uint32, 0, len(all))
	for _, s := range all {
		ids = append(ids, s.IPID)
		order = append(order, s.Order)
	}
	// Few samples make a counter or randomness weaker evidence.
	strength := 1.0
	if len(ids) < 3 {
		strength = 0.5
	}
	switch classifyIPID(ids, order) {
	case ipidZero:
		*ev = append(*ev, "IP ID zero")
		w.add(StackLinux, 1)
		w.add(StackBSD, 0.5)
		w.add(StackWindows, -2)
		w.add(StackEmbedded, -0.5)
	case ipidNonzero:
		*ev = append(*ev, "IP ID not zero")
		if all[0].DF {
			w.add(StackLinux, -1) // Linux zeroes it on DF segments
		}
	case ipidConstant:
		*ev = append(*ev, "IP ID constant")
		w.add(StackEmbedded, 1)
	case ipidCounter:
		*ev = append(*ev, "IP ID incremental")
		w.add(StackWindows, 1.5*strength)
		w.add(StackEmbedded, 1*strength)
		w.add(StackLinux, -1*strength)
		w.add(StackBSD, -0.5*strength)
	case ipidRandom:
		*ev = append(*ev, "IP ID random")
		w.add(StackBSD, 1.5*strength)
		w.add(StackLinux, 0.3*strength)
		w.add(StackWindows, -1*strength)
	case ipidMixed:
		*ev = append(*ev, "IP ID zero on some replies")
	}
}

// resetRules weighs how the host resets: the window it leaves in them and
// whether a reset to a SYN acknowledges it.
func resetRules(rst []Sample, w *weights, ev *[]string) {
	if len(rst) == 0 {
		return
	}
	win, noAck := -1, false
	for _, r := range rst {
		if r.Window != 0 && win < 0 {
			win = int(r.Window)
		}
		if r.ToSYN && r.Flags&packet.FlagACK == 0 {
			noAck = true
		}
	}
	if win > 0 {
		*ev = append(*ev, fmt.Sprintf("reset window %d", win))
		w.add(StackEmbedded, 2)
		w.add(StackLinux, -1)
		w.add(StackWindows, -1)
		w.add(StackBSD, -1)
	} else {
		*ev = append(*ev, "reset window 0")
	}
	if noAck {
		*ev = append(*ev, "reset to SYN without ACK")
		w.add(StackEmbedded, 0.5)
	}
}

// weights are the evidence for each family, as log-odds.
type weights [numStacks]float64

func (w *weights) add(s Stack, x float64) { w[s] += x }

// best returns the family with the most weight and its share of the
// softmax over the named families.
func (w *weights) best() (Stack, float64) {
	best := StackLinux
	for s := StackLinux; s < numStacks; s++ {
		if w[s] > w[best] {
			best = s
		}
	}
	sum := 0.0
	for s := StackLinux; s < numStacks; s++ {
		sum += math.Exp(w[s] - w[best])
	}
	return best, 1 / sum
}

// synOpts is what a SYN-ACK's options hold.
type synOpts struct {
	letters        string // one letter an option: M, N, W, S, T, E (end of list), X (other)
	mss            uint16
	hasMSS         bool
	ws, sack, ts   bool
	eolPad         bool
	malformedOrCut bool
}

func parseOpts(b []byte) synOpts {
	var o synOpts
	var l []byte
	for i := 0; i < len(b); {
		kind := b[i]
		switch kind {
		case 0:
			l = append(l, 'E')
			o.eolPad = true
			i = len(b)
			continue
		case 1:
			l = append(l, 'N')
			i++
			continue
		}
		if i+1 >= len(b) || b[i+1] < 2 || i+int(b[i+1]) > len(b) {
			o.malformedOrCut = true
			break
		}
		n := int(b[i+1])
		switch {
		case kind == 2 && n == 4:
			o.hasMSS = true
			o.mss = uint16(b[i+2])<<8 | uint16(b[i+3])
			l = append(l, 'M')
		case kind == 3 && n == 3:
			o.ws = true
			l = append(l, 'W')
		case kind == 4 && n == 2:
			o.sack = true
			l = append(l, 'S')
		case kind == 8 && n == 10:
			o.ts = true
			l = append(l, 'T')
		default:
			l = append(l, 'X')
		}
		i += n
	}
	o.letters = string(l)
	return o
}

// offers returns the options present, as an Offer.
func (o synOpts) offers() Offer {
	var f Offer
	if o.hasMSS {
		f |= OfferMSS
	}
	if o.ws {
		f |= OfferWScale
	}
	if o.sack {
		f |= OfferSACK
	}
	if o.ts {
		f |= OfferTimestamps
	}
	return f
}

var optNames = map[byte]string{'M': "MSS", 'N': "NOP", 'W': "WS", 'S': "SACK", 'T': "TS", 'E': "EOL", 'X': "other"}

// names lists the options in order: "MSS,NOP,WS,SACK,TS".
func (o synOpts) names() string {
	parts := make([]string, 0, len(o.letters))
	for i := 0; i < len(o.letters); i++ {
		parts = append(parts, optNames[o.letters[i]])
	}
	s := strings.Join(parts, ",")
	if o.malformedOrCut {
		s += ",malformed"
	}
	return s
}
