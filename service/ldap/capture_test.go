//go:build capture

package ldap

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

// slapdMonitorConf is a minimal slapd.conf: one database and the monitor
// database, with slapd's default access (anyone reads).
const slapdMonitorConf = `include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile DIR/slapd.pid
argsfile DIR/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
suffix "dc=picket,dc=lab"
rootdn "cn=admin,dc=picket,dc=lab"
directory DIR/data
database monitor
`

// TestCaptureSlapd is how testdata/slapd-*.txt were made. The lab has no
// LDAP server, so this is built only with -tags capture, on a machine where
// Debian's slapd package was installed for the purpose: slapd in the
// foreground in a target namespace, picket's handshake the client from the
// scanner namespace.
func TestCaptureSlapd(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/slapd")
	t.Run("debian", func(t *testing.T) {
		// The configuration Debian's package installs (cn=config in
		// /etc/ldap/slapd.d, suffix dc=nodomain).
		captureDaemon(t, "slapd-2.5-deb12.txt", "slapd", "Debian's packaged configuration (suffix dc=nodomain)",
			"/usr/sbin/slapd", "-d", "0", "-h", "ldap:///", "-F", "/etc/ldap/slapd.d")
	})
	t.Run("tls", func(t *testing.T) {
		// With a certificate, slapd offers StartTLS in the root DSE.
		dir := t.TempDir()
		os.Chmod(dir, 0o755)
		os.Mkdir(filepath.Join(dir, "data"), 0o755)
		out, err := exec.Command("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
			"-nodes", "-subj", "/CN=ldap.picket.lab", "-days", "2",
			"-keyout", filepath.Join(dir, "key.pem"), "-out", filepath.Join(dir, "cert.pem")).CombinedOutput()
		if err != nil {
			t.Fatalf("openssl: %v\n%s", err, out)
		}
		os.Chmod(filepath.Join(dir, "key.pem"), 0o644)
		conf := filepath.Join(dir, "slapd.conf")
		// Global directives, before the first database.
		tlsConf := "TLSCertificateFile " + dir + "/cert.pem\nTLSCertificateKeyFile " + dir + "/key.pem\n"
		cfg := strings.Replace(strings.ReplaceAll(slapdMonitorConf, "DIR", dir), "database mdb\n", tlsConf+"database mdb\n", 1)
		os.WriteFile(conf, []byte(cfg), 0o644)
		captureDaemon(t, "slapd-2.5-tls.txt", "slapd", "slapd.conf with suffix dc=picket,dc=lab, a TLS certificate and the monitor database",
			"/usr/sbin/slapd", "-d", "0", "-h", "ldap:///", "-f", conf)
	})
	t.Run("monitor", func(t *testing.T) {
		dir := t.TempDir()
		os.Mkdir(filepath.Join(dir, "data"), 0o755)
		conf := filepath.Join(dir, "slapd.conf")
		os.WriteFile(conf, []byte(strings.ReplaceAll(slapdMonitorConf, "DIR", dir)), 0o644)
		captureDaemon(t, "slapd-2.5-monitor.txt", "slapd", "slapd.conf with suffix dc=picket,dc=lab and the monitor database, default access",
			"/usr/sbin/slapd", "-d", "0", "-h", "ldap:///", "-f", conf)
	})
}

// TestCaptureSambaDC is how testdata/samba-4.17-dc.txt was made: as
// TestCaptureSlapd, with Debian's samba provisioned as an Active Directory
// domain controller.
func TestCaptureSambaDC(t *testing.T) {
	lab.RequireCommand(t, "/usr/sbin/samba", "samba-tool")
	dir := t.TempDir()
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
	captureDaemon(t, "samba-4.17-dc.txt", "samba", "Active Directory domain controller (samba-tool domain provision,\n"+
		"realm PICKET.LAB, domain PICKET, host labdc)",
		"/usr/sbin/samba", "-i", "-M", "single", "--debug-stdout", "-s", filepath.Join(dir, "etc", "smb.conf"))
}

// captureDaemon starts argv in a lab target, runs the handshake against
// it on port 389 and writes the transcript.
func captureDaemon(t *testing.T, file, pkg, what string, argv ...string) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := tg.NS.Command(ctx, argv[0], argv[1:]...)
	log := filepath.Join(t.TempDir(), "log")
	lf, _ := os.Create(log)
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		cmd.Wait()
		if t.Failed() {
			out, _ := os.ReadFile(log)
			t.Logf("%s:\n%s", argv[0], out)
		}
	})
	version, _ := exec.Command("dpkg-query", "-W", "-f", "${Version}", pkg).Output()
	ap := netip.AddrPortFrom(tg.Addr, 389)
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
		if i == 100 {
			t.Fatalf("server never listened: %v", err)
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
		"Debian 12 %s %s, %s;\ncaptured by go test -tags capture, picket's handshake the client.",
		pkg, version, what), rec.Steps())
}
