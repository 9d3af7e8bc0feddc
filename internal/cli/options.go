package cli

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Options is a scan command line, parsed with Nmap's syntax and meaning.
// Flags picket does not know are an error, never silently ignored.
type Options struct {
	Args []string // the command line as given, for output headers

	// Scan techniques. Zero means the default: SYN when privileged,
	// connect otherwise.
	SYN, Connect, ACK, FIN, NULL, Xmas, UDP bool
	ListOnly                                bool // -sL
	NoPortScan                              bool // -sn
	Version                                 bool // -sV
	// VersionIntensity is --version-intensity (0-9; --version-light is 2,
	// --version-all 9); -1 means Nmap's default, 7.
	VersionIntensity int
	VersionTrace     bool // --version-trace
	AllPorts         bool // --allports: probe printer ports 9100-9107 too
	OS               bool // -O
	OSScanLimit      bool // --osscan-limit
	OSScanGuess      bool // --osscan-guess, --fuzzy
	MaxOSTries       int  // --max-os-tries; 0 means Nmap's default
	Scripts          bool // -sC
	Aggressive       bool // -A
	Traceroute       bool

	// Ports.
	Ports        string // -p
	ExcludePorts string
	Fast         bool // -F
	TopPorts     int  // --top-ports; 0 means unset
	PortRatio    float64
	InOrder      bool // -r
	DataDir      string

	// Targets.
	Targets         []string
	InputList       string // -iL; "-" is standard input
	Exclude         []string
	ExcludeFile     string
	IPv6            bool // -6
	NoResolve       bool // -n
	AlwaysResolve   bool // -R
	DNSServers      []string
	AllowLargeScope bool

	// Host discovery.
	NoPing          bool    // -Pn
	PingSYN         *string // -PS[ports]; non-nil when given, "" for the default
	PingACK         *string
	PingUDP         *string
	PingEcho        bool // -PE
	PingTimestamp   bool // -PP
	PingMask        bool // -PM
	DisableARP      bool
	DiscoveryIgnRST bool

	// Timing.
	Template       int // -T0..-T5; -1 means unset (T3)
	MinRate        float64
	MaxRate        float64
	MaxRetries     int // -1 means unset
	HostTimeout    time.Duration
	InitialRTT     time.Duration
	MinRTT         time.Duration
	MaxRTT         time.Duration
	ScanDelay      time.Duration
	MaxScanDelay   time.Duration
	MinParallelism int
	MaxParallelism int
	MinHostgroup   int
	MaxHostgroup   int

	// Engine.
	Seed         uint64
	SeedSet      bool
	Shard        int // 1-based shard index; 0 means no sharding
	Shards       int
	Interface    string // -e
	Privileged   bool
	Unprivileged bool

	// Output.
	Normal, XML, Grepable, JSON string // file names; "-" is standard output
	AllFormats                  string // -oA base name
	Open                        bool
	Reason                      bool
	Verbose                     int
	Debug                       int
	Resume                      string
	Stylesheet                  string
	NoStylesheet                bool
	AppendOutput                bool
	StatsEvery                  time.Duration

	resume *resumeState // set when resuming an interrupted run
}

// option describes one flag: its names, whether it takes a value, and how
// it is applied.
type option struct {
	names []string
	value bool // takes an argument (separate, or after '=' for long names)
	set   func(o *Options, v string) error
}

func boolOpt(names []string, f func(o *Options)) option {
	return option{names: names, set: func(o *Options, _ string) error { f(o); return nil }}
}

func strOpt(names []string, f func(o *Options, v string)) option {
	return option{names: names, value: true, set: func(o *Options, v string) error { f(o, v); return nil }}
}

func intOpt(names []string, min, max int, f func(o *Options, v int)) option {
	return option{names: names, value: true, set: func(o *Options, v string) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < min || n > max {
			return usagef("%s %q: a whole number from %d to %d", names[0], v, min, max)
		}
		f(o, n)
		return nil
	}}
}

func rateOpt(names []string, f func(o *Options, v float64)) option {
	return option{names: names, value: true, set: func(o *Options, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r <= 0 {
			return usagef("%s %q: packets per second, a number above 0", names[0], v)
		}
		f(o, r)
		return nil
	}}
}

func timeOpt(names []string, f func(o *Options, v time.Duration)) option {
	return option{names: names, value: true, set: func(o *Options, v string) error {
		d, err := parseTime(v)
		if err != nil {
			return usagef("%s %q: %v", names[0], v, err)
		}
		f(o, d)
		return nil
	}}
}

