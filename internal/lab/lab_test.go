package lab

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// dialFrom connects from inside ns, with a timeout.
func dialFrom(t *testing.T, ns *Namespace, addr netip.AddrPort, timeout time.Duration) (net.Conn, error) {
	t.Helper()
	var c net.Conn
	err := ns.Do(func() error {
		var err error
		c, err = net.DialTimeout("tcp", addr.String(), timeout)
		return err
	})
	if c != nil {
		t.Cleanup(func() { c.Close() })
	}
	return c, err
}

func readLine(t *testing.T, c net.Conn) string {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		t.Fatalf("read from %s: %v", c.RemoteAddr(), err)
	}
	return line
}

func TestConnectReachesService(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	port, err := tg.ServeTCP(2222, Banner("hello from the lab\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
		c, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(a, port), 5*time.Second)
		if err != nil {
			t.Fatalf("connect to %s: %v", a, err)
		}
		if got := readLine(t, c); got != "hello from the lab\r\n" {
			t.Errorf("banner from %s = %q", a, got)
		}
	}
}

func TestListenerBehaviours(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	hangup, _ := tg.ServeTCP(0, Hangup())
	silent, _ := tg.ServeTCP(0, Silent())
	slow, _ := tg.ServeTCP(0, Slow("ab", 100*time.Millisecond))

	c, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, hangup), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, err := c.Read(make([]byte, 1)); n != 0 || err == nil {
		t.Errorf("hang-up listener: read %d bytes, err %v; want EOF", n, err)
	}

	c, err = dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, silent), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	var ne net.Error
	if _, err := c.Read(make([]byte, 1)); !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("silent listener: read err %v; want a timeout", err)
	}

	c, err = dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, slow), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 2)
	for got := 0; got < 2; {
		n, err := c.Read(buf[got:])
		if err != nil {
			t.Fatalf("slow listener: %v", err)
		}
		got += n
	}
	if d := time.Since(start); d < 150*time.Millisecond || string(buf) != "ab" {
		t.Errorf("slow listener: %q in %v; want \"ab\" over about 200ms", buf, d)
	}
}

func TestDropTimesOut(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	port, _ := tg.ServeTCP(0, Silent())
	if err := tg.Firewall(Rule{Proto: "tcp", From: port, Action: Drop}); err != nil {
		t.Fatal(err)
	}
	_, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, port), 500*time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Errorf("connect to a dropped port: err %v; want a timeout", err)
	}
}

func TestTCPResetRefuses(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	port, _ := tg.ServeTCP(0, Silent())
	if err := tg.Firewall(Rule{Proto: "tcp", From: port, Action: RejectTCPReset}); err != nil {
		t.Fatal(err)
	}
	_, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, port), 2*time.Second)
	if !errors.Is(err, syscall.ECONNREFUSED) {
		t.Errorf("connect to a port rejected with a reset: err %v; want connection refused", err)
	}
}

