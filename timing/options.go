package timing

import (
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/picket-scanner/picket/result"
)

// Opt is one option the user may or may not have given. The zero Opt is
// "not given", so the zero Options changes nothing; a given zero (such as
// --scan-delay 0 under -T2, or --host-timeout 0 under -T5) is a real value.
// An Opt is a plain value, safe to share.
type Opt[T any] struct {
	Value T
	Given bool
}

// Set returns an Opt given with v.
func Set[T any](v T) Opt[T] { return Opt[T]{Value: v, Given: true} }

// Options are the user's timing flags, each overriding its template value.
// The zero Options keeps the template as it is. Options are plain values.
type Options struct {
	MinRate        Opt[float64]       // --min-rate, packets per second for the whole scan
	MaxRate        Opt[float64]       // --max-rate
	MaxRetries     Opt[int]           // --max-retries
	HostTimeout    Opt[time.Duration] // --host-timeout; 0 means none
	InitialRTT     Opt[time.Duration] // --initial-rtt-timeout
	MinRTT         Opt[time.Duration] // --min-rtt-timeout
	MaxRTT         Opt[time.Duration] // --max-rtt-timeout
	ScanDelay      Opt[time.Duration] // --scan-delay
	MaxScanDelay   Opt[time.Duration] // --max-scan-delay, for every protocol
	MinParallelism Opt[int]           // --min-parallelism
	MaxParallelism Opt[int]           // --max-parallelism
}

// Params are the timing values in force for a scan: a template with the
// user's options applied. Params are plain values, safe to share once built.
type Params struct {
	Template Template // where the defaults came from

	InitialRTT time.Duration
	MinRTT     time.Duration
	MaxRTT     time.Duration
	MaxRetries int

	HostTimeout time.Duration // 0: none
	ScanDelay   time.Duration // fixed minimum gap between probes to a host

	MaxScanDelayTCP  time.Duration
	MaxScanDelayUDP  time.Duration
	MaxScanDelaySCTP time.Duration

	MinParallelism int // 0: no floor beyond 1
	MaxParallelism int // 0: the engine's ceiling

	MinRate float64 // packets per second; 0: none
	MaxRate float64 // packets per second; 0: none
}

// DefaultParams are -T3 with no options.
func DefaultParams() Params {
	p, _ := T3.Apply(Options{})
	return p
}

// maxRTTFloor is Nmap's smallest accepted --max-rtt-timeout.
const maxRTTFloor = 5 * time.Millisecond

// Apply returns the template with the options applied in Nmap's order and
// with Nmap's interactions:
//   - --initial-rtt-timeout raises the maximum and lowers the minimum to
//     match; --min-rtt-timeout raises the maximum and the initial timeout;
//     --max-rtt-timeout lowers the minimum and the initial timeout.
//   - --scan-delay raises every protocol's maximum scan delay to itself;
//     --max-scan-delay, applied after it, sets them all.
//   - --max-parallelism replaces the template's (T0 to T2 are serial).
//
// An error is an *OptionError naming the flag and what it accepts.
func (t Template) Apply(o Options) (Params, error) {
	if err := o.check(); err != nil {
		return Params{}, err
	}
	p := Params{
		Template:         t,
		InitialRTT:       t.InitialRTT,
		MinRTT:           t.MinRTT,
		MaxRTT:           t.MaxRTT,
		MaxRetries:       t.MaxRetries,
		HostTimeout:      t.HostTimeout,
		ScanDelay:        t.ScanDelay,
		MaxScanDelayTCP:  t.MaxScanDelayTCP,
		MaxScanDelayUDP:  t.MaxScanDelayUDP,
		MaxScanDelaySCTP: t.MaxScanDelaySCTP,
		MaxParallelism:   t.MaxParallelism,
	}
	if o.MaxParallelism.Given {
		p.MaxParallelism = o.MaxParallelism.Value
	}
	if o.MinParallelism.Given {
		p.MinParallelism = o.MinParallelism.Value
	}
	if o.ScanDelay.Given {
		d := o.ScanDelay.Value
		p.ScanDelay = d
		p.MaxScanDelayTCP = max(p.MaxScanDelayTCP, d)
		p.MaxScanDelayUDP = max(p.MaxScanDelayUDP, d)
		p.MaxScanDelaySCTP = max(p.MaxScanDelaySCTP, d)
	}
	if o.MaxScanDelay.Given {
		d := o.MaxScanDelay.Value
		p.MaxScanDelayTCP, p.MaxScanDelayUDP, p.MaxScanDelaySCTP = d, d, d
	}
	if o.InitialRTT.Given {
		d := o.InitialRTT.Value
		p.InitialRTT = d
		p.MaxRTT = max(p.MaxRTT, d)
		p.MinRTT = min(p.MinRTT, d)
	}
	if o.MinRTT.Given {
		d := o.MinRTT.Value
		p.MinRTT = d
		p.MaxRTT = max(p.MaxRTT, d)
		p.InitialRTT = max(p.InitialRTT, d)
	}
	if o.MaxRTT.Given {
		d := o.MaxRTT.Value
		p.MaxRTT = d
		p.MinRTT = min(p.MinRTT, d)
		p.InitialRTT = min(p.InitialRTT, d)
	}
	if o.MaxRetries.Given {
		p.MaxRetries = o.MaxRetries.Value
	}
	if o.HostTimeout.Given {
		p.HostTimeout = o.HostTimeout.Value
	}
	if o.MinRate.Given {
		p.MinRate = o.MinRate.Value
	}
	if o.MaxRate.Given {
		p.MaxRate = o.MaxRate.Value
	}

	if p.MinRate > 0 && p.MaxRate > 0 && p.MinRate > p.MaxRate {
		return Params{}, &OptionError{Flag: "--min-rate", Value: fmtRate(p.MinRate),
			Above: "--max-rate", AboveValue: fmtRate(p.MaxRate)}
	}
	if p.MinParallelism > 0 && p.MaxParallelism > 0 && p.MinParallelism > p.MaxParallelism {
		e := &OptionError{Flag: "--min-parallelism", Value: strconv.Itoa(p.MinParallelism),
			Above: "--max-parallelism", AboveValue: strconv.Itoa(p.MaxParallelism)}
		if !o.MaxParallelism.Given {
			e.AboveFrom = fmt.Sprintf("-T%d", t.Level)
		}
		return Params{}, e
	}
	return p, nil
}

