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

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
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
			steps := servicetest.ReadTranscript(t, f)
			synctest.Test(t, func(t *testing.T) {
				c := servicetest.Replay(steps, sshUnit)
				defer c.Close()
				m, err := Run(context.Background(), c, nil)
				if err != nil {
					t.Fatal(err)
				}
				if got := servicetest.Detail(m, "host key"); got != string(want[1]) {
					t.Errorf("host key %q, want %q", got, want[1])
				}
				if m.Service.Product != "OpenSSH" || !strings.HasPrefix(m.Service.Version, "9.2p1 Debian") {
					t.Errorf("service %+v", m.Service)
				}
				if !strings.Contains(servicetest.Detail(m, "kex algorithms"), "curve25519-sha256") {
					t.Errorf("kex algorithms %q", servicetest.Detail(m, "kex algorithms"))
				}
			})
		})
	}
}

// TestBannerShapes gives Run the banner cut in the ways an engine might
// have read it.
func TestBannerShapes(t *testing.T) {
	steps := servicetest.ReadTranscript(t, "testdata/openssh-debian12.txt")
	ident := steps[0].Data
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
				rest[0].Data = ident[len(tt.banner):]
				if len(rest[0].Data) == 0 {
					rest = rest[1:] // a pipe's empty write waits for a reader
				}
				c := servicetest.Replay(rest, sshUnit)
				defer c.Close()
				banner := slices.Clone(tt.banner)
				m, err := Run(context.Background(), c, banner)
				if err != nil || servicetest.Detail(m, "host key") == "" {
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
func kexInitPayload(t testing.TB, steps []servicetest.Step) []byte {
	t.Helper()
	p := steps[2].Data
	n, err := packetLen(p)
	if err != nil || n > len(p) {
		t.Fatalf("transcript's third step is no packet: %v", err)
	}
	return payload(p[:n])
}

// hostKeyBlob is K_S from a transcript's key exchange reply.
func hostKeyBlob(t testing.TB, steps []servicetest.Step) []byte {
	t.Helper()
	p := steps[4].Data
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
	real := kexInitPayload(t, servicetest.ReadTranscript(t, "testdata/openssh-debian12.txt"))
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
			k, err := ParseHostKey(hostKeyBlob(t, servicetest.ReadTranscript(t, "testdata/"+tt.file)))
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
	kexinit := appendPacket(nil, kexInitPayload(t, servicetest.ReadTranscript(t, "testdata/openssh-debian12.txt")))
	ignore := appendPacket(nil, []byte{msgIgnore, 0, 0, 0, 0})
	// algorithms checks whether the handshake got as far as the server's
	// algorithms.
	algorithms := func(want bool) func(*testing.T, service.Match) {
		return func(t *testing.T, m service.Match) {
			if got := servicetest.Detail(m, "kex algorithms") != ""; got != want {
				t.Errorf("algorithm details %v, want %v", got, want)
			}
		}
	}
	servicetest.Hostile(t, Run, 3*service.StepTimeout, "OpenSSH", []servicetest.HostileCase{
		{Name: "silent", Serve: servicetest.Silent, ErrIs: os.ErrDeadlineExceeded},
		{Name: "closes at once", Serve: func(c net.Conn) { c.Close() }, ErrIs: io.ErrUnexpectedEOF},
		{Name: "silent after identification", Banner: ident, Serve: servicetest.Silent, Match: true, Check: algorithms(false)},
		{Name: "closes after identification", Banner: ident, Serve: func(c net.Conn) { c.Close() }, Match: true, Check: algorithms(false)},
		{Name: "endless garbage", Serve: servicetest.Endless("\x8f\x00garbage"), ErrIs: service.ErrNoMatch},
		{Name: "endless text lines", Serve: servicetest.Endless("hello there\r\n"), ErrIs: service.ErrNoMatch},
		{Name: "endless line", Serve: servicetest.Endless("SSH-2.0-"), ErrIs: service.ErrNoMatch},
		{Name: "identification one byte a second", Serve: servicetest.Slow(ident), ErrIs: os.ErrDeadlineExceeded},
		{Name: "kexinit one byte a second", Banner: ident, Serve: servicetest.DrainThen(servicetest.Slow(string(kexinit))), Match: true, Check: algorithms(false)},
		{Name: "huge packet length", Banner: ident, Serve: servicetest.DrainThen(servicetest.Write("\xff\xff\xff\xff\x05" + strings.Repeat("x", 100))), Match: true, Check: algorithms(false)},
		{Name: "endless ignore packets", Banner: ident, Serve: servicetest.DrainThen(servicetest.Endless(string(ignore))), Match: true, Check: algorithms(false)},
		{Name: "disconnect", Banner: ident, Serve: servicetest.DrainThen(servicetest.Write(string(appendPacket(nil, disconnect)))), Match: true, Check: algorithms(false)},
		{Name: "garbage after identification", Banner: ident, Serve: servicetest.DrainThen(servicetest.Endless("garbage!")), Match: true, Check: algorithms(false)},
		{Name: "minimal server", Banner: ident, Serve: servicetest.DrainThen(servicetest.Write(string(smallServer()))), Match: true, Check: algorithms(true)},
		{Name: "kexinit then silence", Banner: ident, Serve: servicetest.DrainThen(servicetest.Write(string(kexinit))), Match: true, Check: algorithms(true)},
		{Name: "kexinit then garbage", Banner: ident, Serve: servicetest.DrainThen(servicetest.Write(string(kexinit) + "\x00\x00\x00\x0c\x04garbage....")), Match: true, Check: algorithms(true)},
		{Name: "http", Banner: "HTTP/1.1 400 Bad Request\r\n", Serve: servicetest.Silent, ErrIs: service.ErrNoMatch},
		{Name: "smtp read by Run", Serve: servicetest.Write("220 mail.example.org ESMTP Postfix\r\n"), ErrIs: service.ErrNoMatch},
		{Name: "lines before the identification", Banner: "Authorised use only\r\n" + ident, Serve: servicetest.Silent, Match: true, Check: algorithms(false)},
		{Name: "tls alert", Banner: "\x15\x03\x01\x00\x02\x02\x28", Serve: servicetest.Silent, ErrIs: service.ErrNoMatch},
	})
}

func TestContextCancel(t *testing.T) { servicetest.ContextCancel(t, Run) }
