// Package job runs one scan from start to end: it takes targets in host
// groups, finds which hosts are up, runs each port scan technique over the
// group, folds each host's port states into a result.Host and hands it to
// the sink as soon as the group is done, so output grows while the scan
// goes on and an interrupted run keeps every finished host.
//
// Engines and sinks come in through small interfaces; job knows none of
// them by name. Run is safe to call concurrently with distinct Configs.
package job

import (
	"context"
	"errors"
	"iter"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/target"
)

// Sink receives a run's results: output.Writer satisfies it.
type Sink interface {
	Begin(run *result.Run) error
	WriteHost(h *result.Host) error
	End(run *result.Run) error
}

// PortScanner scans a group of hosts with one technique.
type PortScanner interface {
	Technique() scan.Technique
	Scan(ctx context.Context, hosts []netip.Addr, ports []uint16) (*scan.Table, scan.Stats, error)
}

// Discoverer finds which hosts of a group are up.
type Discoverer interface {
	Discover(ctx context.Context, hosts []netip.Addr) ([]Status, error)
}

// Status is what host discovery learned of one host.
type Status struct {
	Up     bool
	Reason result.Reason
	TTL    uint8
	MAC    []byte
	RTT    time.Duration
}

// Namer finds the names of an address by reverse DNS; *net.Resolver
// satisfies it.
type Namer interface {
	LookupAddr(ctx context.Context, addr string) ([]string, error)
}

// Progress counts a run's hosts as they finish. Its fields are updated
// atomically and may be read at any time.
type Progress struct {
	HostsTotal atomic.Uint64 // set by the caller, when known
	HostsDone  atomic.Uint64
	HostsUp    atomic.Uint64
	GroupHosts atomic.Uint64 // hosts of the group being scanned
}

func (p *Progress) done(up bool) {
	if p == nil {
		return
	}
	p.HostsDone.Add(1)
	if up {
		p.HostsUp.Add(1)
	}
}

// Identifier names the service on an open port (-sV).
type Identifier interface {
	Identify(ctx context.Context, addr netip.AddrPort) service.Identified
}

// OpenReporter is a PortScanner that reports open ports as it finds them,
// so that version detection starts on a port while the scan goes on.
type OpenReporter interface {
	ScanReporting(ctx context.Context, hosts []netip.Addr, ports []uint16, onOpen func(host int, port uint16)) (*scan.Table, scan.Stats, error)
}

// OSDetector detects the operating system of a group's hosts (-O) from
// the ports its scans found: each table's host i is hosts[i]. A nil result
// means the host was skipped.
type OSDetector interface {
	DetectOS(ctx context.Context, hosts []netip.Addr, tables []*scan.Table) ([]*result.OSResult, error)
}

// PortScan is one technique over a port list.
type PortScan struct {
	Scanner PortScanner
	Ports   []uint16
}

