package osfp

import (
	"strings"
	"testing"

	"github.com/picket-scanner/picket/packet"
)

// Seeds are picket's own texts; the installed nmap-os-db is never copied
// into the corpus.

func FuzzParseDB(f *testing.F) {
	f.Add(ownText)
	f.Add("MatchPoints\nT1(R=1)\n\nFingerprint X\nClass A | B | 1 | c\nCPE cpe:/o:a:b auto\nT1(R=Y|N)\n")
	f.Add("MatchPoints\n\nFingerprint\n")
	f.Add("#\nfingerprint x\nClass |||\n")
	f.Fuzz(func(t *testing.T, s string) {
		db, err := ParseDB(strings.NewReader(s))
		if err != nil {
			return
		}
		// Whatever parsed must match without panicking, and score in [0, 1].
		fp := Fingerprint{Tests: []Test{{Name: "T1", Attrs: []Attr{{"R", "Y"}, {"DF", ""}}}}}
		for i := range db.Entries {
			if a := db.Score(fp, &db.Entries[i]); a < 0 || a > 1 {
				t.Fatalf("score %v", a)
			}
		}
		r := db.Match(fp, 5)
		Summarize(r, true)
	})
}

func FuzzParseFingerprint(f *testing.F) {
	f.Add(wantLinux)
	f.Add(wantWindows)
	f.Add("OS:SCAN(V=1%E=4)T1(R\nOS:=Y)\n")
	f.Add("X()")
	f.Fuzz(func(t *testing.T, s string) {
		fp, err := ParseFingerprint(s)
		if err != nil {
			return
		}
		// What parsed prints and parses back to the same thing.
		again, err := ParseFingerprint(fp.String())
		if err != nil {
			t.Fatalf("reparse of %q: %v", fp.String(), err)
		}
		if again.String() != fp.String() {
			t.Fatalf("round trip %q != %q", again.String(), fp.String())
		}
	})
}

func FuzzExpr(f *testing.F) {
	for _, s := range []string{"FA-104", "<40|Y", "+", "1-6&+", "M*NW*", "0x-", "-|-"} {
		f.Add(s, "3F", false)
		f.Add(s, "", true)
	}
	f.Fuzz(func(t *testing.T, expr, val string, globs bool) {
		if len(expr) > 256 || len(val) > 256 {
			return
		}
		compileExpr(expr, globs).Match(val)
	})
}

// FuzzAnalyze feeds arbitrary frames as every reply: Analyze must not
// panic whatever the target sends.
func FuzzAnalyze(f *testing.F) {
	s := linuxStack()
	s.u1Full = false
	for _, seed := range [][]byte{
		{0x45, 0, 0, 28, 0, 0, 0x40, 0, 64, 1, 0, 0, 192, 0, 2, 7, 192, 0, 2, 1, 3, 3, 0, 0, 0, 0, 0, 0},
		{0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 192, 0, 2, 7, 192, 0, 2, 1, 0, 22, 0x9c, 0x40, 0, 0, 0, 1, 0, 0, 0, 2, 0x50, 0x12, 0xff, 0xff, 0, 0, 0, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, frame []byte) {
		d := new(packet.Decoded)
		if d.Decode(frame, packet.LinkRaw) != nil {
			return
		}
		r := &Responses{OpenTCP: true, ClosedTCP: true, U1Sent: U1Sent{SrcPort: d.Quote.SrcPort, DstPort: d.Quote.DstPort}}
		for i := range r.Seq {
			r.Seq[i] = d
		}
		r.ECN, r.U1, r.T1Retry = d, d, d
		r.IE = [2]*packet.Decoded{d, d}
		for i := range r.T {
			r.T[i] = d
		}
		fp := Compute(r)
		if _, err := ParseFingerprint(fp.String()); err != nil {
			t.Fatalf("computed fingerprint does not parse: %v\n%s", err, fp)
		}
	})
}
