package probes

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

var update = flag.Bool("update", false, "rewrite testdata/replies from the lab's real daemons")

// labWait bounds each probe's wait in the lab, where every daemon answers
// within milliseconds: the NULL probe's 5–6 s are for the Internet.
const labWait = 1500 * time.Millisecond

// identified is what the test engine learned of a port.
type identified struct {
	m       service.Match
	soft    bool
	probe   string // the probe whose reply matched
	reply   []byte
	tunnel  bool // found inside TLS
	elapsed time.Duration
}

// conn dials one connection for a probe.
type dialer func(ctx context.Context) (net.Conn, error)

// identify runs db's probes on a port as an engine would: Nmap's order,
// the first hard match wins, a soft match narrows the rest, "ssl" leads to
// a second round inside TLS.
func identify(ctx context.Context, db *DB, dial dialer, port uint16, proto result.Protocol, inTLS bool, capture func(p *Probe, reply []byte)) (identified, bool) {
	start := time.Now()
	list := db.Probes(port, proto, inTLS, DefaultIntensity)
	var best *identified
	for i := 0; i < len(list); i++ {
		p := list[i]
		reply := exchange(ctx, dial, p)
		if len(reply) == 0 {
			continue
		}
		m, soft, ok := db.Match(p, reply)
		if !ok {
			continue
		}
		if capture != nil {
			capture(p, reply)
		}
		got := identified{m: m, soft: soft, probe: p.Name, reply: reply, tunnel: inTLS}
		if m.TLS && !inTLS && proto == result.TCP {
			tlsDial := func(ctx context.Context) (net.Conn, error) {
				c, err := dial(ctx)
				if err != nil {
					return nil, err
				}
				tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true}) // identification only
				hctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				if err := tc.HandshakeContext(hctx); err != nil {
					c.Close()
					return nil, err
				}
				return tc, nil
			}
			if inner, ok := identify(ctx, db, tlsDial, port, proto, true, capture); ok {
				inner.elapsed = time.Since(start)
				return inner, true
			}
		}
		if !soft {
			got.elapsed = time.Since(start)
			return got, true
		}
		if best == nil {
			best = &got
			list = append(list[:i+1], Narrow(list[i+1:], m.Service.Name)...)
		}
	}
	if best == nil {
		return identified{}, false
	}
	best.elapsed = time.Since(start)
	return *best, true
}

// exchange sends p's payload on a fresh connection and returns what came
// back: data until the server closes, falls quiet for 200 ms after
// speaking, or the probe's wait (capped at labWait) ends.
func exchange(ctx context.Context, dial dialer, p *Probe) []byte {
	c, err := dial(ctx)
	if err != nil {
		return nil
	}
	defer c.Close()
	if len(p.Payload) > 0 {
		c.SetWriteDeadline(time.Now().Add(labWait))
		if _, err := c.Write(p.Payload); err != nil {
			return nil
		}
	}
	deadline := time.Now().Add(min(p.TotalWait, labWait))
	var out []byte
	buf := make([]byte, 16<<10)
	for len(out) < MaxReply {
		c.SetReadDeadline(deadline)
		n, err := c.Read(buf)
		out = append(out, buf[:n]...)
		if err != nil {
			break
		}
		if n > 0 {
			deadline = time.Now().Add(200 * time.Millisecond)
		}
	}
	return out
}

// labExpect is what picket's own signatures must report for a daemon's
// port, against the dpkg truth. version: "" means the wire keeps it
// secret, so none may be reported; "upstream" means it must contain the
// package's upstream version.
type labExpect struct {
	name, product, version string
	tls                    bool
}

