package probes

import (
	"bytes"
	"strings"
	"testing"
)

// groupsOf makes groups from a reply and the byte ranges of its groups
// 1..n, as a pattern would fill them.
func groupsOf(reply string, ranges ...[2]int) *groups {
	var g groups
	g[0].start, g[0].n, g[0].ok = 0, len(reply), true
	for i, r := range ranges {
		g[i+1].start, g[i+1].n, g[i+1].ok = r[0], r[1]-r[0], true
	}
	return &g
}

func TestTemplateRender(t *testing.T) {
	tests := []struct {
		name   string
		tmpl   string
		reply  string
		groups [][2]int
		want   string
	}{
		{"literal", "OpenSSH", "x", nil, "OpenSSH"},
		{"one group", "v$1", "SSH-2.0-OpenSSH_9.2p1", [][2]int{{16, 21}}, "v9.2p1"},
		{"groups and text", "$2 Debian $3", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", [][2]int{{4, 7}, {16, 21}, {29, 39}}, "9.2p1 Debian 2+deb12u10"},
		{"group that did not take part", "[$2]", "abc", [][2]int{{0, 1}}, "[]"},
		{"dollar not a substitution", "$ and $x and $", "x", nil, "$ and $x and $"},
		{"printable drops NULs", "$P(1)", "W\x00i\x00n\x00", [][2]int{{0, 6}}, "Win"},
		{"printable drops high bytes", "$P(1)", "a\xffb\x7fc", [][2]int{{0, 5}}, "abc"},
		{"subst", `$SUBST(1,"_",".")`, "2_4_1", [][2]int{{0, 5}}, "2.4.1"},
		{"subst with spaces and escapes", `$SUBST(1, "\r\n", ",")`, "a\r\nb\r\nc", [][2]int{{0, 7}}, "a,b,c"},
		{"subst to nothing", `x$SUBST(1,"-","")y`, "1-2-3", [][2]int{{0, 5}}, "x123y"},
		{"int big-endian", `$I(1,">")`, "\x01\x02", [][2]int{{0, 2}}, "258"},
		{"int little-endian", `$I(1,"<")`, "\x01\x02", [][2]int{{0, 2}}, "513"},
		{"int of eight bytes", `$I(1,">")`, "\xff\xff\xff\xff\xff\xff\xff\xff", [][2]int{{0, 8}}, "18446744073709551615"},
		{"int of nine bytes is nothing", `[$I(1,">")]`, "123456789", [][2]int{{0, 9}}, "[]"},
		{"helpers mixed", `$P(1)/$SUBST(2,".","-") $I(3,"<")`, "a\x00b1.2\x05", [][2]int{{0, 3}, {3, 6}, {6, 7}}, "ab/1-2 5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tm, err := parseTemplate(tt.tmpl)
			if err != nil {
				t.Fatalf("parseTemplate(%q): %v", tt.tmpl, err)
			}
			got := string(tm.render(nil, []byte(tt.reply), groupsOf(tt.reply, tt.groups...)))
			if got != tt.want {
				t.Errorf("render %q = %q, want %q", tt.tmpl, got, tt.want)
			}
		})
	}
}

func TestTemplateErrors(t *testing.T) {
	for _, tmpl := range []string{
		`$P()`, `$P(0)`, `$P(1`, `$P(1,"x")`, `$SUBST(1,"a")`, `$SUBST(1,"","b")`, `$SUBST(1,"a","b"`,
		`$SUBST(1,a,b)`, `$SUBST(1,"a,"b")`, `$I(1)`, `$I(1,"=")`, `$I(x,">")`, `$SUBST(1,"\x4","b")`,
	} {
		t.Run(tmpl, func(t *testing.T) {
			if _, err := parseTemplate(tmpl); err == nil {
				t.Errorf("parseTemplate(%q) succeeded", tmpl)
			}
		})
	}
}

func TestField(t *testing.T) {
	tests := []struct{ name, raw, want string }{
		{"plain", "nginx", "nginx"},
		{"trimmed", "  1.2 \r\n", "1.2"},
		{"controls become spaces", "a\x00b\tc", "a b c"},
		{"UTF-8 kept", "Océ ColorWave", "Océ ColorWave"},
		{"Latin-1 read as such", "Oc\xe9", "Océ"},
		{"C1 controls of Latin-1 dropped", "a\x85b", "a b"},
		{"bounded", strings.Repeat("x", 1000), strings.Repeat("x", maxField)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := field([]byte(tt.raw)); got != tt.want {
				t.Errorf("field(%q) = %q, want %q", tt.raw, got, tt.want)
			}
		})
	}
}

