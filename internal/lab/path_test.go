package lab

import (
	"context"
	"encoding/binary"
	"fmt"
	"net/netip"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/picket-scanner/picket/internal/lab/persona"
)

func TestLinkNet(t *testing.T) {
	for _, c := range []struct {
		i, j, hops      int
		p4, near4, far4 string
		p6, near6, far6 string
	}{
		{0, 0, 0, "198.18.0.0/24", "198.18.0.1", "198.18.0.2", "fd00::/64", "fd00::1", "fd00::2"},
		{5, 3, 3, "198.18.5.0/25", "198.18.5.1", "198.18.5.2", "fd00:0:0:5::/64", "fd00:0:0:5::1", "fd00:0:0:5::2"},
		{5, 0, 3, "198.18.5.128/29", "198.18.5.129", "198.18.5.130", "fd00:0:1:5::/64", "fd00:0:1:5::1", "fd00:0:1:5::2"},
		{5, 2, 3, "198.18.5.144/29", "198.18.5.145", "198.18.5.146", "fd00:0:3:5::/64", "fd00:0:3:5::1", "fd00:0:3:5::2"},
		{199, 7, MaxHops, "198.18.199.184/29", "198.18.199.185", "198.18.199.186", "fd00:0:8:c7::/64", "fd00:0:8:c7::1", "fd00:0:8:c7::2"},
	} {
		p4, n4, f4, p6, n6, f6 := linkNet(c.i, c.j, c.hops)
		got := fmt.Sprint(p4, n4, f4, p6, n6, f6)
		want := strings.Join([]string{c.p4, c.near4, c.far4, c.p6, c.near6, c.far6}, " ")
		if got != want {
			t.Errorf("linkNet(%d, %d, %d) = %s, want %s", c.i, c.j, c.hops, got, want)
		}
	}
}

// TestHops traces the path to a kernel target behind three routers and to
// a persona behind two, with TTL-limited echo requests over IPv4 and IPv6
// and with Nmap's --traceroute: each router answers in order, then the
// target.
func TestHops(t *testing.T) {
	l := Start(t, Config{Targets: []TargetConfig{
		{Hops: 3},
		{Hops: 2, Persona: &persona.Config{Personality: persona.Windows(), OpenTCP: []uint16{80}}},
	}})
	// The scanner routes to the lab's prefixes and nowhere else.
	labNets := []netip.Prefix{netip.MustParsePrefix("198.18.0.0/15"), netip.MustParsePrefix("fd00::/8"), netip.MustParsePrefix("fe80::/64")}
	for _, fam := range []string{"-4", "-6"} {
		out, err := l.Scanner.IP(fam, "route", "show")
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			dst := strings.Fields(line)[0]
			p, err := netip.ParsePrefix(dst)
			if a, aerr := netip.ParseAddr(dst); err != nil && aerr == nil {
				p, err = a.Prefix(a.BitLen())
			}
			if err != nil || !slices.ContainsFunc(labNets, func(n netip.Prefix) bool { return n.Bits() <= p.Bits() && n.Contains(p.Addr()) }) {
				t.Errorf("scanner route outside the lab: %s", line)
			}
		}
	}
	for k, tg := range l.Targets {
		if len(tg.Hops) != len(tg.Routers) || len(tg.Hops6) != len(tg.Routers) {
			t.Fatalf("target %d: %d routers, %d and %d hop addresses", k, len(tg.Routers), len(tg.Hops), len(tg.Hops6))
		}
		for _, v6 := range []bool{false, true} {
			want, dst := slices.Concat(tg.Hops, []netip.Addr{tg.Addr}), tg.Addr
			if v6 {
				want, dst = slices.Concat(tg.Hops6, []netip.Addr{tg.Addr6}), tg.Addr6
			}
			var got []netip.Addr
			err := l.Scanner.Do(func() error {
				var err error
				got, err = traceEcho(dst, len(want))
				return err
			})
			if err != nil {
				t.Fatalf("trace %s: %v", dst, err)
			}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("trace %s: %v, want %v", dst, got, want)
			}
		}
	}

	RequireCommand(t, "nmap")
	hop := regexp.MustCompile(`(?m)^\d+\s+[\d.]+ ms\s+(\S+)$`)
	for k, tg := range l.Targets {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out, err := l.Scanner.Exec(ctx, "nmap", "-n", "-Pn", "-sS", "-p", "80", "--traceroute", tg.Addr.String())
		cancel()
		if err != nil {
			t.Fatalf("nmap: %v\n%s", err, out)
		}
		var got []string
		for _, m := range hop.FindAllStringSubmatch(string(out), -1) {
			got = append(got, m[1])
		}
		want := fmt.Sprint(slices.Concat(tg.Hops, []netip.Addr{tg.Addr}))
		if fmt.Sprint(got) != want {
			t.Errorf("target %d: nmap's trace %v, want %s:\n%s", k, got, want, out)
		}
		if i := strings.Index(string(out), "TRACEROUTE"); i >= 0 {
			t.Logf("nmap --traceroute %s:\n%s", tg.Addr, out[i:])
		}
	}

	// OS detection sees the persona through its routers.
	tg := l.Targets[1]
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	out, err := l.Scanner.Exec(ctx, "nmap", "-n", "-Pn", "-O", "-p", "80,443", "--max-os-tries", "1", tg.Addr.String())
	if err != nil {
		t.Fatalf("nmap: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Network Distance: 3 hops") || !strings.Contains(string(out), "Microsoft Windows") {
		t.Errorf("nmap -O on the Windows persona 3 hops away:\n%s", out)
	}
}