// parseTime reads Nmap's time values: a number of seconds, or a number
// with ms, s, m or h.
func parseTime(v string) (time.Duration, error) {
	num, unit := v, time.Second
	for _, u := range []struct {
		suffix string
		d      time.Duration
	}{{"ms", time.Millisecond}, {"s", time.Second}, {"m", time.Minute}, {"h", time.Hour}} {
		if s, ok := strings.CutSuffix(v, u.suffix); ok {
			num, unit = s, u.d
			break
		}
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil || f < 0 {
		return 0, fmt.Errorf("a time such as 500ms, 2s, 1.5m or 1h")
	}
	return time.Duration(f * float64(unit)), nil
}

func appendList(dst []string, v string) []string {
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			dst = append(dst, s)
		}
	}
	return dst
}

func ptr(s string) *string { return &s }

var scanOptions = []option{
	boolOpt([]string{"-sS"}, func(o *Options) { o.SYN = true }),
	boolOpt([]string{"-sT"}, func(o *Options) { o.Connect = true }),
	boolOpt([]string{"-sA"}, func(o *Options) { o.ACK = true }),
	boolOpt([]string{"-sF"}, func(o *Options) { o.FIN = true }),
	boolOpt([]string{"-sN"}, func(o *Options) { o.NULL = true }),
	boolOpt([]string{"-sX"}, func(o *Options) { o.Xmas = true }),
	boolOpt([]string{"-sU"}, func(o *Options) { o.UDP = true }),
	boolOpt([]string{"-sL"}, func(o *Options) { o.ListOnly = true }),
	boolOpt([]string{"-sn", "-sP"}, func(o *Options) { o.NoPortScan = true }),
	boolOpt([]string{"-sV"}, func(o *Options) { o.Version = true }),
	boolOpt([]string{"-sC"}, func(o *Options) { o.Scripts = true }),
	intOpt([]string{"--version-intensity"}, 0, 9, func(o *Options, v int) { o.VersionIntensity = v }),
	boolOpt([]string{"--version-light"}, func(o *Options) { o.VersionIntensity = 2 }),
	boolOpt([]string{"--version-all"}, func(o *Options) { o.VersionIntensity = 9 }),
	boolOpt([]string{"--version-trace"}, func(o *Options) { o.VersionTrace = true }),
	boolOpt([]string{"--allports"}, func(o *Options) { o.AllPorts = true }),
	boolOpt([]string{"-O"}, func(o *Options) { o.OS = true }),
	boolOpt([]string{"--osscan-limit"}, func(o *Options) { o.OSScanLimit = true }),
	boolOpt([]string{"--osscan-guess", "--fuzzy"}, func(o *Options) { o.OSScanGuess = true }),
	intOpt([]string{"--max-os-tries"}, 1, 50, func(o *Options, v int) { o.MaxOSTries = v }),
	boolOpt([]string{"-A"}, func(o *Options) { o.Aggressive = true }),
	boolOpt([]string{"--traceroute"}, func(o *Options) { o.Traceroute = true }),

	strOpt([]string{"-p"}, func(o *Options, v string) { o.Ports = v }),
	strOpt([]string{"--exclude-ports"}, func(o *Options, v string) { o.ExcludePorts = v }),
	boolOpt([]string{"-F"}, func(o *Options) { o.Fast = true }),
	intOpt([]string{"--top-ports"}, 1, 65536, func(o *Options, v int) { o.TopPorts = v }),
	{names: []string{"--port-ratio"}, value: true, set: func(o *Options, v string) error {
		r, err := strconv.ParseFloat(v, 64)
		if err != nil || r < 0 || r > 1 {
			return usagef("--port-ratio %q: a ratio from 0 to 1", v)
		}
		o.PortRatio = r
		return nil
	}},
	boolOpt([]string{"-r"}, func(o *Options) { o.InOrder = true }),
	strOpt([]string{"--datadir"}, func(o *Options, v string) { o.DataDir = v }),

	strOpt([]string{"-iL"}, func(o *Options, v string) { o.InputList = v }),
	strOpt([]string{"--exclude"}, func(o *Options, v string) { o.Exclude = appendList(o.Exclude, v) }),
	strOpt([]string{"--excludefile"}, func(o *Options, v string) { o.ExcludeFile = v }),
	boolOpt([]string{"-6"}, func(o *Options) { o.IPv6 = true }),
	boolOpt([]string{"-n"}, func(o *Options) { o.NoResolve = true }),
	boolOpt([]string{"-R"}, func(o *Options) { o.AlwaysResolve = true }),
	strOpt([]string{"--dns-servers"}, func(o *Options, v string) { o.DNSServers = appendList(o.DNSServers, v) }),
	boolOpt([]string{"--system-dns"}, func(o *Options) {}),
	boolOpt([]string{"--allow-large-scope"}, func(o *Options) { o.AllowLargeScope = true }),

	boolOpt([]string{"-Pn", "-PN", "-P0"}, func(o *Options) { o.NoPing = true }),
	boolOpt([]string{"-PE"}, func(o *Options) { o.PingEcho = true }),
	boolOpt([]string{"-PP"}, func(o *Options) { o.PingTimestamp = true }),
	boolOpt([]string{"-PM"}, func(o *Options) { o.PingMask = true }),
	boolOpt([]string{"--disable-arp-ping"}, func(o *Options) { o.DisableARP = true }),
	boolOpt([]string{"--discovery-ignore-rst"}, func(o *Options) { o.DiscoveryIgnRST = true }),

	{names: []string{"-T"}, value: true, set: func(o *Options, v string) error {
		names := []string{"paranoid", "sneaky", "polite", "normal", "aggressive", "insane"}
		for i, n := range names {
			if v == n || v == strconv.Itoa(i) {
				o.Template = i
				return nil
			}
		}
		return usagef("-T%s: a timing template from 0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane", v)
	}},
	rateOpt([]string{"--min-rate"}, func(o *Options, v float64) { o.MinRate = v }),
	rateOpt([]string{"--max-rate"}, func(o *Options, v float64) { o.MaxRate = v }),
	intOpt([]string{"--max-retries"}, 0, 50, func(o *Options, v int) { o.MaxRetries = v }),
	timeOpt([]string{"--host-timeout"}, func(o *Options, v time.Duration) { o.HostTimeout = v }),
	timeOpt([]string{"--initial-rtt-timeout"}, func(o *Options, v time.Duration) { o.InitialRTT = v }),
	timeOpt([]string{"--min-rtt-timeout"}, func(o *Options, v time.Duration) { o.MinRTT = v }),
	timeOpt([]string{"--max-rtt-timeout"}, func(o *Options, v time.Duration) { o.MaxRTT = v }),
	timeOpt([]string{"--scan-delay"}, func(o *Options, v time.Duration) { o.ScanDelay = v }),
	timeOpt([]string{"--max-scan-delay"}, func(o *Options, v time.Duration) { o.MaxScanDelay = v }),
	intOpt([]string{"--min-parallelism"}, 1, 1<<20, func(o *Options, v int) { o.MinParallelism = v }),
	intOpt([]string{"--max-parallelism"}, 1, 1<<20, func(o *Options, v int) { o.MaxParallelism = v }),
	intOpt([]string{"--min-hostgroup"}, 1, 1<<20, func(o *Options, v int) { o.MinHostgroup = v }),
	intOpt([]string{"--max-hostgroup"}, 1, 1<<20, func(o *Options, v int) { o.MaxHostgroup = v }),

	{names: []string{"--seed"}, value: true, set: func(o *Options, v string) error {
		n, err := strconv.ParseUint(v, 0, 64)
		if err != nil {
			return usagef("--seed %q: a whole number", v)
		}
		o.Seed, o.SeedSet = n, true
		return nil
	}},
	{names: []string{"--shard"}, value: true, set: func(o *Options, v string) error {
		i, n, ok := strings.Cut(v, "/")
		a, err1 := strconv.Atoi(i)
		b, err2 := strconv.Atoi(n)
		if !ok || err1 != nil || err2 != nil || b < 1 || a < 1 || a > b {
			return usagef("--shard %q: i/n with 1 <= i <= n, e.g. --shard 2/4", v)
		}
		o.Shard, o.Shards = a, b
		return nil
	}},
	strOpt([]string{"-e"}, func(o *Options, v string) { o.Interface = v }),
	boolOpt([]string{"--privileged"}, func(o *Options) { o.Privileged = true }),
	boolOpt([]string{"--unprivileged"}, func(o *Options) { o.Unprivileged = true }),

	strOpt([]string{"-oN"}, func(o *Options, v string) { o.Normal = v }),
	strOpt([]string{"-oX"}, func(o *Options, v string) { o.XML = v }),
	strOpt([]string{"-oG"}, func(o *Options, v string) { o.Grepable = v }),
	strOpt([]string{"-oJ"}, func(o *Options, v string) { o.JSON = v }),
	strOpt([]string{"-oA"}, func(o *Options, v string) { o.AllFormats = v }),
	boolOpt([]string{"--open"}, func(o *Options) { o.Open = true }),
	boolOpt([]string{"--reason"}, func(o *Options) { o.Reason = true }),
	strOpt([]string{"--resume"}, func(o *Options, v string) { o.Resume = v }),
	strOpt([]string{"--stylesheet"}, func(o *Options, v string) { o.Stylesheet = v }),
	boolOpt([]string{"--no-stylesheet"}, func(o *Options) { o.NoStylesheet = true }),
	boolOpt([]string{"--append-output"}, func(o *Options) { o.AppendOutput = true }),
	timeOpt([]string{"--stats-every"}, func(o *Options, v time.Duration) { o.StatsEvery = v }),
}