// check validates each given option on its own.
func (o Options) check() error {
	rate := func(flag string, v Opt[float64]) error {
		if v.Given && (!(v.Value > 0) || math.IsInf(v.Value, 0)) {
			return &OptionError{Flag: flag, Value: fmtRate(v.Value), Allowed: "packets per second, a number above 0"}
		}
		return nil
	}
	dur := func(flag string, v Opt[time.Duration], least time.Duration, allowed string) error {
		if v.Given && v.Value < least {
			return &OptionError{Flag: flag, Value: v.Value.String(), Allowed: allowed}
		}
		return nil
	}
	count := func(flag string, v Opt[int], least int, allowed string) error {
		if v.Given && v.Value < least {
			return &OptionError{Flag: flag, Value: strconv.Itoa(v.Value), Allowed: allowed}
		}
		return nil
	}
	for _, err := range []error{
		rate("--min-rate", o.MinRate),
		rate("--max-rate", o.MaxRate),
		count("--max-retries", o.MaxRetries, 0, "a whole number, 0 or more"),
		dur("--host-timeout", o.HostTimeout, 0, "a time, 0 or more (0: no timeout)"),
		dur("--initial-rtt-timeout", o.InitialRTT, 1, "a time above 0"),
		dur("--min-rtt-timeout", o.MinRTT, 0, "a time, 0 or more"),
		dur("--max-rtt-timeout", o.MaxRTT, maxRTTFloor, "a time of at least 5ms"),
		dur("--scan-delay", o.ScanDelay, 0, "a time, 0 or more"),
		dur("--max-scan-delay", o.MaxScanDelay, 0, "a time, 0 or more"),
		count("--min-parallelism", o.MinParallelism, 1, "a whole number, 1 or more"),
		count("--max-parallelism", o.MaxParallelism, 1, "a whole number, 1 or more"),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

// MaxScanDelay returns the scan-delay cap for a protocol; anything but UDP
// and SCTP gets TCP's.
func (p Params) MaxScanDelay(proto result.Protocol) time.Duration {
	switch proto {
	case result.UDP:
		return p.MaxScanDelayUDP
	case result.SCTP:
		return p.MaxScanDelaySCTP
	}
	return p.MaxScanDelayTCP
}

// RTTConfig returns the probe-timeout settings for an RTT estimator.
func (p Params) RTTConfig() RTTConfig {
	return RTTConfig{Initial: p.InitialRTT, Min: p.MinRTT, Max: p.MaxRTT, Floor: p.ScanDelay}
}

// PacerConfig returns the --min-rate and --max-rate settings for a Pacer.
func (p Params) PacerConfig() PacerConfig {
	return PacerConfig{MinRate: p.MinRate, MaxRate: p.MaxRate}
}

// An OptionError is a timing option the user gave that cannot be used: a
// value out of range (Allowed says what is accepted) or a value above the
// maximum set by another option (Above names it). It is a plain value,
// safe to share.
type OptionError struct {
	Flag    string // "--min-rate", "-T"
	Value   string // as the user would write it
	Allowed string // what the flag accepts, when the value is out of range

	Above      string // the flag whose value this one exceeds
	AboveValue string
	AboveFrom  string // where that value came from when the user did not give it, e.g. "-T2"
}

func (e *OptionError) Error() string {
	if e.Above != "" {
		s := fmt.Sprintf("timing: %s %s is above %s %s", e.Flag, e.Value, e.Above, e.AboveValue)
		if e.AboveFrom != "" {
			s += " (set by " + e.AboveFrom + ")"
		}
		return s
	}
	return fmt.Sprintf("timing: %s %s: %s", e.Flag, e.Value, e.Allowed)
}

func fmtRate(r float64) string { return strconv.FormatFloat(r, 'g', -1, 64) }