// traceEcho sends echo requests with TTL (hop limit) 1, 2, ... up to max,
// one at a time, and returns who answered each: a router's time exceeded
// or the destination's echo reply. It runs in the scanner's namespace.
func traceEcho(dst netip.Addr, max int) ([]netip.Addr, error) {
	family, proto, typ := unix.AF_INET, unix.IPPROTO_ICMP, byte(8)
	if dst.Is6() {
		family, proto, typ = unix.AF_INET6, unix.IPPROTO_ICMPV6, 128
	}
	fd, err := unix.Socket(family, unix.SOCK_RAW|unix.SOCK_CLOEXEC, proto)
	if err != nil {
		return nil, fmt.Errorf("raw socket: %w", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(200 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, err
	}
	var sa unix.Sockaddr
	if dst.Is6() {
		sa = &unix.SockaddrInet6{Addr: dst.As16()}
	} else {
		sa = &unix.SockaddrInet4{Addr: dst.As4()}
	}
	const id = 0x7e57
	var hops []netip.Addr
	buf := make([]byte, 1500)
	for ttl := 1; ttl <= max; ttl++ {
		if dst.Is6() {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, ttl)
		} else {
			err = unix.SetsockoptInt(fd, unix.IPPROTO_IP, unix.IP_TTL, ttl)
		}
		if err != nil {
			return nil, err
		}
		msg := []byte{typ, 0, 0, 0, id >> 8, id & 0xff, 0, byte(ttl), 't', 'r', 'a', 'c', 'e'}
		if !dst.Is6() { // the kernel fills ICMPv6 checksums only
			binary.BigEndian.PutUint16(msg[2:], icmpSum(msg))
		}
		var from netip.Addr
		// Up to three tries, each waiting 200 ms per read for at most
		// 2 s: bounded in packets and time.
		for try := 0; try < 3 && !from.IsValid(); try++ {
			if err := unix.Sendto(fd, msg, 0, sa); err != nil {
				return nil, fmt.Errorf("send TTL %d: %w", ttl, err)
			}
			deadline := time.Now().Add(2 * time.Second)
			for time.Now().Before(deadline) && !from.IsValid() {
				n, src, err := unix.Recvfrom(fd, buf, 0)
				if err != nil {
					continue // timeout: look at the deadline
				}
				from = matchTrace(buf[:n], src, dst.Is6(), id, byte(ttl))
			}
		}
		if !from.IsValid() {
			return hops, fmt.Errorf("TTL %d: no answer", ttl)
		}
		hops = append(hops, from)
		if from == dst {
			break
		}
	}
	return hops, nil
}

// matchTrace returns the sender of an answer to the probe with sequence
// number seq: an echo reply, or a time exceeded quoting the probe.
func matchTrace(b []byte, src unix.Sockaddr, v6 bool, id uint16, seq byte) netip.Addr {
	var from netip.Addr
	switch s := src.(type) {
	case *unix.SockaddrInet4:
		from = netip.AddrFrom4(s.Addr)
	case *unix.SockaddrInet6:
		from = netip.AddrFrom16(s.Addr)
	}
	echoReply, exceeded, quoteIP := byte(0), byte(11), 20
	if v6 {
		echoReply, exceeded, quoteIP = 129, 3, 40
	} else {
		if len(b) < 20 {
			return netip.Addr{}
		}
		b = b[int(b[0]&0x0f)*4:] // IPv4 raw sockets see the IP header
	}
	if len(b) < 8 {
		return netip.Addr{}
	}
	switch {
	case b[0] == echoReply && binary.BigEndian.Uint16(b[4:]) == id && b[7] == seq:
		return from
	case b[0] == exceeded && len(b) >= 8+quoteIP+8:
		q := b[8+quoteIP:]
		if binary.BigEndian.Uint16(q[4:]) == id && q[7] == seq {
			return from
		}
	}
	return netip.Addr{}
}

func icmpSum(b []byte) uint16 {
	var s uint32
	for i := 0; i+1 < len(b); i += 2 {
		s += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		s += uint32(b[len(b)-1]) << 8
	}
	for s > 0xffff {
		s = s>>16 + s&0xffff
	}
	return ^uint16(s)
}