// icmpFor sends one UDP datagram from the scanner to dst and returns the
// type and code of the ICMP error that came back, read from a raw socket.
func icmpFor(t *testing.T, ns *Namespace, dst netip.AddrPort) (typ, code int) {
	t.Helper()
	v6 := dst.Addr().Is6()
	family, proto := unix.AF_INET, unix.IPPROTO_ICMP
	if v6 {
		family, proto = unix.AF_INET6, unix.IPPROTO_ICMPV6
	}
	var raw, udp int
	err := ns.Do(func() error {
		var err error
		if raw, err = unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto); err != nil {
			return err
		}
		udp, err = unix.Socket(family, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
		return err
	})
	if err != nil {
		t.Fatalf("sockets: %v", err)
	}
	defer unix.Close(raw)
	defer unix.Close(udp)
	// The first datagram may wait on neighbour discovery, and a busy
	// machine may lose it: send again every half second, for 5s at most.
	tv := unix.NsecToTimeval(int64(500 * time.Millisecond))
	unix.SetsockoptTimeval(raw, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	var sa unix.Sockaddr
	if v6 {
		sa = &unix.SockaddrInet6{Port: int(dst.Port()), Addr: dst.Addr().As16()}
	} else {
		sa = &unix.SockaddrInet4{Port: int(dst.Port()), Addr: dst.Addr().As4()}
	}
	buf := make([]byte, 1500)
	for try := 0; try < 10; try++ {
		if err := unix.Sendto(udp, []byte("probe"), 0, sa); err != nil {
			t.Fatalf("send: %v", err)
		}
		for {
			n, _, err := unix.Recvfrom(raw, buf, 0)
			if err != nil {
				break // timed out: send again
			}
			msg := buf[:n]
			if !v6 { // IPv4 raw sockets deliver the IP header too
				msg = msg[int(msg[0]&0x0f)*4:]
			}
			if len(msg) < 2 {
				continue
			}
			if (!v6 && msg[0] == 3) || (v6 && msg[0] == 1) {
				return int(msg[0]), int(msg[1])
			}
		}
	}
	t.Fatalf("no ICMP error for %s", dst)
	return 0, 0
}

func TestRejectICMP(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	if err := tg.Firewall(
		Rule{Proto: "udp", From: 1001, Action: RejectPortUnreach},
		Rule{Proto: "udp", From: 1002, Action: RejectAdminProhibited},
		Rule{Proto: "udp", From: 1003, Action: RejectHostUnreach},
	); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		port           uint16
		v4Type, v4Code int
		v6Type, v6Code int
	}{
		{1001, 3, 3, 1, 4},
		{1002, 3, 13, 1, 1},
		{1003, 3, 1, 1, 3},
		{1004, 3, 3, 1, 4}, // no rule, nothing listening: the kernel's own answer
	}
	for _, tt := range tests {
		typ, code := icmpFor(t, l.Scanner, netip.AddrPortFrom(tg.Addr, tt.port))
		if typ != tt.v4Type || code != tt.v4Code {
			t.Errorf("udp/%d over IPv4: ICMP type %d code %d, want %d/%d", tt.port, typ, code, tt.v4Type, tt.v4Code)
		}
		typ, code = icmpFor(t, l.Scanner, netip.AddrPortFrom(tg.Addr6, tt.port))
		if typ != tt.v6Type || code != tt.v6Code {
			t.Errorf("udp/%d over IPv6: ICMPv6 type %d code %d, want %d/%d", tt.port, typ, code, tt.v6Type, tt.v6Code)
		}
	}
}

// udpRoundTrips sends n datagrams one at a time and counts the answers.
func udpRoundTrips(t *testing.T, ns *Namespace, dst netip.AddrPort, n int, wait time.Duration) int {
	t.Helper()
	var c *net.UDPConn
	if err := ns.Do(func() error {
		var err error
		c, err = net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(dst))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	got := 0
	buf := make([]byte, 64)
	for i := range n {
		msg := fmt.Appendf(nil, "%d", i)
		if _, err := c.Write(msg); err != nil {
			t.Fatal(err)
		}
		c.SetReadDeadline(time.Now().Add(wait))
		for {
			k, err := c.Read(buf)
			if err != nil {
				break
			}
			if string(buf[:k]) == string(msg) {
				got++
				break
			}
		}
	}
	return got
}

func TestInboundLoss(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{})
	tg := l.Targets[0]
	port, _ := tg.ServeUDP(0, UDPEcho())
	if err := tg.InboundLoss(0.3); err != nil {
		t.Fatal(err)
	}
	const n = 400
	got := udpRoundTrips(t, l.Scanner, netip.AddrPortFrom(tg.Addr, port), n, 50*time.Millisecond)
	// Answered with probability 0.7: mean 280, sd 9.2; allow 5 sd.
	if got < 234 || got > 326 {
		t.Errorf("%d of %d datagrams answered through 30%% inbound loss; want 234-326", got, n)
	}
}

func TestManyAddresses(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{Targets: []TargetConfig{{ExtraAddrs: 63}}})
	tg := l.Targets[0]
	if len(tg.Addrs) != 64 {
		t.Fatalf("%d addresses, want 64", len(tg.Addrs))
	}
	port, _ := tg.ServeTCP(0, Banner("x\n"))
	for _, a := range tg.Addrs {
		if _, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(a, port), 2*time.Second); err != nil {
			t.Errorf("connect to %s: %v", a, err)
		}
	}
}

