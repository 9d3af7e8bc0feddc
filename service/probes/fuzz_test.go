package probes

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// fuzzReply bounds the replies fuzzed patterns run on: a fuzzed pattern
// can backtrack exponentially, and every such run costs regexTimeout.
const fuzzReply = 48

// checkLoaded verifies what every database must keep, however odd its
// source: warnings are *LineErrors (or the count of those left out), and
// matching anything against any probe neither panics nor yields a
// malformed Match.
func checkLoaded(t *testing.T, db *DB, warnings []error, reply []byte) {
	t.Helper()
	for _, w := range warnings {
		var le *LineError
		if !errors.As(w, &le) && !strings.Contains(w.Error(), "more problems") {
			t.Fatalf("warning %T %v", w, w)
		}
		if le != nil && le.Line < 1 {
			t.Fatalf("warning without a line: %v", w)
		}
	}
	if len(warnings) > maxWarnings+1 {
		t.Fatalf("%d warnings", len(warnings))
	}
	if len(reply) > fuzzReply {
		reply = reply[:fuzzReply]
	}
	for _, p := range db.probes {
		if m, _, ok := db.Match(p, reply); ok {
			checkWellFormed(t, m)
		}
	}
}

func checkWellFormed(t *testing.T, m service.Match) {
	t.Helper()
	s := m.Service
	for _, f := range []string{s.Name, s.Product, s.Version, s.ExtraInfo, s.Hostname, s.OSType, s.DeviceType} {
		if !utf8.ValidString(f) || len(f) > maxField*4 {
			t.Fatalf("field %q", f)
		}
	}
	for _, f := range []string{s.Product, s.Version, s.ExtraInfo, s.Hostname, s.OSType, s.DeviceType} {
		if len(f) > maxField || strings.TrimSpace(f) != f || strings.ContainsAny(f, "\x00\r\n") {
			t.Fatalf("field %q not cleaned", f)
		}
	}
	for _, c := range s.CPE {
		if !strings.HasPrefix(c, "cpe:2.3:") || colons(c) != 12 {
			t.Fatalf("CPE %q is not a 2.3 formatted string", c)
		}
	}
}

// colons counts the unescaped colons of a CPE formatted string.
func colons(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			n++
		}
	}
	return n
}

func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/sample.nmap")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample, []byte("Hello from x v1\r\n"))
	// The start of the installed file, when there is one: real lines of
	// every kind.
	if data, err := os.ReadFile(filepath.Join(nmapDir, NmapFile)); err == nil {
		lines := bytes.SplitAfterN(data, []byte("\n"), 150)
		f.Add(bytes.Join(lines[:len(lines)-1], nil), []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"))
	}
	for _, s := range []string{
		"Probe TCP NULL q||\nmatch x m|^(a+)+$| p/$1/ v/$P(1)/ i/$SUBST(1,\"a\",\"bb\")/ h/$I(1,\">\")/ cpe:/a:$1:$1:$1/\n",
		"Probe UDP X q|\\x00\\xff|\nsoftmatch y m=^\\x00=s\nports 1-65535\nsslports 0\nrarity 9\nfallback X,NULL\n",
		"Exclude T:1-100,U:53\nProbe TCP A q|x|\ntotalwaitms 1\ntcpwrappedms 99\nmatch z m|(?<n>a)(b)|i d/$2/ o/$1/\n",
		"Probe TCP A q|\nmatch\nsoftmatch x m\nmatch x m|a|zz\n",
		"Probe TCP A q|a| no-payload\nmatch x m|[|\nmatch x m|\\|\n",
	} {
		f.Add([]byte(s), []byte("aaaaaaaaaaaaaaaaaaaaaaaab"))
	}
	f.Fuzz(func(t *testing.T, data, reply []byte) {
		db, warnings, err := Parse(bytes.NewReader(data), "fuzz")
		if err != nil {
			t.Fatalf("Parse of memory failed: %v", err)
		}
		checkLoaded(t, db, warnings, reply)
	})
}

