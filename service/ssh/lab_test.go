package ssh

import (
	"context"
	"flag"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

var update = flag.Bool("update", false, "rewrite testdata/ from the lab's real servers")

// TestLabOpenSSH runs the handshake against Debian's sshd over IPv4 and
// IPv6 and checks it against dpkg's version and ssh-keygen's fingerprint.
// With -update it rewrites the captured transcript in testdata/.
func TestLabOpenSSH(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/sshd", "ssh-keygen")
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	d, err := tg.StartDaemon(context.Background(), lab.DaemonSSH)
	if err != nil {
		t.Fatal(err)
	}
	// Each case narrows picket's offer to reach one key exchange and one
	// host key: the fingerprint must be ssh-keygen's for that key file.
	for _, tc := range []struct {
		name, keyFile, file string
		prefs               prefs
		v6                  bool
	}{
		{"default", "ssh_host_ed25519_key.pub", "openssh-debian12.txt", defaultPrefs, true},
		{"ecdh-nistp256 ecdsa", "ssh_host_ecdsa_key.pub", "openssh-debian12-ecdsa.txt",
			prefs{onlyKex(t, "ecdh-sha2-nistp256"), []string{"ecdsa-sha2-nistp256"}}, false},
		{"dh-group14 rsa", "ssh_host_rsa_key.pub", "openssh-debian12-rsa-dh.txt",
			prefs{onlyKex(t, "diffie-hellman-group14-sha256"), []string{"rsa-sha2-512"}}, false},
	} {
		// The lab keeps the daemon's files in t<target>-<kind> below
		// its directory; ssh-keygen -A put the host keys under etc/ssh.
		pub := filepath.Join(l.Dir, "t0-ssh", "etc", "ssh", tc.keyFile)
		out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", pub).Output()
		if err != nil {
			t.Fatalf("ssh-keygen -l %s: %v", pub, err)
		}
		pubKey, err := os.ReadFile(pub)
		if err != nil {
			t.Fatal(err)
		}
		wantKey := strings.Fields(string(pubKey))[0] + " " + strings.Fields(string(out))[1]
		addrs := []netip.Addr{tg.Addr}
		if tc.v6 {
			addrs = append(addrs, tg.Addr6)
		}
		for _, addr := range addrs {
			t.Run(tc.name+" "+addr.String(), func(t *testing.T) {
				rec := &servicetest.Recorder{Conn: servicetest.Dial(t, l.Scanner, "tcp", netip.AddrPortFrom(addr, 22))}
				h := Handshake
				h.Run = func(ctx context.Context, c net.Conn, b []byte) (service.Match, error) {
					return run(ctx, c, b, tc.prefs)
				}
				m := servicetest.RunLikeEngine(t, rec, h)
				s := m.Service
				if s.Name != "ssh" || s.Product != "OpenSSH" || !strings.HasPrefix(s.Version, d.Upstream()+" Debian ") {
					t.Errorf("got %q %q %q; want ssh, OpenSSH, %s Debian ... (dpkg %s)", s.Name, s.Product, s.Version, d.Upstream(), d.Version)
				}
				if s.ExtraInfo != "protocol 2.0" || s.OSType != "Linux" {
					t.Errorf("extrainfo %q, ostype %q; want protocol 2.0, Linux", s.ExtraInfo, s.OSType)
				}
				if wantCPE := "cpe:2.3:a:openbsd:openssh:" + d.Upstream() + ":*:*:*:*:*:*:*"; len(s.CPE) == 0 || s.CPE[0] != wantCPE {
					t.Errorf("CPE %q, want %s first", s.CPE, wantCPE)
				}
				if got := servicetest.Detail(m, "host key"); got != wantKey {
					t.Errorf("host key %q, ssh-keygen says %q", got, wantKey)
				}
				for _, k := range []string{"kex algorithms", "host key algorithms", "encryption algorithms", "mac algorithms", "compression algorithms"} {
					if servicetest.Detail(m, k) == "" {
						t.Errorf("no %q detail", k)
					}
				}
				t.Logf("%s %s (%s); %s", s.Product, s.Version, s.ExtraInfo, servicetest.Detail(m, "host key"))
				if *update && addr.Is4() {
					servicetest.WriteTranscript(t, "testdata/"+tc.file,
						"Debian 12 openssh-server "+d.Version+", Debian's sshd_config, keys from ssh-keygen -A;\n"+
							"captured by TestLabOpenSSH -update, picket's handshake ("+tc.name+") the client.\n"+
							"The host key is "+wantKey+".", rec.Steps())
				}
			})
		}
	}
}

func onlyKex(t *testing.T, name string) []kexMethod {
	t.Helper()
	for _, m := range kexMethods {
		if m.name == name {
			return []kexMethod{m}
		}
	}
	t.Fatalf("no key exchange %s", name)
	return nil
}
