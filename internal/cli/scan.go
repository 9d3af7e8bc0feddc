package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/picket-scanner/picket/job"
	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/ports"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/scan/connect"
	"github.com/picket-scanner/picket/scan/osdetect"
	"github.com/picket-scanner/picket/scan/raw"
	"github.com/picket-scanner/picket/scan/trace"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/all"
	"github.com/picket-scanner/picket/service/udp"
	"github.com/picket-scanner/picket/timing"
)

// env is what a command reads from and writes to, injected for tests.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	// rawAvailable reports whether raw sockets may be opened; nil means
	// netio.Available.
	rawAvailable func() error
}

func (e *env) raw() error {
	if e.rawAvailable != nil {
		return e.rawAvailable()
	}
	return netio.Available()
}

// runScan is the scan command: Nmap's command line.
func runScan(ctx context.Context, args []string, e *env) error {
	o, err := ParseOptions(args)
	if err != nil {
		return err
	}
	if o.Resume != "" {
		if len(args) != 2 && !(len(args) == 1 && strings.HasPrefix(args[0], "--resume=")) {
			return usagef("--resume takes no other options: the interrupted run's command line is read from its output file")
		}
		st, err := readResume(o.Resume)
		if err != nil {
			return err
		}
		args = st.args
		if o, err = ParseOptions(args); err != nil {
			return fmt.Errorf("--resume: the recorded command line: %w", err)
		}
		o.resume = st
		fmt.Fprintf(e.stderr, "Resuming: %d hosts were finished; scanning the rest of: picket %s\n", len(st.done), strings.Join(args, " "))
	}
	if len(o.Targets) == 0 && o.InputList == "" {
		return usagef("no targets given: name hosts, networks or ranges (198.18.0.0/24, 198.18.1-3.1-254), or a file with -iL")
	}
	p, err := plan(o, e)
	if err != nil {
		return err
	}
	defer p.close()
	targets, ntargets, err := buildTargets(ctx, o, e)
	if err != nil {
		return err
	}
	p.hosts.HostsTotal.Store(ntargets)
	sink, closeOut, err := openOutputs(o, e)
	if err != nil {
		return err
	}
	run := &result.Run{
		Scanner: "picket", Version: Version, Args: "picket " + strings.Join(args, " "),
		ScanInfo: p.scanInfo, Verbose: o.Verbose, Debugging: o.Debug,
	}
	var stopProgress func()
	if o.Verbose > 0 || o.StatsEvery > 0 {
		stopProgress = startProgress(e.stderr, p, o.StatsEvery)
	}
	cfg := job.Config{
		Targets:     targets,
		Discover:    p.discover,
		Scans:       p.scans,
		ListOnly:    o.ListOnly,
		GroupSize:   groupSize(o, p),
		ServiceName: p.names.Name,
		Names:       namer(o),
		Progress:    &p.hosts,
		VersionSkip: versionSkip(o),
		NameAll:     o.AlwaysResolve,
		Run:         run,
		Sink:        sink,
	}
	if p.versions != nil {
		// A nil *Detector in the interface would not read as "none".
		cfg.Versions = p.versions
	}
	if p.udpVersions != nil {
		cfg.UDPVersions = p.udpVersions
	}
	if p.versions != nil || p.udpVersions != nil {
		if o.VersionTrace {
			cfg.VersionTrace = func(a netip.AddrPort, id service.Identified) {
				fmt.Fprintf(e.stderr, "Service scan: %s: %s\n", a, traceLine(id))
			}
		}
	}
	if p.trace != nil {
		cfg.Trace = p.trace
	}
	if p.os != nil {
		cfg.OS = p.os
	}
	_, runErr := job.Run(ctx, cfg)
	if stopProgress != nil {
		stopProgress()
	}
	if err := closeOut(); err != nil && runErr == nil {
		runErr = err
	}
	if runErr != nil && ctx.Err() != nil {
		return fmt.Errorf("scan interrupted: the output holds the %d hosts finished before it", run.HostsUp+run.HostsDown)
	}
	return runErr
}