func TestUnescape(t *testing.T) {
	tests := []struct {
		name, in string
		want     []byte
	}{
		{"plain", "GET / HTTP/1.0", []byte("GET / HTTP/1.0")},
		{"C escapes", `\r\n\t\a\b\f\v\\`, []byte("\r\n\t\a\b\f\v\\")},
		{"NUL then a digit is not octal", `/\09\00`, []byte{'/', 0, '9', 0, '0'}},
		{"hex", `\x00\xff\x7F\x0a`, []byte{0, 0xff, 0x7f, 0x0a}},
		{"other escapes stand for themselves", `\|\"\q`, []byte(`|"q`)},
		{"empty", ``, []byte{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := unescape(tt.in)
			if err != nil || !bytes.Equal(got, tt.want) {
				t.Errorf("unescape(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
			}
		})
	}
	for _, bad := range []string{`\`, `abc\`, `\x`, `\x1`, `\xg0`, `\x0g`} {
		if _, err := unescape(bad); err == nil {
			t.Errorf("unescape(%q) succeeded", bad)
		}
	}
}

func TestCPE(t *testing.T) {
	tests := []struct {
		name   string
		nmap   bool // the Nmap 2.2 form, else picket's 2.3 form
		tmpl   string
		reply  string
		groups [][2]int
		want   string
	}{
		{"nmap application with version", true, "a:openbsd:openssh:$1", "9.2p1", [][2]int{{0, 5}}, "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
		{"nmap OS without version", true, "o:linux:linux_kernel", "", nil, "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"},
		{"nmap vendor only", true, "h:crestron", "", nil, "cpe:2.3:h:crestron:*:*:*:*:*:*:*:*:*"},
		{"nmap percent-encoded", true, "o:ibm:z%2fvm:$1", "6.4", [][2]int{{0, 3}}, `cpe:2.3:o:ibm:z\/vm:6.4:*:*:*:*:*:*:*`},
		{"nmap renamed vendor", true, "a:igor_sysoev:nginx:$1", "1.22.1", [][2]int{{0, 6}}, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"},
		{"nmap vsftpd renamed", true, "a:vsftpd:vsftpd:$1", "3.0.3", [][2]int{{0, 5}}, "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"},
		{"nmap update attribute", true, "a:x:y:1.0:sp2", "", nil, "cpe:2.3:a:x:y:1.0:sp2:*:*:*:*:*:*"},
		{"substitution escaped and lowered", true, "a:x:y:$1", "2.4 (Unix)", [][2]int{{0, 10}}, `cpe:2.3:a:x:y:2.4_\(unix\):*:*:*:*:*:*:*`},
		{"substitution with a colon", true, "a:x:y:$1", "1:2", [][2]int{{0, 3}}, `cpe:2.3:a:x:y:1\:2:*:*:*:*:*:*:*`},
		{"substituted dash alone is escaped", true, "a:x:y:$1", "-", [][2]int{{0, 1}}, `cpe:2.3:a:x:y:\-:*:*:*:*:*:*:*`},
		{"subst helper with a colon argument", true, `a:x:y:$SUBST(1,":",".")`, "1:2", [][2]int{{0, 3}}, `cpe:2.3:a:x:y:1.2:*:*:*:*:*:*:*`},
		{"empty vendor from a reply drops the name", true, "a:$1:y", "", [][2]int{{0, 0}}, ""},
		{"picket form", false, "cpe:2.3:a:f5:nginx:$1", "1.22.1", [][2]int{{0, 6}}, "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"},
		{"picket form full", false, `cpe:2.3:o:microsoft:windows_10:1909:*:*:*:*:*:x64:*`, "", nil, "cpe:2.3:o:microsoft:windows_10:1909:*:*:*:*:*:x64:*"},
		{"picket form escaped literal", false, `cpe:2.3:a:x:y\+z:$1`, "1", [][2]int{{0, 1}}, `cpe:2.3:a:x:y\+z:1:*:*:*:*:*:*:*`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c cpeTemplate
			var err error
			if tt.nmap {
				c, err = parseCPE22(tt.tmpl)
			} else {
				c, err = parseCPE23(tt.tmpl)
			}
			if err != nil {
				t.Fatalf("parse %q: %v", tt.tmpl, err)
			}
			if got := c.render([]byte(tt.reply), groupsOf(tt.reply, tt.groups...)); got != tt.want {
				t.Errorf("render = %q, want %q", got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		nmap bool
		s    string
	}{
		{true, "x:vendor:product"}, {true, ""}, {true, "a"}, {true, "a:b:c:d:e:f:g:h"}, {true, "a:x:%zz"},
		{false, "cpe:/a:x:y"}, {false, "cpe:2.3:q:x:y"}, {false, "cpe:2.3:a:x:y z"}, {false, "cpe:2.3:a:x:1:2:3:4:5:6:7:8:9:10"},
	} {
		var err error
		if bad.nmap {
			_, err = parseCPE22(bad.s)
		} else {
			_, err = parseCPE23(bad.s)
		}
		if err == nil {
			t.Errorf("CPE %q parsed", bad.s)
		}
	}
}
