package osfp

import (
	"bufio"
	"encoding/hex"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/packet"
)

// readCapture reads a file of hex Ethernet frames written by scan/raw's
// lab test (go test ./scan/raw -run TestPassiveLab -update-passive): the
// SYN-ACKs and resets a lab stack sent to a picket SYN scan.
func readCapture(t *testing.T, path string) []Sample {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		frame, err := hex.DecodeString(line)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		var d packet.Decoded
		if err := d.Decode(frame, packet.LinkEthernet); err != nil || d.Transport != packet.TransportTCP {
			t.Fatalf("%s: not a TCP frame: %v", path, err)
		}
		s := SampleFrom(&d)
		s.Options = slices.Clone(s.Options)
		s.ToSYN, s.Offered = true, OfferMSS
		out = append(out, s)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestPassiveCaptures(t *testing.T) {
	// Each file's name starts with the stack it came from.
	want := map[string]struct {
		stack    Stack
		evidence []string
	}{
		"windows":       {StackWindows, []string{"TTL 128", "window 8192", "DF", "IP ID incremental", "reset window 0"}},
		"freebsd":       {StackBSD, []string{"TTL 64", "window 65535", "DF", "IP ID zero"}},
		"lwip":          {StackEmbedded, []string{"TTL 255", "window 2048", "no DF", "IP ID incremental", "reset window 2048"}},
		"linux-persona": {StackLinux, []string{"TTL 64", "window 64240 (44 segments of 1460)", "DF", "IP ID zero"}},
		"linux":         {StackLinux, []string{"TTL 64", "window 64240 (44 segments of 1460)", "DF", "IP ID zero"}},
		"linux-nots":    {StackLinux, []string{"TTL 64", "window 64240 (44 segments of 1460)", "DF", "IP ID zero"}},
	}
	files, err := filepath.Glob("testdata/passive/*.txt")
	if err != nil || len(files) < 2*len(want) {
		t.Fatalf("captures: %v, %v", files, err)
	}
	for _, path := range files {
		name := strings.TrimSuffix(filepath.Base(path), ".txt")
		stackName, fam, _ := strings.Cut(name, "-v")
		if i := strings.LastIndex(name, "-v"); i >= 0 {
			stackName, fam = name[:i], name[i+2:]
		}
		w, ok := want[stackName]
		if !ok {
			t.Errorf("%s: no expectation", path)
			continue
		}
		t.Run(name, func(t *testing.T) {
			g := Passive(readCapture(t, path))
			t.Log(g)
			if g.Stack != w.stack {
				t.Errorf("guess %v, want %v", g, w.stack)
			}
			if g.Confidence < 80 {
				t.Errorf("confidence %d, want at least 80", g.Confidence)
			}
			if g.SynAcks != 2 || g.Resets != 2 {
				t.Errorf("%d SYN-ACKs and %d resets, want 2 and 2", g.SynAcks, g.Resets)
			}
			for _, e := range w.evidence {
				if fam == "6" {
					// IPv6 has neither DF nor an ID, and a hop limit.
					if strings.Contains(e, "DF") || strings.HasPrefix(e, "IP ID") {
						continue
					}
					e = strings.Replace(e, "TTL", "hop limit", 1)
					if stackName == "linux" || stackName == "linux-nots" {
						e = strings.Replace(e, "64240 (44 segments of 1460)", "64800 (45 segments of 1440)", 1)
					}
				}
				if !slices.Contains(g.Evidence, e) {
					t.Errorf("evidence %q lacks %q", g.Evidence, e)
				}
			}
		})
	}
}

// synAck builds a SYN-ACK to an MSS-only SYN, with the MSS 1460 only.
func synAck(ttl uint8, win uint16, df bool, id uint16) Sample {
	return synAckOpts(ttl, win, df, id, []byte{2, 4, 5, 0xb4})
}

func synAckOpts(ttl uint8, win uint16, df bool, id uint16, opts []byte) Sample {
	return Sample{Version: 4, TTL: ttl, DF: df, IPID: id, Flags: packet.FlagSYN | packet.FlagACK,
		Window: win, Options: opts, Port: 80, ToSYN: true, Offered: OfferMSS}
}

func reset(ttl uint8, win uint16, df bool, id uint16) Sample {
	return Sample{Version: 4, TTL: ttl, DF: df, IPID: id, Flags: packet.FlagRST | packet.FlagACK,
		Window: win, Port: 81, ToSYN: true, Offered: OfferMSS}
}

func offered(s Sample, o Offer) Sample {
	s.Offered = o
	return s
}

var allOffered = OfferMSS | OfferWScale | OfferSACK | OfferTimestamps

func TestPassiveRules(t *testing.T) {
	ts := []byte{8, 10, 0, 0, 0, 1, 0, 0, 0, 0}
	cat := func(parts ...[]byte) []byte { return slices.Concat(parts...) }
	mss := []byte{2, 4, 5, 0xb4}
	tests := []struct {
		name    string
		samples []Sample
		want    Stack
		minConf int
		maxConf int
		has     []string
	}{
		{name: "macOS: 65535, random IDs",
			samples: []Sample{synAck(64, 65535, true, 41233), synAck(64, 65535, true, 7), reset(64, 0, true, 60001)},
			want:    StackBSD, minConf: 80, has: []string{"IP ID random"}},
		{name: "OpenBSD: 16384, random IDs",
			samples: []Sample{synAck(64, 16384, true, 2000), synAck(64, 16384, true, 51000), synAck(64, 16384, true, 30000)},
			want:    StackBSD, minConf: 60},
		{name: "Windows with a Linux-like window",
			samples: []Sample{synAck(128, 64240, true, 300), reset(128, 0, true, 302), synAck(128, 64240, true, 305)},
			want:    StackWindows, minConf: 90},
		{name: "Windows 65535, byte-swapped counter",
			samples: []Sample{synAck(128, 65535, true, 0x0100), synAck(128, 65535, true, 0x0200), synAck(128, 65535, true, 0x0500)},
			want:    StackWindows, minConf: 90, has: []string{"IP ID incremental"}},
		{name: "router: TTL 255, small window, no DF",
			samples: []Sample{synAck(250, 4128, false, 77), reset(250, 0, false, 78)},
			want:    StackEmbedded, minConf: 90, has: []string{"TTL 250 (initial 255)", "no DF"}},
		{name: "Linux two hops away",
			samples: []Sample{synAck(62, 29200, true, 0)},
			want:    StackLinux, minConf: 90, has: []string{"TTL 62 (initial 64)", "window 29200 (20 segments of 1460)"}},
		{name: "Linux, a reset from a firewall set aside",
			samples: []Sample{reset(255, 0, false, 5), synAck(64, 64240, true, 0), reset(64, 0, true, 0)},
			want:    StackLinux, minConf: 90, has: []string{"1 reset(s) with another initial TTL set aside"}},
		{name: "resets only are capped",
			samples: []Sample{reset(128, 0, true, 10), reset(128, 0, true, 11)},
			want:    StackWindows, minConf: 50, maxConf: passiveResetCap},
		{name: "options offered unasked",
			samples: []Sample{synAckOpts(255, 2048, false, 1, cat(mss, []byte{1, 3, 3, 0}, ts))},
			want:    StackEmbedded, minConf: 90, has: []string{"options offered unasked", "MSS 1460, options MSS,NOP,WS,TS"}},
		{name: "no MSS option",
			samples: []Sample{synAckOpts(64, 1024, false, 9, []byte{})},
			want:    StackEmbedded, has: []string{"no MSS option"}},
		{name: "Linux layout when asked: window scale last",
			samples: []Sample{offered(synAckOpts(64, 65160, true, 0, cat(mss, []byte{4, 2}, ts, []byte{1, 3, 3, 7})), allOffered)},
			want:    StackLinux, minConf: 90, has: []string{"window 65160 (45 segments of 1448)", "window scale last"}},
		{name: "macOS layout when asked: end-of-list padding",
			samples: []Sample{offered(synAckOpts(64, 65535, true, 999, cat(mss, []byte{1, 3, 3, 6, 1, 1}, ts, []byte{4, 2, 0, 0})), allOffered)},
			want:    StackBSD, minConf: 90, has: []string{"end-of-list padding"}},
		{name: "Windows layout when asked",
			samples: []Sample{offered(synAckOpts(128, 8192, true, 999, cat(mss, []byte{1, 3, 3, 8}, []byte{4, 2}, ts)), allOffered)},
			want:    StackWindows, minConf: 90, has: []string{"window scale second"}},
		{name: "IPv6 Linux",
			samples: []Sample{{Version: 6, TTL: 64, Flags: packet.FlagSYN | packet.FlagACK, Window: 64800, Options: []byte{2, 4, 5, 0xa0}, ToSYN: true, Offered: OfferMSS}},
			want:    StackLinux, minConf: 90, has: []string{"hop limit 64", "window 64800 (45 segments of 1440)"}},
		{name: "a reset with a window",
			samples: []Sample{synAck(64, 5840, false, 3), reset(64, 5840, false, 4)},
			want:    StackEmbedded, has: []string{"reset window 5840"}},
		{name: "nothing", samples: nil, want: StackUnknown},
		{name: "a SYN-ACK to no SYN of ours is ignored",
			samples: []Sample{{Version: 4, TTL: 128, Flags: packet.FlagSYN | packet.FlagACK}}, want: StackUnknown},
		{name: "TTL 64 and nothing else telling stays unknown",
			samples: []Sample{synAck(64, 5000, true, 0)},
			want:    StackUnknown, has: []string{"TTL 64", "window 5000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := Passive(tt.samples)
			t.Log(g)
			if g.Stack != tt.want {
				t.Errorf("guess %v, want %v", g, tt.want)
			}
			if g.Confidence < tt.minConf || (tt.maxConf > 0 && g.Confidence > tt.maxConf) {
				t.Errorf("confidence %d, want %d to %d", g.Confidence, tt.minConf, tt.maxConf)
			}
			if g.Stack == StackUnknown && g.Confidence != 0 {
				t.Errorf("unknown with confidence %d", g.Confidence)
			}
			for _, e := range tt.has {
				if !slices.Contains(g.Evidence, e) {
					t.Errorf("evidence %q lacks %q", g.Evidence, e)
				}
			}
		})
	}
}

func TestClassifyIPID(t *testing.T) {
	tests := []struct {
		name  string
		ids   []uint16
		order []uint32
		want  ipidKind
	}{
		{"none", nil, nil, ipidNone},
		{"zero", []uint16{0, 0, 0}, nil, ipidZero},
		{"one nonzero", []uint16{5}, nil, ipidNonzero},
		{"mixed", []uint16{0, 7}, nil, ipidMixed},
		{"constant", []uint16{9, 9, 9}, nil, ipidConstant},
		{"counter", []uint16{100, 101, 900}, nil, ipidCounter},
		{"counter wrapping", []uint16{65530, 2, 40}, nil, ipidCounter},
		{"byte-swapped counter", []uint16{0x0a00, 0x0b00, 0x0c00}, nil, ipidCounter},
		{"random", []uint16{100, 30000, 9000}, nil, ipidRandom},
		{"a repeat is not a counter", []uint16{100, 100, 101}, nil, ipidRandom},
		// What a Windows-like host sent a scan of every port: the IDs
		// move by thousands, as many as the replies in between.
		{"counter across a big scan", []uint16{7125, 7126, 13056, 23189, 34350}, []uint32{10531, 10532, 16000, 25100, 36000}, ipidCounter},
		{"counter across a big scan, some replies lost", []uint16{7125, 7126, 13056, 23189, 34350}, []uint32{9000, 9001, 13000, 20000, 29000}, ipidCounter},
		{"moving more than the replies allow", []uint16{100, 101, 5000}, []uint32{1, 2, 5}, ipidRandom},
		{"moving less than the replies say", []uint16{100, 101, 150}, []uint32{1, 2, 500}, ipidRandom},
		{"orders of another scan are not compared", []uint16{100, 101, 150}, []uint32{900, 901, 3}, ipidCounter},
		// Over 40,000 replies in between: that pair says nothing, the
		// others do.
		{"a pair too far apart is skipped", []uint16{7125, 7126, 9568, 52245, 52586}, []uint32{1, 2, 2444, 45121, 45462}, ipidCounter},
		{"only pairs too far apart", []uint16{100, 50000}, []uint32{1, 45000}, ipidRandom},
	}
	for _, tt := range tests {
		if got := classifyIPID(tt.ids, tt.order); got != tt.want {
			t.Errorf("%s: %v = %d, want %d", tt.name, tt.ids, got, tt.want)
		}
	}
}

func TestPassiveString(t *testing.T) {
	g := Passive([]Sample{synAck(64, 64240, true, 0)})
	want := "Linux (confidence 95%): TTL 64, window 64240 (44 segments of 1460), MSS 1460 only, DF, IP ID zero"
	if g.String() != want {
		t.Errorf("String() = %q, want %q", g.String(), want)
	}
	if s := (PassiveGuess{}).String(); s != "unknown" {
		t.Errorf("zero guess = %q", s)
	}
	for s := StackUnknown; s <= numStacks; s++ {
		if s.String() == "" || s.Key() == "" {
			t.Errorf("stack %d has no name", s)
		}
	}
}

// FuzzPassive feeds Passive samples made of arbitrary bytes: 8 bytes of
// header fields and up to 40 of options each. It must not panic, and its
// verdict must be coherent.
func FuzzPassive(f *testing.F) {
	f.Add([]byte{4, 64, 1, 0, 0, 0x12, 0xfa, 0xf0, 4, 2, 4, 5, 0xb4})
	f.Add([]byte{4, 128, 1, 0, 1, 0x14, 0, 0, 0, 4, 128, 1, 0, 2, 0x12, 0x20, 0, 4, 2, 4, 5, 0xb4})
	f.Add([]byte{6, 255, 0, 0, 0, 0x12, 0x08, 0, 12, 2, 4, 5, 0xb4, 1, 3, 3, 0, 8, 10, 0, 0})
	f.Add([]byte{4, 64, 0, 0, 0, 0x12, 0xff, 0xff, 3, 2, 4, 5})
	f.Fuzz(func(t *testing.T, b []byte) {
		var samples []Sample
		for len(b) >= 9 && len(samples) < 8 {
			n := min(int(b[8]), 40, len(b)-9)
			s := Sample{
				Version: 4 + 2*(b[0]&1), TTL: b[1], DF: b[2]&1 != 0, IPID: uint16(b[3])<<8 | uint16(b[4]),
				Flags: packet.TCPFlags(b[5]), Window: uint16(b[6])<<8 | uint16(b[7]),
				Options: b[9 : 9+n], ToSYN: b[2]&2 == 0, Offered: Offer(b[2] >> 4),
			}
			samples = append(samples, s)
			b = b[9+n:]
		}
		g := Passive(samples)
		if g.Confidence < 0 || g.Confidence > passiveCap {
			t.Fatalf("confidence %d", g.Confidence)
		}
		if (g.Stack == StackUnknown) != (g.Confidence == 0) {
			t.Fatalf("stack %v with confidence %d", g.Stack, g.Confidence)
		}
		if g.Stack != StackUnknown && len(g.Evidence) == 0 {
			t.Fatalf("%v with no evidence", g.Stack)
		}
		if again := Passive(samples); again.String() != g.String() {
			t.Fatalf("not deterministic: %q then %q", g, again)
		}
		_ = g.String()
	})
}