// scanPlan is what the command line asks for, bound to engines.
type scanPlan struct {
	scans    []job.PortScan
	discover job.Discoverer
	scanInfo []result.ScanInfo
	progress *scan.Progress
	versions *service.Detector
	trace    *trace.Tracer      // --traceroute
	os       *osdetect.Detector // -O
	// udpVersions identifies UDP services (-sV with -sU).
	udpVersions *udp.Identifier
	hosts       job.Progress
	names       *ports.Table
	closers     []func() error
}

func (p *scanPlan) close() {
	for _, c := range p.closers {
		c()
	}
}

// privilegeHint tells the user how to let picket send raw packets.
const privilegeHint = "run picket as root, or grant it the capability: sudo setcap cap_net_raw,cap_net_admin=eip $(command -v picket)"

func plan(o *Options, e *env) (*scanPlan, error) {
	p := &scanPlan{progress: &scan.Progress{}}
	rawErr := e.raw()
	switch {
	case o.Unprivileged:
		rawErr = netio.ErrPermission
	case o.Privileged:
		rawErr = nil // the user vouches for it; opening the socket will tell
	}
	privileged := rawErr == nil

	var techs []scan.Technique
	for _, t := range []struct {
		on   bool
		tech scan.Technique
		flag string
	}{{o.SYN, scan.SYN, "-sS"}, {o.ACK, scan.ACK, "-sA"}, {o.FIN, scan.FIN, "-sF"}, {o.NULL, scan.NULL, "-sN"}, {o.Xmas, scan.Xmas, "-sX"}} {
		if !t.on {
			continue
		}
		if !privileged {
			return nil, fmt.Errorf("%s sends raw packets, which this process may not (%v): %s", t.flag, rawErr, privilegeHint)
		}
		techs = append(techs, t.tech)
	}
	if o.UDP {
		if !privileged {
			return nil, fmt.Errorf("-sU sends raw packets, which this process may not (%v): %s", rawErr, privilegeHint)
		}
	}
	if o.Connect {
		if o.Interface != "" {
			return nil, usagef("-e chooses the interface of raw scans; a connect scan (-sT) goes where the routing table says")
		}
		techs = append(techs, scan.Connect)
	}
	if len(techs) == 0 && !o.UDP && !o.NoPortScan && !o.ListOnly {
		if privileged {
			techs = append(techs, scan.SYN)
		} else {
			techs = append(techs, scan.Connect)
			if !errors.Is(rawErr, netio.ErrNotSupported) {
				fmt.Fprintf(e.stderr, "Note: without raw-socket rights picket runs a connect scan (-sT); for a SYN scan, %s.\n", privilegeHint)
			}
		}
	}
	if o.Aggressive {
		// -A is -O -sV -sC --traceroute, as in Nmap; picket has no
		// scripts yet, so its -sC part runs none.
		o.OS, o.Version, o.Traceroute = true, true, true
		if o.Verbose > 0 {
			fmt.Fprintln(e.stderr, "Note: -A includes -sC, and picket has no scripts yet: none run.")
		}
	}
	if o.Scripts {
		return nil, usagef("-sC is not available yet in this version of picket: it has no scripts")
	}
	if o.Version {
		var err error
		if p.versions, err = detector(o, e); err != nil {
			return nil, err
		}
	}

	params, err := timingParams(o)
	if err != nil {
		return nil, err
	}
	if o.Traceroute && !o.ListOnly {
		if p.trace, err = tracer(o, params, rawErr); err != nil {
			return nil, err
		}
		p.closers = append(p.closers, p.trace.Close)
	}
	if o.OS && !o.ListOnly {
		if p.os, err = osDetector(o, params, rawErr, e); err != nil {
			return nil, err
		}
	}
	table, err := servicesTable(o)
	if err != nil {
		return nil, err
	}
	p.names = table
	var protos []result.Protocol
	if len(techs) > 0 {
		protos = append(protos, result.TCP)
	}
	if o.UDP {
		protos = append(protos, result.UDP)
	}
	spec, err := table.Select(ports.Selection{
		Ports: o.Ports, Exclude: o.ExcludePorts, Fast: o.Fast, Top: o.TopPorts, Ratio: o.PortRatio,
		Protocols: protos,
	})
	if err != nil {
		if len(protos) > 0 {
			return nil, usagef("%v", err)
		}
		spec = &ports.Spec{}
	}
	for _, w := range spec.Warnings {
		fmt.Fprintf(e.stderr, "WARNING: %s\n", w)
	}
	tcpPorts := spec.TCP.AppendPorts(nil)

	rt := raw.Timing{
		InitialRTT: params.InitialRTT, MinRTT: params.MinRTT, MaxRTT: params.MaxRTT,
		MaxRetries: params.MaxRetries, MinRate: params.MinRate, MaxRate: params.MaxRate,
		HostTimeout: params.HostTimeout, ScanDelay: params.ScanDelay,
	}
	base := raw.Config{Timing: rt, Seed: o.Seed, Shard: o.Shard, Shards: o.Shards, InOrder: o.InOrder, Progress: p.progress, Interface: o.Interface}
	if o.Verbose > 0 {
		base.OnLimited = func(addr netip.Addr, perSecond float64) {
			fmt.Fprintf(e.stderr, "Note: %s limits the ICMP errors it sends to about %.3g a second; probes to it are paced to that rate.\n", addr, perSecond)
		}
	}
	for _, t := range techs {
		p.scanInfo = append(p.scanInfo, result.ScanInfo{Type: t.Name(), Protocol: result.TCP, Ports: spec.TCP.String()})
		if t == scan.Connect {
			p.scans = append(p.scans, job.PortScan{Scanner: connect.New(connect.Config{Params: params, Seed: o.Seed, InOrder: o.InOrder, Shard: o.Shard, Shards: o.Shards, Progress: p.progress}), Ports: tcpPorts})
			continue
		}
		cfg := base
		cfg.Technique = t
		s := raw.NewScanner(cfg)
		p.closers = append(p.closers, s.Close)
		p.scans = append(p.scans, job.PortScan{Scanner: s, Ports: tcpPorts})
	}
	if o.UDP {
		cfg := base
		cfg.Technique = scan.UDP
		if cfg.Payloads, err = payloadTable(o); err != nil {
			return nil, err
		}
		if o.Version {
			intensity := o.VersionIntensity
			if intensity < 0 {
				intensity = 7
			}
			p.udpVersions = &udp.Identifier{Payloads: cfg.Payloads, Intensity: intensity}
		}
		s := raw.NewScanner(cfg)
		p.closers = append(p.closers, s.Close)
		p.scanInfo = append(p.scanInfo, result.ScanInfo{Type: scan.UDP.Name(), Protocol: result.UDP, Ports: spec.UDP.String()})
		p.scans = append(p.scans, job.PortScan{Scanner: s, Ports: spec.UDP.AppendPorts(nil)})
	}
	if !o.NoPing && !o.ListOnly {
		slots, err := discoverySlots(o, table)
		if err != nil {
			return nil, err
		}
		if !privileged {
			// Without raw sockets a probe is a connection: SYN and ACK
			// probes become connects to their ports, as in Nmap.
			var ports []uint16
			for _, sl := range slots {
				if sl.Technique == scan.Echo || sl.Technique == scan.Timestamp || sl.Technique == scan.UDP {
					return nil, fmt.Errorf("-PE, -PP and -PU send raw packets, which this process may not (%v): %s", rawErr, privilegeHint)
				}
				if !slices.Contains(ports, sl.Port) {
					ports = append(ports, sl.Port)
				}
			}
			p.discover = connectDiscoverer{s: connect.New(connect.Config{Params: params, Seed: o.Seed}), ports: ports}
			return p, nil
		}
		d := raw.NewScanner(raw.Config{Timing: rt, Seed: o.Seed, Interface: o.Interface})
		p.closers = append(p.closers, d.Close)
		p.discover = discoverer{s: d, opt: raw.DiscoverOptions{Slots: slots, DisableARP: o.DisableARP, IgnoreRST: o.DiscoveryIgnRST}}
	}
	return p, nil
}

