package payload

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestReadNmap(t *testing.T) {
	type entry struct {
		ports  []uint16
		data   string
		source uint16
	}
	for _, tt := range []struct {
		name string
		in   string
		want []entry
	}{
		{"empty", "", nil},
		{"comments only", "# a comment\n\n   # another\n", nil},
		{"one line", `udp 7 "\x0D\x0A"`, []entry{{[]uint16{7}, "\r\n", 0}}},
		{"ports and ranges", "udp 1,3-5,65535 \"a\"\n", []entry{{[]uint16{1, 3, 4, 5, 65535}, "a", 0}}},
		{"strings over lines, comments between",
			"udp 53\n  \"ab\"\n  # the rest\n  \"cd\" # trailing\n\"\\\"e\\\\\"\n",
			[]entry{{[]uint16{53}, "abcd\"e\\", 0}}},
		{"every escape", `udp 1 "\0\a\b\f\n\r\t\v\xff\x0A\'\?"`, []entry{{[]uint16{1}, "\x00\a\b\f\n\r\t\v\xff\n'?", 0}}},
		{"backslash zero is one NUL", `udp 1 "\012"`, []entry{{[]uint16{1}, "\x0012", 0}}},
		{"source keyword", "udp 500 \"x\"\nsource 500\nudp 501 \"y\"\n",
			[]entry{{[]uint16{500}, "x", 500}, {[]uint16{501}, "y", 0}}},
		{"unknown keyword skipped with its line", "udp 1 \"x\"\nfuture a \"b\" 3\nsource 9\n",
			[]entry{{[]uint16{1}, "x", 9}}},
		{"empty string", `udp 1 ""`, []entry{{[]uint16{1}, "", 0}}},
		{"CRLF lines", "udp 1\r\n \"a\"\r\nudp 2 \"b\"\r\n", []entry{{[]uint16{1}, "a", 0}, {[]uint16{2}, "b", 0}}},
		{"hash inside a string", `udp 1 "#not a comment"`, []entry{{[]uint16{1}, "#not a comment", 0}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadNmap(strings.NewReader(tt.in), "test")
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("%d entries, want %d", len(got), len(tt.want))
			}
			for i, w := range tt.want {
				p := got[i]
				if !slices.Equal(p.Ports, w.ports) || string(p.Build(nil, 1)) != w.data || p.SourcePort != w.source {
					t.Errorf("entry %d: ports %v data %q source %d; want %v %q %d",
						i, p.Ports, p.Build(nil, 1), p.SourcePort, w.ports, w.data, w.source)
				}
				if _, ok := p.Recognize([]byte(w.data), 1); ok {
					t.Errorf("entry %d recognises a reply", i)
				}
				if !strings.HasPrefix(p.Name, "nmap:") {
					t.Errorf("entry %d is named %q", i, p.Name)
				}
			}
		})
	}
}

func TestReadNmapErrors(t *testing.T) {
	for _, tt := range []struct {
		name, in string
		line     int
		msg      string
	}{
		{"not udp", "tcp 80 \"x\"", 1, `want protocol "udp"`},
		{"no ports", "udp \"x\"", 1, "port list"},
		{"bad port", "udp 70000 \"x\"", 1, "bad port"},
		{"reversed range", "\nudp 9-3 \"x\"", 2, "bad port"},
		{"empty port", "udp 1,,2 \"x\"", 1, "bad port"},
		{"no payload", "udp 1\nudp 2 \"x\"", 1, "without a payload"},
		{"unterminated", "udp 1 \"abc\n\"", 1, "unterminated"},
		{"bad hex", `udp 1 "\xg0"`, 1, `\x wants`},
		{"short hex", `udp 1 "\x`, 1, `\x wants`},
		{"octal", `udp 1 "\1"`, 1, `unknown escape \1`},
		{"unknown letter escape", `udp 1 "\q"`, 1, `unknown escape \q`},
		{"string first", "\n\n\"x\"", 3, "outside an entry"},
		{"source without port", "udp 1 \"x\"\nsource\n", 2, `"source" wants`},
		{"source on next line", "udp 1 \"x\"\nsource\n500\n", 2, `"source" wants`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadNmap(strings.NewReader(tt.in), "test")
			var le *LineError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LineError", err)
			}
			if le.Line != tt.line || !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "payload: test:") {
				t.Errorf("error %q (line %d), want line %d and %q", err, le.Line, tt.line, tt.msg)
			}
		})
	}
}

