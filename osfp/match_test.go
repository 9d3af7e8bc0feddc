package osfp

import (
	"fmt"
	"strings"
	"testing"
)

func TestExpr(t *testing.T) {
	cases := []struct {
		expr string
		yes  []string
		no   []string
	}{
		{"", []string{""}, []string{"0", "A"}},
		{"FAF0", []string{"FAF0"}, []string{"faf0", "FAF", ""}},
		{"M5B4|M218", []string{"M5B4", "M218"}, []string{"M5B", ""}},
		{"FA-104", []string{"FA", "100", "104", "fb"}, []string{"F9", "105", "", "1G"}},
		{">A", []string{"B", "FF"}, []string{"A", "9", "Z"}},
		{"<40", []string{"3F", "0"}, []string{"40", "41", ""}},
		{"<40|Y", []string{"", "3F", "Y"}, []string{"40", "N"}}, // Nmap: "" parses as 0 among alternatives
		{"+", []string{"1", "ABC"}, []string{"0", "", "X"}},
		{"1-6&+", []string{"3"}, []string{"0", "7"}},
		{"0x10-0x20", []string{"15"}, []string{"9"}},
		{"I|RD", []string{"I", "RD"}, []string{"RI", "Z"}},
		{"S+|S", []string{"S+", "S"}, []string{"O"}},
	}
	for _, c := range cases {
		e := CompileExpr(c.expr)
		for _, v := range c.yes {
			if !e.Match(v) {
				t.Errorf("%q should match %q", c.expr, v)
			}
		}
		for _, v := range c.no {
			if e.Match(v) {
				t.Errorf("%q should not match %q", c.expr, v)
			}
		}
	}
	// Stars are picket's own extension, off for Nmap's database.
	if CompileExpr("M*NW7").Match("M5B4NW7") {
		t.Error("CompileExpr expanded a star")
	}
	g := compileExpr("M*NW*|M*", true)
	for _, v := range []string{"M5B4NW7", "MFFD7NW10", "M5B4"} {
		if !g.Match(v) {
			t.Errorf("glob should match %q", v)
		}
	}
	for _, v := range []string{"MNW7", "M5B4NW", "M5B4S", "MG"} {
		if g.Match(v) {
			t.Errorf("glob should not match %q", v)
		}
	}
}

func TestStrtoul16(t *testing.T) {
	cases := []struct {
		in   string
		v    uint32
		rest string
	}{
		{"", 0, ""}, {"1F", 0x1F, ""}, {" +a", 10, ""}, {"-1", 0xFFFFFFFF, ""},
		{"0x", 0, "x"}, {"0x1g", 1, "g"}, {"G", 0, "G"}, {"1FFFFFFFF", 0xFFFFFFFF, ""},
		{strings.Repeat("F", 40), 0xFFFFFFFF, ""},
	}
	for _, c := range cases {
		v, rest := strtoul16(c.in)
		if v != c.v || rest != c.rest {
			t.Errorf("%q: %X %q, want %X %q", c.in, v, rest, c.v, c.rest)
		}
	}
}

