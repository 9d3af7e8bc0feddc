package wan

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests build real links between namespaces of their own and talk
// across them only to 198.18.200.1 and .2, the two ends.

var (
	addrA = netip.MustParseAddr("198.18.200.1")
	addrB = netip.MustParseAddr("198.18.200.2")
)

const tapName = "wan0"

// requireRoot skips a test that needs root, unless in CI, where it must run.
func requireRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() == 0 {
		return
	}
	if os.Getenv("CI") == "true" {
		t.Fatal("this test needs root, and CI must run it")
	}
	t.Skip("needs root: creates network namespaces and TAP devices")
}

var nsSeq atomic.Int32

// nsPair creates two namespaces named so that the lab's sweep removes them
// if the test process dies first, and deletes them at cleanup.
func nsPair(t *testing.T) (a, b string) {
	t.Helper()
	n := nsSeq.Add(1)
	a = fmt.Sprintf("pk%d-wan%d-a", os.Getpid(), n)
	b = fmt.Sprintf("pk%d-wan%d-b", os.Getpid(), n)
	for _, ns := range []string{a, b} {
		run(t, "ip", "netns", "add", ns)
		t.Cleanup(func() { exec.Command("ip", "netns", "delete", ns).Run() })
	}
	return a, b
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v: %s", name, args, err, out)
	}
	return string(out)
}

// inNS runs fn on a thread inside namespace ns. Sockets fn opens stay in
// ns whichever thread uses them later.
func inNS(t *testing.T, ns string, fn func() error) error {
	t.Helper()
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		orig, err := os.Open("/proc/thread-self/ns/net")
		if err != nil {
			errc <- err
			return // the thread ends locked
		}
		defer orig.Close()
		target, err := os.Open(filepath.Join(netnsDir, ns))
		if err != nil {
			errc <- err
			return
		}
		defer target.Close()
		if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- err
			return
		}
		ferr := fn()
		if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
			errc <- fmt.Errorf("back to own namespace: %w", err)
			return // tainted: the thread ends locked
		}
		runtime.UnlockOSThread()
		errc <- ferr
	}()
	return <-errc
}

// tapLink joins two new namespaces with a link: 198.18.200.1 on wan0 in
// a, .2 on wan0 in b, no IPv6 and fixed neighbour entries, so that loss
// cannot strike address resolution and nothing else crosses.
func tapLink(t *testing.T, cfg Config) (l *Link, nsA, nsB string) {
	t.Helper()
	requireRoot(t)
	nsA, nsB = nsPair(t)
	l, err := New(nsA, tapName, nsB, tapName, cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(func() { l.Close() }) // runs before the namespaces go
	macs := map[string]net.HardwareAddr{}
	for ns, addr := range map[string]netip.Addr{nsA: addrA, nsB: addrB} {
		run(t, "ip", "-n", ns, "addr", "add", addr.String()+"/24", "dev", tapName)
		err := inNS(t, ns, func() error {
			path := "/proc/sys/net/ipv6/conf/" + tapName + "/disable_ipv6"
			if err := os.WriteFile(path, []byte("1"), 0o644); err != nil {
				return err
			}
			ifi, err := net.InterfaceByName(tapName)
			if err != nil {
				return err
			}
			macs[ns] = ifi.HardwareAddr
			return nil
		})
		if err != nil {
			t.Fatalf("set up %s: %v", ns, err)
		}
	}
	run(t, "ip", "-n", nsA, "neigh", "replace", addrB.String(), "lladdr", macs[nsB].String(), "dev", tapName, "nud", "permanent")
	run(t, "ip", "-n", nsB, "neigh", "replace", addrA.String(), "lladdr", macs[nsA].String(), "dev", tapName, "nud", "permanent")
	return l, nsA, nsB
}

// udpEcho serves UDP echo on 198.18.200.2:7 in ns until cleanup.
func udpEcho(t *testing.T, ns string) {
	t.Helper()
	var c *net.UDPConn
	err := inNS(t, ns, func() (err error) {
		c, err = net.ListenUDP("udp4", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 7)))
		return err
	})
	if err != nil {
		t.Fatalf("echo server: %v", err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		buf := make([]byte, 2048)
		for {
			n, from, err := c.ReadFromUDPAddrPort(buf)
			if err != nil {
				return // closed
			}
			c.WriteToUDPAddrPort(buf[:n], from)
		}
	})
	t.Cleanup(func() { c.Close(); wg.Wait() })
}

