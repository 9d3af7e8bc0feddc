package target

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// readAll returns the canonical specs and the error messages of a list.
func readAll(t *testing.T, r io.Reader, f Family) (specs, errs []string) {
	t.Helper()
	for sp, err := range ReadList(r, f) {
		if err != nil {
			errs = append(errs, err.Error())
			continue
		}
		specs = append(specs, sp.String())
	}
	return specs, errs
}

func TestReadList(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		specs []string
		errs  []string
	}{
		{"empty", "", nil, nil},
		{"only blanks and comments", " \n\t# nothing\r\n#\n", nil, nil},
		{"one per line", "10.0.0.1\n10.0.0.2\n", []string{"10.0.0.1", "10.0.0.2"}, nil},
		{"no final newline", "10.0.0.1", []string{"10.0.0.1"}, nil},
		{"spaces tabs and CRLF", "10.0.0.1 10.0.0.2\t10.0.0.3\r\n10.0.0.4", []string{"10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"}, nil},
		{"NUL separates", "10.0.0.1\x0010.0.0.2", []string{"10.0.0.1", "10.0.0.2"}, nil},
		{"comment to end of line", "10.0.0.1 # 10.0.0.2 10.0.0.3\n10.0.0.4", []string{"10.0.0.1", "10.0.0.4"}, nil},
		{"comment ends a token", "10.0.0.1#comment\n10.0.0.2", []string{"10.0.0.1", "10.0.0.2"}, nil},
		{"comment at end", "10.0.0.1 #", []string{"10.0.0.1"}, nil},
		{"all forms", "scanme.example 10.0.0.0/24 10.0-1.0.1", []string{"scanme.example", "10.0.0.0/24", "10.0-1.0.1"}, nil},
		{"bad spec has its line, reading goes on", "10.0.0.1\n# c\n\n  10.0.0.300 10.0.0.2\n", []string{"10.0.0.1", "10.0.0.2"},
			[]string{`target: line 4: "10.0.0.300": octet 4 value 300 out of range 0-255`}},
		{"too long", "10.0.0.1 " + strings.Repeat("x", 2000) + " 10.0.0.2", []string{"10.0.0.1", "10.0.0.2"},
			[]string{`target: line 1: "` + strings.Repeat("x", 60) + `...": longer than 1023 characters`}},
		{"longest allowed", strings.Repeat("a", 60) + "." + strings.Repeat("b", 60), []string{strings.Repeat("a", 60) + "." + strings.Repeat("b", 60)}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, errs := readAll(t, strings.NewReader(tt.in), IPv4)
			if strings.Join(specs, " ") != strings.Join(tt.specs, " ") {
				t.Errorf("specs = %q, want %q", specs, tt.specs)
			}
			if strings.Join(errs, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("errors =\n%s\nwant\n%s", strings.Join(errs, "\n"), strings.Join(tt.errs, "\n"))
			}
		})
	}
}

func TestReadListFamily(t *testing.T) {
	specs, errs := readAll(t, strings.NewReader("2001:db8::1 10.0.0.1"), IPv6)
	if len(specs) != 1 || specs[0] != "2001:db8::1" || len(errs) != 1 || !strings.Contains(errs[0], "drop -6") {
		t.Errorf("got %q, %q", specs, errs)
	}
}

func TestReadListReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("10.0.0.1 10.0.0.2"), iotest.ErrReader(errors.New("disk on fire")))
	var specs []string
	var last error
	for sp, err := range ReadList(r, IPv4) {
		if err != nil {
			last = err
			continue
		}
		specs = append(specs, sp.String())
	}
	// The token cut by the error still counts: the reader had it whole.
	if len(specs) != 2 || last == nil || last.Error() != "target: read list: disk on fire" {
		t.Errorf("specs %q, error %v", specs, last)
	}
}

func TestReadListStop(t *testing.T) {
	n := 0
	for range ReadList(strings.NewReader("1.1.1.1 2.2.2.2 3.3.3.3"), IPv4) {
		if n++; n == 2 {
			break
		}
	}
	if n != 2 {
		t.Errorf("got %d specs", n)
	}
}

func TestReadListFile(t *testing.T) {
	f := openTestdata(t, "targets.txt")
	specs, errs := readAll(t, f, IPv4)
	want := []string{"192.0.2.1", "192.0.2.0/30", "198.51.100.1-3", "scanme.example", "203.0.113.0/24"}
	if strings.Join(specs, " ") != strings.Join(want, " ") || len(errs) != 0 {
		t.Errorf("got %q, %q; want %q", specs, errs, want)
	}
}

func TestParseExclude(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		specs []string
		err   string
	}{
		{"one", "10.0.0.1", []string{"10.0.0.1"}, ""},
		{"commas", "10.0.0.1,10.0.0.0/24,scanme.example", []string{"10.0.0.1", "10.0.0.0/24", "scanme.example"}, ""},
		{"empty items skipped", ",10.0.0.1,,10.0.0.2,", []string{"10.0.0.1", "10.0.0.2"}, ""},
		{"ranges", "10.0.0.1-5", []string{"10.0.0.1-5"}, ""},
		{"commas split octet lists, as in Nmap", "10.0.0.1,5", []string{"10.0.0.1"}, `target: "5": an IPv4 address needs 4 octets, found 1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var specs []string
			var errs []string
			for sp, err := range ParseExclude(tt.in, IPv4) {
				if err != nil {
					errs = append(errs, err.Error())
					continue
				}
				specs = append(specs, sp.String())
			}
			if strings.Join(specs, " ") != strings.Join(tt.specs, " ") || strings.Join(errs, "") != tt.err {
				t.Errorf("got %q %q, want %q %q", specs, errs, tt.specs, tt.err)
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	var got []string
	for sp, err := range ParseArgs([]string{"10.0.0.1", "bad..name", "fe80::1"}, IPv4) {
		if err != nil {
			got = append(got, "error")
			continue
		}
		got = append(got, sp.String())
	}
	if strings.Join(got, " ") != "10.0.0.1 error error" {
		t.Errorf("got %q", got)
	}
}