// discoverySlots turns -PS, -PA, -PE and -PP into discovery probes; none
// given means Nmap's default set.
func discoverySlots(o *Options, table *ports.Table) ([]raw.Slot, error) {
	if o.PingMask {
		return nil, usagef("-PM is not available yet in this version of picket: use -PS, -PA, -PU, -PE or -PP")
	}
	var slots []raw.Slot
	for _, pg := range []struct {
		spec *string
		tech scan.Technique
		flag string
	}{{o.PingSYN, scan.SYN, "-PS"}, {o.PingACK, scan.ACK, "-PA"}, {o.PingUDP, scan.UDP, "-PU"}} {
		if pg.spec == nil {
			continue
		}
		list, proto := *pg.spec, result.TCP
		if pg.tech == scan.UDP {
			proto = result.UDP
			if list == "" {
				list = "40125" // Nmap's default: a port unlikely to be open
			}
		} else if list == "" {
			list = "80" // Nmap's default port for -PS and -PA
		}
		spec, err := ports.Parse(list, table, proto)
		if err != nil {
			return nil, usagef("%s%s: %v", pg.flag, list, err)
		}
		for p := range spec.For(proto).All() {
			slots = append(slots, raw.Slot{Technique: pg.tech, Port: p})
		}
	}
	if o.PingEcho {
		slots = append(slots, raw.Slot{Technique: scan.Echo})
	}
	if o.PingTimestamp {
		slots = append(slots, raw.Slot{Technique: scan.Timestamp})
	}
	return slots, nil
}

