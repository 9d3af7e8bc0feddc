package probes

import (
	"bytes"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
)

func ownDB(t testing.TB) *DB {
	t.Helper()
	db, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// want is what a match must report; empty fields are not checked, except
// Version when noVersion is set.
type want struct {
	name, product, version, info, os, host, device string
	cpe                                            string // one of the CPEs
	soft, tls, noVersion                           bool
}

func checkMatch(t *testing.T, db *DB, p *Probe, reply []byte, w want) {
	t.Helper()
	if p == nil {
		t.Fatal("no such probe")
	}
	m, soft, ok := db.Match(p, reply)
	s := m.Service
	if !ok {
		t.Fatalf("no match for %q", reply)
	}
	if soft != w.soft || s.Name != w.name || m.TLS != w.tls {
		t.Errorf("name %q soft %v tls %v, want %q soft %v tls %v", s.Name, soft, m.TLS, w.name, w.soft, w.tls)
	}
	for _, f := range []struct{ field, got, want string }{
		{"product", s.Product, w.product}, {"version", s.Version, w.version}, {"info", s.ExtraInfo, w.info},
		{"os", s.OSType, w.os}, {"host", s.Hostname, w.host}, {"device", s.DeviceType, w.device},
	} {
		if f.want != "" && f.got != f.want {
			t.Errorf("%s %q, want %q", f.field, f.got, f.want)
		}
	}
	if w.noVersion && s.Version != "" {
		t.Errorf("version %q where the reply has none", s.Version)
	}
	if w.cpe != "" && !slices.Contains(s.CPE, w.cpe) {
		t.Errorf("CPE %v lacks %q", s.CPE, w.cpe)
	}
	if s.Method != "" || s.Conf != 0 {
		t.Errorf("Method and Conf are the engine's, not %q %d", s.Method, s.Conf)
	}
}

// labReplies are the real replies in testdata/replies, with what each
// database must make of them. The probe names are picket's; nmapProbe is
// the Nmap probe sending the same bytes, where there is one.
var labReplies = []struct {
	file, probe, nmapProbe string
	proto                  result.Protocol
	own, nmap              want
}{
	{"ssh-tcp-22-null", "null", "NULL", result.TCP,
		want{name: "ssh", product: "OpenSSH", version: "9.2p1 Debian 2+deb12u10", info: "protocol 2.0", os: "Linux", cpe: "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"},
		want{name: "ssh", product: "OpenSSH", version: "9.2p1 Debian 2+deb12u10", info: "protocol 2.0", os: "Linux", cpe: "cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"}},
	{"vsftpd-tcp-21-null", "null", "NULL", result.TCP,
		want{name: "ftp", product: "vsftpd", version: "3.0.3", cpe: "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"},
		want{name: "ftp", product: "vsftpd", version: "3.0.3", cpe: "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"}},
	{"nginx-tcp-80-http-get", "http-get", "GetRequest", result.TCP,
		want{name: "http", product: "nginx", version: "1.22.1", cpe: "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"},
		want{name: "http", product: "nginx", version: "1.22.1", cpe: "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"}},
	{"nginx-tcp-443-tls-hello", "tls-hello", "", result.TCP,
		want{name: "ssl", tls: true}, want{}},
	{"postfix-tcp-25-null", "null", "NULL", result.TCP,
		want{name: "smtp", product: "Postfix smtpd", host: "mail.lab.picket.test", os: "Linux", noVersion: true, cpe: "cpe:2.3:a:postfix:postfix:*:*:*:*:*:*:*:*"},
		want{name: "smtp", product: "Postfix smtpd", noVersion: true}},
	{"dovecot-tcp-110-null", "null", "NULL", result.TCP,
		want{name: "pop3", product: "Dovecot pop3d", noVersion: true, cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
		want{name: "pop3", soft: true}},
	{"dovecot-tcp-143-null", "null", "NULL", result.TCP,
		want{name: "imap", product: "Dovecot imapd", noVersion: true, cpe: "cpe:2.3:a:dovecot:dovecot:*:*:*:*:*:*:*:*"},
		want{name: "imap", soft: true}},
	{"mariadb-tcp-3306-null", "null", "NULL", result.TCP,
		want{name: "mysql", product: "MariaDB", version: "10.11.19", info: "0+deb12u1", os: "Linux", cpe: "cpe:2.3:a:mariadb:mariadb:10.11.19:*:*:*:*:*:*:*"},
		want{name: "mysql", product: "MySQL", version: "5.5.5-10.11.19-MariaDB-0+deb12u1"}},
	{"redis-tcp-6379-redis-info", "redis-info", "", result.TCP,
		want{name: "redis", product: "Redis key-value store", version: "7.0.15", os: "Linux", cpe: "cpe:2.3:a:redis:redis:7.0.15:*:*:*:*:*:*:*"}, want{}},
	{"postgresql-tcp-5432-pg-startup", "pg-startup", "", result.TCP,
		want{name: "postgresql", product: "PostgreSQL DB", noVersion: true, cpe: "cpe:2.3:a:postgresql:postgresql:*:*:*:*:*:*:*:*"}, want{}},
	{"bind9-tcp-53-dns-version", "dns-version", "", result.TCP,
		want{name: "domain", product: "ISC BIND", version: "9.18.49-1~deb12u3", info: "Debian Linux", os: "Linux", cpe: "cpe:2.3:a:isc:bind:9.18.49:*:*:*:*:*:*:*"}, want{}},
	{"bind9-udp-53-dns-version", "dns-version", "", result.UDP,
		want{name: "domain", product: "ISC BIND", version: "9.18.49-1~deb12u3", cpe: "cpe:2.3:a:isc:bind:9.18.49:*:*:*:*:*:*:*"}, want{}},
	{"memcached-tcp-11211-memcached-version", "memcached-version", "", result.TCP,
		want{name: "memcached", product: "Memcached", version: "1.6.18", cpe: "cpe:2.3:a:memcached:memcached:1.6.18:*:*:*:*:*:*:*"}, want{}},
	{"mosquitto-tcp-1883-mqtt-connect", "mqtt-connect", "", result.TCP,
		want{name: "mqtt", product: "Eclipse Mosquitto", version: "2.0.11", cpe: "cpe:2.3:a:eclipse:mosquitto:2.0.11:*:*:*:*:*:*:*"}, want{}},
	{"rsync-tcp-873-null", "null", "NULL", result.TCP,
		want{name: "rsync", info: "protocol version 32", noVersion: true},
		want{name: "rsync", info: "protocol version 32", noVersion: true}},
	{"dropbear-tcp-2222-null", "null", "NULL", result.TCP,
		want{name: "ssh", product: "Dropbear sshd", version: "2022.83", info: "protocol 2.0"},
		want{name: "ssh", product: "Dropbear sshd", version: "2022.83", info: "protocol 2.0"}},
	{"slapd-tcp-389-ldap-rootdse", "ldap-rootdse", "", result.TCP,
		want{name: "ldap", product: "OpenLDAP", noVersion: true, cpe: "cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*"}, want{}},
	{"samba-tcp-445-smb-negotiate", "smb-negotiate", "", result.TCP,
		want{name: "microsoft-ds", product: "Samba smbd", noVersion: true, cpe: "cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*"}, want{}},
	{"tigervnc-tcp-5901-null", "null", "NULL", result.TCP,
		want{name: "vnc", product: "VNC", info: "protocol 3.8", noVersion: true},
		want{name: "vnc", product: "VNC", info: "protocol 3.8", noVersion: true}},
	// Nmap has only a soft match for inetutils' negotiation.
	{"telnetd-tcp-23-null", "null", "NULL", result.TCP,
		want{name: "telnet", product: "GNU inetutils telnetd", noVersion: true, cpe: "cpe:2.3:a:gnu:inetutils:*:*:*:*:*:*:*:*"},
		want{name: "telnet", soft: true}},
	{"apache2-tcp-8080-http-get", "http-get", "GetRequest", result.TCP,
		want{name: "http", product: "Apache httpd", version: "2.4.71", info: "(Debian)", os: "Linux", cpe: "cpe:2.3:a:apache:http_server:2.4.71:*:*:*:*:*:*:*"},
		want{name: "http", product: "Apache httpd", version: "2.4.71", info: "(Debian)"}},
	{"lighttpd-tcp-8081-http-get", "http-get", "GetRequest", result.TCP,
		want{name: "http", product: "lighttpd", version: "1.4.69", cpe: "cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*"},
		want{name: "http", product: "lighttpd", version: "1.4.69"}},
	{"squid-tcp-3128-http-get", "http-get", "GetRequest", result.TCP,
		want{name: "http-proxy", product: "Squid http proxy", version: "5.7", cpe: "cpe:2.3:a:squid-cache:squid:5.7:*:*:*:*:*:*:*"},
		want{name: "http-proxy", product: "Squid http proxy", version: "5.7"}},
	// Nmap names tinyproxy from another probe's reply; its GetRequest
	// patterns miss this one.
	{"tinyproxy-tcp-8888-http-get", "http-get", "", result.TCP,
		want{name: "http-proxy", product: "tinyproxy", version: "1.11.1", cpe: "cpe:2.3:a:tinyproxy_project:tinyproxy:1.11.1:*:*:*:*:*:*:*"}, want{}},
}

// TestLabRepliesOwn matches the real daemons' replies against picket's
// own signatures: every lab service is named with product and, where the
// wire carries it, version.
func TestLabRepliesOwn(t *testing.T) {
	db := ownDB(t)
	for _, c := range labReplies {
		t.Run(c.file, func(t *testing.T) {
			checkMatch(t, db, db.Lookup(c.proto, c.probe), readReply(t, c.file), c.own)
		})
	}
}

// TestLabRepliesNmap matches the same replies against Nmap's data, for
// the probes Nmap sends the same bytes with.
func TestLabRepliesNmap(t *testing.T) {
	db, _ := installedNmap(t)
	for _, c := range labReplies {
		if c.nmapProbe == "" {
			continue
		}
		t.Run(c.file, func(t *testing.T) {
			checkMatch(t, db, db.Lookup(c.proto, c.nmapProbe), readReply(t, c.file), c.nmap)
		})
	}
}

// TestNmapBanners matches hand-written replies of well-known forms
// against Nmap's data.
func TestNmapBanners(t *testing.T) {
	db, _ := installedNmap(t)
	tests := []struct {
		name, probe, reply string
		want               want
	}{
		{"OpenSSH Ubuntu", "NULL", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n",
			want{name: "ssh", product: "OpenSSH", version: "8.9p1 Ubuntu 3ubuntu0.6", os: "Linux"}},
		{"vsftpd", "NULL", "220 (vsFTPd 3.0.3)\r\n",
			want{name: "ftp", product: "vsftpd", version: "3.0.3", cpe: "cpe:2.3:a:beasts:vsftpd:3.0.3:*:*:*:*:*:*:*"}},
		{"nginx Server header", "GetRequest", "HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nContent-Type: text/html\r\n\r\n<html></html>",
			want{name: "http", product: "nginx", version: "1.22.1", cpe: "cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"}},
		{"banner in a GetRequest reply, through the NULL fallback", "GetRequest", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\nInvalid SSH identification string.\r\n",
			want{name: "ssh", product: "OpenSSH", version: "9.2p1 Debian 2+deb12u10"}},
		{"Apache", "GetRequest", "HTTP/1.1 200 OK\r\nDate: Sat, 01 Jan 2000 00:00:00 GMT\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n",
			want{name: "http", product: "Apache httpd", version: "2.4.62", info: "(Debian)"}},
		{"raw UTF-8 bytes in a pattern", "NULL", "220 CW3600 FTP Service (Version 1.2).\r\n",
			want{name: "ftp", product: "Océ ColorWave 3600 printer ftpd", version: "1.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMatch(t, db, db.Lookup(result.TCP, tt.probe), []byte(tt.reply), tt.want)
		})
	}
}

func TestSampleMatch(t *testing.T) {
	db := sampleDB(t)
	tests := []struct {
		name, probe string
		proto       result.Protocol
		reply       string
		want        want
		none        bool
	}{
		{"hard match with host and CPE", "NULL", result.TCP, "Hello from box.example v1.2\r\n",
			want{name: "echo-banner", product: "Hello server", version: "1.2", host: "box.example", cpe: "cpe:2.3:a:example:hello:1.2:*:*:*:*:*:*:*"}, false},
		{"softmatch", "NULL", result.TCP, "+READY\r\n", want{name: "lineproto", soft: true}, false},
		{"hard match after a softmatch in the chain", "Beta", result.TCP, "+READY lineproto 3.1\r\n",
			want{name: "lineproto", product: "Line daemon", version: "3.1"}, false},
		{"own pattern before fallbacks", "Beta", result.TCP, "BETA/2.0\r\n", want{name: "beta", product: "Beta", version: "2.0"}, false},
		{"softmatch of the probe itself", "Beta", result.TCP, "BETX", want{name: "beta", soft: true}, false},
		{"fallback's pattern, case-insensitive", "Beta", result.TCP, "alpha-ok 7\r\n", want{name: "alpha", product: "Alpha", version: "7", info: "from alpha"}, false},
		{"NULL's pattern last", "Gamma", result.TCP, "Hello from h v9\r\n", want{name: "echo-banner", version: "9"}, false},
		{"device and OS", "Gamma", result.TCP, "GAMMA", want{name: "gamma", device: "printer", os: "Linux", cpe: "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"}, false},
		{"\\xff matches byte 0xff, s flag, $I", "Delta", result.UDP, "\x00DELTA\x01\xff", want{name: "delta", version: "511"}, false},
		{"'.' under s matches a newline", "Delta", result.UDP, "\x00DELTA\n\n", want{name: "delta", version: "2570"}, false},
		{"UDP has no NULL fallback", "Delta", result.UDP, "Hello from h v9\r\n", want{}, true},
		{"no match", "Alpha", result.TCP, "nothing here", want{}, true},
		{"empty reply", "NULL", result.TCP, "", want{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := db.Lookup(tt.proto, tt.probe)
			if tt.none {
				if m, _, ok := db.Match(p, []byte(tt.reply)); ok {
					t.Errorf("matched %+v", m.Service)
				}
				return
			}
			checkMatch(t, db, p, []byte(tt.reply), tt.want)
		})
	}
	// A probe of another database is refused rather than misused.
	if _, _, ok := ownDB(t).Match(db.Null(), []byte("Hello from h v9\r\n")); ok {
		t.Error("a foreign probe matched")
	}
	if _, _, ok := db.Match(nil, []byte("x")); ok {
		t.Error("a nil probe matched")
	}
}

// TestPCRESemantics checks where regexp2's .NET defaults differ from
// PCRE's and the pattern rewriting restores PCRE's meaning.
func TestPCRESemantics(t *testing.T) {
	tests := []struct {
		name, pattern, reply string
		match                bool
		group                string
	}{
		{"\\w is ASCII only", `^a(\w+)`, "abc\xe9d", true, "bc"},
		{"\\w in a class", `^([\w.]+)`, "1.2\xe9", true, "1.2"},
		{"\\W in a class", `^([\W]+)`, "\xe9-!a", true, "\xe9-!"},
		{"\\s is ASCII only", `^a\s`, "a\xa0", false, ""},
		{"\\S matches a high byte", `^a(\S)`, "a\xa0", true, "\xa0"},
		{"$ before a final newline", `^abc$`, "abc\n", true, ""},
		{"\\0 is NUL", `^a\0b`, "a\x00b", true, ""},
		{"octal escape", `^\012`, "\n", true, ""},
		{"] first in a class is literal", `^[]a]+`, "]a]", true, ""},
		{"escaped \\w is not a class", `^\\w`, `\w`, true, ""},
		{"\\Q...\\E quotes", `^\Q.*\E`, ".*", true, ""},
		{"\\Q...\\E quotes \\w", `^\Q\w\E$`, `\w`, true, ""},
		{"named groups count in order", `^(?<x>a)(b)`, "ab", true, "a"},
		{"high byte in a pattern is that byte", "^\xe9", "\xe9", true, ""},
		{"UTF-8 in a pattern matches those bytes", "^é", "é", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := newPattern(tt.pattern, false, false)
			var g groups
			runes := latin1(nil, []byte(tt.reply))
			hit, err := p.matchAt(runes, &g)
			if err != nil {
				t.Fatalf("pattern %q: %v", tt.pattern, err)
			}
			if hit != tt.match {
				t.Fatalf("pattern %q on %q: match %v, want %v (rewritten %q)", tt.pattern, tt.reply, hit, tt.match, p.expr)
			}
			if tt.group != "" {
				if got := string(g.bytes([]byte(tt.reply), 1)); got != tt.group {
					t.Errorf("group 1 %q, want %q", got, tt.group)
				}
			}
		})
	}
}

// hostileDB has a pattern that backtracks exponentially on a run of a's
// that does not end the reply.
func hostileDB(t testing.TB) *DB {
	t.Helper()
	db, warnings, err := ParseOwn(strings.NewReader("probe tcp x\nsend \"x\"\nmatch evil ^(a+)+$\nmatch good ^b\n"), "hostile")
	if err != nil || len(warnings) > 0 {
		t.Fatal(err, warnings)
	}
	return db
}

// TestHostileReplyTimesOut: a reply made to make a pattern backtrack
// exponentially (2^40 paths) is cut off by the per-pattern timeout, and
// the patterns after it still run.
func TestHostileReplyTimesOut(t *testing.T) {
	db := hostileDB(t)
	p := db.Lookup(result.TCP, "x")
	reply := []byte(strings.Repeat("a", 40) + "!")
	start := time.Now()
	_, _, ok := db.Match(p, reply)
	elapsed := time.Since(start)
	if ok {
		t.Error("the hostile reply matched")
	}
	// 50 ms on regexp2's 100 ms clock: well under a second, where the
	// backtracking alone would take hours.
	if elapsed > time.Second {
		t.Errorf("Match took %v", elapsed)
	}
	t.Logf("hostile reply cut off after %v", elapsed)
	if _, _, ok := db.Match(p, []byte("b")); !ok {
		t.Error("the pattern after the hostile one does not run")
	}
}

// TestMatchBudget: many slow patterns cannot add up past matchBudget.
func TestMatchBudget(t *testing.T) {
	if testing.Short() {
		t.Skip("takes matchBudget")
	}
	var b strings.Builder
	b.WriteString("probe tcp x\nsend \"x\"\n")
	for range 200 {
		b.WriteString("match evil ^(a+)+$\n")
	}
	db, _, err := ParseOwn(strings.NewReader(b.String()), "budget")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	db.Match(db.Lookup(result.TCP, "x"), []byte(strings.Repeat("a", 40)+"!"))
	// The budget is checked before each pattern that runs, so it is
	// overrun by one pattern's timeout at most; the slack is for loaded
	// machines.
	if elapsed := time.Since(start); elapsed > matchBudget+3*time.Second {
		t.Errorf("Match took %v, budget %v", elapsed, matchBudget)
	}
}

func TestMatchLongReply(t *testing.T) {
	db := sampleDB(t)
	// The banner is found at the start of a huge reply, and only
	// MaxReply bytes are looked at: a pattern anchored past it fails.
	reply := append([]byte("Hello from h v1\r\n"), bytes.Repeat([]byte("x"), 4*MaxReply)...)
	m, _, ok := db.Match(db.Null(), reply)
	if !ok || m.Service.Version != "1" {
		t.Errorf("banner in a long reply: %+v %v", m.Service, ok)
	}
}

// TestMatchConcurrent runs matches from many goroutines on shared
// databases (run with -race); lazily compiled patterns are shared.
func TestMatchConcurrent(t *testing.T) {
	own := ownDB(t)
	sample := sampleDB(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				db, p, reply, want := own, own.Null(), "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", "OpenSSH"
				if (i+j)%2 == 1 {
					db, p, reply, want = sample, sample.Lookup(result.TCP, "Beta"), "BETA/1.0", "Beta"
				}
				m, _, ok := db.Match(p, []byte(reply))
				if !ok || m.Service.Product != want {
					t.Errorf("goroutine %d: %+v %v", i, m.Service, ok)
					return
				}
			}
		}()
	}
	wg.Wait()
	runtime.GC()
}