// Config is one run. Targets, Run and Sink must be set.
type Config struct {
	Targets iter.Seq2[target.Target, error]
	// Discover finds live hosts; nil treats every host as up (-Pn).
	Discover Discoverer
	// Scans run one after the other over each group; none with
	// Discover set is a ping scan (-sn).
	Scans []PortScan
	// ListOnly (-sL) lists the targets and sends nothing.
	ListOnly bool
	// Names, if set, names hosts by reverse DNS: those that are up (every
	// host of a list scan), or every host with NameAll (-R). Nil names
	// none (-n).
	Names   Namer
	NameAll bool
	// GroupSize is the number of hosts scanned together; 0 chooses it
	// from the number of ports.
	GroupSize int
	// ServiceName names the service usually found on a port (the SERVICE
	// column without -sV); nil leaves names empty.
	ServiceName func(result.Protocol, uint16) string
	// Versions, if set, identifies the service on every open TCP port
	// (-sV), VersionParallel ports at a time (64 when 0); ports in
	// VersionSkip are left alone unless listed in none (Nmap's
	// --allports).
	Versions        Identifier
	VersionParallel int
	VersionSkip     func(port uint16) bool
	// UDPVersions, if set, identifies the service on every UDP port that
	// answered or stayed silent (open and open|filtered): one that answers
	// it is open.
	UDPVersions Identifier
	// VersionTrace, if set, hears what version detection found on each
	// port (--version-trace).
	VersionTrace func(netip.AddrPort, service.Identified)
	// Trace, if set, traces the route to every host that is up, after
	// its port scans (--traceroute); hops are named as hosts are, by
	// Names.
	Trace Tracer
	// OS, if set, detects the operating system of the hosts that are up
	// (-O), once the group's port scans are done, while version detection
	// finishes.
	OS OSDetector
	// Progress, if set, counts the hosts finished.
	Progress *Progress
	Run      *result.Run // header fields, filled by the caller
	Sink     Sink
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

func (c *Config) groupSize() int {
	if c.GroupSize > 0 {
		return c.GroupSize
	}
	return c.DefaultGroupSize()
}

// DefaultGroupSize is how many hosts are scanned at once unless GroupSize
// says otherwise: about a million probes per group, so the engine's
// per-probe state stays in tens of megabytes, and at least 256 hosts, so
// small port lists still spread their load.
func (c *Config) DefaultGroupSize() int {
	ports := 0
	for _, s := range c.Scans {
		ports += len(s.Ports)
	}
	if ports == 0 {
		return 4096
	}
	return min(max((1<<20)/ports, 256), 16384)
}

// Run performs the scan. The returned Run is complete even when the scan
// was interrupted (Interrupted is set and the context's error returned):
// the sink has been given every finished host and an End.
func Run(ctx context.Context, cfg Config) (*result.Run, error) {
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	run := cfg.Run
	if run.Start.IsZero() {
		run.Start = now()
	}
	if err := cfg.Sink.Begin(run); err != nil {
		return run, err
	}
	err := scanAll(ctx, &cfg, run, now)
	run.End = now()
	if err != nil {
		run.Interrupted = true
		run.ErrorMsg = err.Error()
	}
	if endErr := cfg.Sink.End(run); endErr != nil && err == nil {
		err = endErr
	}
	return run, err
}

func scanAll(ctx context.Context, cfg *Config, run *result.Run, now func() time.Time) error {
	size := cfg.groupSize()
	group := make([]target.Target, 0, size)
	for t, err := range cfg.Targets {
		if err != nil {
			return err
		}
		group = append(group, t)
		if len(group) == size {
			if err := scanGroup(ctx, cfg, run, group, now); err != nil {
				return err
			}
			group = group[:0]
		}
	}
	if len(group) > 0 {
		return scanGroup(ctx, cfg, run, group, now)
	}
	return nil
}

func scanGroup(ctx context.Context, cfg *Config, run *result.Run, group []target.Target, now func() time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	start := now()
	if cfg.Progress != nil {
		cfg.Progress.GroupHosts.Store(uint64(len(group)))
	}
	hosts := make([]*result.Host, len(group))
	for i, t := range group {
		h := &result.Host{Addr: t.Addr, Start: start, State: result.HostUp, Reason: result.ReasonUserSet}
		if t.Name != "" {
			h.Hostnames = []result.Hostname{{Name: t.Name, Type: "user"}}
		}
		hosts[i] = h
	}
	if cfg.ListOnly {
		// A list scan's point is the names, as in Nmap.
		nameHosts(ctx, cfg.Names, hosts)
		for _, h := range hosts {
			h.State, h.Reason = result.HostUnknown, ""
			h.End = start
			if err := cfg.Sink.WriteHost(h); err != nil {
				return err
			}
		}
		return nil
	}

	up := hosts
	if cfg.Discover != nil {
		addrs := make([]netip.Addr, len(hosts))
		for i, h := range hosts {
			addrs[i] = h.Addr
		}
		st, err := cfg.Discover.Discover(ctx, addrs)
		if err != nil {
			return err
		}
		up = up[:0:0]
		var down []*result.Host
		for i, h := range hosts {
			s := st[i]
			if !s.Up {
				down = append(down, h)
			}
		}
		if cfg.NameAll {
			nameHosts(ctx, cfg.Names, down)
		}
		for i, h := range hosts {
			s := st[i]
			h.Reason, h.ReasonTTL, h.MAC, h.Latency = s.Reason, s.TTL, s.MAC, s.RTT
			if s.Up {
				up = append(up, h)
				continue
			}
			h.State, h.End = result.HostDown, now()
			run.HostsDown++
			cfg.Progress.done(false)
			if err := cfg.Sink.WriteHost(h); err != nil {
				return err
			}
		}
	}

	addrs := make([]netip.Addr, len(up))
	for i, h := range up {
		addrs[i] = h.Addr
	}
	// Names are looked up while the ports are scanned.
	named := make(chan struct{})
	go func() {
		defer close(named)
		nameHosts(ctx, cfg.Names, up)
	}()
	defer func() { <-named }()
	var vs *versions
	var onOpen func(int, uint16)
	if cfg.Versions != nil || cfg.UDPVersions != nil {
		vs = newVersions(ctx, cfg)
		defer vs.close()
	}
	if cfg.Versions != nil {
		onOpen = func(i int, port uint16) { vs.add(result.TCP, netip.AddrPortFrom(addrs[i], port)) }
	}
	var tables []*scan.Table
	var scanErr error
	for _, ps := range cfg.Scans {
		if len(addrs) == 0 {
			break
		}
		var tab *scan.Table
		var st scan.Stats
		var err error
		if r, ok := ps.Scanner.(OpenReporter); ok && onOpen != nil {
			tab, st, err = r.ScanReporting(ctx, addrs, ps.Ports, onOpen)
		} else {
			tab, st, err = ps.Scanner.Scan(ctx, addrs, ps.Ports)
		}
		addStats(&run.Stats, st)
		if tab != nil && err == nil {
			tables = append(tables, tab)
		}
		if err != nil {
			scanErr = err
			break
		}
	}
	if scanErr != nil && !errors.Is(scanErr, context.Canceled) && !errors.Is(scanErr, context.DeadlineExceeded) {
		return scanErr
	}
	if scanErr != nil {
		// The group was cut short: its hosts are not finished, and a
		// resumed scan starts again from them.
		return scanErr
	}
	if vs != nil && cfg.UDPVersions != nil {
		if err := vs.probeUDP(addrs, tables); err != nil {
			return err
		}
	}
	type osDone struct {
		res []*result.OSResult
		err error
	}
	var osCh chan osDone
	if cfg.OS != nil && len(addrs) > 0 {
		osCh = make(chan osDone, 1)
		go func() {
			res, err := cfg.OS.DetectOS(ctx, addrs, tables)
			osCh <- osDone{res, err}
		}()
	}
	<-named
	var buf []scan.PortResult
	for i, h := range up {
		for _, tab := range tables {
			buf = tab.Host(i, buf[:0])
			scan.Fold(h, tab.Technique, buf)
		}
		h.OSPassive = passiveOS(tables, i)
	}
	if vs != nil {
		if err := vs.apply(up); err != nil {
			if osCh != nil {
				<-osCh
			}
			return err
		}
	}
	if osCh != nil {
		d := <-osCh
		if d.err != nil {
			return d.err
		}
		for i, h := range up {
			if i < len(d.res) {
				h.OS = d.res[i]
			}
		}
	}
	for i, h := range up {
		for _, tab := range tables {
			if r := tab.RTT[i]; r.SRTT > 0 {
				if h.Latency == 0 {
					h.Latency = r.First
				}
				h.Times = result.Times{SRTT: r.SRTT, RTTVar: r.RTTVar, Timeout: r.Timeout}
			}
			h.TimedOut = h.TimedOut || tab.TimedOut[i]
		}
		if cfg.ServiceName != nil {
			for j := range h.Ports {
				if p := &h.Ports[j]; p.Service.Name == "" {
					p.Service.Name = cfg.ServiceName(p.Protocol, p.Number)
				}
			}
		}
	}
	if cfg.Trace != nil {
		if err := traceHosts(ctx, cfg, up); err != nil {
			return err
		}
	}
	end := now()
	for _, h := range up {
		h.End = end
		run.HostsUp++
		cfg.Progress.done(true)
		if err := cfg.Sink.WriteHost(h); err != nil {
			return err
		}
	}
	return nil
}

func addStats(dst *result.Stats, s scan.Stats) {
	answered := float64(dst.Replies) // weights for the loss average
	dst.ProbesSent += s.Sent
	dst.Replies += s.Answered
	dst.Retransmissions += s.Retransmissions
	dst.NoReply += s.NoReply
	dst.Rate = max(dst.Rate, s.PeakRate)
	if total := answered + float64(s.Answered); total > 0 {
		dst.Loss = (dst.Loss*answered + float64(s.Recovered)) / total
	}
}

// nameParallel bounds the reverse lookups in flight, and nameTimeout each.
const (
	nameParallel = 32
	nameTimeout  = 3 * time.Second
)

// nameHosts adds the reverse-DNS name of each host, looked up in parallel.
// A lookup that fails leaves the host unnamed, as in Nmap.
func nameHosts(ctx context.Context, n Namer, hosts []*result.Host) {
	if n == nil || len(hosts) == 0 {
		return
	}
	sem := make(chan struct{}, nameParallel)
	var wg sync.WaitGroup
	for _, h := range hosts {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			lctx, cancel := context.WithTimeout(ctx, nameTimeout)
			defer cancel()
			names, err := n.LookupAddr(lctx, h.Addr.String())
			if err != nil || len(names) == 0 {
				return
			}
			h.Hostnames = append(h.Hostnames, result.Hostname{Name: strings.TrimSuffix(names[0], "."), Type: "PTR"})
		})
	}
	wg.Wait()
}

