package lab

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/textproto"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDaemonUpstreamVersion(t *testing.T) {
	for _, c := range []struct{ name, deb, want string }{
		{"epoch and security update", "1:9.2p1-2+deb12u7", "9.2p1"},
		{"no epoch", "1.22.1-9+deb12u11", "1.22.1"},
		{"backport tilde", "5:7.0.15-1~deb12u10", "7.0.15"},
		{"repacked source", "1:2.3.19.1+dfsg1-2.1+deb12u7", "2.3.19.1"},
		{"binary rebuild", "3.0.3-13+b2", "3.0.3"},
		{"native package", "248", "248"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := upstreamVersion(c.deb); got != c.want {
				t.Errorf("upstreamVersion(%q) = %q, want %q", c.deb, got, c.want)
			}
		})
	}
}

func TestDaemonKinds(t *testing.T) {
	seen := map[uint16]DaemonKind{}
	for _, k := range AllDaemons() {
		spec, err := specFor(k)
		if err != nil {
			t.Fatal(err)
		}
		if spec.pkg == "" || spec.setup == nil || len(spec.ports) == 0 {
			t.Errorf("%s: incomplete spec", k)
		}
		for _, p := range spec.ports {
			if other, dup := seen[p.Port]; dup && p.Proto == "tcp" {
				t.Errorf("%s and %s both listen on tcp %d: they could not share a target", k, other, p.Port)
			}
			if p.Proto == "tcp" {
				seen[p.Port] = k
			}
		}
	}
	if _, err := specFor("gopher"); err == nil {
		t.Error("an unknown kind has a spec")
	}
}

// daemonReach is a started daemon and the way to it from the scanner.
type daemonReach struct {
	l  *Lab
	tg *Target
	d  *Daemon
}

