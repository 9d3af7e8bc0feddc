package raw

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/route"
	"github.com/picket-scanner/picket/scan"
)

// Scanner runs one raw technique over host groups for a whole run: it asks
// the kernel which interface and next hop reach each host, keeps one
// socket per interface, and resolves next hops once. It must be closed.
// A Scanner is safe for use by one goroutine at a time.
type Scanner struct {
	cfg Config // Conn, SrcMAC and sources are filled per interface

	mu    sync.Mutex
	links map[int]*ifLink
	macs  map[netip.Addr]packet.MAC
}

type ifLink struct {
	Link
	name string
}

// NewScanner returns a Scanner for cfg.Technique with cfg's timing, seed,
// sharding and progress; cfg's Conn and addresses are ignored.
func NewScanner(cfg Config) *Scanner {
	if cfg.Technique == 0 {
		cfg.Technique = scan.SYN
	}
	return &Scanner{cfg: cfg, links: map[int]*ifLink{}, macs: map[netip.Addr]packet.MAC{}}
}

// Technique returns the scan technique.
func (s *Scanner) Technique() scan.Technique { return s.cfg.Technique }

// Close closes the sockets.
func (s *Scanner) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, l := range s.links {
		l.Conn.Close()
	}
	s.links = map[int]*ifLink{}
	return nil
}

// link returns the open link of an interface, opening it on first use.
func (s *Scanner) link(r route.Route) (*ifLink, error) {
	if s.cfg.Interface != "" && r.Iface.Name != s.cfg.Interface {
		return nil, fmt.Errorf("raw: %s is reached through %s, not %s (-e): picket sends where the routing table says", r.Dst, r.Iface.Name, s.cfg.Interface)
	}
	l, ok := s.links[r.Iface.Index]
	if !ok {
		conn, err := netio.Listen(r.Iface.Name, netio.Config{Filter: Filter()})
		if err != nil {
			return nil, err
		}
		l = &ifLink{name: r.Iface.Name, Link: Link{Conn: conn}}
		copy(l.SrcMAC[:], r.Iface.HardwareAddr)
		s.links[r.Iface.Index] = l
	}
	if r.Src.Is4() && !l.Src4.IsValid() {
		l.Src4 = r.Src
	}
	if r.Src.Is6() && !l.Src6.IsValid() {
		l.Src6 = r.Src
	}
	return l, nil
}

// plan is how the hosts of a group are reached.
type plan struct {
	link    *ifLink
	hosts   []int // indexes into the group
	nextHop map[int]netip.Addr
}

func (s *Scanner) plan(hosts []netip.Addr) ([]*plan, error) {
	byIf := map[int]*plan{}
	var order []*plan
	for i, a := range hosts {
		r, err := route.Lookup(a)
		if err != nil {
			return nil, fmt.Errorf("raw: %w", err)
		}
		if r.Local {
			return nil, fmt.Errorf("raw: %s is an address of this host: scan it with -sT", a)
		}
		l, err := s.link(r)
		if err != nil {
			return nil, err
		}
		p, ok := byIf[r.Iface.Index]
		if !ok {
			p = &plan{link: l, nextHop: map[int]netip.Addr{}}
			byIf[r.Iface.Index] = p
			order = append(order, p)
		}
		p.hosts = append(p.hosts, i)
		p.nextHop[i] = r.NextHop()
	}
	return order, nil
}

// resolve finds the hardware addresses of the next hops of p not yet known.
func (s *Scanner) resolve(ctx context.Context, p *plan) error {
	var want []netip.Addr
	for _, hop := range p.nextHop {
		if _, ok := s.macs[hop]; !ok {
			want = append(want, hop)
		}
	}
	found, err := NextHops(ctx, p.link.Link, want)
	maps.Copy(s.macs, found)
	return err
}

// Scan runs the technique over hosts and ports.
func (s *Scanner) Scan(ctx context.Context, hosts []netip.Addr, ports []uint16) (*scan.Table, scan.Stats, error) {
	return s.ScanReporting(ctx, hosts, ports, nil)
}

// ScanReporting is Scan, reporting each open port to onOpen (with the
// host's index in hosts) as soon as it is found. onOpen must not block.
func (s *Scanner) ScanReporting(ctx context.Context, hosts []netip.Addr, ports []uint16, onOpen func(host int, port uint16)) (*scan.Table, scan.Stats, error) {
	slots := make([]Slot, len(ports))
	for i, p := range ports {
		slots[i] = Slot{Technique: s.cfg.Technique, Port: p}
	}
	return s.probe(ctx, hosts, slots, onOpen, true)
}