// testDB builds a small database: each entry a T1 line.
func testDB(t *testing.T, entries ...string) *DB {
	t.Helper()
	var b strings.Builder
	b.WriteString("MatchPoints\nT1(R=100%DF=20%T=15%W=5)\nU1(R=50)\n\n")
	for i, e := range entries {
		name, test, _ := strings.Cut(e, ":")
		fmt.Fprintf(&b, "Fingerprint %s\nClass V%d | F%d | %d.X | general purpose\nCPE cpe:/o:v:f:%d\n%s\n\n", name, i%3, i%3, i, i, test)
	}
	db, err := ParseDB(strings.NewReader(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestScore(t *testing.T) {
	db := testDB(t, "A:T1(R=Y%DF=Y%T=40%W=0)")
	cases := []struct {
		fp   string
		want float64
	}{
		{"T1(R=Y%DF=Y%T=40%W=0)", 1},
		{"T1(R=Y%DF=N%T=40%W=0)", 120.0 / 140},
		{"T1(R=Y%DF=N)", 100.0 / 120}, // only the attributes both have count
		{"U1(R=Y)", 0},                // no test in common
		{"T1(R=Y%X=1)\nSCAN(V=1)", 1}, // unknown attributes and tests ignored
		{"T1(R=N)", 0},
	}
	for _, c := range cases {
		if got := db.Score(mustParse(t, c.fp), &db.Entries[0]); got != c.want {
			t.Errorf("%s: %v, want %v", c.fp, got, c.want)
		}
	}
}

func TestMatchOrder(t *testing.T) {
	db := testDB(t,
		"Low:T1(R=Y%DF=N%T=40%W=0)",  // 120/140 = 0.857
		"Tie1:T1(R=Y%DF=Y%T=41%W=0)", // 125/140 = 0.893
		"Tie2:T1(R=Y%DF=Y%T=41%W=0)",
		"Best:T1(R=Y%DF=Y%T=40%W=0)",
		"Dup:T1(R=Y%DF=N%T=40%W=0)",
		"Dup:T1(R=Y%DF=Y%T=40%W=0)",  // the better of two same-named entries wins
		"Dup:T1(R=Y%DF=Y%T=41%W=1)",  // and a worse one later is skipped
		"Poor:T1(R=Y%DF=N%T=41%W=1)", // 100/140: below the threshold
	)
	r := db.Match(mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"), 0)
	var got []string
	for _, m := range r.Matches {
		got = append(got, fmt.Sprintf("%s:%d", m.Entry.Name, m.Percent()))
	}
	want := "Best:100 Dup:100 Tie1:89 Tie2:89 Low:85"
	if strings.Join(got, " ") != want || r.Perfect != 2 || r.TooMany {
		t.Errorf("got %v (perfect %d), want %s", got, r.Perfect, want)
	}
	if r := db.Match(mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"), 1); len(r.Matches) != 1 || r.Perfect != 1 {
		t.Errorf("top 1: %+v", r)
	}
}

func TestMatchTooMany(t *testing.T) {
	var es []string
	for i := range MaxMatches + 1 {
		es = append(es, fmt.Sprintf("E%d:T1(R=Y)", i))
	}
	r := testDB(t, es...).Match(mustParse(t, "T1(R=Y)"), 0)
	if !r.TooMany || !Summarize(r, false).TooMany {
		t.Errorf("%d perfect, too many %v", r.Perfect, r.TooMany)
	}
	// A full list raises the bar: later entries must beat the last one.
	es = es[:0]
	for i := range MaxMatches {
		es = append(es, fmt.Sprintf("E%d:T1(R=Y%%DF=Y%%T=41%%W=0)", i))
	}
	es = append(es, "Late:T1(R=Y%DF=Y%T=41%W=0)", "Later:T1(R=Y%DF=Y%T=40%W=1)")
	r = testDB(t, es...).Match(mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"), 0)
	if len(r.Matches) != MaxMatches || r.Matches[0].Entry.Name != "Later" || r.Matches[MaxMatches-1].Entry.Name != "E34" {
		t.Errorf("full list: first %s, last %s, %d", r.Matches[0].Entry.Name, r.Matches[len(r.Matches)-1].Entry.Name, len(r.Matches))
	}
}

func TestSummarize(t *testing.T) {
	db := testDB(t,
		"One:T1(R=Y%DF=Y%T=40%W=0)",
		"Two:T1(R=Y%DF=Y%T=40%W=0)",
		"Near:T1(R=Y%DF=Y%T=41%W=0)",
		"Far:T1(R=Y%DF=N%T=40%W=0)",
	)
	s := Summarize(db.Match(mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"), 0), false)
	if !s.Exact || len(s.Details) != 2 || len(s.Guesses) != 0 || s.JustGuessing {
		t.Errorf("perfect: %+v", s)
	}
	if s.Running() != "V0 F0 0.X, V1 F1 1.X" || strings.Join(s.CPE, " ") != "cpe:/o:v:f:0 cpe:/o:v:f:1" {
		t.Errorf("running %q, CPE %v", s.Running(), s.CPE)
	}
	// No perfect match: guesses only with guessing on, within 10 points.
	fp := mustParse(t, "T1(R=Y%DF=Y%T=41%W=1)")
	if s := Summarize(db.Match(fp, 0), false); s.Exact || len(s.Guesses) != 0 || len(s.Families) != 0 {
		t.Errorf("no guessing: %+v", s)
	}
	s = Summarize(db.Match(fp, 0), true)
	var names []string
	for _, g := range s.Guesses {
		names = append(names, fmt.Sprintf("%s (%d%%)", g.Entry.Name, g.Percent()))
	}
	// One and Two (85%) are more than 10 points below Near (96%).
	if strings.Join(names, ", ") != "Near (96%)" || !s.JustGuessing {
		t.Errorf("guesses %v", names)
	}
	if s.Running() != "V2 F2 2.X (96%)" {
		t.Errorf("running %q", s.Running())
	}
	if s := Summarize(db.Match(mustParse(t, "T1(R=N)"), 0), true); !s.NoMatch {
		t.Errorf("no match: %+v", s)
	}
}

func TestBest(t *testing.T) {
	db := testDB(t, "A:T1(R=Y%DF=Y%T=40%W=0)")
	tries := []Fingerprint{
		mustParse(t, "T1(R=N)"),
		mustParse(t, "T1(R=Y%DF=Y%T=41%W=0)"),
		mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"),
		mustParse(t, "T1(R=Y%DF=Y%T=40%W=0)"),
	}
	if i, r := db.Best(tries); i != 2 || r.Perfect != 1 {
		t.Errorf("best try %d, %+v", i, r)
	}
	if i, _ := db.Best(nil); i != -1 {
		t.Errorf("no tries: %d", i)
	}
}
