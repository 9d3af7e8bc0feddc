package osfp

import (
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/packet"
)

// wantLinux is the fingerprint of a modern Linux on the same link, derived
// by hand from its documented behaviour (see linuxStack); SP, GCD and ISR
// depend on its random ISNs and are checked apart.
const wantLinux = `OPS(O1=M5B4ST11NW7%O2=M5B4ST11NW7%O3=M5B4NNT11NW7%O4=M5B4ST11NW7%O5=M5B4ST11NW7%O6=M5B4ST11)
WIN(W1=FE88%W2=FE88%W3=FE88%W4=FE88%W5=FE88%W6=FE88)
ECN(R=Y%DF=Y%T=40%W=FAF0%O=M5B4NNSNW7%CC=Y%Q=)
T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=)
T2(R=N)
T3(R=N)
T4(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)
T5(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)
T6(R=Y%DF=Y%T=40%W=0%S=A%A=Z%F=R%O=%RD=0%Q=)
T7(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)
U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)
IE(R=Y%DFI=N%T=40%CD=S)
`

func TestComputeLinux(t *testing.T) {
	a := Analyze(linuxStack().respond(t))
	fp := a.Fingerprint
	s := fp.String()
	seq, rest, _ := strings.Cut(s, "\n")
	if rest != wantLinux {
		t.Errorf("fingerprint:\n%s\nwant:\n%s", rest, wantLinux)
	}
	if !strings.HasPrefix(seq, "SEQ(SP=") || !strings.HasSuffix(seq, "%TI=Z%CI=Z%II=I%TS=A)") {
		t.Errorf("SEQ = %s", seq)
	}
	for _, attr := range []string{"SP", "ISR"} {
		v, _ := fp.Get("SEQ", attr)
		n, rest := strtoul16(v)
		if rest != "" || n < 0xC0 || n > 0x120 {
			t.Errorf("SEQ.%s = %s, want a random ISN's (C0-120)", attr, v)
		}
	}
	if a.Distance != 1 || a.DistanceGuess != 0 {
		t.Errorf("distance %d, guess %d; want 1, 0", a.Distance, a.DistanceGuess)
	}
	if a.IPID != IPIDZero || a.TS != TS1000Hz || a.SeqResponses != 6 {
		t.Errorf("IPID %v, TS %v, responses %d", a.IPID, a.TS, a.SeqResponses)
	}
	// TSval 0x0badf00d at 1000 Hz is 195,948 s of uptime.
	if !a.HasUptime || a.Uptime != 195948*time.Second {
		t.Errorf("uptime %v (%v)", a.Uptime, a.HasUptime)
	}
	if p := a.Prediction(); !strings.HasSuffix(p, " (Good luck!)") || Difficulty(a.SeqIndex) != "Good luck!" {
		t.Errorf("prediction %q", p)
	}
}

const wantWindows = `OPS(O1=M5B4NW8NNS%O2=M5B4NW8NNS%O3=M5B4NW8%O4=M5B4NW8NNS%O5=M5B4NW8NNS%O6=M5B4NNS)
WIN(W1=FFFF%W2=FFFF%W3=FFFF%W4=FFFF%W5=FFFF%W6=FFFF)
ECN(R=Y%DF=Y%TG=80%W=FFFF%O=M5B4NW8NNS%CC=N%Q=)
T1(R=Y%DF=Y%TG=80%S=O%A=S+%F=AS%RD=0%Q=)
T2(R=Y%DF=Y%TG=80%W=0%S=Z%A=S%F=AR%O=%RD=0%Q=)
T3(R=Y%DF=Y%TG=80%W=0%S=Z%A=O%F=AR%O=%RD=0%Q=)
T4(R=Y%DF=Y%TG=80%W=0%S=A%A=O%F=R%O=%RD=0%Q=)
T5(R=Y%DF=Y%TG=80%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)
T6(R=Y%DF=Y%TG=80%W=0%S=A%A=O%F=R%O=%RD=0%Q=)
T7(R=Y%DF=Y%TG=80%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)
U1(R=N)
IE(R=Y%DFI=N%TG=80%CD=Z)
`