// versions runs version detection for one group: ports are queued as the
// port scan finds them open (pipelined), or after it, and identified by a
// fixed pool of workers.
type versions struct {
	cfg     *Config
	ctx     context.Context
	mu      sync.Mutex // guards queue, entries, closed
	cond    *sync.Cond
	queue   []versionKey
	entries map[versionKey]*versionEntry
	closed  bool
	wg      sync.WaitGroup
	udp     chan struct{} // bounds the UDP ports probed at once
}

// versionKey is one port of one host: TCP 53 and UDP 53 are two.
type versionKey struct {
	proto result.Protocol
	addr  netip.AddrPort
}

// udpParallel bounds the UDP ports identified at once: each may hold a
// socket per payload it sends.
const udpParallel = 16

type versionEntry struct {
	done chan struct{}
	id   service.Identified
}

func newVersions(ctx context.Context, cfg *Config) *versions {
	v := &versions{cfg: cfg, ctx: ctx, entries: map[versionKey]*versionEntry{}, udp: make(chan struct{}, udpParallel)}
	v.cond = sync.NewCond(&v.mu)
	n := cfg.VersionParallel
	if n <= 0 {
		n = 64
	}
	for range n {
		v.wg.Go(v.work)
	}
	return v
}

// add queues a port unless it is queued already or skipped; it never
// blocks, so the port scan's receiver may call it.
func (v *versions) add(proto result.Protocol, a netip.AddrPort) *versionEntry {
	if proto == result.TCP && v.cfg.VersionSkip != nil && v.cfg.VersionSkip(a.Port()) {
		return nil
	}
	k := versionKey{proto, a}
	v.mu.Lock()
	defer v.mu.Unlock()
	if e, ok := v.entries[k]; ok {
		return e
	}
	e := &versionEntry{done: make(chan struct{})}
	v.entries[k] = e
	v.queue = append(v.queue, k)
	v.cond.Signal()
	return e
}