// optionIndex maps every name to its option, built on first use.
func lookupOption(name string) (option, bool) {
	for _, o := range scanOptions {
		for _, n := range o.names {
			if n == name {
				return o, true
			}
		}
	}
	return option{}, false
}

// attached are the short options whose value may follow without a space,
// as Nmap allows: -p22, -T4, -PS22,80, -oXfile is not among them (Nmap
// needs the space there too).
var attached = []string{"-p", "-T", "-e"}

// pingAttached are the discovery probes that take optional attached ports.
var pingAttached = map[string]func(o *Options, v string){
	"-PS": func(o *Options, v string) { o.PingSYN = ptr(v) },
	"-PA": func(o *Options, v string) { o.PingACK = ptr(v) },
	"-PU": func(o *Options, v string) { o.PingUDP = ptr(v) },
}

// ParseOptions reads a scan command line.
func ParseOptions(args []string) (*Options, error) {
	o := &Options{Args: args, Template: -1, MaxRetries: -1, VersionIntensity: -1}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			o.Targets = append(o.Targets, args[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			o.Targets = append(o.Targets, a)
			continue
		}
		if set, ok := pingAttached[a[:min(3, len(a))]]; ok && !strings.HasPrefix(a, "--") {
			set(o, a[3:])
			continue
		}
		if v, ok := verbosity(a, "v"); ok {
			o.Verbose += v
			continue
		}
		if v, ok := verbosity(a, "d"); ok {
			o.Debug += v
			continue
		}
		name, val, hasVal := a, "", false
		if strings.HasPrefix(a, "--") {
			name, val, hasVal = strings.Cut(a, "=")
		} else if _, known := lookupOption(a); !known {
			for _, p := range attached {
				if strings.HasPrefix(a, p) && len(a) > len(p) {
					name, val, hasVal = p, a[len(p):], true
					break
				}
			}
		}
		opt, ok := lookupOption(name)
		if !ok {
			return nil, usagef("unknown option %q", a)
		}
		if opt.value && !hasVal {
			if i+1 >= len(args) {
				return nil, usagef("%s needs a value", name)
			}
			i++
			val = args[i]
		} else if !opt.value && hasVal {
			return nil, usagef("%s takes no value", name)
		}
		if err := opt.set(o, val); err != nil {
			return nil, err
		}
	}
	return o, o.check()
}

