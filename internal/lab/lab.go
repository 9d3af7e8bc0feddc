package lab

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/internal/lab/wan"
)

// Config describes a lab. The zero value is a lab with one plain target.
type Config struct {
	// Targets are the target hosts; none means one with defaults.
	Targets []TargetConfig
	// Manual names the namespaces "pklab-scanner", "pklab-t0", ...: the
	// one lab people bring up by hand (cmd/picket-lab), which the sweep
	// leaves alone. Only one manual lab exists at a time.
	Manual bool
}

// TargetConfig describes one target host.
type TargetConfig struct {
	// ExtraAddrs adds this many IPv4 addresses after the primary one on
	// the target's interface (198.18.i.3, .4, ...), at most 250.
	ExtraAddrs int
	// Prefix, if valid, is answered whole by the target's kernel (a local
	// route), and routed to it from the scanner: scale tests on a /16
	// without 65,536 interfaces. It must lie in 198.18.0.0/15 and not
	// overlap the link subnets (198.18.0.0/16 is used by links: use
	// 198.19.0.0/16 or parts of it).
	Prefix netip.Prefix
	// WAN, if set, joins the target through the userspace link emulator
	// instead of a veth pair.
	WAN *wan.Config
	// Hops puts this many routers (namespaces forwarding, up to MaxHops)
	// between the scanner and the target, for traceroute; see path.go
	// for their addresses. The target is then on 198.18.i.0/25, and
	// Target.MAC is its own, behind the routers.
	Hops int
	// Sysctls sets kernel parameters in the target's namespace, such as
	// "net.ipv4.tcp_timestamps": "0", to vary the stack OS detection sees
	// (timestamps, window scaling, SACK, ECN, the default TTL all are
	// per namespace).
	Sysctls map[string]string
	// Persona, if set, replaces the target's kernel on its link by a
	// userspace host with that stack's behaviour, answering on the
	// target's addresses (its Addrs field is ignored). Not with Prefix.
	Persona *persona.Config
}

// Lab is a scanner namespace and its targets. Safe for concurrent use.
type Lab struct {
	Scanner *Namespace
	Targets []*Target
	// Dir is a private run directory for configs, data and logs of the
	// daemons the lab starts. Removed by Close.
	Dir string

	id        string
	mu        sync.Mutex // guards closers
	closers   []func() error
	closeOnce sync.Once
	closeErr  error
}

// Target is one target host of a lab.
type Target struct {
	NS *Namespace
	// Addr and Addr6 are the target's primary addresses; Addrs lists
	// every IPv4 address on its interface, Addr first.
	Addr  netip.Addr
	Addr6 netip.Addr
	Addrs []netip.Addr
	// ScannerAddr and ScannerAddr6 are the scanner's addresses on the
	// link to this target.
	ScannerAddr  netip.Addr
	ScannerAddr6 netip.Addr
	// Iface and ScannerIface name the link's ends in each namespace.
	Iface        string
	ScannerIface string
	// MAC is the hardware address of the target's end of the link.
	MAC net.HardwareAddr
	// Prefix is the whole prefix answered by this target, if configured.
	Prefix netip.Prefix
	// Link is the emulated WAN link, when the target has one.
	Link *wan.Link
	// Routers are the namespaces of the routers in front of the target,
	// nearest the scanner first, and Hops and Hops6 their addresses as a
	// traceroute from the scanner lists them.
	Routers     []*Namespace
	Hops, Hops6 []netip.Addr
	// Persona is the userspace host answering for the target, if any.
	Persona *persona.Host

	lab   *Lab
	index int
}

var (
	labSeq    atomic.Uint64
	sweepOnce sync.Once // the first lab of a process sweeps up after dead ones
	sweepErr  error
)

