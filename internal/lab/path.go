package lab

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/internal/lab/wan"
)

// MaxHops bounds TargetConfig.Hops.
const MaxHops = 8

// Addressing of a target with routers (TargetConfig.Hops > 0), inside the
// target's own 198.18.i.0/24 and fd00:0:0:i::/64, so that it never meets
// another target's:
//
//   - the target's link is 198.18.i.0/25 (last router .1, target .2 and
//     its extra addresses) and fd00:0:0:i::/64 (::1, ::2);
//   - link j from the scanner (j = 0 joins the scanner and router 1) is
//     198.18.i.(128+8j)/29, the scanner's side .(129+8j) and the far side
//     .(130+8j), and fd00:0:j+1:i::/64 (::1, ::2).
//
// A router's time-exceeded messages come from its address on the link
// towards the scanner: Target.Hops lists them.

// linkNet returns the subnets of link j of target i with hops routers, and
// the addresses of its near (scanner's) and far ends.
func linkNet(i, j, hops int) (p4 netip.Prefix, near4, far4 netip.Addr, p6 netip.Prefix, near6, far6 netip.Addr) {
	v4, v6 := Subnet(i)
	if j == hops {
		if hops > 0 {
			v4 = netip.PrefixFrom(v4.Addr(), 25)
		}
		return v4, hostAddr(v4, 1), hostAddr(v4, 2), v6, hostAddr(v6, 1), hostAddr(v6, 2)
	}
	b := v4.Addr().As4()
	b[3] = byte(128 + 8*j)
	p4 = netip.PrefixFrom(netip.AddrFrom4(b), 29)
	p6 = netip.PrefixFrom(netip.AddrFrom16([16]byte{0: 0xfd, 5: byte(j + 1), 7: byte(i)}), 64)
	return p4, hostAddr(p4, 1), hostAddr(p4, 2), p6, hostAddr(p6, 1), hostAddr(p6, 2)
}

// addRoutedTarget builds a target that is behind routers, or a persona,
// or both: a chain of namespaces scanner - r1 - ... - rN - target, joined
// by veth pairs (the first by the WAN emulator if configured), each router
// forwarding with its ICMP errors unlimited. A persona target's namespace
// bridges its link to the persona's TAP, and its own kernel has no
// address there.
func (l *Lab) addRoutedTarget(i int, tc TargetConfig) (*Target, error) {
	hops := tc.Hops
	switch {
	case hops < 0 || hops > MaxHops:
		return nil, fmt.Errorf("lab: target %d: %d hops: 0 to %d", i, hops, MaxHops)
	case tc.Prefix.IsValid():
		return nil, fmt.Errorf("lab: target %d: a prefix cannot be combined with hops or a persona", i)
	case tc.ExtraAddrs < 0 || tc.ExtraAddrs > 250 || hops > 0 && tc.ExtraAddrs > 120:
		return nil, fmt.Errorf("lab: target %d: %d extra addresses: 0 to 250, 120 with hops", i, tc.ExtraAddrs)
	}
	ns, err := l.namespace(fmt.Sprintf("t%d", i))
	if err != nil {
		return nil, err
	}
	nodes := []*Namespace{l.Scanner}
	t := &Target{NS: ns, lab: l, index: i, Iface: "eth0", ScannerIface: fmt.Sprintf("t%d", i)}
	for k := 1; k <= hops; k++ {
		r, err := l.namespace(fmt.Sprintf("t%dr%d", i, k))
		if err != nil {
			return nil, err
		}
		for _, kv := range [][2]string{
			{"net.ipv4.ip_forward", "1"},
			{"net.ipv6.conf.all.forwarding", "1"},
			// Every probe of a trace gets its answer.
			{"net.ipv4.icmp_ratelimit", "0"},
			{"net.ipv6.icmp.ratelimit", "0"},
		} {
			if err := r.Sysctl(kv[0], kv[1]); err != nil {
				return nil, err
			}
		}
		t.Routers = append(t.Routers, r)
		nodes = append(nodes, r)
	}
	nodes = append(nodes, ns)
	for _, n := range nodes[1:] {
		// Interfaces made from now on need no duplicate address
		// detection and take no router advertisements.
		if err := n.Sysctl("net.ipv6.conf.default.accept_dad", "0"); err != nil {
			return nil, err
		}
		if err := n.Sysctl("net.ipv6.conf.default.accept_ra", "0"); err != nil {
			return nil, err
		}
	}

	for j := 0; j <= hops; j++ {
		near, far := nodes[j], nodes[j+1]
		nearIf, farIf := "down0", "up0" // towards the target, towards the scanner
		if j == 0 {
			nearIf = t.ScannerIface
		}
		if j == hops {
			farIf = t.Iface
		}
		if j == 0 && tc.WAN != nil {
			link, err := wan.New(near.Name, nearIf, far.Name, farIf, *tc.WAN)
			if err != nil {
				return nil, fmt.Errorf("lab: target %d: %w", i, err)
			}
			l.addCloser(link.Close)
			t.Link = link
		} else if _, err := near.IP("link", "add", nearIf, "type", "veth", "peer", "name", farIf, "netns", far.Name); err != nil {
			return nil, err
		}
		for _, end := range []struct {
			ns    *Namespace
			iface string
		}{{near, nearIf}, {far, farIf}} {
			if err := end.ns.Sysctl("net.ipv6.conf."+end.iface+".accept_dad", "0"); err != nil {
				return nil, err
			}
			if err := end.ns.Sysctl("net.ipv6.conf."+end.iface+".accept_ra", "0"); err != nil {
				return nil, err
			}
		}
		p4, near4, far4, _, near6, far6 := linkNet(i, j, hops)
		if _, err := near.IP("addr", "add", netip.PrefixFrom(near4, p4.Bits()).String(), "dev", nearIf); err != nil {
			return nil, err
		}
		if _, err := near.IP("addr", "add", netip.PrefixFrom(near6, 64).String(), "dev", nearIf, "nodad"); err != nil {
			return nil, err
		}
		if _, err := near.IP("link", "set", nearIf, "up"); err != nil {
			return nil, err
		}
		if j == 0 {
			t.ScannerAddr, t.ScannerAddr6 = near4, near6
		}
		if j < hops {
			t.Hops = append(t.Hops, far4)
			t.Hops6 = append(t.Hops6, far6)
		} else {
			t.Addr, t.Addr6 = far4, far6
			t.Addrs = append(t.Addrs, far4)
			for k := 0; k < tc.ExtraAddrs; k++ {
				t.Addrs = append(t.Addrs, hostAddr(p4, 3+k))
			}
		}
		if j == hops && tc.Persona != nil {
			break // the persona answers for the target's addresses
		}
		addrs := []netip.Addr{far4}
		if j == hops {
			addrs = t.Addrs
		}
		for _, a := range addrs {
			if _, err := far.IP("addr", "add", netip.PrefixFrom(a, p4.Bits()).String(), "dev", farIf); err != nil {
				return nil, err
			}
		}
		if _, err := far.IP("addr", "add", netip.PrefixFrom(far6, 64).String(), "dev", farIf, "nodad"); err != nil {
			return nil, err
		}
		if _, err := far.IP("link", "set", farIf, "up"); err != nil {
			return nil, err
		}
	}
	if err := l.routeChain(i, nodes, hops, tc.Persona != nil); err != nil {
		return nil, err
	}
	if tc.Persona != nil {
		if err := l.attachPersona(t, *tc.Persona); err != nil {
			return nil, fmt.Errorf("lab: target %d: %w", i, err)
		}
		return t, nil
	}
	mac, err := readMAC(ns, t.Iface)
	if err != nil {
		return nil, err
	}
	t.MAC = mac
	return t, nil
}