// verbosity reads -v, -vv, -v3 (and the same for -d).
func verbosity(a, letter string) (int, bool) {
	s, ok := strings.CutPrefix(a, "-"+letter)
	if !ok {
		return 0, false
	}
	if s == "" {
		return 1, true
	}
	if strings.Trim(s, letter) == "" {
		return len(s) + 1, true
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 10 {
		return n, true
	}
	return 0, false
}

// check rejects combinations that make no sense, as Nmap does.
func (o *Options) check() error {
	tcp := 0
	for _, on := range []bool{o.SYN, o.Connect, o.ACK, o.FIN, o.NULL, o.Xmas} {
		if on {
			tcp++
		}
	}
	if tcp > 1 {
		return usagef("only one TCP scan type at a time: choose one of -sS, -sT, -sA, -sF, -sN, -sX")
	}
	if o.NoPortScan && (tcp > 0 || o.UDP) {
		return usagef("-sn disables the port scan: it cannot be combined with a port scan type")
	}
	if o.ListOnly && (tcp > 0 || o.UDP || o.NoPortScan) {
		return usagef("-sL only lists targets: it cannot be combined with other scan types")
	}
	if o.NoPing && o.NoPortScan {
		return usagef("-Pn and -sn together would scan nothing: drop one of them")
	}
	if o.Fast && (o.Ports != "" || o.TopPorts > 0) {
		return usagef("-F chooses the 100 most common ports: it cannot be combined with -p or --top-ports")
	}
	if o.Ports != "" && o.TopPorts > 0 {
		return usagef("-p and --top-ports both choose the ports: use one of them")
	}
	if o.MinRate > 0 && o.MaxRate > 0 && o.MinRate > o.MaxRate {
		return usagef("--min-rate %g is above --max-rate %g", o.MinRate, o.MaxRate)
	}
	if o.Privileged && o.Unprivileged {
		return usagef("--privileged and --unprivileged contradict each other")
	}
	if o.NoResolve && o.AlwaysResolve {
		return usagef("-n and -R contradict each other")
	}
	return nil
}
