package ssh

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

func TestParseIdent(t *testing.T) {
	tests := []struct {
		name  string
		in    string
		want  Ident
		rest  string
		errIs error
	}{
		{name: "openssh debian", in: "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n",
			want: Ident{"2.0", "OpenSSH_9.2p1", "Debian-2+deb12u10", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10"}},
		{name: "bare LF and what follows kept", in: "SSH-2.0-dropbear_2022.83\n\x00\x00\x01",
			want: Ident{"2.0", "dropbear_2022.83", "", "SSH-2.0-dropbear_2022.83"}, rest: "\x00\x00\x01"},
		{name: "dash in software", in: "SSH-1.99-Cisco-1.25\r\n",
			want: Ident{"1.99", "Cisco-1.25", "", "SSH-1.99-Cisco-1.25"}},
		{name: "lines before the identification", in: "Welcome\r\nauthorised use only\r\nSSH-2.0-Go\r\n",
			want: Ident{"2.0", "Go", "", "SSH-2.0-Go"}},
		{name: "partial", in: "SSH-2.0-Open", errIs: errShort},
		{name: "partial prefix", in: "SS", errIs: errShort},
		{name: "empty", in: "", errIs: errShort},
		{name: "http", in: "HTTP/1.1 400 Bad Request\r\n\r\n", errIs: errShort},
		{name: "binary", in: "\x16\x03\x01\x02\x00", errIs: service.ErrNoMatch},
		{name: "binary line", in: "\x00\x01\x02\n", errIs: service.ErrNoMatch},
		{name: "no software", in: "SSH-2.0\r\n", errIs: service.ErrNoMatch},
		{name: "bad protocol version", in: "SSH-two-OpenSSH\r\n", errIs: service.ErrNoMatch},
		{name: "fuzz: carriage return inside the line", in: "SSH-0.0-\r0\n", errIs: service.ErrNoMatch},
		{name: "control character", in: "SSH-2.0-Open\x01SSH\r\n", errIs: service.ErrNoMatch},
		{name: "overlong line", in: "SSH-2.0-" + strings.Repeat("x", 600) + "\r\n", errIs: service.ErrNoMatch},
		{name: "overlong partial", in: strings.Repeat("x", 600), errIs: service.ErrNoMatch},
		{name: "too many lines before", in: strings.Repeat("hello\r\n", 1000), errIs: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, off, err := ParseIdent([]byte(tt.in))
			if tt.errIs != nil {
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
				return
			}
			if err != nil || id != tt.want || tt.in[off:] != tt.rest {
				t.Fatalf("got %+v, rest %q, %v; want %+v, rest %q", id, tt.in[off:], err, tt.want, tt.rest)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	linux := "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"
	tests := []struct {
		name, line string
		want       result.Service
	}{
		{"openssh debian", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10", result.Service{
			Name: "ssh", Product: "OpenSSH", Version: "9.2p1 Debian 2+deb12u10", ExtraInfo: "protocol 2.0", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*", linux}}},
		{"openssh ubuntu", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6", result.Service{
			Name: "ssh", Product: "OpenSSH", Version: "8.9p1 Ubuntu 3ubuntu0.6", ExtraInfo: "protocol 2.0", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*", linux}}},
		{"openssh freebsd", "SSH-2.0-OpenSSH_9.3 FreeBSD-20230719", result.Service{
			Name: "ssh", Product: "OpenSSH", Version: "9.3", ExtraInfo: "FreeBSD 20230719; protocol 2.0", OSType: "FreeBSD",
			CPE: []string{"cpe:2.3:a:openbsd:openssh:9.3:*:*:*:*:*:*:*", "cpe:2.3:o:freebsd:freebsd:*:*:*:*:*:*:*:*"}}},
		{"openssh plain", "SSH-2.0-OpenSSH_7.4", result.Service{
			Name: "ssh", Product: "OpenSSH", Version: "7.4", ExtraInfo: "protocol 2.0",
			CPE: []string{"cpe:2.3:a:openbsd:openssh:7.4:*:*:*:*:*:*:*"}}},
		{"openssh for windows", "SSH-2.0-OpenSSH_for_Windows_8.1", result.Service{
			Name: "ssh", Product: "OpenSSH", Version: "for_Windows_8.1", ExtraInfo: "protocol 2.0", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:openbsd:openssh:8.1:*:*:*:*:*:*:*", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}}},
		{"dropbear", "SSH-2.0-dropbear_2022.83", result.Service{
			Name: "ssh", Product: "Dropbear sshd", Version: "2022.83", ExtraInfo: "protocol 2.0",
			CPE: []string{"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*"}}},
		{"dropbear without version", "SSH-2.0-dropbear", result.Service{
			Name: "ssh", Product: "Dropbear sshd", ExtraInfo: "protocol 2.0",
			CPE: []string{"cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:*:*:*:*:*:*:*:*"}}},
		{"libssh", "SSH-2.0-libssh-0.6.3", result.Service{
			Name: "ssh", Product: "libssh", Version: "0.6.3", ExtraInfo: "protocol 2.0",
			CPE: []string{"cpe:2.3:a:libssh:libssh:0.6.3:*:*:*:*:*:*:*"}}},
		{"cisco", "SSH-1.99-Cisco-1.25", result.Service{
			Name: "ssh", Product: "Cisco SSH", Version: "1.25", ExtraInfo: "protocol 1.99", OSType: "IOS",
			CPE: []string{"cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"}}},
		{"go", "SSH-2.0-Go", result.Service{Name: "ssh", Product: "Golang x/crypto/ssh server", ExtraInfo: "protocol 2.0"}},
		{"unknown software keeps its name", "SSH-2.0-ExampleSSHd_3.1 beta", result.Service{
			Name: "ssh", Product: "ExampleSSHd", Version: "3.1", ExtraInfo: "protocol 2.0"}},
		{"cpe version that would need escaping", "SSH-2.0-libssh_0.9.6+x", result.Service{
			Name: "ssh", Product: "libssh", Version: "0.9.6+x", ExtraInfo: "protocol 2.0",
			CPE: []string{"cpe:2.3:a:libssh:libssh:*:*:*:*:*:*:*:*"}}},
		{"ssh 1 only", "SSH-1.5-1.2.27", result.Service{Name: "ssh", Product: "1.2.27", ExtraInfo: "protocol 1.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, _, err := ParseIdent([]byte(tt.line + "\r\n"))
			if err != nil {
				t.Fatal(err)
			}
			got := Describe(id)
			if got.Name != tt.want.Name || got.Product != tt.want.Product || got.Version != tt.want.Version ||
				got.ExtraInfo != tt.want.ExtraInfo || got.OSType != tt.want.OSType || !slices.Equal(got.CPE, tt.want.CPE) {
				t.Errorf("got  %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// sshUnit reads what picket's handshake sends in place of a recorded
// client step: its identification line, then whole binary packets.
func sshUnit(r *bufio.Reader, recorded []byte) error {
	if bytes.HasPrefix(recorded, []byte("SSH-")) {
		if _, err := r.ReadBytes('\n'); err != nil {
			return err
		}
		recorded = recorded[bytes.IndexByte(recorded, '\n')+1:]
	}
	for len(recorded) >= 5 {
		n, err := packetLen(recorded)
		if err != nil {
			return err
		}
		recorded = recorded[min(n, len(recorded)):]
		head := make([]byte, 5)
		if _, err := io.ReadFull(r, head); err != nil {
			return err
		}
		m, err := packetLen(head)
		if err != nil {
			return err
		}
		if _, err := io.CopyN(io.Discard, r, int64(m-5)); err != nil {
			return err
		}
	}
	return nil
}

var hostKeyComment = regexp.MustCompile(`(?m)^# The host key is (.+)\.$`)

// TestTranscripts replays conversations captured from real servers. The
// key exchange reply was made for another client key, which does not
// matter: picket reads the host key from it, it does not check the
// signature.
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata/")
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			raw, _ := os.ReadFile(f)
			want := hostKeyComment.FindSubmatch(raw)
			if want == nil {
				t.Fatal("no '# The host key is ...' comment")
			}
			steps := readTranscript(t, f)
			synctest.Test(t, func(t *testing.T) {
				c := replay(steps, sshUnit)
				defer c.Close()
				m, err := Run(context.Background(), c, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := detail(m, "host key"); got != string(want[1]) {
					t.Errorf("host key %q, want %q", got, want[1])
				}
				if m.Service.Product != "OpenSSH" || !strings.HasPrefix(m.Service.Version, "9.2p1 Debian") {
					t.Errorf("service %+v", m.Service)
				}
				if !strings.Contains(detail(m, "kex algorithms"), "curve25519-sha256") {
					t.Errorf("kex algorithms %q", detail(m, "kex algorithms"))
				}
			})
		})
	}
}

// TestBannerShapes gives Run the banner cut in the ways an engine might
// have read it.
func TestBannerShapes(t *testing.T) {
	steps := readTranscript(t, "testdata/openssh-debian12.txt")
	ident := steps[0].data
	tests := []struct {
		name   string
		banner []byte
	}{
		{"none", nil},
		{"partial line", ident[:10]},
		{"whole line", ident},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rest := slices.Clone(steps)
				rest[0].data = ident[len(tt.banner):]
				if len(rest[0].data) == 0 {
					rest = rest[1:] // a pipe's empty write waits for a reader
				}
				c := replay(rest, sshUnit)
				defer c.Close()
				banner := slices.Clone(tt.banner)
				m, err := Run(context.Background(), c, banner)
				if err != nil || detail(m, "host key") == "" {
					t.Fatalf("got %+v, %v", m, err)
				}
				if !bytes.Equal(banner, tt.banner) {
					t.Errorf("Run changed the caller's banner")
				}
			})
		})
	}
}

// kexInitPayload is the server's KEXINIT from a transcript.
func kexInitPayload(t testing.TB, steps []step) []byte {
	t.Helper()
	p := steps[2].data
	n, err := packetLen(p)
	if err != nil || n > len(p) {
		t.Fatalf("transcript's third step is no packet: %v", err)
	}
	return payload(p[:n])
}

// hostKeyBlob is K_S from a transcript's key exchange reply.
func hostKeyBlob(t testing.TB, steps []step) []byte {
	t.Helper()
	p := steps[4].data
	n, err := packetLen(p)
	if err != nil || n > len(p) {
		t.Fatalf("transcript's fifth step is no packet: %v", err)
	}
	blob, _, ok := readString(payload(p[:n])[1:])
	if !ok {
		t.Fatal("no host key in the reply")
	}
	return blob
}

func TestParseKexInit(t *testing.T) {
	real := kexInitPayload(t, readTranscript(t, "testdata/openssh-debian12.txt"))
	k, err := ParseKexInit(real)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(k.Kex, "curve25519-sha256") || !slices.Equal(k.HostKey, []string{"rsa-sha2-512", "rsa-sha2-256", "ecdsa-sha2-nistp256", "ssh-ed25519"}) ||
		k.CompressionC2S[0] != "none" || k.LanguagesC2S != nil || k.FirstKexFollows {
		t.Errorf("parsed %+v", k)
	}
	tests := []struct {
		name string
		in   []byte
	}{
		{"empty", nil},
		{"wrong message", append([]byte{21}, real[1:]...)},
		{"truncated in a list", real[:100]},
		{"without the trailer", real[:len(real)-5]},
		{"list longer than the packet", append(append([]byte{}, real[:17]...), 0xff, 0xff, 0xff, 0xff, 'a')},
		{"space in a name", bytes.Replace(real, []byte("curve25519-sha256,"), []byte("curve25519 sha256,"), 1)},
		{"control character in a name", bytes.Replace(real, []byte("none"), []byte("no\x00e"), 1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ParseKexInit(tt.in); !errors.Is(err, errKexInit) {
				t.Errorf("err %v, want errKexInit", err)
			}
		})
	}
}

func TestParseHostKey(t *testing.T) {
	tests := []struct {
		name, file, typ string
		bits            int
	}{
		{"ed25519", "openssh-debian12.txt", "ssh-ed25519", 256},
		{"ecdsa", "openssh-debian12-ecdsa.txt", "ecdsa-sha2-nistp256", 256},
		{"rsa", "openssh-debian12-rsa-dh.txt", "ssh-rsa", 3072},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			k, err := ParseHostKey(hostKeyBlob(t, readTranscript(t, "testdata/"+tt.file)))
			if err != nil || k.Type != tt.typ || k.Bits != tt.bits || len(k.Fingerprint) != len("SHA256:")+43 {
				t.Errorf("got %+v, %v; want %s, %d bits", k, err, tt.typ, tt.bits)
			}
		})
	}
	for _, bad := range []struct{ name, in string }{
		{"empty", ""},
		{"short length", "\x00\x00"},
		{"empty type", "\x00\x00\x00\x00"},
		{"type past the end", "\x00\x00\x00\x20ssh-rsa"},
		{"binary type", "\x00\x00\x00\x03\x00\x01\x02"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if _, err := ParseHostKey([]byte(bad.in)); !errors.Is(err, errHostKey) {
				t.Errorf("err %v, want errHostKey", err)
			}
		})
	}
	// A key of a type picket does not know is still fingerprinted.
	k, err := ParseHostKey(appendString(nil, []byte("sk-ssh-ed25519@openssh.com")))
	if err != nil || k.Bits != 0 || k.Type != "sk-ssh-ed25519@openssh.com" {
		t.Errorf("unknown type: %+v, %v", k, err)
	}
}

// TestHostile runs the handshake against servers that misbehave. Inside
// a synctest bubble the clock is fake, so one byte a second costs
// nothing, and the bubble fails the test if a goroutine is left blocked.
func TestHostile(t *testing.T) {
	ident := "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n"
	kexinit := appendPacket(nil, kexInitPayload(t, readTranscript(t, "testdata/openssh-debian12.txt")))
	ignore := appendPacket(nil, []byte{msgIgnore, 0, 0, 0, 0})
	tests := []struct {
		name   string
		banner string
		serve  func(c net.Conn)
		// match: the identification was read, details may be missing.
		match   bool
		errIs   error
		details bool
	}{
		{name: "silent", serve: silent, errIs: os.ErrDeadlineExceeded},
		{name: "closes at once", serve: func(c net.Conn) { c.Close() }, errIs: io.ErrUnexpectedEOF},
		{name: "silent after identification", banner: ident, serve: silent, match: true},
		{name: "closes after identification", banner: ident, serve: func(c net.Conn) { c.Close() }, match: true},
		{name: "endless garbage", serve: endless("\x8f\x00garbage"), errIs: service.ErrNoMatch},
		{name: "endless text lines", serve: endless("hello there\r\n"), errIs: service.ErrNoMatch},
		{name: "endless line", serve: endless("SSH-2.0-"), errIs: service.ErrNoMatch},
		{name: "identification one byte a second", serve: slow(ident), errIs: os.ErrDeadlineExceeded},
		{name: "kexinit one byte a second", banner: ident, serve: drainThen(slow(string(kexinit))), match: true},
		{name: "huge packet length", banner: ident, serve: drainThen(write("\xff\xff\xff\xff\x05" + strings.Repeat("x", 100))), match: true},
		{name: "endless ignore packets", banner: ident, serve: drainThen(endless(string(ignore))), match: true},
		{name: "disconnect", banner: ident, serve: drainThen(write(string(appendPacket(nil, disconnect)))), match: true},
		{name: "garbage after identification", banner: ident, serve: drainThen(endless("garbage!")), match: true},
		{name: "minimal server", banner: ident, serve: drainThen(write(string(smallServer()))), match: true, details: true},
		{name: "kexinit then silence", banner: ident, serve: drainThen(write(string(kexinit))), match: true, details: true},
		{name: "kexinit then garbage", banner: ident, serve: drainThen(write(string(kexinit) + "\x00\x00\x00\x0c\x04garbage....")), match: true, details: true},
		{name: "http", banner: "HTTP/1.1 400 Bad Request\r\n", serve: silent, errIs: service.ErrNoMatch},
		{name: "smtp read by Run", serve: write("220 mail.example.org ESMTP Postfix\r\n"), errIs: service.ErrNoMatch},
		{name: "lines before the identification", banner: "Authorised use only\r\n" + ident, serve: silent, match: true},
		{name: "tls alert", banner: "\x15\x03\x01\x00\x02\x02\x28", serve: silent, errIs: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				client, server := net.Pipe()
				done := make(chan struct{})
				go func() { tt.serve(server); close(done) }()
				start := time.Now()
				m, err := Run(context.Background(), client, []byte(tt.banner))
				took := time.Since(start)
				client.Close()
				<-done
				if took > 3*service.StepTimeout {
					t.Errorf("took %v", took)
				}
				if tt.match {
					if err != nil || m.Service.Product != "OpenSSH" {
						t.Fatalf("got %+v, %v; want the identification's match", m.Service, err)
					}
					if got := detail(m, "kex algorithms") != ""; got != tt.details {
						t.Errorf("algorithm details %v, want %v", got, tt.details)
					}
					return
				}
				if !errors.Is(err, tt.errIs) {
					t.Fatalf("err %v, want %v", err, tt.errIs)
				}
			})
		})
	}
}

func TestContextCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		client, server := net.Pipe()
		defer client.Close()
		go silent(server)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(time.Second, cancel)
		start := time.Now()
		_, err := Run(ctx, client, nil)
		if err == nil || time.Since(start) > 2*time.Second {
			t.Errorf("after cancel: %v, %v", err, time.Since(start))
		}
	})
}

// Fake servers for TestHostile. Each returns once the client end is
// closed.

func silent(c net.Conn) { io.Copy(io.Discard, c); c.Close() }

func write(s string) func(net.Conn) {
	return func(c net.Conn) { c.Write([]byte(s)); silent(c) }
}

func endless(s string) func(net.Conn) {
	return func(c net.Conn) {
		for {
			if _, err := c.Write([]byte(s)); err != nil {
				return
			}
		}
	}
}

func slow(s string) func(net.Conn) {
	return func(c net.Conn) {
		for i := range len(s) {
			time.Sleep(time.Second)
			if _, err := c.Write([]byte{s[i]}); err != nil {
				return
			}
		}
		silent(c)
	}
}

// drainThen reads the client's identification in the background while
// serve talks: a pipe's writes wait for a reader.
func drainThen(serve func(net.Conn)) func(net.Conn) {
	return func(c net.Conn) {
		go io.Copy(io.Discard, c)
		serve(c)
	}
}