// dial connects from the scanner's namespace to port on addr, with a
// deadline on the whole exchange.
func (r daemonReach) dial(t *testing.T, addr netip.Addr, port uint16) net.Conn {
	t.Helper()
	var c net.Conn
	err := r.l.Scanner.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", netip.AddrPortFrom(addr, port).String(), 5*time.Second)
		return err
	})
	if err != nil {
		t.Fatalf("%s: connect to port %d on %s: %v", r.d.Kind, port, addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// dialTLS is dial and a TLS handshake that trusts any certificate.
func (r daemonReach) dialTLS(t *testing.T, addr netip.Addr, port uint16) *tls.Conn {
	t.Helper()
	tc := tls.Client(r.dial(t, addr, port), &tls.Config{InsecureSkipVerify: true})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("%s: TLS handshake on port %d of %s: %v", r.d.Kind, port, addr, err)
	}
	cert := tc.ConnectionState().PeerCertificates[0]
	if cert.Subject.CommonName != ZoneName || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != "picket lab" {
		t.Errorf("%s: port %d presents a certificate for %q, want O=picket lab, CN=%s", r.d.Kind, port, cert.Subject, ZoneName)
	}
	return tc
}

func (r daemonReach) addrs() []netip.Addr { return []netip.Addr{r.tg.Addr, r.tg.Addr6} }

// daemonChecks speaks each daemon's protocol from the scanner, over IPv4
// and IPv6, and logs what the server revealed.
var daemonChecks = map[DaemonKind]func(t *testing.T, r daemonReach){
	DaemonSSH: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			line, err := bufio.NewReader(r.dial(t, a, 22)).ReadString('\n')
			if err != nil {
				t.Fatalf("read SSH banner from %s: %v", a, err)
			}
			line = strings.TrimRight(line, "\r\n")
			if !strings.HasPrefix(line, "SSH-2.0-OpenSSH_") || !strings.Contains(line, r.d.Upstream()) {
				t.Errorf("SSH banner from %s = %q, want SSH-2.0-OpenSSH_ and %s", a, line, r.d.Upstream())
			}
			t.Logf("%s: %s", a, line)
		}
	},
	DaemonNginx: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			for _, port := range []uint16{80, 443} {
				var c net.Conn = r.dial(t, a, port)
				if port == 443 {
					c = r.dialTLS(t, a, port)
				}
				io.WriteString(c, "GET / HTTP/1.0\r\nHost: "+ZoneName+"\r\n\r\n")
				resp, err := http.ReadResponse(bufio.NewReader(c), nil)
				if err != nil {
					t.Fatalf("HTTP on %s:%d: %v", a, port, err)
				}
				resp.Body.Close()
				server := resp.Header.Get("Server")
				if resp.StatusCode != 200 || server != "nginx/"+r.d.Upstream() {
					t.Errorf("GET / on %s:%d: %s, Server %q; want 200, nginx/%s", a, port, resp.Status, server, r.d.Upstream())
				}
				t.Logf("%s:%d: %s, Server: %s", a, port, resp.Status, server)
			}
		}
	},
	DaemonVsftpd: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			tp := textproto.NewConn(r.dial(t, a, 21))
			_, msg, err := tp.ReadResponse(220)
			if want := "(vsFTPd " + r.d.Upstream() + ")"; err != nil || msg != want {
				t.Fatalf("FTP greeting from %s: %q, %v; want 220 %s", a, msg, err, want)
			}
			for _, step := range []struct {
				cmd  string
				code int
			}{{"USER anonymous", 331}, {"PASS picket@" + ZoneName, 230}} {
				if _, err := tp.Cmd("%s", step.cmd); err != nil {
					t.Fatal(err)
				}
				if _, msg, err := tp.ReadResponse(step.code); err != nil {
					t.Fatalf("FTP %s on %s: %q, %v", strings.Fields(step.cmd)[0], a, msg, err)
				}
			}
			t.Logf("%s: 220 (vsFTPd %s), anonymous login 230", a, r.d.Upstream())
		}
	},
	DaemonRedis: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 6379)
			br := bufio.NewReader(c)
			io.WriteString(c, "PING\r\nINFO server\r\n")
			if line, err := br.ReadString('\n'); err != nil || line != "+PONG\r\n" {
				t.Fatalf("PING on %s: %q, %v", a, line, err)
			}
			head, err := br.ReadString('\n')
			if err != nil || !strings.HasPrefix(head, "$") {
				t.Fatalf("INFO on %s: %q, %v", a, head, err)
			}
			n, _ := strconv.Atoi(strings.TrimSpace(head[1:]))
			info := make([]byte, n)
			if _, err := io.ReadFull(br, info); err != nil {
				t.Fatal(err)
			}
			var version string
			for _, l := range strings.Split(string(info), "\r\n") {
				if v, ok := strings.CutPrefix(l, "redis_version:"); ok {
					version = v
				}
			}
			if version != r.d.Upstream() {
				t.Errorf("INFO on %s: redis_version %q, want %s", a, version, r.d.Upstream())
			}
			t.Logf("%s: +PONG, redis_version:%s", a, version)
		}
	},
	DaemonPostgreSQL: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 5432)
			c.Write(binary.BigEndian.AppendUint32([]byte{0, 0, 0, 8}, 80877103)) // SSLRequest
			var b [1]byte
			if _, err := io.ReadFull(c, b[:]); err != nil || (b[0] != 'S' && b[0] != 'N') {
				t.Fatalf("SSLRequest on %s: %q, %v; want S or N", a, b[0], err)
			}
			ssl := b[0]
			c = r.dial(t, a, 5432)
			params := "user\x00postgres\x00\x00"
			msg := binary.BigEndian.AppendUint32(nil, uint32(8+len(params)))
			msg = binary.BigEndian.AppendUint32(msg, 3<<16)
			c.Write(append(msg, params...))
			var resp [9]byte // 'R', length, authentication type
			if _, err := io.ReadFull(c, resp[:]); err != nil || resp[0] != 'R' {
				t.Fatalf("startup on %s: %q, %v; want an authentication request (R)", a, resp[:], err)
			}
			t.Logf("%s: SSLRequest answered %q, startup answered R, auth type %d", a, ssl, binary.BigEndian.Uint32(resp[5:]))
		}
	},
	DaemonMariaDB: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 3306)
			var head [4]byte
			if _, err := io.ReadFull(c, head[:]); err != nil {
				t.Fatal(err)
			}
			p := make([]byte, int(head[0])|int(head[1])<<8|int(head[2])<<16)
			if _, err := io.ReadFull(c, p); err != nil {
				t.Fatal(err)
			}
			if len(p) < 2 || p[0] != 10 {
				t.Fatalf("handshake from %s: %q; want protocol 10 (0xff with 1130 means host not allowed)", a, p)
			}
			version, _, _ := bytes.Cut(p[1:], []byte{0})
			if !strings.Contains(string(version), r.d.Upstream()+"-MariaDB") {
				t.Errorf("handshake from %s: server version %q, want %s-MariaDB", a, version, r.d.Upstream())
			}
			t.Logf("%s: protocol 10, server version %s", a, version)
		}
	},
	DaemonPostfix: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			_, msg, err := textproto.NewConn(r.dial(t, a, 25)).ReadResponse(220)
			if err != nil || !strings.Contains(msg, " ESMTP Postfix") {
				t.Fatalf("SMTP greeting from %s: %q, %v; want 220 ... ESMTP Postfix", a, msg, err)
			}
			t.Logf("%s: 220 %s", a, msg)
		}
	},
	DaemonDovecot: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			for _, p := range []struct {
				port   uint16
				tls    bool
				prefix string
			}{{143, false, "* OK "}, {110, false, "+OK Dovecot"}, {993, true, "* OK "}, {995, true, "+OK Dovecot"}} {
				var c net.Conn = r.dial(t, a, p.port)
				if p.tls {
					c = r.dialTLS(t, a, p.port)
				}
				line, err := bufio.NewReader(c).ReadString('\n')
				line = strings.TrimRight(line, "\r\n")
				if err != nil || !strings.HasPrefix(line, p.prefix) || !strings.Contains(line, "Dovecot") {
					t.Errorf("greeting on %s:%d: %q, %v; want %q and Dovecot", a, p.port, line, err, p.prefix)
				}
				t.Logf("%s:%d: %s", a, p.port, line)
			}
		}
	},
	DaemonBind9: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			for _, proto := range []string{"udp", "tcp"} {
				ans := r.dnsQuery(t, proto, a, "version.bind", dnsTypeTXT, dnsClassCH)
				if len(ans) != 1 || !strings.Contains(string(ans[0].txt()), r.d.Upstream()) {
					t.Fatalf("version.bind over %s on %s: %q; want the BIND version %s", proto, a, ans, r.d.Upstream())
				}
				t.Logf("%s %s: version.bind %q", a, proto, ans[0].txt())
			}
			ans := r.dnsQuery(t, "udp", a, "www."+ZoneName, dnsTypeA, dnsClassIN)
			if len(ans) != 1 || len(ans[0].data) != 4 || netip.AddrFrom4([4]byte(ans[0].data)) != r.tg.Addr {
				t.Errorf("A www.%s on %s: %v; want %s", ZoneName, a, ans, r.tg.Addr)
			}
		}
	},
}

