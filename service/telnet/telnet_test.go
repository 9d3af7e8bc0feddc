package telnet

import (
	"bytes"
	"context"
	"io"
	"net"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

func TestStream(t *testing.T) {
	tests := []struct {
		name    string
		chunks  []string
		text    string
		opts    []Option
		subs    int
		invalid bool
	}{
		{name: "negotiation then text", chunks: []string{"\xff\xfd\x01\xff\xfb\x03hi"}, text: "hi", opts: []Option{{do, 1}, {will, 3}}},
		{name: "split command", chunks: []string{"a\xff", "\xfd", "\x18b"}, text: "ab", opts: []Option{{do, 24}}},
		{name: "escaped IAC", chunks: []string{"x\xff\xffy"}, text: "x\xffy"},
		{name: "subnegotiation", chunks: []string{"\xff\xfa\x18\x01\xff\xf0ok"}, text: "ok", subs: 1},
		{name: "subnegotiation split", chunks: []string{"\xff\xfa\x18", "\x01\xff", "\xf0ok"}, text: "ok", subs: 1},
		{name: "IAC IAC inside subnegotiation", chunks: []string{"\xff\xfa\x18\xff\xff\xff\xf0z"}, text: "z", subs: 1},
		{name: "NOP and GA", chunks: []string{"\xff\xf1a\xff\xf9b"}, text: "ab"},
		{name: "not a command", chunks: []string{"\xff\x10a"}, text: "a", invalid: true},
		{name: "endless subnegotiation", chunks: []string{"\xff\xfa" + string(bytes.Repeat([]byte("s"), maxSub+10))},
			text: string(bytes.Repeat([]byte("s"), maxSub+10)), invalid: true},
		{name: "trailing IAC kept", chunks: []string{"a\xff"}, text: "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Stream
			for _, c := range tt.chunks {
				s.Write([]byte(c))
			}
			if string(s.Text) != tt.text || !slices.Equal(s.Options, tt.opts) || s.Subs != tt.subs || s.Invalid != tt.invalid {
				t.Errorf("got text %q options %v subs %d invalid %v", s.Text, s.Options, s.Subs, s.Invalid)
			}
		})
	}
}

func TestLines(t *testing.T) {
	got := Lines([]byte("\r\r\nDebian GNU/Linux 12\r\n\rvm login: \x1b[1;31mred\x1b[0m\tx\x00\x07\xe9"))
	want := []string{"Debian GNU/Linux 12", "vm login: red x?"}
	if !slices.Equal(got, want) {
		t.Errorf("Lines = %q, want %q", got, want)
	}
}