// discoverer adapts the raw engine's host discovery to the job's.
type discoverer struct {
	s   *raw.Scanner
	opt raw.DiscoverOptions
}

func (d discoverer) Discover(ctx context.Context, hosts []netip.Addr) ([]job.Status, error) {
	st, err := d.s.Discover(ctx, hosts, d.opt)
	if err != nil {
		return nil, err
	}
	out := make([]job.Status, len(st))
	for i, s := range st {
		out[i] = job.Status{Up: s.Up, Reason: result.Reason(s.Reason), TTL: s.TTL, MAC: s.MAC, RTT: s.RTT}
	}
	return out, nil
}

// groupSize applies --min-hostgroup and --max-hostgroup to the job's own
// choice; 0 leaves the choice to the job.
func groupSize(o *Options, p *scanPlan) int {
	if o.MinHostgroup == 0 && o.MaxHostgroup == 0 {
		return 0
	}
	n := (&job.Config{Scans: p.scans}).DefaultGroupSize()
	if o.MinHostgroup > 0 {
		n = max(n, o.MinHostgroup)
	}
	if o.MaxHostgroup > 0 {
		n = min(n, o.MaxHostgroup)
	}
	return n
}

// detector is version detection (-sV): picket's handshakes, then picket's
// signatures, then with --datadir Nmap's.
func detector(o *Options, e *env) (*service.Detector, error) {
	intensity := o.VersionIntensity
	if intensity < 0 {
		intensity = 7
	}
	sigs, warnings, err := all.Signatures(o.DataDir)
	if err != nil {
		return nil, err
	}
	if len(warnings) > 0 {
		fmt.Fprintf(e.stderr, "WARNING: %d lines of %s were skipped; the first: %v\n", len(warnings), all.NmapProbesFile, warnings[0])
	}
	var d net.Dialer
	return &service.Detector{
		Handshakes: all.Handshakes(),
		Signatures: sigs,
		TLS:        all.TLS,
		TLSPorts:   all.TLSPorts(),
		Intensity:  intensity,
		Dial: func(ctx context.Context, a netip.AddrPort) (net.Conn, error) {
			return d.DialContext(ctx, "tcp", a.String())
		},
	}, nil
}

// versionSkip leaves printer ports alone, as Nmap does without --allports:
// some printers print whatever arrives there.
func versionSkip(o *Options) func(uint16) bool {
	if o.AllPorts {
		return nil
	}
	return func(p uint16) bool { return p >= 9100 && p <= 9107 }
}