func TestDaemons(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]

	// Start every installed daemon at once (most of a start is waiting),
	// then check each in a subtest of its own.
	var kinds []DaemonKind
	for _, kind := range AllDaemons() {
		spec, err := specFor(kind)
		if err != nil {
			t.Fatal(err)
		}
		if installed(spec.needs) {
			kinds = append(kinds, kind) // else its subtest skips (fails in CI)
		}
	}
	begin := time.Now()
	ds, startErr := tg.StartDaemons(context.Background(), kinds...)
	t.Logf("%d daemons started in %v", len(kinds), time.Since(begin).Round(time.Millisecond))
	started := map[DaemonKind]*Daemon{}
	for _, d := range ds {
		if d != nil {
			started[d.Kind] = d
		}
	}

	for _, kind := range AllDaemons() {
		t.Run(string(kind), func(t *testing.T) {
			spec, _ := specFor(kind)
			RequireCommand(t, spec.needs...)
			d := started[kind]
			if d == nil {
				t.Fatal(startErr)
			}
			t.Logf("%s %s, ready in %v", d.Package, d.Version, d.startup.Round(time.Millisecond))
			check := daemonChecks[kind]
			if check == nil {
				check = udpDaemonChecks[kind]
			}
			if check == nil {
				check = moreChecks[kind]
			}
			check(t, daemonReach{l: l, tg: tg, d: d})
		})
	}
}

