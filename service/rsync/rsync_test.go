package rsync

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestParseGreeting(t *testing.T) {
	tests := []struct {
		in   string
		want Greeting
		ok   bool
	}{
		{"@RSYNCD: 32.0 sha512 sha256 sha1 md5 md4", Greeting{"32.0", []string{"sha512", "sha256", "sha1", "md5", "md4"}}, true},
		{"@RSYNCD: 31.0", Greeting{Protocol: "31.0"}, true},
		{"@RSYNCD: 29", Greeting{Protocol: "29"}, true},
		{"@RSYNCD: EXIT", Greeting{}, false},
		{"@RSYNCD: 31.0 md5\x00", Greeting{}, false},
		{"@RSYNCD:31.0", Greeting{}, false},
		{"SSH-2.0-OpenSSH", Greeting{}, false},
	}
	for _, tt := range tests {
		g, ok := ParseGreeting(tt.in)
		if ok != tt.ok || !reflect.DeepEqual(g, tt.want) {
			t.Errorf("ParseGreeting(%q) = %+v, %v", tt.in, g, ok)
		}
	}
}

func TestParseListing(t *testing.T) {
	many := strings.Repeat("m\tc\n", maxModules+3)
	tests := []struct {
		name string
		in   string
		want Listing
	}{
		{name: "modules", in: "pub            \tPublic files\nbackup         \t\n@RSYNCD: EXIT\n",
			want: Listing{Modules: []Module{{"pub", "Public files"}, {"backup", ""}}, Done: true}},
		{name: "motd first", in: "Hello\r\n\nBe nice\n\npub\tx\n@RSYNCD: EXIT\n",
			want: Listing{MOTD: []string{"Hello", "Be nice"}, Modules: []Module{{"pub", "x"}}, Done: true}},
		{name: "error", in: "@ERROR: access denied\n", want: Listing{Error: "access denied"}},
		{name: "cut short", in: "pub\tx\npriv\ty", want: Listing{Modules: []Module{{"pub", "x"}}}},
		{name: "binary", in: "a\x00b\tc\xff\n", want: Listing{Modules: []Module{{"a?b", "c?"}}}},
		{name: "too many", in: many, want: Listing{Modules: bytesModules(maxModules), More: 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseListing([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func bytesModules(n int) []Module {
	m := make([]Module, n)
	for i := range m {
		m[i] = Module{"m", "c"}
	}
	return m
}

func TestListingDone(t *testing.T) {
	tests := []struct {
		rest, b string
		want    bool
	}{
		{"", "pub\tx\n@RSYNCD: EXIT\n", true},
		{"", "@ERROR: no\n", true},
		{"@RSYNCD: EX", "IT\n", true},
		{"pub\tx\n", "@RSYNCD: EXIT\r\n", true},
		{"", "pub\tx\n", false},
		{"", "@RSYNCD: EXIT", false},
		{"", "", false},
	}
	for _, tt := range tests {
		if got := listingDone([]byte(tt.rest))([]byte(tt.b)); got != tt.want {
			t.Errorf("listingDone(%q)(%q) = %v", tt.rest, tt.b, got)
		}
	}
}

func TestTranscripts(t *testing.T) {
	rsync := func(extra string) result.Service { return result.Service{Name: "rsync", ExtraInfo: extra} }
	tests := []struct {
		file string
		want service.Match
	}{
		{"rsync-3.5.0-list.txt", service.Match{Service: rsync("protocol version 32"),
			Details: servicetest.Details("auth digests", "sha512 sha256 sha1 md5 md4", "module", "pub (Public files)", "module", "backup (Nightly backups)")}},
		{"rsync-3.5.0-motd.txt", service.Match{Service: rsync("protocol version 32"),
			Details: servicetest.Details("auth digests", "sha512 sha256 sha1 md5 md4", "motd", "Welcome to the lab mirror | Be nice", "module", "pub")}},
		{"old-daemon.txt", service.Match{Service: rsync("protocol version 29"), Details: servicetest.Details("module", "ftp (Public FTP mirror)")}},
		{"max-connections.txt", service.Match{Service: rsync("protocol version 31"),
			Details: servicetest.Details("error", "max connections (10) reached -- try again later")}},
		{"startup-error.txt", service.Match{Service: rsync(""), Details: servicetest.Details("error", "protocol startup error")}},
		{"nothing-listed.txt", service.Match{Service: rsync("protocol version 31"), Details: servicetest.Details("auth digests", "md5 md4")}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := servicetest.ConverseHandshake(t, Handshake, servicetest.ReadTranscript(t, "testdata/"+tt.file), servicetest.Exact)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m, tt.want) {
				t.Errorf("got  %+v\nwant %+v", m, tt.want)
			}
		})
	}
}

func TestRunBanner(t *testing.T) {
	tests := []struct {
		name    string
		banner  string
		serve   string
		noMatch bool
		want    string // ExtraInfo
	}{
		{name: "greeting split", banner: "@RSYN", serve: "CD: 31.0\n@RSYNCD: EXIT\n", want: "protocol version 31"},
		{name: "greeting after an empty banner", serve: "@RSYNCD: 30.0\n@RSYNCD: EXIT\n", want: "protocol version 30"},
		{name: "not rsync", banner: "220 ftp ready\r\n", noMatch: true},
		{name: "not rsync, partial", banner: "220 ftp", noMatch: true},
		{name: "bad greeting", banner: "@RSYNCD: yes\n", noMatch: true},
		{name: "endless first line", banner: "@RSYNCD: 31.0", serve: strings.Repeat("0", 5000), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.Against(t, Run, []byte(tt.banner), servicetest.DrainThen(servicetest.Write(tt.serve)))
			if tt.noMatch {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Errorf("got %+v, %v; want no match", m, err)
				}
				return
			}
			if err != nil || m.Service.ExtraInfo != tt.want {
				t.Errorf("got %+v, %v", m, err)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline, and leave no goroutine behind (synctest
// fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	const greeting = "@RSYNCD: 31.0\n"
	endless := func(chunk string) func(net.Conn) {
		return func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				if _, err := c.Write([]byte(chunk)); err != nil {
					return
				}
			}
		}
	}
	tests := []struct {
		name   string
		banner string
		serve  func(net.Conn)
		match  bool
	}{
		{name: "silent", serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "silent after the greeting", banner: greeting, match: true, serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "never reads", banner: greeting, match: true, serve: func(c net.Conn) { time.Sleep(time.Hour) }},
		{name: "endless modules", banner: greeting, match: true, serve: endless("mod\tcomment\n")},
		{name: "endless line", banner: greeting, match: true, serve: endless("xxxxxxxx")},
		{name: "one byte a second", banner: greeting, match: true, serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.WithDeadline(t, func(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
				return Run(ctx, c, []byte(tt.banner))
			}, 3*time.Second, tt.serve)
			if (err == nil) != tt.match {
				t.Errorf("got %+v, %v; want a match: %v", m, err, tt.match)
			}
			if n := len(m.Details); n > maxModules+2 {
				t.Errorf("%d details", n)
			}
		})
	}
}

// TestDescribeBounds checks that what a daemon lists is bounded in the
// report.
func TestDescribeBounds(t *testing.T) {
	var b bytes.Buffer
	for i := range 500 {
		b.WriteString("m" + strconv.Itoa(i) + "\t" + strings.Repeat("c", 3000) + "\n")
	}
	m := Describe(Greeting{Protocol: "31.0"}, ParseListing(b.Bytes()))
	if n := len(m.Details); n != maxModules+1 {
		t.Errorf("%d details", n)
	}
	for _, d := range m.Details {
		if len(d.Value) > 2*maxLine+8 {
			t.Errorf("detail of %d bytes", len(d.Value))
		}
	}
}