var labExpects = map[lab.DaemonKind]map[uint16]labExpect{
	lab.DaemonSSH:        {22: {"ssh", "OpenSSH", "upstream", false}},
	lab.DaemonNginx:      {80: {"http", "nginx", "upstream", false}, 443: {"http", "nginx", "upstream", true}},
	lab.DaemonVsftpd:     {21: {"ftp", "vsftpd", "upstream", false}},
	lab.DaemonRedis:      {6379: {"redis", "Redis key-value store", "upstream", false}},
	lab.DaemonPostgreSQL: {5432: {"postgresql", "PostgreSQL DB", "", false}},
	lab.DaemonMariaDB:    {3306: {"mysql", "MariaDB", "upstream", false}},
	lab.DaemonPostfix:    {25: {"smtp", "Postfix smtpd", "", false}},
	lab.DaemonDovecot: {
		143: {"imap", "Dovecot imapd", "", false}, 110: {"pop3", "Dovecot pop3d", "", false},
		993: {"imap", "Dovecot imapd", "", true}, 995: {"pop3", "Dovecot pop3d", "", true},
	},
	lab.DaemonBind9: {53: {"domain", "ISC BIND", "upstream", false}},

	lab.DaemonMemcached: {11211: {"memcached", "Memcached", "upstream", false}},
	lab.DaemonMosquitto: {1883: {"mqtt", "Eclipse Mosquitto", "upstream", false}},
	lab.DaemonRsync:     {873: {"rsync", "", "", false}},
	lab.DaemonDropbear:  {2222: {"ssh", "Dropbear sshd", "upstream", false}},
	lab.DaemonSlapd:     {389: {"ldap", "OpenLDAP", "", false}},
	lab.DaemonSamba:     {445: {"microsoft-ds", "Samba smbd", "", false}},
	lab.DaemonTigerVNC:  {5901: {"vnc", "VNC", "", false}},
	lab.DaemonTelnetd:   {23: {"telnet", "GNU inetutils telnetd", "", false}},
	lab.DaemonApache:    {8080: {"http", "Apache httpd", "upstream", false}},
	lab.DaemonLighttpd:  {8081: {"http", "lighttpd", "upstream", false}},
	lab.DaemonSquid:     {3128: {"http-proxy", "Squid http proxy", "upstream", false}},
	lab.DaemonTinyproxy: {8888: {"http-proxy", "tinyproxy", "upstream", false}},
}

// productless are the daemons whose wire names no product: the rsync
// greeting is the protocol's, RFB says only "VNC". They have no
// application CPE.
var productless = map[lab.DaemonKind]bool{lab.DaemonRsync: true, lab.DaemonTigerVNC: true}

// TestLabSignatures identifies every port of the lab's real Debian daemons
// with picket's own signatures alone and checks service, product and
// version against dpkg; with Nmap installed it logs what Nmap's data finds
// on the same replies for comparison. With -update it stores the replies
// that matched in testdata/replies for the offline tests.
func TestLabSignatures(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	own, err := Own()
	if err != nil {
		t.Fatal(err)
	}
	var nmap *DB
	if data, err := os.ReadFile(filepath.Join(nmapDir, NmapFile)); err == nil {
		nmap, _, _ = Parse(strings.NewReader(string(data)), NmapFile)
	}
	var kinds []lab.DaemonKind
	for _, k := range lab.AllDaemons() {
		kinds = append(kinds, k)
	}
	ctx := context.Background()
	ds, startErr := tg.StartDaemons(ctx, kinds...)
	var mu sync.Mutex // guards the files written under -update
	for i, kind := range kinds {
		t.Run(string(kind), func(t *testing.T) {
			d := ds[i]
			if d == nil {
				if lab.CI() {
					t.Fatalf("%s did not start: %v", kind, startErr)
				}
				t.Skipf("%s did not start (not installed?): %v", kind, startErr)
			}
			for _, sp := range d.Ports {
				proto := result.TCP
				if sp.Proto == "udp" {
					proto = result.UDP
				}
				t.Run(fmt.Sprintf("%s-%d", sp.Proto, sp.Port), func(t *testing.T) {
					dial := labDialer(l, tg.Addr, sp)
					capture := func(p *Probe, reply []byte) {
						if !*update {
							return
						}
						mu.Lock()
						defer mu.Unlock()
						writeReply(t, fmt.Sprintf("%s-%s-%d-%s", kind, sp.Proto, sp.Port, p.Name), d, reply)
					}
					got, ok := identify(ctx, own, dial, sp.Port, proto, false, capture)
					t.Logf("picket: %s %s %q %q %q os=%q cpe=%v soft=%v tls=%v via %s in %v (dpkg %s)", kind, sp.Service,
						got.m.Service.Name, got.m.Service.Product, got.m.Service.Version, got.m.Service.OSType, got.m.Service.CPE, got.soft, got.tunnel, got.probe, got.elapsed.Round(time.Millisecond), d.Version)
					if nmap != nil {
						n, nok := identify(ctx, nmap, dial, sp.Port, proto, false, nil)
						t.Logf("nmap data: %q %q %q soft=%v tls=%v via %s in %v (found %v)", n.m.Service.Name, n.m.Service.Product, n.m.Service.Version, n.soft, n.tunnel, n.probe, n.elapsed.Round(time.Millisecond), nok)
					}
					want, known := labExpects[kind][sp.Port]
					if !known {
						if !ok {
							t.Errorf("%s port %d not identified", kind, sp.Port)
						}
						return
					}
					checkLab(t, d, got, ok, want)
				})
			}
		})
	}
}