// Without a U1 reply the hop count is unknown, so every TTL becomes a
// guess (TG), as Nmap prints it.
func TestComputeWindowsNoU1(t *testing.T) {
	s := windowsStack()
	s.distant = 3
	a := Analyze(s.respond(t))
	seq, rest, _ := strings.Cut(a.Fingerprint.String(), "\n")
	if rest != wantWindows {
		t.Errorf("fingerprint:\n%s\nwant:\n%s", rest, wantWindows)
	}
	if !strings.HasSuffix(seq, "%TI=I%CI=I%II=I%SS=S%TS=U)") {
		t.Errorf("SEQ = %s", seq)
	}
	if a.Distance != -1 || a.DistanceGuess != 3 || a.HasUptime || a.Prediction() == "" {
		t.Errorf("distance %d guess %d uptime %v", a.Distance, a.DistanceGuess, a.HasUptime)
	}
}

func TestComputeNothing(t *testing.T) {
	cases := []struct {
		name string
		r    Responses
		want string
	}{
		{"no ports", Responses{}, "U1(R=N)\nIE(R=N)\n"},
		{"open only", Responses{OpenTCP: true}, "ECN(R=N)\nT1(R=N)\nT2(R=N)\nT3(R=N)\nT4(R=N)\nU1(R=N)\nIE(R=N)\n"},
		{"closed only", Responses{ClosedTCP: true}, "T5(R=N)\nT6(R=N)\nT7(R=N)\nU1(R=N)\nIE(R=N)\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Compute(&c.r).String(); got != c.want {
				t.Errorf("got\n%s\nwant\n%s", got, c.want)
			}
		})
	}
}

// One SEQ reply: no SP, GCD, ISR (need 4), no TI (needs 3), no TS rate
// (needs 2), but OPS and WIN need all six, and T1 comes from it.
func TestComputeOneSeqReply(t *testing.T) {
	full := linuxStack().respond(t)
	r := &Responses{SeqBase: seqBase, AckBase: ackBase, OpenTCP: true}
	r.Seq[0], r.SeqSent = full.Seq[0], full.SeqSent
	fp := Compute(r)
	if _, ok := fp.Test("SEQ"); ok {
		t.Errorf("SEQ from one reply: %s", fp)
	}
	if _, ok := fp.Test("OPS"); ok {
		t.Errorf("OPS from one reply")
	}
	if v, _ := fp.Get("T1", "R"); v != "Y" {
		t.Errorf("T1 = %v", fp)
	}
	// The OPS retries fill in what SEQ lacks.
	copy(r.OPSRetry[1:], full.Seq[1:])
	fp = Compute(r)
	if v, _ := fp.Get("OPS", "O6"); v != "M5B4ST11" {
		t.Errorf("OPS with retries = %v", fp)
	}
}

func TestTSUnsupportedAndZero(t *testing.T) {
	r := linuxStack().respond(t)
	r.Seq[2].TCP.Options.HasTimestamps = false
	if v, _ := Compute(r).Get("SEQ", "TS"); v != "U" {
		t.Errorf("TS = %q, want U", v)
	}
	r = linuxStack().respond(t)
	r.Seq[4].TCP.Options.TSVal = 0
	if v, _ := Compute(r).Get("SEQ", "TS"); v != "0" {
		t.Errorf("TS = %q, want 0", v)
	}
}

// synthetic SEQ replies with chosen ISNs, IP IDs and timestamps.
func seqResponses(t *testing.T, isn []uint32, ipid []uint16, ts []uint32, gap time.Duration) *Responses {
	t.Helper()
	s := linuxStack()
	r := &Responses{SeqBase: seqBase, AckBase: ackBase}
	start := time.Unix(1_700_000_000, 0)
	for i := range isn {
		r.SeqSent[i] = start.Add(time.Duration(i) * gap)
		tcp := packet.TCP{SrcPort: 22, DstPort: tcpBase + uint16(i), Seq: isn[i], Ack: seqBase + uint32(i) + 1, Flags: packet.FlagSYN | packet.FlagACK}
		if ts != nil {
			tcp.Options.Raw = packet.AppendTimestampsOption(nil, ts[i], 1)
		}
		r.Seq[i] = s.reply(t, ipid[i], true, tcp)
	}
	return r
}