// New builds a lab. It must run as root. On error everything built so far
// is torn down.
func New(cfg Config) (l *Lab, err error) {
	sweepOnce.Do(func() { sweepErr = Sweep() })
	if sweepErr != nil {
		return nil, sweepErr
	}
	if len(cfg.Targets) == 0 {
		cfg.Targets = []TargetConfig{{}}
	}
	if len(cfg.Targets) > 200 {
		return nil, fmt.Errorf("lab: %d targets: at most 200", len(cfg.Targets))
	}
	l = &Lab{id: fmt.Sprintf("%s%d-%d", namePrefix, os.Getpid(), labSeq.Add(1))}
	if cfg.Manual {
		l.id = ManualPrefix
	}
	built := l // a failing return sets l to nil before the deferred call runs
	defer func() {
		if err != nil {
			built.Close()
		}
	}()
	if l.Dir, err = os.MkdirTemp("", l.id+"-"); err != nil {
		return nil, fmt.Errorf("lab: run directory: %w", err)
	}
	// Daemons drop privileges to their own users, which must be able to
	// reach their files below the run directory.
	if err := os.Chmod(l.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("lab: run directory: %w", err)
	}
	dir := l.Dir // l is nil by the time a failed New's deferred Close runs
	l.addCloser(func() error { return os.RemoveAll(dir) })

	if l.Scanner, err = l.namespace("scanner"); err != nil {
		return nil, err
	}
	for i, tc := range cfg.Targets {
		t, err := l.addTarget(i, tc)
		if err != nil {
			return nil, err
		}
		for k, v := range tc.Sysctls {
			if err := t.NS.Sysctl(k, v); err != nil {
				return nil, err
			}
		}
		l.Targets = append(l.Targets, t)
	}
	if err := l.waitReady(); err != nil {
		return nil, err
	}
	return l, nil
}

