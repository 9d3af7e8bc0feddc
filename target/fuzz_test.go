package target

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
)

var parseSeeds = []string{
	"192.168.0.1", "10.0.0.0/8", "10.0.0-3.1-254", "10.1,3.0.1", "10.0.0.-", "*.*.*.*", "10.0.0.5,200/30",
	"fe80::1%eth0", "2001:db8::/32", "fe80::1%eth0/120", "::ffff:10.0.0.1", "scanme.nmap.org/24", "localhost.",
	"10.0.0.300", "10..0.1", "10.0.0.5-3", "1.2.3.4.5", "10.0.0.0/33", "/24", "-sS", "a..b", "1:2:3", "",
	"0-255.0-255.0-255.1", "010.0.0.1", "10.0.0.1-2-3",
}

func FuzzParse(f *testing.F) {
	for _, s := range parseSeeds {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, six bool) {
		fam := IPv4
		if six {
			fam = IPv6
		}
		sp, err := Parse(s, fam)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Spec != s {
				t.Fatalf("Parse(%q): error %v does not name the spec", s, err)
			}
			if !errors.Is(err, ErrSyntax) && !errors.Is(err, ErrFamily) {
				t.Fatalf("Parse(%q): error %v matches no sentinel", s, err)
			}
			return
		}
		again, err := Parse(sp.String(), fam)
		if err != nil || again.String() != sp.String() {
			t.Fatalf("Parse(%q) = %q, which parses to %q, %v", s, sp.String(), again.String(), err)
		}
	})
}

// refTokens splits a list as Nmap's reader does, simply.
func refTokens(b []byte) []string {
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		out = append(out, strings.FieldsFunc(line, func(r rune) bool {
			return r == ' ' || r == '\t' || r == '\r' || r == 0
		})...)
	}
	return out
}

func FuzzReadList(f *testing.F) {
	f.Add([]byte("10.0.0.1\n10.0.0.0/30 # comment\n10.0.0-1.1-2\tscanme.example\r\n"))
	f.Add([]byte("10.0.0.1#x\n#\n\n10.0.0.1 10.0.0.300 a..b"))
	f.Add([]byte("10.0.0.0/28 10.0.0.3-9 10.0.0.*,1 mapped.example/30"))
	f.Add([]byte("2001:db8::1 ::/127 fe80::1%eth0"))
	f.Fuzz(func(t *testing.T, b []byte) {
		want := refTokens(b)
		var got []string
		for sp, err := range ReadList(bytes.NewReader(b), IPv4) {
			if err != nil {
				var e *Error
				if !errors.As(err, &e) {
					t.Fatalf("error %v is not an *Error", err)
				}
				got = append(got, e.Spec)
				continue
			}
			got = append(got, sp.String())
		}
		if len(got) != len(want) {
			t.Fatalf("%d specs, want %d: %q vs %q", len(got), len(want), got, want)
		}
		checkStreamSpace(t, b)
	})
}

// checkStreamSpace checks that Stream and Build agree on a list, on the
// first targets.
func checkStreamSpace(t *testing.T, b []byte) {
	const limit = 3000
	o := Options{Resolver: testResolver()}
	s, err := Build(context.Background(), ReadList(bytes.NewReader(b), IPv4), o)
	if err != nil {
		return // a syntax error or a large scope
	}
	n, _ := s.Len()
	k := uint64(0)
	for tg, err := range Stream(context.Background(), ReadList(bytes.NewReader(b), IPv4), o) {
		if err != nil {
			continue // a name that does not resolve: a warning for Build
		}
		if k >= n {
			t.Fatalf("Stream yields more than Space.Len %d", n)
		}
		if at := s.At(k); at.String() != tg.String() {
			t.Fatalf("target %d: Stream %v, Space.At %v", k, tg, at)
		}
		if k++; k == limit {
			return
		}
	}
	if k != n {
		t.Fatalf("Stream yielded %d, Space.Len %d", k, n)
	}
}

func FuzzPermutation(f *testing.F) {
	f.Add(uint16(1), uint64(0))
	f.Add(uint16(2), uint64(1))
	f.Add(uint16(3), uint64(2))
	f.Add(uint16(1000), uint64(12345))
	f.Add(uint16(4096), uint64(1<<63))
	f.Fuzz(func(t *testing.T, n uint16, seed uint64) {
		checkBijection(t, uint64(n%8192)+1, seed)
	})
}