func traceLine(id service.Identified) string {
	s := id.Service
	if s.Name == "" {
		return fmt.Sprintf("not identified; it sent %q", service.Fingerprint(id.Banner))
	}
	line := s.Name
	if s.Tunnel != "" {
		line = s.Tunnel + "/" + line
	}
	for _, f := range []string{s.Product, s.Version, s.ExtraInfo} {
		if f != "" {
			line += " " + f
		}
	}
	for _, d := range id.Details {
		line += fmt.Sprintf("; %s: %s", d.Key, d.Value)
	}
	return line
}

// connectDiscoverer adapts unprivileged host discovery to the job's.
type connectDiscoverer struct {
	s     *connect.Scanner
	ports []uint16 // nil: Nmap's default
}

func (d connectDiscoverer) Discover(ctx context.Context, hosts []netip.Addr) ([]job.Status, error) {
	st, err := d.s.Discover(ctx, hosts, d.ports)
	if err != nil {
		return nil, err
	}
	out := make([]job.Status, len(st))
	for i, s := range st {
		out[i] = job.Status{Up: s.Up, Reason: s.Reason, RTT: s.RTT}
	}
	return out, nil
}

func timingParams(o *Options) (timing.Params, error) {
	level := o.Template
	if level < 0 {
		level = 3
	}
	tmpl, err := timing.Level(level)
	if err != nil {
		return timing.Params{}, usagef("%v", err)
	}
	var t timing.Options
	if o.MinRate > 0 {
		t.MinRate = timing.Set(o.MinRate)
	}
	if o.MaxRate > 0 {
		t.MaxRate = timing.Set(o.MaxRate)
	}
	if o.MaxRetries >= 0 {
		t.MaxRetries = timing.Set(o.MaxRetries)
	}
	if o.HostTimeout > 0 {
		t.HostTimeout = timing.Set(o.HostTimeout)
	}
	if o.InitialRTT > 0 {
		t.InitialRTT = timing.Set(o.InitialRTT)
	}
	if o.MinRTT > 0 {
		t.MinRTT = timing.Set(o.MinRTT)
	}
	if o.MaxRTT > 0 {
		t.MaxRTT = timing.Set(o.MaxRTT)
	}
	if o.ScanDelay > 0 {
		t.ScanDelay = timing.Set(o.ScanDelay)
	}
	if o.MaxScanDelay > 0 {
		t.MaxScanDelay = timing.Set(o.MaxScanDelay)
	}
	if o.MinParallelism > 0 {
		t.MinParallelism = timing.Set(o.MinParallelism)
	}
	if o.MaxParallelism > 0 {
		t.MaxParallelism = timing.Set(o.MaxParallelism)
	}
	p, err := tmpl.Apply(t)
	if err != nil {
		return p, usagef("%v", err)
	}
	return p, nil
}

// servicesTable is picket's own table, or an installed Nmap's
// nmap-services with --datadir.
func servicesTable(o *Options) (*ports.Table, error) {
	if o.DataDir == "" {
		return ports.Default(), nil
	}
	path := filepath.Join(o.DataDir, ports.NmapServicesFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--datadir: %w (point it at an installed Nmap's data directory, e.g. /usr/share/nmap)", err)
	}
	defer f.Close()
	return ports.ReadServices(f, path)
}

// payloadTable is picket's UDP payloads, and with --datadir Nmap's
// nmap-payloads after them.
func payloadTable(o *Options) (*payload.Table, error) {
	if o.DataDir == "" {
		return payload.Builtin(), nil
	}
	path := filepath.Join(o.DataDir, "nmap-payloads")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("--datadir: %w (point it at an installed Nmap's data directory, e.g. /usr/share/nmap)", err)
	}
	defer f.Close()
	theirs, err := payload.ReadNmap(f, path)
	if err != nil {
		return nil, fmt.Errorf("--datadir: %w", err)
	}
	return payload.NewTable(append(slices.Clone(payload.All()), theirs...)), nil
}
