package ssh

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// transcriptSeeds are the server's side of every captured conversation.
func transcriptSeeds(f *testing.F) [][]servicetest.Step {
	f.Helper()
	files, _ := filepath.Glob("testdata/*.txt")
	var all [][]servicetest.Step
	for _, file := range files {
		all = append(all, servicetest.ReadTranscript(f, file))
	}
	return all
}

func FuzzParseIdent(f *testing.F) {
	for _, s := range []string{
		"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\n", "SSH-1.99-Cisco-1.25\n",
		"banner\r\nSSH-2.0-Go\r\n\x00\x00", "SSH-2.0-OpenSSH_for_Windows_8.1\r\n", "SSH-", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		id, off, err := ParseIdent(b)
		if err != nil {
			if !errors.Is(err, errShort) && !errors.Is(err, service.ErrNoMatch) {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		if off > len(b) || strings.ContainsAny(id.Line, "\r\n") || !strings.HasPrefix(id.Line, "SSH-") {
			t.Fatalf("bad parse %+v, offset %d", id, off)
		}
		s := Describe(id)
		if s.Name != "ssh" {
			t.Fatalf("Describe gave %+v", s)
		}
	})
}

func FuzzParseKexInit(f *testing.F) {
	for _, steps := range transcriptSeeds(f) {
		f.Add(kexInitPayload(f, steps))
	}
	f.Add([]byte{msgKexInit})
	f.Fuzz(func(t *testing.T, p []byte) {
		k, err := ParseKexInit(p)
		if err != nil {
			return
		}
		// What parsed must survive picket's own KEXINIT built from it.
		if kex, alg, ok := defaultPrefs.choose(k); ok {
			if _, err := ParseKexInit(clientKexInit(k, kex.name, alg)); err != nil {
				t.Fatalf("picket's KEXINIT from %+v does not parse: %v", k, err)
			}
		}
	})
}

func FuzzParseHostKey(f *testing.F) {
	for _, steps := range transcriptSeeds(f) {
		f.Add(hostKeyBlob(f, steps))
	}
	f.Fuzz(func(t *testing.T, blob []byte) {
		k, err := ParseHostKey(blob)
		if err == nil && (k.Type == "" || !strings.HasPrefix(k.Fingerprint, "SHA256:")) {
			t.Fatalf("parsed %+v", k)
		}
	})
}

// FuzzRun plays a server that sends banner, then stream whatever picket
// says: the whole handshake must neither panic nor hang. Key generation
// is stubbed out: it is slow under the fuzzer's instrumentation, and the
// fuzzer is after the parsing.
func FuzzRun(f *testing.F) {
	fast := prefs{hostKeys: hostKeyAlgorithms}
	for _, m := range kexMethods {
		fast.kex = append(fast.kex, kexMethod{m.name, func() ([]byte, error) { return appendString(nil, make([]byte, 32)), nil }})
	}
	// Small seeds: the fuzzer's minimisation takes time quadratic in an
	// input's length, and real transcripts are kilobytes.
	f.Add([]byte("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n"), smallServer())
	f.Add([]byte("SSH-2.0-x\r\n"), []byte("\x00\x00\x00\x0c\x0a\x14"))
	f.Fuzz(func(t *testing.T, banner, stream []byte) {
		servicetest.Play(t, func(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
			return run(ctx, c, banner, fast)
		}, banner, stream)
	})
}

// smallServer is a minimal KEXINIT and key exchange reply.
func smallServer() []byte {
	ki := KexInit{
		Kex: []string{"curve25519-sha256"}, HostKey: []string{"ssh-ed25519"},
		CiphersC2S: []string{"aes128-ctr"}, CiphersS2C: []string{"aes128-ctr"},
		MACsC2S: []string{"hmac-sha2-256"}, MACsS2C: []string{"hmac-sha2-256"},
		CompressionC2S: []string{"none"}, CompressionS2C: []string{"none"},
	}
	out := appendPacket(nil, clientKexInit(ki, "curve25519-sha256", "ssh-ed25519"))
	blob := appendString(appendString(nil, []byte("ssh-ed25519")), make([]byte, 32))
	reply := appendString(appendString(appendString([]byte{msgKexDHReply}, blob), make([]byte, 32)), []byte("sig"))
	return appendPacket(out, reply)
}