// waitReady waits until every link is up and IPv6 is ready on it: it has
// its link-local address, and none is tentative. The kernel reports a new
// link's carrier with a delay (link events are batched, up to a second
// apart), and until then IPv6 on it ignores neighbour solicitations: a
// test's first IPv6 packet would be lost.
func (l *Lab) waitReady() error {
	nss := []*Namespace{l.Scanner}
	for _, t := range l.Targets {
		nss = append(nss, t.NS)
		nss = append(nss, t.Routers...)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, ns := range nss {
		for {
			tentative, err := ns.IP("-6", "addr", "show", "tentative")
			if err != nil {
				return err
			}
			links, err := ns.IP("-o", "link", "show")
			if err != nil {
				return err
			}
			linkLocal, err := ns.IP("-6", "-o", "addr", "show", "scope", "link")
			if err != nil {
				return err
			}
			up := true
			for _, line := range bytes.Split(bytes.TrimSpace(links), []byte("\n")) {
				if bytes.Contains(line, []byte("LOOPBACK")) {
					continue
				}
				name := bytes.TrimSuffix(bytes.Fields(line)[1], []byte(":"))
				name, _, _ = bytes.Cut(name, []byte("@"))
				up = up && bytes.Contains(line, []byte("LOWER_UP")) &&
					bytes.Contains(linkLocal, append(append([]byte(" "), name...), ' '))
			}
			if up && len(bytes.TrimSpace(tentative)) == 0 {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("lab: links of %s not ready after 10s:\n%s%s", ns.Name, tentative, links)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	return nil
}

// namespace makes a namespace owned by this lab.
func (l *Lab) namespace(role string) (*Namespace, error) {
	ns, err := newNamespace(l.id + "-" + role)
	if err != nil {
		return nil, err
	}
	l.addCloser(ns.destroy)
	return ns, nil
}

func (l *Lab) addCloser(f func() error) {
	l.mu.Lock()
	l.closers = append(l.closers, f)
	l.mu.Unlock()
}

// Close ends every process the lab started and deletes its namespaces and
// files, newest first. It is safe to call more than once.
func (l *Lab) Close() error {
	l.closeOnce.Do(func() {
		l.mu.Lock()
		closers := l.closers
		l.closers = nil
		l.mu.Unlock()
		var errs []error
		for i := len(closers) - 1; i >= 0; i-- {
			if err := closers[i](); err != nil {
				errs = append(errs, err)
			}
		}
		l.closeErr = errors.Join(errs...)
	})
	return l.closeErr
}

// Subnet returns the link subnet of target i.
func Subnet(i int) (v4, v6 netip.Prefix) {
	v4 = netip.PrefixFrom(netip.AddrFrom4([4]byte{198, 18, byte(i), 0}), 24)
	v6 = netip.PrefixFrom(netip.AddrFrom16([16]byte{0: 0xfd, 7: byte(i)}), 64)
	return v4, v6
}

func hostAddr(p netip.Prefix, n int) netip.Addr {
	a := p.Addr().As16()
	a[15] += byte(n)
	if p.Addr().Is4() {
		return netip.AddrFrom4([4]byte(a[12:16]))
	}
	return netip.AddrFrom16(a)
}

func (l *Lab) addTarget(i int, tc TargetConfig) (*Target, error) {
	if tc.Hops != 0 || tc.Persona != nil {
		return l.addRoutedTarget(i, tc)
	}
	if tc.ExtraAddrs < 0 || tc.ExtraAddrs > 250 {
		return nil, fmt.Errorf("lab: target %d: %d extra addresses: 0 to 250", i, tc.ExtraAddrs)
	}
	labRange := netip.MustParsePrefix("198.18.0.0/15")
	links := netip.MustParsePrefix("198.18.0.0/16")
	if tc.Prefix.IsValid() && (!labRange.Contains(tc.Prefix.Addr()) || tc.Prefix.Overlaps(links)) {
		return nil, fmt.Errorf("lab: target %d: prefix %s must lie in 198.19.0.0/16", i, tc.Prefix)
	}
	ns, err := l.namespace(fmt.Sprintf("t%d", i))
	if err != nil {
		return nil, err
	}
	v4, v6 := Subnet(i)
	t := &Target{
		NS: ns, lab: l, index: i,
		Addr: hostAddr(v4, 2), Addr6: hostAddr(v6, 2),
		ScannerAddr: hostAddr(v4, 1), ScannerAddr6: hostAddr(v6, 1),
		Iface: "eth0", ScannerIface: fmt.Sprintf("t%d", i),
		Prefix: tc.Prefix.Masked(),
	}
	if tc.WAN != nil {
		link, err := wan.New(l.Scanner.Name, t.ScannerIface, ns.Name, t.Iface, *tc.WAN)
		if err != nil {
			return nil, fmt.Errorf("lab: target %d: %w", i, err)
		}
		l.addCloser(link.Close)
		t.Link = link
	} else if _, err := l.Scanner.IP("link", "add", t.ScannerIface, "type", "veth", "peer", "name", t.Iface, "netns", ns.Name); err != nil {
		return nil, err
	}

	// Neither side sends router solicitations or waits for duplicate
	// address detection: IPv6 addresses are usable at once.
	for _, side := range []struct {
		ns    *Namespace
		iface string
	}{{l.Scanner, t.ScannerIface}, {ns, t.Iface}} {
		if err := side.ns.Sysctl("net.ipv6.conf."+side.iface+".accept_dad", "0"); err != nil {
			return nil, err
		}
		if err := side.ns.Sysctl("net.ipv6.conf."+side.iface+".accept_ra", "0"); err != nil {
			return nil, err
		}
	}

	steps := [][]string{
		{"addr", "add", t.ScannerAddr.String() + "/24", "dev", t.ScannerIface},
		{"addr", "add", t.ScannerAddr6.String() + "/64", "dev", t.ScannerIface, "nodad"},
		{"link", "set", t.ScannerIface, "up"},
	}
	for _, s := range steps {
		if _, err := l.Scanner.IP(s...); err != nil {
			return nil, err
		}
	}
	t.Addrs = append(t.Addrs, t.Addr)
	for k := 0; k < tc.ExtraAddrs; k++ {
		t.Addrs = append(t.Addrs, hostAddr(v4, 3+k))
	}
	for _, a := range t.Addrs {
		if _, err := ns.IP("addr", "add", a.String()+"/24", "dev", t.Iface); err != nil {
			return nil, err
		}
	}
	if _, err := ns.IP("addr", "add", t.Addr6.String()+"/64", "dev", t.Iface, "nodad"); err != nil {
		return nil, err
	}
	if _, err := ns.IP("link", "set", t.Iface, "up"); err != nil {
		return nil, err
	}
	if t.Prefix.IsValid() {
		if _, err := ns.IP("route", "add", "local", t.Prefix.String(), "dev", "lo"); err != nil {
			return nil, err
		}
		if _, err := l.Scanner.IP("route", "add", t.Prefix.String(), "via", t.Addr.String(), "dev", t.ScannerIface); err != nil {
			return nil, err
		}
	}
	mac, err := readMAC(ns, t.Iface)
	if err != nil {
		return nil, err
	}
	t.MAC = mac
	return t, nil
}

func readMAC(ns *Namespace, iface string) (net.HardwareAddr, error) {
	// sysfs shows the namespace it was mounted in, not the thread's: ask
	// the kernel over netlink from inside instead.
	var mac net.HardwareAddr
	err := ns.Do(func() error {
		ifi, err := net.InterfaceByName(iface)
		if err != nil {
			return fmt.Errorf("lab: read MAC of %s in %s: %w", iface, ns.Name, err)
		}
		mac = ifi.HardwareAddr
		return nil
	})
	return mac, err
}
