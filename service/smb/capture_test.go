//go:build capture

package smb

import (
	"context"
	"fmt"
	"github.com/picket-scanner/picket/service/internal/servicetest"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
)

// TestCaptureSamba is how testdata/samba-*.txt were made. The lab has no
// SMB server, so this is built only with -tags capture, on a machine where
// Debian's samba package was installed for the purpose: smbd in the
// foreground in a target namespace, a minimal standalone configuration,
// picket's handshake the client from the scanner namespace.
func TestCaptureSamba(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/smbd")
	for _, tc := range []struct{ file, what, conf string }{
		{"samba-4.17-deb12.txt", "", ""},
		{"samba-4.17-signing.txt", "server signing = mandatory", "server signing = mandatory"},
		{"samba-4.17-smb1.txt", "SMB1 only (server min/max protocol = NT1)", "server min protocol = NT1\n\tserver max protocol = NT1"},
		{"samba-4.17-smb2.txt", "server max protocol = SMB2_02", "server max protocol = SMB2_02"},
		{"samba-4.17-smb3.txt", "server max protocol = SMB3_00, smb encrypt = required", "server max protocol = SMB3_00\n\tsmb encrypt = required"},
	} {
		what := "standalone server (netbios name LABSMB, workgroup PICKETLAB)"
		if tc.what != "" {
			what += ",\n" + tc.what
		}
		t.Run(tc.file, func(t *testing.T) { captureSamba(t, tc.file, what, tc.conf) })
	}
	t.Run("samba-4.17-dc.txt", func(t *testing.T) {
		lab.RequireCommand(t, "/usr/sbin/samba", "samba-tool")
		dir := t.TempDir()
		conf := provisionSambaDC(t, dir)
		captureDaemon(t, "samba-4.17-dc.txt", "Active Directory domain controller (samba-tool domain provision, realm PICKET.LAB,\n"+
			"domain PICKET, host labdc)", "samba", dir, 60, "/usr/sbin/samba", "-i", "-M", "single", "--debug-stdout", "-s", conf)
	})
}

// provisionSambaDC provisions a Samba AD domain controller in dir and
// returns its smb.conf.
func provisionSambaDC(t *testing.T, dir string) string {
	t.Helper()
	os.Chmod(dir, 0o755)
	out, err := exec.Command("samba-tool", "domain", "provision", "--realm=PICKET.LAB", "--domain=PICKET",
		"--server-role=dc", "--dns-backend=NONE", "--adminpass=Picket-Lab-2026!", "--host-name=labdc",
		"--targetdir="+dir, "--option=log file = "+dir+"/log.%m",
		// Only what answers LDAP and SMB: winbindd is not in the samba
		// package (samba-ad-dc has it), and DNS is not provisioned.
		"--option=server services = s3fs rpc ldap cldap kdc").CombinedOutput()
	if err != nil {
		t.Fatalf("provision: %v\n%s", err, out)
	}
	return filepath.Join(dir, "etc", "smb.conf")
}

func captureSamba(t *testing.T, file, what, extra string) {
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	for _, d := range []string{"private", "lock", "state", "cache", "pid", "share", "ncalrpc", "binddns"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	conf := filepath.Join(dir, "smb.conf")
	cfg := strings.ReplaceAll(`[global]
	workgroup = PICKETLAB
	netbios name = LABSMB
	server role = standalone server
	disable netbios = yes
	smb ports = 445
	private dir = DIR/private
	lock directory = DIR/lock
	state directory = DIR/state
	cache directory = DIR/cache
	pid directory = DIR/pid
	ncalrpc dir = DIR/ncalrpc
	binddns dir = DIR/binddns
	passdb backend = tdbsam:DIR/private/passdb.tdb
	log file = DIR/log
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
	EXTRA
[share]
	path = DIR/share
	read only = yes
	guest ok = yes
`, "DIR", dir)
	cfg = strings.Replace(cfg, "EXTRA", extra, 1)
	if err := os.WriteFile(conf, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	captureDaemon(t, file, what, "samba", dir, 50, "/usr/sbin/smbd", "--foreground", "--no-process-group", "--debug-stdout", "-s", conf)
}

// captureDaemon starts argv in a lab target, runs the handshake against
// it and writes the transcript.
func captureDaemon(t *testing.T, file, what, pkg, dir string, tries int, argv ...string) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := tg.NS.Command(ctx, argv[0], argv[1:]...)
	log, _ := os.Create(filepath.Join(dir, "stdout"))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(filepath.Join(dir, "stdout"))
			t.Logf("smbd:\n%s", out)
		}
	})
	version, _ := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()

	ap := netip.AddrPortFrom(tg.Addr, 445)
	var c net.Conn
	for i := 0; ; i++ {
		err := l.Scanner.Do(func() error {
			var err error
			c, err = net.DialTimeout("tcp", ap.String(), time.Second)
			return err
		})
		if err == nil {
			break
		}
		if i == tries {
			t.Fatalf("smbd never listened: %v", err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer c.Close()
	rec := &servicetest.Recorder{Conn: c}
	rctx, rcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer rcancel()
	m, err := Handshake.Run(rctx, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", m.Service)
	for _, d := range m.Details {
		t.Logf("  %s: %s", d.Key, d.Value)
	}
	servicetest.WriteHexTranscript(t, filepath.Join("testdata", file), fmt.Sprintf(
		"Debian 12 samba %s, %s;\ncaptured by go test -tags capture (TestCaptureSamba), picket's handshake the client.",
		version, what), rec.Steps())
}