func TestWholePrefix(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{Targets: []TargetConfig{{Prefix: netip.MustParsePrefix("198.19.0.0/16")}}})
	tg := l.Targets[0]
	port, _ := tg.ServeTCP(0, Banner("x\n"))
	for _, s := range []string{"198.19.0.1", "198.19.77.200", "198.19.255.254"} {
		a := netip.MustParseAddr(s)
		if _, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(a, port), 2*time.Second); err != nil {
			t.Errorf("connect to %s in the target's prefix: %v", a, err)
		}
	}
}

func TestTwoTargets(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{Targets: []TargetConfig{{}, {}}})
	for i, tg := range l.Targets {
		port, _ := tg.ServeTCP(0, Banner(fmt.Sprintf("target %d\n", i)))
		c, err := dialFrom(t, l.Scanner, netip.AddrPortFrom(tg.Addr, port), 2*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		if got := readLine(t, c); got != fmt.Sprintf("target %d\n", i) {
			t.Errorf("target %d at %s answered %q", i, tg.Addr, got)
		}
	}
}

// TestScannerIsolated proves that nothing the scanner sends can leave the
// lab: it has no default route, every outside address is unroutable there
// (checked by route lookups and UDP connect, which send no packet), and
// each of its links ends in one of the lab's own namespaces.
func TestScannerIsolated(t *testing.T) {
	t.Parallel()
	l := Start(t, Config{Targets: []TargetConfig{{}, {}}})
	for _, fam := range []string{"-4", "-6"} {
		out, err := l.Scanner.IP(fam, "route", "show", "default")
		if err != nil || strings.TrimSpace(string(out)) != "" {
			t.Errorf("scanner has a default route (%s): %q %v", fam, out, err)
		}
	}
	outside := []string{"8.8.8.8", "1.1.1.1", "10.0.0.1", "172.16.0.1", "192.168.1.1", "198.20.0.1",
		"100.64.0.1", "2001:4860:4860::8888", "fc00::1", "fd01::1"}
	// Link-local addresses are left out: they reach only the lab links.
	for _, s := range outside {
		if out, err := l.Scanner.IP("route", "get", s); err == nil {
			t.Errorf("scanner can route to %s: %s", s, out)
		}
		err := l.Scanner.Do(func() error {
			c, err := net.Dial("udp", net.JoinHostPort(s, "53"))
			if err == nil {
				c.Close()
			}
			return err
		})
		if !errors.Is(err, syscall.ENETUNREACH) {
			t.Errorf("UDP connect to %s from the scanner: %v; want network unreachable", s, err)
		}
	}
	// Each interface but lo is one end of a lab link.
	out, err := l.Scanner.IP("-o", "link", "show")
	if err != nil {
		t.Fatal(err)
	}
	ours := map[string]bool{}
	for _, tg := range l.Targets {
		ours[tg.ScannerIface] = true
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		name, _, _ := strings.Cut(strings.TrimSuffix(f[1], ":"), "@")
		if name != "lo" && !ours[name] {
			t.Errorf("scanner namespace has an interface the lab did not make: %s", line)
		}
	}
}

func TestSweepRemovesOrphans(t *testing.T) {
	Require(t)
	// A finished child's id names an owner that is gone.
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%s%d-orphan", namePrefix, cmd.Process.Pid)
	if _, err := newNamespace(name); err != nil {
		t.Fatal(err)
	}
	live := fmt.Sprintf("%s%d-live", namePrefix, os.Getpid())
	ns, err := newNamespace(live)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.destroy() })
	if err := Sweep(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(netnsDir + "/" + name); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("orphan namespace %s survived the sweep", name)
		(&Namespace{Name: name}).destroy()
	}
	if _, err := os.Stat(netnsDir + "/" + live); err != nil {
		t.Errorf("sweep removed the live namespace %s: %v", live, err)
	}
}
