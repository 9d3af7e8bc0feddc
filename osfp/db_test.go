package osfp

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// nmapDB is where Debian's nmap package installs its database. Tests read
// it at run time and skip without it: picket never copies it.
const nmapDB = "/usr/share/nmap/nmap-os-db"

func installedDB(t *testing.T) *DB {
	t.Helper()
	f, err := os.Open(nmapDB)
	if err != nil {
		t.Skipf("no installed nmap-os-db: %v", err)
	}
	defer f.Close()
	db, err := ParseDB(f)
	if err != nil {
		t.Fatalf("parse %s: %v", nmapDB, err)
	}
	return db
}

func TestParseInstalledDB(t *testing.T) {
	db := installedDB(t)
	if len(db.Entries) < 5000 {
		t.Errorf("%d entries", len(db.Entries))
	}
	if len(db.MatchPoints.Tests) != 13 {
		t.Errorf("MatchPoints has %d tests", len(db.MatchPoints.Tests))
	}
	classes, cpes := 0, 0
	for _, e := range db.Entries {
		if len(e.Classes) == 0 {
			t.Errorf("%s (line %d) has no class", e.Name, e.Line)
		}
		classes += len(e.Classes)
		for _, c := range e.Classes {
			cpes += len(c.CPE)
		}
	}
	if classes < len(db.Entries) || cpes < len(db.Entries) {
		t.Errorf("%d classes, %d CPE names for %d entries", classes, cpes, len(db.Entries))
	}
}

// A modern Linux, its fingerprint computed from simulated replies, matches
// a Linux entry of Nmap's database best.
func TestInstalledDBMatchesLinux(t *testing.T) {
	db := installedDB(t)
	fp := Compute(linuxStack().respond(t))
	r := db.Match(fp, 10)
	if len(r.Matches) == 0 {
		t.Fatalf("no match for\n%s", fp)
	}
	best := r.Matches[0]
	if !strings.Contains(best.Entry.Name, "Linux") || best.Entry.Classes[0].Family != "Linux" {
		t.Errorf("best match %s (%d%%)", best.Entry.Name, best.Percent())
	}
	if best.Accuracy < 0.95 {
		t.Errorf("best match %s only %d%%", best.Entry.Name, best.Percent())
	}
	s := Summarize(r, true)
	if len(s.Families) == 0 || s.Families[0].Name != "Linux" {
		t.Errorf("summary %+v", s)
	}
	t.Logf("best: %s (%d%%), running: %s, CPE %v", best.Entry.Name, best.Percent(), s.Running(), s.CPE)

	win := Compute(windowsStack().respond(t))
	if r := db.Match(win, 1); len(r.Matches) == 0 || r.Matches[0].Entry.Classes[0].Family != "Windows" {
		t.Errorf("Windows-like stack: %+v", r.Matches)
	} else {
		t.Logf("windows: %s (%d%%)", r.Matches[0].Entry.Name, r.Matches[0].Percent())
	}
}

func TestOwnDB(t *testing.T) {
	db, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	if db.Source != "picket" || len(db.Entries) < 9 {
		t.Fatalf("own db: %q, %d entries", db.Source, len(db.Entries))
	}
	families := map[string]bool{}
	for _, e := range db.Entries {
		if len(e.Classes) == 0 || len(e.Classes[0].CPE) == 0 {
			t.Errorf("%s lacks a class or CPE", e.Name)
		}
		families[e.Classes[0].Family] = true
	}
	for _, f := range []string{"Linux", "Windows", "FreeBSD", "OpenBSD", "macOS", "lwIP", "IOS"} {
		if !families[f] {
			t.Errorf("no %s entry", f)
		}
	}
	if again, _ := Own(); again != db {
		t.Error("Own parses more than once")
	}
}