func FuzzParseOwn(f *testing.F) {
	entries, err := signatures.ReadDir("signatures")
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := signatures.ReadFile("signatures/" + e.Name())
		if err != nil {
			f.Fatal(err)
		}
		if len(data) > 8<<10 {
			data = data[:8<<10]
		}
		f.Add(data, []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"))
	}
	for _, s := range []string{
		"define d (a+)+\nprobe tcp a\nmatch x ^%{d}$\n  product $1\n  version $P(1)\n  cpe cpe:2.3:a:$1:$1:$1\n",
		"probe udp u\nsend \"\\x00\"\nwait 1ms\nwrapped 10m\nfallback u,v\nsoft y (?s)^.\n  info $I(1,\"<\")\n",
		"exclude 1-10\nprobe tcp a\nports 1,2-3\ntls-ports 4\nrarity 2\nmatch x ^%{nope}\nproduct\ncpe\n",
	} {
		f.Add([]byte(s), []byte("aaaaaaaaaaaaaaaaaaaaaaaab"))
	}
	f.Fuzz(func(t *testing.T, data, reply []byte) {
		db, warnings, err := ParseOwn(bytes.NewReader(data), "fuzz")
		if err != nil {
			t.Fatalf("ParseOwn of memory failed: %v", err)
		}
		checkLoaded(t, db, warnings, reply)
	})
}

// withoutPrefixes removes every pattern's literal prefix from db, a copy
// made for the purpose, so that each pattern runs on every reply.
func withoutPrefixes(db *DB) *DB {
	for _, p := range db.probes {
		for _, m := range p.matches {
			m.pat.prefix = nil
		}
	}
	return db
}

// FuzzMatch throws replies at picket's signatures and, when installed,
// Nmap's NULL and GetRequest probes, which hold most of its patterns. The
// result must be the same with and without the literal-prefix filter.
func FuzzMatch(f *testing.F) {
	for _, c := range labReplies {
		f.Add(readReply(f, c.file))
	}
	for _, s := range []string{
		"", "\x00", "SSH-2.0-", "220 ", "HTTP/1.1 200 OK\r\nServer: \r\n\r\n", "+OK", "* OK",
		"\xff\xfb\x01", "RFB 003.008\n", strings.Repeat("a", 100) + "!", "\x16\x03\x03\x00\x02\x02",
	} {
		f.Add([]byte(s))
	}
	own, err := Own()
	if err != nil {
		f.Fatal(err)
	}
	ownAll, err := parseFS(signatures, "signatures", "unfiltered")
	if err != nil {
		f.Fatal(err)
	}
	withoutPrefixes(ownAll)
	var nmap *DB
	if data, err := os.ReadFile(filepath.Join(nmapDir, NmapFile)); err == nil {
		nmap, _, _ = Parse(bytes.NewReader(data), NmapFile)
	}
	f.Fuzz(func(t *testing.T, reply []byte) {
		samePrefixFiltered(t, own, ownAll, nil, reply)
		if nmap != nil {
			for _, name := range []string{"NULL", "GetRequest"} {
				if m, _, ok := nmap.Match(nmap.Lookup(result.TCP, name), reply); ok {
					checkWellFormed(t, m)
				}
			}
		}
	})
}

// samePrefixFiltered checks that filtered and all (the same database
// without prefixes) match reply alike on the probes named (all when
// none).
func samePrefixFiltered(t *testing.T, filtered, all *DB, names []string, reply []byte) {
	t.Helper()
	for j, p := range filtered.probes {
		if names != nil && !slices.Contains(names, p.Name) {
			continue
		}
		m, soft, ok := filtered.Match(p, reply)
		m2, soft2, ok2 := all.Match(all.probes[j], reply)
		if ok != ok2 || soft != soft2 || !reflect.DeepEqual(m, m2) {
			t.Fatalf("%s on %q: %+v %v %v with prefixes, %+v %v %v without", p, reply, m.Service, soft, ok, m2.Service, soft2, ok2)
		}
		if ok {
			checkWellFormed(t, m)
		}
	}
}

// TestPrefixFilterNmap: on Nmap's patterns, the literal-prefix filter
// changes no result, for the lab's replies and a few of other kinds.
func TestPrefixFilterNmap(t *testing.T) {
	db, data := installedNmap(t)
	all, _, err := Parse(bytes.NewReader(data), NmapFile)
	if err != nil {
		t.Fatal(err)
	}
	withoutPrefixes(all)
	replies := [][]byte{
		[]byte("HTTP/1.1 400 Bad Request\r\nServer: Apache/2.4.62 (Debian)\r\n\r\n"),
		[]byte("220 (vsFTPd 3.0.3)\r\n"), []byte("\x00\x00\x00\x01"), []byte("* OK IMAP ready\r\n"),
	}
	for _, c := range labReplies {
		replies = append(replies, readReply(t, c.file))
	}
	for _, reply := range replies {
		samePrefixFiltered(t, db, all, []string{"NULL", "GetRequest", "GenericLines", "SSLSessionReq"}, reply)
	}
}