func (v *versions) work() {
	for {
		v.mu.Lock()
		for len(v.queue) == 0 && !v.closed {
			v.cond.Wait()
		}
		if len(v.queue) == 0 {
			v.mu.Unlock()
			return
		}
		k := v.queue[0]
		v.queue = v.queue[1:]
		e := v.entries[k]
		v.mu.Unlock()
		if k.proto == result.UDP {
			select {
			case v.udp <- struct{}{}:
				e.id = v.cfg.UDPVersions.Identify(v.ctx, k.addr)
				<-v.udp
			case <-v.ctx.Done():
			}
		} else {
			e.id = v.cfg.Versions.Identify(v.ctx, k.addr)
		}
		if v.cfg.VersionTrace != nil {
			v.cfg.VersionTrace(k.addr, e.id)
		}
		close(e.done)
	}
}

// close lets the workers finish what is queued and stop.
func (v *versions) close() {
	v.mu.Lock()
	v.closed = true
	v.cond.Broadcast()
	v.mu.Unlock()
	v.wg.Wait()
}

// apply identifies every open TCP port of hosts, waiting for those already
// under way, and fills their services.
func (v *versions) apply(hosts []*result.Host) error {
	type pending struct {
		p *result.Port
		e *versionEntry
	}
	var all []pending
	for _, h := range hosts {
		for j := range h.Ports {
			p := &h.Ports[j]
			switch {
			case p.Protocol == result.TCP && p.State == result.Open && v.cfg.Versions != nil:
			case p.Protocol == result.UDP && (p.State == result.Open || p.State == result.OpenFiltered) && v.cfg.UDPVersions != nil:
			default:
				continue
			}
			if e := v.add(p.Protocol, netip.AddrPortFrom(h.Addr, p.Number)); e != nil {
				all = append(all, pending{p, e})
			}
		}
	}
	for _, x := range all {
		select {
		case <-x.e.done:
			applyService(x.p, x.e.id)
		case <-v.ctx.Done():
			return v.ctx.Err()
		}
	}
	return nil
}