// probe sends slots to hosts over whichever links reach them.
func (s *Scanner) probe(ctx context.Context, hosts []netip.Addr, slots []Slot, onOpen func(int, uint16), portScan bool) (*scan.Table, scan.Stats, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ports := make([]uint16, len(slots))
	for i, sl := range slots {
		ports[i] = sl.Port
	}
	tab := scan.NewTable(s.cfg.Technique, hosts, ports)
	var total scan.Stats
	plans, err := s.plan(hosts)
	if err != nil {
		return nil, total, err
	}
	// Each interface has its own engine, and they run at once: hosts
	// behind different links limit their answers each on its own, so
	// scanning them one link after the other would add up their limits.
	type part struct {
		cfg     Config
		targets []Target
		rows    []int
		sub     *scan.Table
		st      scan.Stats
		err     error
	}
	var parts []*part
	probes := uint64(0)
	for _, p := range plans {
		if err := s.resolve(ctx, p); err != nil {
			return nil, total, err
		}
		pt := &part{}
		var unreachable []int
		for _, i := range p.hosts {
			mac, ok := s.macs[p.nextHop[i]]
			if !ok && p.link.Conn.Link == netio.LinkEthernet {
				// The next hop never answered: nothing we send can
				// arrive, so every port stays without a reply.
				unreachable = append(unreachable, i)
				continue
			}
			pt.targets = append(pt.targets, Target{Addr: hosts[i], NextHop: mac})
			pt.rows = append(pt.rows, i)
		}
		total.NoReply += uint64(len(unreachable) * len(ports))
		if len(pt.targets) == 0 {
			continue
		}
		pt.cfg = s.cfg
		pt.cfg.Conn, pt.cfg.SrcMAC, pt.cfg.Src4, pt.cfg.Src6 = p.link.Conn, p.link.SrcMAC, p.link.Src4, p.link.Src6
		pt.cfg.sharedProgress, pt.cfg.portScan = true, portScan
		if onOpen != nil {
			rows := pt.rows
			pt.cfg.OnOpen = func(j int, port uint16) { onOpen(rows[j], port) }
		}
		probes += uint64(len(pt.targets)) * uint64(len(slots))
		parts = append(parts, pt)
	}
	s.cfg.Progress.Start(s.cfg.Technique, probes)
	var wg sync.WaitGroup
	for _, pt := range parts {
		wg.Go(func() { pt.sub, pt.st, pt.err = Probe(ctx, pt.cfg, pt.targets, slots) })
	}
	wg.Wait()
	var errs []error
	for _, pt := range parts {
		mergeStats(&total, pt.st)
		if pt.sub != nil {
			copyRows(tab, pt.sub, pt.rows)
		}
		errs = append(errs, pt.err)
	}
	return tab, total, errors.Join(errs...)
}

func mergeStats(dst *scan.Stats, s scan.Stats) {
	dst.Sent += s.Sent
	dst.Retransmissions += s.Retransmissions
	dst.Replies += s.Replies
	dst.Answered += s.Answered
	dst.Recovered += s.Recovered
	dst.PeakRate = max(dst.PeakRate, s.PeakRate)
	dst.NoReply += s.NoReply
	dst.Passes = max(dst.Passes, s.Passes)
	dst.KernelDrops += s.KernelDrops
}

// copyRows copies sub's host rows into tab at rows.
func copyRows(tab, sub *scan.Table, rows []int) {
	n := len(tab.Ports)
	for j, i := range rows {
		copy(tab.Outcome[i*n:(i+1)*n], sub.Outcome[j*n:(j+1)*n])
		copy(tab.TTL[i*n:(i+1)*n], sub.TTL[j*n:(j+1)*n])
		tab.RTT[i] = sub.RTT[j]
		tab.TimedOut[i] = sub.TimedOut[j]
		if sub.Passive != nil {
			if tab.Passive == nil {
				tab.Passive = make([][]osfp.Sample, len(tab.Hosts))
			}
			tab.Passive[i] = sub.Passive[j]
		}
		if a, ok := sub.ReplyFrom[j]; ok {
			if tab.ReplyFrom == nil {
				tab.ReplyFrom = map[int]netip.Addr{}
			}
			tab.ReplyFrom[i] = a
		}
	}
}