func TestPrompt(t *testing.T) {
	tests := []struct {
		text string
		want promptKind
	}{
		{"Debian\r\nvm login: ", login},
		{"Username: ", login},
		{"Password:", login},
		{"\r\n/ # ", shell},
		{"root@host:~# ", shell},
		{"[user@host ~]$ ", shell},
		{"Router>", shell},
		{"Press any key to continue>", none},
		{"Welcome\r\n", none},
		{"", none},
	}
	for _, tt := range tests {
		if got := prompt([]byte(tt.text)); got != tt.want {
			t.Errorf("prompt(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}

func TestDetect(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"\xff\xfd\x01", true},
		{"\xff\xfb\x25", true},
		{"\r\nlogin: ", true},
		{"\xff\xff", false},
		{"\xff", false},
		{"SSH-2.0-OpenSSH_9.2\r\n", false},
		{"220 ready\r\n", false},
	}
	for _, tt := range tests {
		if got := Detect([]byte(tt.in)); got != tt.want {
			t.Errorf("Detect(%q) = %v", tt.in, got)
		}
	}
}

func TestTranscripts(t *testing.T) {
	tests := []struct {
		file string
		want service.Match
	}{
		{"inetutils-2.4-debian12.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "GNU inetutils telnetd", OSType: "Linux", Hostname: "vm",
				CPE: []string{"cpe:2.3:a:gnu:inetutils:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "Linux 6.18.44-fc-v657 (localhost) (pts/0) | vm login:",
				"negotiation", "WILL AUTHENTICATION, WILL ENCRYPT, DO TTYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON, DO OLD-ENVIRON, "+
					"WILL SGA, DO ECHO, DO LINEMODE, DO NAWS, WILL STATUS, DO LFLOW, WILL ECHO, DO TIMING-MARK, DO BINARY, WILL SGA, WILL ECHO")}},
		{"busybox-1.35-shell.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "BusyBox telnetd", OSType: "Linux",
				CPE: []string{"cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "Debian GNU/Linux 12 | #", "authentication", "none (shell prompt)",
				"negotiation", "DO ECHO, DO NAWS, WILL ECHO, WILL SGA")}},
		{"busybox-1.35-debian12.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "BusyBox telnetd", OSType: "Linux", Hostname: "vm",
				CPE: []string{"cpe:2.3:a:busybox:busybox:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "Debian GNU/Linux 12 | vm login:", "negotiation", "DO ECHO, DO NAWS, WILL ECHO, WILL SGA")}},
		{"cisco-ios.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "Cisco router telnetd", OSType: "IOS", DeviceType: "router",
				CPE: []string{"cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "User Access Verification | Username:", "negotiation", "WILL ECHO, WILL SGA, DO TTYPE, DO NAWS")}},
		{"mikrotik.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "MikroTik RouterOS telnetd", Version: "6.49.7", OSType: "RouterOS", DeviceType: "router",
				CPE: []string{"cpe:2.3:o:mikrotik:routeros:6.49.7:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "MikroTik v6.49.7 (long-term) | Login:", "negotiation", "DO TTYPE, DO TSPEED, DO XDISPLOC, DO NEW-ENVIRON")}},
		{"windows.txt", service.Match{
			Service: result.Service{Name: "telnet", Product: "Microsoft Windows telnetd", OSType: "Windows",
				CPE: []string{"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}},
			Details: servicetest.Details("banner", "Welcome to Microsoft Telnet Service | login:",
				"negotiation", "DO AUTHENTICATION, WILL ECHO, WILL SGA, DO NEW-ENVIRON, DO NAWS, DO BINARY, WILL BINARY")}},
		{"text-only.txt", service.Match{
			Service: result.Service{Name: "telnet"},
			Details: servicetest.Details("banner", "Welcome to ?router | login:")}},
		{"repeat-negotiation.txt", service.Match{
			Service: result.Service{Name: "telnet"},
			Details: servicetest.Details("banner", "login:", "negotiation", "DO TTYPE, DO TTYPE, DO TTYPE")}},
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

// TestRun covers exchanges that end other than at a login prompt.
func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		banner  string
		serve   string // sent after picket's first answer, or at once
		noMatch bool
		want    []service.Detail
	}{
		{name: "root shell", banner: "\xff\xfd\x01", serve: "\r\n\r\nBusyBox v1.35.0 built-in shell (ash)\r\n\r\n/ # ",
			want: servicetest.Details("banner", "BusyBox v1.35.0 built-in shell (ash) | / #", "authentication", "none (shell prompt)", "negotiation", "DO ECHO")},
		{name: "negotiation, then quiet", banner: "\xff\xfb\x01\xff\xfb\x03",
			want: servicetest.Details("negotiation", "WILL ECHO, WILL SGA")},
		{name: "text without prompt, then quiet", banner: "\xff\xfb\x01", serve: "Welcome\r\n",
			want: servicetest.Details("banner", "Welcome", "negotiation", "WILL ECHO")},
		{name: "plain text, no prompt", banner: "hello there\r\n", noMatch: true},
		{name: "ssh", banner: "SSH-2.0-OpenSSH_9.2p1\r\n", noMatch: true},
		{name: "invalid commands", banner: "\xff\x10\xff\x11garbage", noMatch: true},
		{name: "empty banner, prompt later", serve: "\r\nlogin: ", want: servicetest.Details("banner", "login:")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := servicetest.Against(t, Run, []byte(tt.banner), servicetest.DrainThen(servicetest.Write(tt.serve)))
			if tt.noMatch {
				if err == nil {
					t.Errorf("matched %+v", m)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(m.Details, tt.want) {
				t.Errorf("got %+v, %v; want details %v", m, err, tt.want)
			}
		})
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline, and leave no goroutine behind (synctest
// fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	endless := func(chunk []byte) func(net.Conn) {
		return func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				if _, err := c.Write(chunk); err != nil {
					return
				}
			}
		}
	}
	tests := []struct {
		name   string
		banner string
		serve  func(c net.Conn)
	}{
		{name: "silent", banner: "\xff\xfd\x01", serve: func(c net.Conn) { io.Copy(io.Discard, c) }},
		{name: "closes at once", banner: "\xff\xfd\x01", serve: func(c net.Conn) {}},
		{name: "endless text", banner: "\xff\xfd\x01", serve: endless(bytes.Repeat([]byte("A"), 4096))},
		{name: "endless negotiation", banner: "\xff\xfd\x01", serve: endless([]byte("\xff\xfd\x01\xff\xfb\x03"))},
		{name: "new option every time", banner: "\xff\xfd\x01", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for i := 0; ; i++ {
				if _, err := c.Write([]byte{iac, do, byte(i)}); err != nil {
					return
				}
			}
		}},
		{name: "endless subnegotiation", banner: "\xff\xfd\x01", serve: func(c net.Conn) {
			c.Write([]byte("\xff\xfa\x18"))
			endless([]byte("x"))(c)
		}},
		{name: "one byte a second", banner: "\xff\xfd\x01", serve: func(c net.Conn) {
			go io.Copy(io.Discard, c)
			for {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte("a")); err != nil {
					return
				}
			}
		}},
		{name: "never reads", banner: "\xff\xfd\x01", serve: func(c net.Conn) { time.Sleep(time.Hour) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			servicetest.WithDeadline(t, func(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
				return Run(ctx, c, []byte(tt.banner))
			}, 3*time.Second, tt.serve)
		})
	}
}