// probeUDP identifies the UDP ports of the group's scans that answered or
// stayed silent, before their states are folded: a silent port that
// answers version detection is open, and so is listed.
func (v *versions) probeUDP(addrs []netip.Addr, tables []*scan.Table) error {
	type pending struct {
		tab *scan.Table
		i   int
		e   *versionEntry
	}
	var all []pending
	for _, tab := range tables {
		if tab.Technique.Protocol() != result.UDP {
			continue
		}
		n := len(tab.Ports)
		for h := range addrs {
			for j, port := range tab.Ports {
				i := h*n + j
				if o := tab.Outcome[i]; o != scan.None && o != scan.UDPResponse {
					continue
				}
				all = append(all, pending{tab, i, v.add(result.UDP, netip.AddrPortFrom(addrs[h], port))})
			}
		}
	}
	for _, x := range all {
		select {
		case <-x.e.done:
			if x.tab.Outcome[x.i] == scan.None && udpAnswered(x.e.id) {
				x.tab.Outcome[x.i] = scan.UDPResponse
			}
		case <-v.ctx.Done():
			return v.ctx.Err()
		}
	}
	return nil
}

// udpAnswered reports whether UDP version detection heard the port.
func udpAnswered(id service.Identified) bool {
	return id.Service.Name != "" || id.Banner != nil
}

// applyService writes what version detection learned into a port, as
// Nmap reports it: a named service is "probed" with confidence 10; an
// unnamed one keeps its table name and its banner.
func applyService(p *result.Port, id service.Identified) {
	if p.Protocol == result.UDP && udpAnswered(id) {
		p.State, p.Reason = result.Open, result.ReasonUDPResponse
	}
	s := id.Service
	if s.Name == "" {
		if len(id.Banner) > 0 {
			p.Service.Fingerprint = service.Fingerprint(id.Banner)
		}
		return
	}
	s.Method, s.Conf = "probed", 10
	if s.Product == "" && s.Version == "" {
		// A softmatch or a bare protocol: Nmap's confidence is lower.
		s.Conf = 8
	}
	p.Service = s
}