// DefaultDiscovery is Nmap's host discovery when privileged: an ICMP echo
// request, a TCP SYN to port 443, a TCP ACK to port 80 and an ICMP
// timestamp request (IPv6 has no timestamp request; the others go).
var DefaultDiscovery = []Slot{
	{Technique: scan.Echo},
	{Technique: scan.SYN, Port: 443},
	{Technique: scan.ACK, Port: 80},
	{Technique: scan.Timestamp},
}

// DiscoverOptions are the discovery choices of Nmap's command line.
type DiscoverOptions struct {
	Slots      []Slot // the probes; nil means DefaultDiscovery
	DisableARP bool   // --disable-arp-ping: IP probes on the link too
	IgnoreRST  bool   // --discovery-ignore-rst: a reset proves nothing
}

// Discover finds which hosts are up, as Nmap does when privileged: on a
// directly attached Ethernet segment by ARP or neighbour discovery (a
// reply is proof enough), unless opt.DisableARP; elsewhere with the probes
// of opt.Slots, any answer to which proves the host up.
func (s *Scanner) Discover(ctx context.Context, hosts []netip.Addr, opt DiscoverOptions) ([]DiscoverStatus, error) {
	slots, disableARP := opt.Slots, opt.DisableARP
	if slots == nil {
		slots = DefaultDiscovery
	}
	out := make([]DiscoverStatus, len(hosts))
	s.mu.Lock()
	plans, err := s.plan(hosts)
	if err != nil {
		s.mu.Unlock()
		return nil, err
	}
	var remote []int
	for _, p := range plans {
		var onLink []netip.Addr
		for _, i := range p.hosts {
			if !disableARP && p.nextHop[i] == hosts[i] && p.link.Conn.Link == netio.LinkEthernet {
				onLink = append(onLink, hosts[i])
			} else {
				remote = append(remote, i)
			}
		}
		if len(onLink) == 0 {
			continue
		}
		start := time.Now()
		found, err := Resolve(ctx, p.link.Link, onLink, 3, 400*time.Millisecond)
		if err != nil {
			s.mu.Unlock()
			return nil, err
		}
		for _, i := range p.hosts {
			if !disableARP && p.nextHop[i] == hosts[i] {
				out[i] = DiscoverStatus{Reason: "no-response"}
			}
			if mac, ok := found[hosts[i]]; ok {
				s.macs[hosts[i]] = mac
				reason := "arp-response"
				if hosts[i].Is6() {
					reason = "nd-response"
				}
				out[i] = DiscoverStatus{Up: true, Reason: reason, MAC: net.HardwareAddr(mac[:]), RTT: time.Since(start)}
			}
		}
	}
	s.mu.Unlock()
	if len(remote) == 0 {
		return out, nil
	}
	addrs := make([]netip.Addr, len(remote))
	for j, i := range remote {
		addrs[j] = hosts[i]
	}
	tab, _, err := s.probe(ctx, addrs, slots, nil, false)
	if err != nil {
		return nil, err
	}
	n := len(slots)
	for j, i := range remote {
		out[i] = DiscoverStatus{Reason: "no-response"}
		for k, sl := range slots {
			o := tab.Outcome[j*n+k]
			var reason string
			switch {
			case o == scan.OtherResponse && sl.Technique == scan.Echo:
				reason = "echo-reply"
			case o == scan.OtherResponse && sl.Technique == scan.Timestamp:
				reason = "timestamp-reply"
			case o == scan.SynAck:
				reason = "syn-ack"
			case o == scan.Reset && !opt.IgnoreRST:
				reason = "reset"
			case o == scan.UDPResponse:
				reason = "udp-response"
			case o == scan.PortUnreach && sl.Technique == scan.UDP:
				// Only a live host says its port is closed.
				reason = "port-unreach"
			default:
				continue
			}
			out[i] = DiscoverStatus{Up: true, Reason: reason, TTL: tab.TTL[j*n+k], RTT: tab.RTT[j].First}
			break
		}
	}
	return out, nil
}

// DiscoverStatus is what discovery learned of one host.
type DiscoverStatus struct {
	Up     bool
	Reason string
	TTL    uint8
	MAC    net.HardwareAddr
	RTT    time.Duration
}
