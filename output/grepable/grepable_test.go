package grepable

import (
	"bytes"
	"regexp"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

func render(t *testing.T, sc fixture.Scenario) string {
	t.Helper()
	var buf bytes.Buffer
	if err := fixture.Play(New(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestGolden(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			fixture.Golden(t, sc.Name+".gnmap", []byte(render(t, sc)))
		})
	}
}

// portEntry is how grepable parsers read one port: seven subfields.
var portEntry = regexp.MustCompile(`^(\d+)/([a-z|]+)/(tcp|udp|sctp)/[^/]*/[^/]*/[^/]*/[^/]*/$`)

// TestParse reads every line the way shell recipes do: comments, or a
// "Host: addr (name)" line of tab-separated fields, whose Ports field
// splits at ", " into well-formed entries.
func TestParse(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			lines := strings.Split(strings.TrimSuffix(render(t, sc), "\n"), "\n")
			hosts := 0
			for _, line := range lines {
				if strings.HasPrefix(line, "#") {
					continue
				}
				fields := strings.Split(line, "\t")
				if !regexp.MustCompile(`^Host: [0-9a-f.:]+ \([^\t]*\)$`).MatchString(fields[0]) {
					t.Fatalf("bad Host field %q", fields[0])
				}
				for _, f := range fields[1:] {
					label, value, ok := strings.Cut(f, ": ")
					if !ok {
						t.Fatalf("field without label: %q", f)
					}
					switch label {
					case "Status":
						hosts++
					case "Ports":
						for _, e := range strings.Split(value, ", ") {
							if !portEntry.MatchString(e) {
								t.Errorf("bad port entry %q", e)
							}
						}
					case "OS", "Seq Index", "IP ID Seq":
						// -O's fields, as Nmap writes them.
						if value == "" {
							t.Errorf("empty %s field", label)
						}
					case "Ignored State":
						if !regexp.MustCompile(`^[a-z|]+ \(\d+\)$`).MatchString(value) {
							t.Errorf("bad Ignored State %q", value)
						}
					default:
						t.Errorf("unknown field %q", label)
					}
				}
			}
			if !strings.HasPrefix(lines[0], "# picket 0.1.0 scan initiated ") || !strings.HasPrefix(lines[len(lines)-1], "# picket done at ") {
				t.Errorf("header or footer missing:\n%s", strings.Join(lines, "\n"))
			}
			if hosts == 0 {
				t.Error("no host line")
			}
		})
	}
}

func TestSubfield(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"slash", "ssl/http", "ssl|http"},
		{"comma kept", "Apache httpd 2.4 (Ubuntu, PHP)", "Apache httpd 2.4 (Ubuntu, PHP)"},
		{"tab and newline", "a\tb\nc", `a\x09b\x0ac`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := subfield(tc.in); got != tc.want {
				t.Errorf("subfield(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