func TestLiteralPrefix(t *testing.T) {
	tests := []struct {
		pattern    string
		ignoreCase bool
		want       string
	}{
		{`^SSH-([\d.]+)-OpenSSH`, false, "SSH-"},
		{`^220 \(vsFTPd ([-.\w]+)\)\r\n$`, false, "220 (vsFTPd "},
		{`^\0\x01\xffAB`, false, "\x00\x01\xffAB"},
		{`(?s)^..pi`, false, ""},
		{`(?s)^E\0\0..`, false, "E\x00\x00"},
		{`^abc?`, false, "ab"},
		{`^ab*`, false, "a"},
		{`^ab+`, false, "a"},
		{`^S\xf5\xc6\x1a{`, false, "S\xf5\xc6"},
		{`^\x41{2}`, false, ""},
		{`^a|b`, false, ""},
		{`^(a|b)c`, false, ""},
		{`^a[|]b`, false, "a"},
		{`^a\|b`, false, "a|b"},
		{`^ab`, true, ""},
		{`ab`, false, ""},
		{`^\012`, false, ""},
		{`^a\1`, false, "a"},
		{`^a\dz`, false, "a"},
		{`^a\e\t\f\a\r\n`, false, "a\x1b\t\f\a\r\n"},
		{`^a\x4`, false, "a"},
		{`^a.`, false, "a"},
		{`^a$`, false, "a"},
		{`^a\`, false, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.pattern, func(t *testing.T) {
			if got := string(literalPrefix(tt.pattern, tt.ignoreCase)); got != tt.want {
				t.Errorf("literalPrefix(%q) = %q, want %q", tt.pattern, got, tt.want)
			}
		})
	}
}

// TestNmapHostileReplies: large replies built to make Nmap's patterns
// work hard (long runs that .* and [^\r\n]* scan and give back) stay
// within matchBudget on its busiest probes.
func TestNmapHostileReplies(t *testing.T) {
	db, _ := installedNmap(t)
	big := func(head, fill string) []byte {
		return append([]byte(head), bytes.Repeat([]byte(fill), MaxReply/len(fill))...)
	}
	replies := map[string][]byte{
		"run of a":            big("", "a"),
		"NULs":                big("", "\x00"),
		"endless header line": big("HTTP/1.1 200 OK\r\nServer: ", "x"),
		"endless headers":     big("HTTP/1.1 200 OK\r\n", "X-A: b\r\n"),
		"endless banner":      big("220 ", "ftp "),
		"SSH then junk":       big("SSH-2.0-", "-"),
	}
	for name, reply := range replies {
		t.Run(name, func(t *testing.T) {
			for _, probe := range []string{"NULL", "GetRequest"} {
				start := time.Now()
				m, soft, ok := db.Match(db.Lookup(result.TCP, probe), reply)
				elapsed := time.Since(start)
				t.Logf("%s: %v (%q soft %v ok %v)", probe, elapsed, m.Service.Name, soft, ok)
				if elapsed > matchBudget+3*time.Second {
					t.Errorf("%s: Match took %v", probe, elapsed)
				}
			}
		})
	}
}

// TestMatchService checks the narrowing after a soft match: only patterns
// naming the service count, soft ones included.
func TestMatchService(t *testing.T) {
	db := sampleDB(t)
	beta := db.Lookup(result.TCP, "Beta")
	for _, tc := range []struct {
		name, reply, service string
		want                 string // product, or "soft" for a soft match
		ok                   bool
	}{
		{"the service's own pattern", "BETA/2.0\r\n", "beta", "Beta", true},
		{"another service's pattern is skipped", "BETA/2.0\r\n", "lineproto", "", false},
		{"a fallback's pattern for the service", "+READY lineproto 3.1\r\n", "lineproto", "Line daemon", true},
		{"the service's soft pattern", "BETX", "beta", "soft", true},
		{"no service: every pattern", "alpha-ok 7\r\n", "", "Alpha", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, soft, ok := db.MatchService(beta, []byte(tc.reply), tc.service)
			got := m.Service.Product
			if soft {
				got = "soft"
			}
			if ok != tc.ok || got != tc.want {
				t.Errorf("MatchService(%q, %q) = %q, %v; want %q, %v", tc.reply, tc.service, got, ok, tc.want, tc.ok)
			}
		})
	}
}