func installed(programs []string) bool {
	for _, p := range programs {
		if _, err := exec.LookPath(p); err != nil {
			return false
		}
	}
	return true
}

// TestDaemonsIsolatedAndClosed runs the daemons with the most default
// paths under /run and /var/lib in two labs at once, then checks that Close
// leaves none of their processes alive.
func TestDaemonsIsolatedAndClosed(t *testing.T) {
	t.Parallel()
	kinds := []DaemonKind{DaemonPostgreSQL, DaemonMariaDB, DaemonNginx, DaemonPostfix}
	for _, k := range kinds {
		spec, _ := specFor(k)
		RequireCommand(t, spec.needs...)
	}
	labs := make([]*Lab, 2)
	daemons := make([][]*Daemon, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range labs {
		labs[i] = Start(t, Config{})
		wg.Go(func() {
			daemons[i], errs[i] = labs[i].Targets[0].StartDaemons(context.Background(), kinds...)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}

	if _, err := labs[0].Targets[0].StartDaemon(context.Background(), kinds[0]); err == nil {
		t.Errorf("a second %s started on the same target", kinds[0])
	}

	var procs []procID
	for i, l := range labs {
		for _, d := range daemons[i] {
			if !strings.HasPrefix(d.dir, l.Dir+"/") {
				t.Errorf("%s runs in %s, outside its lab's %s", d.Kind, d.dir, l.Dir)
			}
			group := processGroup(d.pid)
			if len(group) == 0 {
				t.Fatalf("%s: no process in group %d", d.Kind, d.pid)
			}
			procs = append(procs, group...)
		}
	}
	// The first lab's closing must not disturb the second's daemons.
	if err := labs[0].Close(); err != nil {
		t.Fatal(err)
	}
	r := daemonReach{l: labs[1], tg: labs[1].Targets[0], d: daemons[1][0]}
	daemonChecks[DaemonPostgreSQL](t, r)
	if err := labs[1].Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range procs {
		if p.alive() {
			t.Errorf("process %d (%s) outlived Close", p.pid, p.comm)
		}
	}
	t.Logf("%d processes of %d daemons in 2 labs, all gone", len(procs), 2*len(kinds))
}

// procID names a process by pid and start time, which no later process
// with the same pid shares.
type procID struct {
	pid   int
	start string
	comm  string
}

// procStat returns a process's state, process group, start time and name.
func procStat(pid int) (state byte, pgid int, start, comm string, err error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, 0, "", "", err
	}
	i := bytes.LastIndexByte(b, ')')
	j := bytes.IndexByte(b, '(')
	if i < 0 || j < 0 {
		return 0, 0, "", "", fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	f := strings.Fields(string(b[i+2:])) // from field 3, state
	if len(f) < 20 {
		return 0, 0, "", "", fmt.Errorf("/proc/%d/stat: %q", pid, b)
	}
	pgid, _ = strconv.Atoi(f[2])
	return f[0][0], pgid, f[19], string(b[j+1 : i]), nil
}

// processGroup lists the live processes of process group pgid.
func processGroup(pgid int) []procID {
	entries, _ := os.ReadDir("/proc")
	var ps []procID
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		state, g, start, comm, err := procStat(pid)
		if err == nil && g == pgid && state != 'Z' {
			ps = append(ps, procID{pid, start, comm})
		}
	}
	return ps
}

// alive reports whether the process still runs; a zombie waiting for
// init to reap it does not.
func (p procID) alive() bool {
	state, _, start, _, err := procStat(p.pid)
	return err == nil && start == p.start && state != 'Z' && state != 'X'
}

// The tiny DNS client bind9's check needs.

const (
	dnsTypeA   = 1
	dnsTypeTXT = 16
	dnsClassIN = 1
	dnsClassCH = 3
)

type dnsRR struct {
	typ, class uint16
	data       []byte
}

// txt joins a TXT record's strings.
func (rr dnsRR) txt() []byte {
	var out []byte
	for d := rr.data; len(d) > 0 && int(d[0]) < len(d); d = d[1+int(d[0]):] {
		out = append(out, d[1:1+int(d[0])]...)
	}
	return out
}

func (rr dnsRR) String() string {
	if rr.typ == dnsTypeTXT {
		return fmt.Sprintf("TXT %q", rr.txt())
	}
	return fmt.Sprintf("type %d %x", rr.typ, rr.data)
}

// dnsQuery asks one question, over UDP or TCP, and returns the answers
// of the type asked, checking the reply is authoritative and error-free.
func (r daemonReach) dnsQuery(t *testing.T, proto string, addr netip.Addr, name string, typ, class uint16) []dnsRR {
	t.Helper()
	const id = 0x5049
	q := []byte{id >> 8, id & 0xff, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0} // no recursion desired
	for _, label := range strings.Split(name, ".") {
		q = append(append(q, byte(len(label))), label...)
	}
	q = append(q, 0)
	q = binary.BigEndian.AppendUint16(q, typ)
	q = binary.BigEndian.AppendUint16(q, class)

	var c net.Conn
	err := r.l.Scanner.Do(func() error {
		var err error
		c, err = net.DialTimeout(proto, netip.AddrPortFrom(addr, 53).String(), 5*time.Second)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	var reply []byte
	if proto == "tcp" {
		c.Write(append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...))
		var n [2]byte
		if _, err := io.ReadFull(c, n[:]); err != nil {
			t.Fatalf("DNS over TCP to %s: %v", addr, err)
		}
		reply = make([]byte, binary.BigEndian.Uint16(n[:]))
		if _, err := io.ReadFull(c, reply); err != nil {
			t.Fatal(err)
		}
	} else {
		c.Write(q)
		buf := make([]byte, 4096)
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("DNS over UDP to %s: %v", addr, err)
		}
		reply = buf[:n]
	}
	rrs, err := parseDNSReply(reply, id, len(q))
	if err != nil {
		t.Fatalf("%s %s over %s from %s: %v", name, strconv.Itoa(int(typ)), proto, addr, err)
	}
	var out []dnsRR
	for _, rr := range rrs {
		if rr.typ == typ && rr.class == class {
			out = append(out, rr)
		}
	}
	return out
}

// parseDNSReply checks the header of a reply to a one-question query of
// qlen bytes and returns its answer records.
func parseDNSReply(b []byte, id uint16, qlen int) ([]dnsRR, error) {
	if len(b) < qlen {
		return nil, fmt.Errorf("reply of %d bytes", len(b))
	}
	h := binary.BigEndian.Uint16
	switch {
	case h(b) != id:
		return nil, fmt.Errorf("reply id %#x, want %#x", h(b), id)
	case b[2]&0x80 == 0:
		return nil, errors.New("not a response")
	case b[3]&0x0f != 0:
		return nil, fmt.Errorf("rcode %d", b[3]&0x0f)
	case b[2]&0x04 == 0:
		return nil, errors.New("answer not authoritative")
	}
	an := int(h(b[6:]))
	off := qlen // the question comes back as it was sent
	var rrs []dnsRR
	for range an {
		// The owner name: labels, ending in a zero or a pointer.
		for {
			if off >= len(b) {
				return nil, errors.New("truncated name")
			}
			l := int(b[off])
			if l&0xc0 == 0xc0 {
				off += 2
				break
			}
			off += 1 + l
			if l == 0 {
				break
			}
		}
		if off+10 > len(b) {
			return nil, errors.New("truncated record")
		}
		rr := dnsRR{typ: h(b[off:]), class: h(b[off+2:])}
		n := int(h(b[off+8:]))
		off += 10
		if off+n > len(b) {
			return nil, errors.New("truncated record data")
		}
		rr.data = b[off : off+n]
		off += n
		rrs = append(rrs, rr)
	}
	return rrs, nil
}