// udpClient returns a socket in ns connected to the echo server.
func udpClient(t *testing.T, ns string) *net.UDPConn {
	t.Helper()
	var c *net.UDPConn
	err := inNS(t, ns, func() (err error) {
		c, err = net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(addrB, 7)))
		return err
	})
	if err != nil {
		t.Fatalf("echo client: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// rtts pings the echo server n times, one at a time, and returns the round
// trip times of the answered pings.
func rtts(t *testing.T, c *net.UDPConn, n int, timeout time.Duration) []time.Duration {
	t.Helper()
	out, in := make([]byte, 16), make([]byte, 64)
	var got []time.Duration
	for i := range n {
		binary.BigEndian.PutUint64(out, uint64(i))
		start := time.Now()
		if _, err := c.Write(out); err != nil {
			t.Fatalf("ping %d: %v", i, err)
		}
		c.SetReadDeadline(start.Add(timeout))
		for {
			m, err := c.Read(in)
			if errors.Is(err, os.ErrDeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatalf("ping %d: %v", i, err)
			}
			if m == len(out) && binary.BigEndian.Uint64(in) == uint64(i) {
				got = append(got, time.Since(start))
				break
			}
		}
	}
	return got
}

func checkMedianRTT(t *testing.T, c *net.UDPConn, n int, delay time.Duration) {
	t.Helper()
	retry(t, func() error {
		got := rtts(t, c, n, 3*time.Second)
		if len(got) < n {
			t.Fatalf("%d of %d pings answered on a lossless link", len(got), n)
		}
		// Load on the machine can make a frame late, never early.
		if first := slices.Min(got); first < 2*delay {
			t.Errorf("fastest RTT %v at %v one way: a frame left early", first, delay)
		}
		m := median(got)
		t.Logf("delay %v: median RTT %v (min %v, max %v) over %d pings", delay, m, slices.Min(got), slices.Max(got), n)
		if lo, hi := delay*2*8/10, delay*2*12/10; m < lo || m > hi {
			return fmt.Errorf("median RTT %v at %v one way, want %v..%v", m, delay, lo, hi)
		}
		return nil
	})
}

func TestTAPDelay(t *testing.T) {
	const delay = 25 * time.Millisecond
	l, nsA, nsB := tapLink(t, Config{Delay: delay})
	udpEcho(t, nsB)
	checkMedianRTT(t, udpClient(t, nsA), 50, delay)
	if st := l.Stats(); st.AB.Forwarded < 50 || st.BA.Forwarded < 50 {
		t.Errorf("stats %+v: want at least 50 frames each way", st)
	}
}

func TestTAPSetConfig(t *testing.T) {
	l, nsA, nsB := tapLink(t, Config{Delay: 5 * time.Millisecond})
	udpEcho(t, nsB)
	c := udpClient(t, nsA)
	checkMedianRTT(t, c, 20, 5*time.Millisecond)
	l.SetConfig(Config{Delay: 30 * time.Millisecond})
	checkMedianRTT(t, c, 20, 30*time.Millisecond)
}

func TestTAPLoss(t *testing.T) {
	const n = 1000
	const p = 0.1 // each way: a round trip survives with (1-p)^2
	l, nsA, nsB := tapLink(t, Config{Delay: time.Millisecond, Loss: p, Seed: 1})
	udpEcho(t, nsB)
	c := udpClient(t, nsA)
	before := l.Stats()

	type sendResult struct {
		sent int
		err  error
	}
	sendDone := make(chan sendResult, 1)
	go func() {
		out := make([]byte, 16)
		deadline := time.Now().Add(10 * time.Second)
		i := 0
		for ; i < n && time.Now().Before(deadline); i++ {
			binary.BigEndian.PutUint64(out, uint64(i))
			if _, err := c.Write(out); err != nil {
				sendDone <- sendResult{i, err}
				return
			}
			// Paced well below what the sockets and the TAP's
			// queue hold, so that only the link loses frames.
			time.Sleep(200 * time.Microsecond)
		}
		sendDone <- sendResult{i, nil}
	}()
	seen := make([]bool, n)
	answered := 0
	in := make([]byte, 64)
	var sr *sendResult
	for answered < n {
		c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		m, err := c.Read(in)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			if sr != nil {
				break // quiet for 500ms after the last ping
			}
			select {
			case r := <-sendDone:
				sr = &r
			default:
			}
			continue
		}
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		if i := binary.BigEndian.Uint64(in); m == 16 && i < n && !seen[i] {
			seen[i] = true
			answered++
		}
	}
	if sr == nil {
		r := <-sendDone
		sr = &r
	}
	if sr.err != nil || sr.sent < n {
		t.Fatalf("sent %d of %d pings: %v", sr.sent, n, sr.err)
	}
	lost := n - answered
	q := 1 - (1-p)*(1-p)
	mean, sigma := n*q, math.Sqrt(n*q*(1-q))
	if math.Abs(float64(lost)-mean) > 5*sigma {
		t.Errorf("lost %d of %d round trips, want %.0f±%.0f (5 sigma)", lost, n, mean, 5*sigma)
	}
	st := l.Stats()
	t.Logf("lost %d of %d round trips (expected %.0f); stats %+v", lost, n, mean, st)
	other := func(s Stats) uint64 { return s.AB.QueueDrops + s.BA.QueueDrops + s.AB.WriteErrors + s.BA.WriteErrors }
	if other(st) != other(before) {
		t.Errorf("frames dropped other than by Loss: %+v", st)
	}
}

func TestTAPRate(t *testing.T) {
	const rate = 20e6 // bits/s
	l, nsA, nsB := tapLink(t, Config{Delay: 5 * time.Millisecond, Rate: rate})
	var ln *net.TCPListener
	err := inNS(t, nsB, func() (err error) {
		ln, err = net.ListenTCP("tcp4", net.TCPAddrFromAddrPort(netip.AddrPortFrom(addrB, 5001)))
		return err
	})
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	defer ln.Close()
	retry(t, func() error {
		goodput := bulk(t, ln, nsA, 2*time.Second)
		t.Logf("goodput %.2f Mbit/s at a %.0f Mbit/s cap (%.0f%%); stats %+v", goodput/1e6, rate/1e6, 100*goodput/rate, l.Stats())
		if goodput < 0.5*rate || goodput > 1.05*rate {
			return fmt.Errorf("goodput %.2f Mbit/s, want 50%%..105%% of %.0f Mbit/s", goodput/1e6, rate/1e6)
		}
		return nil
	})
}

// bulk sends TCP data from namespace ns to ln as fast as it goes and
// returns the bits per second that arrived in the window from the
// connection's start: slow start included, as a user would see it.
func bulk(t *testing.T, ln *net.TCPListener, ns string, window time.Duration) float64 {
	t.Helper()
	received := make(chan int64, 1)
	go func() {
		ln.SetDeadline(time.Now().Add(5 * time.Second))
		conn, err := ln.Accept()
		if err != nil {
			received <- -1
			return
		}
		defer conn.Close() // makes the sender's writes fail
		conn.SetReadDeadline(time.Now().Add(window))
		var total int64
		buf := make([]byte, 64<<10)
		for {
			n, err := conn.Read(buf)
			total += int64(n)
			if err != nil {
				break
			}
		}
		received <- total
	}()
	var conn net.Conn
	err := inNS(t, ns, func() (err error) {
		conn, err = net.DialTimeout("tcp4", ln.Addr().String(), 5*time.Second)
		return err
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	// Write until the receiver hangs up, bounded in time.
	conn.SetWriteDeadline(time.Now().Add(window + 3*time.Second))
	chunk := make([]byte, 32<<10)
	for {
		if _, err := conn.Write(chunk); err != nil {
			break
		}
	}
	total := <-received
	if total < 0 {
		t.Fatal("accept failed")
	}
	return float64(total*8) / window.Seconds()
}

func TestTAPClose(t *testing.T) {
	requireRoot(t)
	base := runtime.NumGoroutine()
	l, nsA, nsB := tapLink(t, Config{Delay: time.Hour}) // frames held at Close
	udpEcho(t, nsB)
	c := udpClient(t, nsA)
	c.Write([]byte("held"))
	if err := l.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := l.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	for _, ns := range []string{nsA, nsB} {
		if out, err := exec.Command("ip", "-n", ns, "link", "show", tapName).CombinedOutput(); err == nil {
			t.Errorf("%s still in %s after Close: %s", tapName, ns, out)
		}
	}
	c.Close()
	// Goroutines of the echo server end at cleanup; only the link's are
	// counted here.
	settle(t, base+1)
}

func TestNewErrors(t *testing.T) {
	requireRoot(t)
	base := runtime.NumGoroutine()
	nsA, nsB := nsPair(t)
	tests := []struct {
		name               string
		aNS, aIf, bNS, bIf string
		cfg                Config
	}{
		{"no such namespace", nsA + "-none", "x0", nsB, "x0", Config{}},
		{"path as namespace", "../" + nsA, "x0", nsB, "x0", Config{}},
		{"interface name too long", nsA, "abcdefghijklmnopq", nsB, "x0", Config{}},
		{"same device twice", nsA, "x1", nsA, "x1", Config{}},
		{"bad config", nsA, "x2", nsB, "x2", Config{Loss: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := New(tt.aNS, tt.aIf, tt.bNS, tt.bIf, tt.cfg)
			if err == nil {
				l.Close()
				t.Fatal("New succeeded")
			}
			t.Log(err)
			for _, ns := range []string{nsA, nsB} {
				if out := run(t, "ip", "-n", ns, "-o", "link", "show", "type", "tun"); out != "" {
					t.Errorf("devices left in %s: %s", ns, out)
				}
			}
		})
	}
	settle(t, base)
}