// routeChain gives each namespace of the chain a route to every link
// subnet it is not on: towards the target through the next node, towards
// the scanner through the previous one. Nothing else is routed: the
// scanner still has no way out of the lab.
func (l *Lab) routeChain(i int, nodes []*Namespace, hops int, persona bool) error {
	for k, n := range nodes {
		if k == len(nodes)-1 && persona {
			break // the persona answers whoever asked, on its link
		}
		for j := 0; j <= hops; j++ {
			if j == k-1 || j == k {
				continue // on the link
			}
			// Via link k (next node's near address is far on link k)
			// when the subnet lies ahead, via link k-1 otherwise.
			via := k
			if j < k {
				via = k - 1
			}
			p4, _, _, p6, _, _ := linkNet(i, j, hops)
			_, near4, far4, _, near6, far6 := linkNet(i, via, hops)
			gw4, gw6 := far4, far6
			if via < k {
				gw4, gw6 = near4, near6
			}
			if _, err := n.IP("route", "add", p4.Masked().String(), "via", gw4.String()); err != nil {
				return err
			}
			if _, err := n.IP("-6", "route", "add", p6.Masked().String(), "via", gw6.String()); err != nil {
				return err
			}
		}
	}
	return nil
}

// attachPersona puts a persona host on the target's link: a bridge in the
// target's namespace joins the link's end and the persona's TAP.
func (l *Lab) attachPersona(t *Target, cfg persona.Config) error {
	ns := t.NS
	cfg.Addrs = append(slices.Clone(t.Addrs), t.Addr6)
	steps := [][]string{
		// Without snooping the bridge floods multicast, so neighbour
		// solicitations reach the persona, which never joins a group.
		{"link", "add", "br0", "type", "bridge", "mcast_snooping", "0"},
		{"link", "set", t.Iface, "master", "br0"},
	}
	for _, s := range steps {
		if _, err := ns.IP(s...); err != nil {
			return err
		}
	}
	h, err := persona.Start(ns.Name, "persona0", cfg)
	if err != nil {
		return err
	}
	l.addCloser(h.Close)
	for _, s := range [][]string{
		{"link", "set", "persona0", "master", "br0"},
		{"link", "set", t.Iface, "up"},
		{"link", "set", "br0", "up"},
	} {
		if _, err := ns.IP(s...); err != nil {
			return err
		}
	}
	t.Persona = h
	t.MAC = h.MAC()
	return nil
}