// Each simulated personality gets its family, and Linux its kernel range,
// from picket's own database alone.
func TestOwnDBFamilies(t *testing.T) {
	db, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	old := linuxStack()
	old.win, old.winNoTS = 0x7120, 0x7210
	cases := []struct {
		name string
		s    *stack
		want string
	}{
		{"linux 5", linuxStack(), "Linux 4.19 - 6.x"},
		{"linux 3", old, "Linux 2.6.39 - 4.18"},
		{"windows 10", windowsStack(), "Microsoft Windows 10, 11, Server 2016 - 2025"},
		{"freebsd", freebsdStack(), "FreeBSD 11.0 - 14.x"},
		{"macos", macStack(), "Apple macOS 10.11 - 15 (Darwin 15 - 24)"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fp := Compute(c.s.respond(t))
			r := db.Match(fp, 3)
			if len(r.Matches) == 0 {
				t.Fatalf("no match for\n%s", fp)
			}
			if r.Matches[0].Entry.Name != c.want {
				for _, m := range r.Matches {
					t.Logf("%s %d%%", m.Entry.Name, m.Percent())
				}
				t.Errorf("best %s, want %s\n%s", r.Matches[0].Entry.Name, c.want, fp)
			}
		})
	}
}

func TestParseDBErrors(t *testing.T) {
	const mp = "MatchPoints\nT1(R=1%DF=2)\n\n"
	cases := []struct {
		name, in string
	}{
		{"no matchpoints", "Fingerprint X\nClass A | B | | c\nT1(R=Y)\n"},
		{"two matchpoints", mp + mp},
		{"stray line", mp + "hello\n"},
		{"no test weights", mp + "Fingerprint X\nClass A | B | | c\nT9(R=Y)\n"},
		{"bad weight", "MatchPoints\nT1(R=x)\n"},
		{"short class", mp + "Fingerprint X\nClass A | B\n"},
		{"cpe first", mp + "Fingerprint X\nCPE cpe:/o:x\n"},
		{"no name", mp + "Fingerprint \n"},
		{"text after test", mp + "Fingerprint X\nClass A | B | | c\nT1(R=Y) junk\n"},
		{"long line", mp + "Fingerprint " + strings.Repeat("x", MaxDBLineBytes) + "\n"},
	}
	for _, c := range cases {
		if _, err := ParseDB(strings.NewReader(c.in)); !errors.Is(err, ErrSyntax) {
			t.Errorf("%s: err %v", c.name, err)
		}
	}
	db, err := ParseDB(strings.NewReader("# c\n" + mp + "Fingerprint  X # comment\n# inside\nClass A | B | | c\nCPE cpe:/o:a:b auto\nT1(R=Y%DF=N|Y)\n\nFingerprint Y\nClass A|A|1|d\n"))
	if err != nil {
		t.Fatal(err)
	}
	e := db.Entries[0]
	if e.Name != "X" || e.Line != 5 || e.Classes[0].Generation != "" || e.Classes[0].CPE[0] != "cpe:/o:a:b" || e.Fingerprint.String() != "T1(R=Y%DF=N|Y)\n" {
		t.Errorf("entry %+v", e)
	}
}

// picket's own database is written, not copied: no entry shares more than
// two of its test lines with Nmap's verbatim. A line can coincide when it
// states one fact (six windows of 65535, incremental IP IDs without
// timestamps); a copied entry would share most of them.
func TestOwnDBNotCopied(t *testing.T) {
	data, err := os.ReadFile(nmapDB)
	if err != nil {
		t.Skip(err)
	}
	theirs := map[string]bool{}
	for l := range strings.SplitSeq(string(data), "\n") {
		theirs[strings.TrimSpace(l)] = true
	}
	own, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range own.Entries {
		var same []string
		for _, tst := range e.Fingerprint.Tests {
			if l := tst.String(); len(tst.Attrs) > 1 && theirs[l] {
				same = append(same, l)
			}
		}
		if len(same) > 2 {
			t.Errorf("%s shares %d lines with nmap-os-db: %v", e.Name, len(same), same)
		} else if len(same) > 0 {
			t.Logf("%s: coincides on %v", e.Name, same)
		}
	}
}