// wrapping are ISNs a million apart that cross 2^32.
var wrapping = func() []uint32 {
	v := make([]uint32, 6)
	x := uint32(0xFFF0BDC0)
	for i := range v {
		v[i] = x
		x += 1_000_000
	}
	return v
}()

func TestSeqTable(t *testing.T) {
	ids := []uint16{0, 0, 0, 0, 0, 0}
	cases := []struct {
		name string
		isn  []uint32
		ipid []uint16
		ts   []uint32
		want string
	}{
		// 1,000,000 per 100 ms: 1e7/s, log2 × 8 = 186 (BA); constant rate
		// so SP 0; GCD the step.
		{"steady", []uint32{1e6, 2e6, 3e6, 4e6, 5e6, 6e6}, ids, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=Z%TS=U)"},
		// The ISN wraps past 2^32: MOD_DIFF still sees +1,000,000.
		{"wrapping", wrapping, ids, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=Z%TS=U)"},
		// A constant ISN: differences of 0, so GCD 0 and no rate.
		{"constant isn", []uint32{7, 7, 7, 7}, []uint16{1, 2, 3, 4}, nil, "SEQ(SP=0%GCD=0%ISR=0%TI=I%TS=U)"},
		// A constant nonzero IP ID makes Nmap drop every reply after the
		// first as a duplicate.
		{"constant ipid", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{9, 9, 9, 9}, nil, "SEQ(TS=U)"},
		{"three replies", []uint32{1e6, 2e6, 3e6}, []uint16{100, 101, 102}, nil, "SEQ(TI=I%TS=U)"},
		{"broken little-endian", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{0x100, 0x200, 0x300, 0x400}, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=BI%TS=U)"},
		{"random ipid", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{100, 40000, 3, 60000}, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=RD%TS=U)"},
		// A 16-bit IP ID wrapping between samples reads as random, as in
		// Nmap, because the difference is taken in 32 bits first.
		{"ipid wrap", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{65534, 65535, 0, 1}, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=RD%TS=U)"},
		{"rpi", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{1000, 3001, 5002, 7003}, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=RI%TS=U)"},
		{"by two", []uint32{1e6, 2e6, 3e6, 4e6}, []uint16{10, 12, 14, 16}, nil, "SEQ(SP=0%GCD=F4240%ISR=BA%TI=I%TS=U)"},
		// Timestamps: 10 ticks per 100 ms is 100 Hz → 7; 1 per 100 ms is
		// 10 Hz → log2 rounded, 3; 200 per 100 ms is 2 kHz → B.
		{"ts 100Hz", []uint32{1e6, 2e6}, []uint16{0, 0}, []uint32{500, 510}, "SEQ(TS=7)"},
		{"ts 10Hz", []uint32{1e6, 2e6}, []uint16{0, 0}, []uint32{500, 501}, "SEQ(TS=3)"},
		{"ts 2kHz", []uint32{1e6, 2e6}, []uint16{0, 0}, []uint32{500, 700}, "SEQ(TS=B)"},
		{"ts still", []uint32{1e6, 2e6}, []uint16{0, 0}, []uint32{500, 500}, ""},
		// An ISN of 0 counts as no reply for the ISN tests, but its IP ID
		// counts for TI: rates 5e6, 1e7, 1e7 /s average 8.3e6 (ISR B8), and
		// their deviation in units of the GCD is 2.89 (SP C).
		{"zero isn", []uint32{1e6, 0, 2e6, 3e6, 4e6}, []uint16{1, 2, 3, 4, 5}, nil, "SEQ(SP=C%GCD=F4240%ISR=B8%TI=I%TS=U)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := seqResponses(t, c.isn, c.ipid, c.ts, SeqSpacing)
			got := ""
			if seq, ok := Compute(r).Test("SEQ"); ok {
				got = seq.String()
			}
			if got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestSharedSequence(t *testing.T) {
	r := seqResponses(t, []uint32{1e6, 2e6, 3e6, 4e6, 5e6, 6e6}, []uint16{100, 101, 102, 103, 104, 105}, nil, SeqSpacing)
	s := linuxStack()
	s.ipid = func(string, int) uint16 { return 0 }
	ie := func(id uint16) *packet.Decoded { return s.echo(t, Probes()[6], id) }
	r.IE = [2]*packet.Decoded{ie(106), ie(107)}
	if v, _ := Compute(r).Get("SEQ", "SS"); v != "S" {
		t.Errorf("SS = %q, want S", v)
	}
	r.IE = [2]*packet.Decoded{ie(900), ie(901)}
	if v, _ := Compute(r).Get("SEQ", "SS"); v != "O" {
		t.Errorf("SS = %q, want O", v)
	}
	r.IERetransmitted[1] = true // one ICMP ID is too few for II, so no SS
	if _, ok := Compute(r).Get("SEQ", "SS"); ok {
		t.Errorf("SS without II")
	}
}

func TestIPIDSequence(t *testing.T) {
	cases := []struct {
		ids       []uint32
		localhost bool
		want      IPIDClass
	}{
		{[]uint32{0, 0, 0}, false, IPIDZero},
		{[]uint32{5, 5}, false, IPIDConstant},
		{[]uint32{5, 6}, false, IPIDIncr},
		{[]uint32{65535, 0}, false, IPIDIncr}, // two samples: masked, no random test
		{[]uint32{1, 30000, 2}, false, IPIDRandom},
		{[]uint32{1, 3, 5}, true, IPIDIncr}, // localhost: one less per step
		{[]uint32{1, 2000, 2001}, false, IPIDRPI},
		{[]uint32{1, 200, 201}, false, IPIDUnknown},
		{[]uint32{1}, false, IPIDUnknown},
	}
	for _, c := range cases {
		if got := ipidSequence(c.ids, c.localhost); got != c.want {
			t.Errorf("%v (localhost %v) = %v, want %v", c.ids, c.localhost, got, c.want)
		}
	}
	if IPIDRandom.String() != "Randomized" || IPIDUnknown.String() != "Busy server or unknown class" {
		t.Error("class names")
	}
}

func TestOptionString(t *testing.T) {
	cases := []struct {
		name string
		raw  []byte
		want string
	}{
		{"empty", nil, ""},
		{"linux", linuxLayout(linuxStack(), true, true, true, 1), "M5B4ST11NW7"},
		{"eol padding", []byte{2, 4, 5, 0xb4, 1, 3, 3, 6, 4, 2, 0, 0}, "M5B4NW6SLL"},
		{"ts zero", packet.AppendTimestampsOption(nil, 0, 5), "T01"},
		{"truncated mss", []byte{2, 4, 5}, ""},
		{"truncated ts", []byte{1, 8, 10, 0, 0}, ""},
		{"unknown skipped", []byte{30, 4, 0, 0, 1}, "N"},
		{"bad unknown", []byte{30, 1}, ""},
		{"wscale hex", packet.AppendWindowScaleOption(nil, 14), "WE"},
	}
	for _, c := range cases {
		if got := OptionString(c.raw); got != c.want {
			t.Errorf("%s: %q, want %q", c.name, got, c.want)
		}
	}
}

func TestTCPTestValues(t *testing.T) {
	cases := []struct {
		name string
		tcp  packet.TCP
		data []byte
		want string
	}{
		{"seq is ack", packet.TCP{Seq: ackBase, Ack: seqBase, Flags: packet.FlagRST}, nil, "S=A%A=S%F=R%RD=0%Q="},
		{"seq is ack+1", packet.TCP{Seq: ackBase + 1, Ack: 7, Flags: packet.FlagACK | packet.FlagURG | packet.FlagECE}, nil, "S=A+%A=O%F=EUA%RD=0%Q="},
		{"quirks", packet.TCP{Seq: 3, Flags: packet.FlagACK | packet.FlagAE, Urgent: 9}, nil, "S=O%A=Z%F=A%RD=0%Q=RU"},
		{"reset data", packet.TCP{Flags: packet.FlagRST | packet.FlagACK}, []byte("123456789"), "S=Z%A=Z%F=AR%RD=CBF43926%Q="},
	}
	for _, c := range cases {
		f := packet.Frame{Link: packet.LinkRaw, Src: target, Dst: scanner, TTL: 64}
		b, err := f.AppendTCP(nil, &c.tcp, c.data)
		if err != nil {
			t.Fatal(err)
		}
		got := tcpTest("T1", decode(t, b), seqBase, ackBase, false).String()
		if !strings.HasSuffix(got, c.want+")") {
			t.Errorf("%s: %s, want …%s", c.name, got, c.want)
		}
	}
}

func TestU1Values(t *testing.T) {
	s := linuxStack()
	sent := U1Sent{SrcPort: 1, DstPort: 2, TTL: 60, IPID: U1IPID, PayloadByte: U1PayloadByte}
	d := s.unreachable(t, &sent, 7)
	want := "U1(R=Y%DF=N%T=64%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)"
	if tst, dist, ok := u1Test(d, &sent); !ok || tst.String() != want || dist != 1 {
		t.Errorf("u1 = %s %d %v", tst, dist, ok)
	}
	// A stack that rewrites the quoted header and data.
	body := d.ICMP.Body
	body[10], body[11] = 0, 0 // zero IP checksum
	body[4] = 0x99            // other IP ID
	body[26], body[27] = 0, 0 // zero UDP checksum
	body[40] = 'X'            // damaged data
	d.Quote.IP.Checksum, d.Quote.IP.ID = 0, 0x9942
	tst, _, _ := u1Test(d, &sent)
	want = "U1(R=Y%DF=N%T=64%IPL=164%UN=0%RIPL=G%RID=9942%RIPCK=Z%RUCK=0%RUD=I)"
	if tst.String() != want {
		t.Errorf("u1 = %s, want %s", tst, want)
	}
	sent.SrcPort = 99 // not our probe
	if _, _, ok := u1Test(d, &sent); ok {
		t.Error("matched a foreign quote")
	}
}

func TestIEValues(t *testing.T) {
	s := linuxStack()
	p := Probes()
	cases := []struct {
		echoDF, echoZ bool
		want          string
	}{
		{false, false, "IE(R=Y%DFI=N%T=64%CD=S)"},
		{true, false, "IE(R=Y%DFI=S%T=64%CD=S)"},
		{false, true, "IE(R=Y%DFI=N%T=64%CD=Z)"},
	}
	for _, c := range cases {
		s.echoDF, s.echoZ = c.echoDF, c.echoZ
		tst, ok := ieTest([2]*packet.Decoded{s.echo(t, p[6], 1), s.echo(t, p[7], 2)})
		if !ok || tst.String() != c.want {
			t.Errorf("%s, want %s", tst, c.want)
		}
	}
	if _, ok := ieTest([2]*packet.Decoded{s.echo(t, p[6], 1), nil}); ok {
		t.Error("IE from one reply")
	}
}

func TestProbes(t *testing.T) {
	ps := Probes()
	if len(ps) != 16 {
		t.Fatalf("%d probes", len(ps))
	}
	// The option strings Nmap's description gives for the six SEQ probes,
	// ECN and T2–T7, read back through OptionString (TSval nonzero, TSecr
	// zero).
	want := map[string]string{
		"SEQ1": "WANM5B4T10S", "SEQ2": "M578W0ST10L", "SEQ3": "T10NNW5NM280",
		"SEQ4": "ST10WAL", "SEQ5": "M218ST10WAL", "SEQ6": "M109ST10",
		"ECN": "WANM5B4SNN", "T2": "WANM109T10S", "T7": "WFNM109T10S",
	}
	win := map[string]uint16{"SEQ1": 1, "SEQ2": 63, "SEQ3": 4, "SEQ4": 4, "SEQ5": 16, "SEQ6": 512, "ECN": 3,
		"T2": 128, "T3": 256, "T4": 1024, "T5": 31337, "T6": 32768, "T7": 65535}
	for _, p := range ps {
		if w, ok := want[p.Name]; ok && OptionString(p.Options) != w {
			t.Errorf("%s options %s, want %s", p.Name, OptionString(p.Options), w)
		}
		if w, ok := win[p.Name]; ok && p.Window != w {
			t.Errorf("%s window %d, want %d", p.Name, p.Window, w)
		}
	}
	if ps[9].Name != "ECN" || ps[9].Urgent != 0xF7F5 || ps[9].Flags&packet.FlagsReserved == 0 {
		t.Errorf("ECN probe %+v", ps[9])
	}
	if r := RetryProbe(3, true); r.Name != "T1" || r.PortOffset != 13 || r.Window != 1 {
		t.Errorf("T1 retry %+v", r)
	}
}
