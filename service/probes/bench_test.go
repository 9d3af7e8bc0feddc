package probes

import (
	"bytes"
	"testing"

	"github.com/picket-scanner/picket/result"
)

// BenchmarkParseNmap loads the installed nmap-service-probes, patterns
// left to compile on first use: what a scan pays before its first probe.
func BenchmarkParseNmap(b *testing.B) {
	_, data := installedNmap(b)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, _, err := Parse(bytes.NewReader(data), NmapFile); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCompileAllNmap loads the file and compiles all 11,917 patterns,
// the cost CompileAll moves up front.
func BenchmarkCompileAllNmap(b *testing.B) {
	_, data := installedNmap(b)
	b.ReportAllocs()
	for b.Loop() {
		db, _, err := Parse(bytes.NewReader(data), NmapFile)
		if err != nil {
			b.Fatal(err)
		}
		if errs := db.CompileAll(); len(errs) > 0 {
			b.Fatal(errs[0])
		}
	}
}

func BenchmarkParseOwn(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := parseFS(signatures, "signatures", "picket signatures"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkMatch matches replies once the patterns they meet are
// compiled. "miss" replies match nothing, so every pattern of the probe
// and its fallbacks runs: the worst case of an ordinary reply.
func BenchmarkMatch(b *testing.B) {
	ssh := []byte("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n")
	nginx := []byte("HTTP/1.1 200 OK\r\nServer: nginx/1.22.1\r\nDate: Sat, 28 Nov 2026 02:37:15 GMT\r\nContent-Type: text/html\r\nContent-Length: 615\r\n\r\n<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n")
	miss := []byte("\x00\x01\x02 nothing any server would say \xfe\xff\r\n")
	own, err := Own()
	if err != nil {
		b.Fatal(err)
	}
	cases := []struct {
		name  string
		db    func(b *testing.B) *DB
		probe string
		reply []byte
	}{
		{"own/ssh", func(*testing.B) *DB { return own }, "null", ssh},
		{"own/nginx", func(*testing.B) *DB { return own }, "http-get", nginx},
		{"own/miss", func(*testing.B) *DB { return own }, "http-get", miss},
		{"nmap/ssh", nmapOf, "NULL", ssh},
		{"nmap/nginx", nmapOf, "GetRequest", nginx},
		{"nmap/miss-NULL", nmapOf, "NULL", miss},
		{"nmap/miss-GetRequest", nmapOf, "GetRequest", miss},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			db := c.db(b)
			p := db.Lookup(result.TCP, c.probe)
			db.Match(p, c.reply) // compile what this reply meets
			b.ReportAllocs()
			b.SetBytes(int64(len(c.reply)))
			for b.Loop() {
				db.Match(p, c.reply)
			}
		})
	}
}

func nmapOf(b *testing.B) *DB {
	db, _ := installedNmap(b)
	return db
}
