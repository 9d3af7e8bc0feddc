package ports

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func FuzzParseSpec(f *testing.F) {
	for _, s := range []string{
		"22", "22,80,443", "1-1000", "-", "-1024", "60000-", "0", "0-", " 22 , 80 - 82 ",
		"T:22,80,U:53,161", "S:2905", "T:", "http", "http*", "snmp????", "[1-100]", "[T:1-100],443",
		"U:[1-1000]", "[]", "70000", "100-1", ",22", "22,,80", "--5", "X:22", "P:6", "t:22",
		"[1-10", "[[1]]", "22]", "99999999999999999999", "*", "T:U:S:-",
	} {
		f.Add(s)
	}
	tab := smallTable(f)
	f.Fuzz(func(t *testing.T, spec string) {
		got, err := Parse(spec, tab)
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("Parse(%q): error %T, want *SyntaxError", spec, err)
			}
			if se.Offset < 0 || se.Offset > len(spec) || !strings.HasPrefix(spec[se.Offset:], se.Token) {
				t.Fatalf("Parse(%q): Token %q not at Offset %d", spec, se.Token, se.Offset)
			}
			return
		}
		if got.Len() == 0 {
			return
		}
		back, err := Parse(got.String(), tab)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", spec, got.String(), err)
		}
		for _, p := range allProtos {
			if !back.For(p).Equal(got.For(p)) {
				t.Fatalf("Parse(%q) = %q, which reads back as %q", spec, got.String(), back.String())
			}
		}
	})
}

// checkTable verifies the invariants every Table must keep, however it was
// read.
func checkTable(t *testing.T, tab *Table) {
	t.Helper()
	for i, p := range allProtos {
		if len(tab.index[i]) != len(tab.entries[i]) {
			t.Fatalf("%v: %d index entries for %d ports", p, len(tab.index[i]), len(tab.entries[i]))
		}
		for j, e := range tab.entries[i] {
			if tab.index[i][e.port] != int32(j) {
				t.Fatalf("%v: index of %d is %d, want %d", p, e.port, tab.index[i][e.port], j)
			}
			if e.name == "" || strings.ContainsAny(e.name, " \t#") {
				t.Fatalf("%v: port %d has name %q", p, e.port, e.name)
			}
			if j > 0 && e.freq > tab.entries[i][j-1].freq {
				t.Fatalf("%v: port %d ranks below a less frequent one", p, e.port)
			}
		}
		if n := tab.Top(p, len(tab.entries[i])+1).Len(); n != len(tab.entries[i]) {
			t.Fatalf("%v: Top of all is %d ports, want %d", p, n, len(tab.entries[i]))
		}
	}
}

func FuzzReadServices(f *testing.F) {
	sample, err := os.ReadFile("testdata/nmap-services.sample")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(string(sample))
	for _, s := range []string{
		"", "http 80/tcp 0.5\n", "http 80/tcp\n", "x 1/ddp 1\n", "http\n", "a 1/tcp 1 2\n",
		"a 70000/tcp 0.1\n", "a 1/tcp NaN\n", "a 1/tcp 1e-300\n", "a 1/tcp 0.1\na 1/tcp 0.2\n",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		tab, err := ReadServices(strings.NewReader(data), "fuzz")
		if err != nil {
			var le *LineError
			if errors.As(err, &le) && (le.Line < 1 || le.Line > strings.Count(data, "\n")+1) {
				t.Fatalf("error names line %d of a %d-line input", le.Line, strings.Count(data, "\n")+1)
			}
			return
		}
		checkTable(t, tab)
	})
}

func FuzzReadTable(f *testing.F) {
	f.Add(builtin[:2000])
	for _, s := range []string{"", "80/tcp http\n", "80/tcp http\n80/tcp www\n", "80 http\n", "1/sctp a # b\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		tab, err := readTable(strings.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		checkTable(t, tab)
	})
}