func TestReadNmapTooLarge(t *testing.T) {
	big := strings.Repeat("# comment\n", maxNmapFile/10+1)
	if _, err := ReadNmap(strings.NewReader(big), "big"); !errors.Is(err, ErrTooLarge) {
		t.Errorf("error %v, want ErrTooLarge", err)
	}
}

// TestInstalledNmapPayloads reads the nmap-payloads of an installed Nmap,
// as --datadir does, and checks facts of Nmap 7.93's file. CI installs
// Nmap and sets CI=true, where a missing file fails the test.
func TestInstalledNmapPayloads(t *testing.T) {
	path := filepath.Join("/usr/share/nmap", NmapPayloadsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s not found: CI must install Nmap (apt-get install nmap)", path)
		}
		t.Skipf("%s not found: install Nmap (apt-get install nmap) to run this test", path)
	}
	if err != nil {
		t.Fatal(err)
	}
	ps, err := ReadNmap(strings.NewReader(string(data)), path)
	if err != nil {
		t.Fatalf("ReadNmap(%s): %v", path, err)
	}
	// Every entry starts a line with "udp "; the file of Nmap 7.93
	// (revision 38353 in its $Id line) has 63 (shared/research/nmap.md).
	if want := strings.Count("\n"+string(data), "\nudp "); len(ps) != want {
		t.Errorf("%d entries, but %d lines start an entry", len(ps), want)
	}
	if strings.Contains(string(data), "$Id: nmap-payloads 38353 ") && len(ps) != 63 {
		t.Errorf("%d entries in Nmap 7.93's file, want 63", len(ps))
	}
	t.Logf("%s: %d entries", path, len(ps))
	tab := NewTable(ps)
	count := func(port uint16) int {
		if l := tab.ForPort(port); l[0] != Empty {
			return len(l)
		}
		return 0
	}
	for _, tt := range []struct {
		name string
		port uint16
		min  int
	}{
		{"echo", 7, 1},
		{"dns", 53, 2},
		{"ntp", 123, 1},
		{"netbios-ns", 137, 1},
		{"snmp", 161, 2},
		{"ike", 500, 1},
		{"openvpn", 1194, 1},
		{"ssdp", 1900, 1},
		{"memcached", 11211, 1},
		{"in the 32768-65535 range of the rpc entry", 40000, 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if n := count(tt.port); n < tt.min {
				t.Errorf("port %d has %d payloads, want at least %d", tt.port, n, tt.min)
			}
		})
	}
	if count(9) != 0 {
		t.Error("port 9 has a payload")
	}
	// Facts a reader must get right: the echo payload is CR LF CR LF; the
	// IKE entries ask for source port 500; the OpenVPN probe is a 14-byte
	// HARD_RESET_CLIENT_V2 (opcode 7, key 0), as ours is.
	if got := tab.ForPort(7)[0].Build(nil, 0); string(got) != "\r\n\r\n" {
		t.Errorf("port 7 payload %q", got)
	}
	src500 := false
	for _, p := range tab.ForPort(500) {
		src500 = src500 || p.SourcePort == 500
	}
	if !src500 {
		t.Error("no port 500 payload asks for source port 500")
	}
	var ovpn []byte
	for _, p := range tab.ForPort(1194) {
		if b := p.Build(nil, 0); len(b) == 14 {
			ovpn = b
		}
	}
	if len(ovpn) != 14 || ovpn[0] != 7<<3 {
		t.Errorf("no 14-byte HARD_RESET_CLIENT_V2 for port 1194: %x", ovpn)
	}
	for _, p := range ps {
		if n := len(p.Build(nil, 0)); n == 0 || n > 1472 {
			t.Errorf("%s: payload of %d bytes", p.Name, n)
		}
	}
}

type failingReader struct{ err error }

func (r failingReader) Read([]byte) (int, error) { return 0, r.err }

func TestReadNmapIOError(t *testing.T) {
	cause := errors.New("disk on fire")
	_, err := ReadNmap(failingReader{cause}, "f")
	if !errors.Is(err, cause) || !strings.HasPrefix(err.Error(), "payload: read f: ") {
		t.Errorf("error %v does not wrap the read error", err)
	}
}