func checkLab(t *testing.T, d *lab.Daemon, got identified, ok bool, want labExpect) {
	t.Helper()
	s := got.m.Service
	if !ok || got.soft || s.Name != want.name || s.Product != want.product || got.tunnel != want.tls {
		t.Fatalf("got %q %q (ok %v, soft %v, tls %v), want %q %q (tls %v)", s.Name, s.Product, ok, got.soft, got.tunnel, want.name, want.product, want.tls)
	}
	switch want.version {
	case "":
		if s.Version != "" {
			t.Errorf("version %q reported where the wire has none", s.Version)
		}
	case "upstream":
		if !strings.Contains(s.Version, d.Upstream()) {
			t.Errorf("version %q lacks dpkg's upstream %q (%s)", s.Version, d.Upstream(), d.Version)
		}
	}
	if productless[d.Kind] {
		return
	}
	if len(s.CPE) == 0 || !strings.HasPrefix(s.CPE[0], "cpe:2.3:a:") {
		t.Errorf("CPE %v", s.CPE)
	}
}

func labDialer(l *lab.Lab, addr netip.Addr, sp lab.ServicePort) dialer {
	return func(ctx context.Context) (net.Conn, error) {
		var c net.Conn
		err := l.Scanner.Do(func() error {
			var d net.Dialer
			dctx, cancel := context.WithTimeout(ctx, 5*time.Second)
			defer cancel()
			var err error
			c, err = d.DialContext(dctx, sp.Proto, netip.AddrPortFrom(addr, sp.Port).String())
			return err
		})
		return c, err
	}
}

// writeReply stores a captured reply as testdata/replies/NAME.hex: a
// comment naming its source, then hex, 32 bytes a line.
func writeReply(t *testing.T, name string, d *lab.Daemon, reply []byte) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s %s (lab, Debian), captured by TestLabSignatures -update on %s\n", d.Package, d.Version, time.Now().UTC().Format("2006-01-02"))
	h := hex.EncodeToString(reply)
	for len(h) > 64 {
		b.WriteString(h[:64] + "\n")
		h = h[64:]
	}
	b.WriteString(h + "\n")
	dir := filepath.Join("testdata", "replies")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".hex"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// readReply reads a file written by writeReply.
func readReply(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "replies", name+".hex"))
	if err != nil {
		t.Fatal(err)
	}
	var h strings.Builder
	for _, line := range strings.Split(string(data), "\n") {
		if !strings.HasPrefix(line, "#") {
			h.WriteString(strings.TrimSpace(line))
		}
	}
	b, err := hex.DecodeString(h.String())
	if err != nil {
		t.Fatal(errors.Join(fmt.Errorf("%s", name), err))
	}
	return b
}
