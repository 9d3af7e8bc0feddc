package timing

import (
	"fmt"
	"strings"
	"time"
)

// A Template is one of Nmap's timing templates, -T0 to -T5, with Nmap's
// numbers (nmap.cc, NmapOps.cc and timing.cc, unchanged since 7.93).
// Templates are plain values, safe to copy and to share between goroutines
// once built; T0 to T5 must not be modified.
type Template struct {
	Level int    // 0 to 5
	Name  string // paranoid, sneaky, polite, normal, aggressive, insane

	InitialRTT time.Duration // timeout before any round trip was measured
	MinRTT     time.Duration // floor of the adaptive probe timeout
	MaxRTT     time.Duration // ceiling of the adaptive probe timeout
	MaxRetries int           // retransmissions per probe after the first try

	// ScanDelay is the fixed minimum gap between probes to one host.
	ScanDelay time.Duration
	// MaxScanDelayTCP, MaxScanDelayUDP and MaxScanDelaySCTP cap the
	// delay that drops and rate limits may add (the "boost").
	MaxScanDelayTCP  time.Duration
	MaxScanDelayUDP  time.Duration
	MaxScanDelaySCTP time.Duration

	// MaxParallelism is 1 for the serial templates T0 to T2, 0 (let
	// congestion control decide) for the others.
	MaxParallelism int

	CAIncrement     float64 // congestion-avoidance growth per window of replies
	SSThreshDivisor float64 // ssthresh = in flight / divisor after a drop

	// BoostDropFraction and BoostTry decide when the scan delay is boosted:
	// more than this fraction of more than 10 replies since the last boost
	// were drops, or a reply came to a try number above BoostTry.
	BoostDropFraction float64
	BoostTry          int

	HostTimeout   time.Duration // 0: none
	ScriptTimeout time.Duration // 0: none
}

// The six templates. T3 is the default. T0 and T1 raise the maximum RTT
// timeout to their initial timeout, as Nmap's setInitialRttTimeout does.
// T4 and T5 leave the UDP scan-delay cap at 1 s on purpose, as Nmap does,
// because closed UDP ports answer through rate-limited ICMP.
var (
	T0 = Template{Level: 0, Name: "paranoid",
		InitialRTT: 300 * time.Second, MinRTT: 100 * time.Millisecond, MaxRTT: 300 * time.Second, MaxRetries: 10,
		ScanDelay: 300 * time.Second, MaxScanDelayTCP: time.Second, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: time.Second,
		MaxParallelism: 1, CAIncrement: 1, SSThreshDivisor: 3.0 / 2, BoostDropFraction: 0.30, BoostTry: 3}
	T1 = Template{Level: 1, Name: "sneaky",
		InitialRTT: 15 * time.Second, MinRTT: 100 * time.Millisecond, MaxRTT: 15 * time.Second, MaxRetries: 10,
		ScanDelay: 15 * time.Second, MaxScanDelayTCP: time.Second, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: time.Second,
		MaxParallelism: 1, CAIncrement: 1, SSThreshDivisor: 3.0 / 2, BoostDropFraction: 0.30, BoostTry: 3}
	T2 = Template{Level: 2, Name: "polite",
		InitialRTT: time.Second, MinRTT: 100 * time.Millisecond, MaxRTT: 10 * time.Second, MaxRetries: 10,
		ScanDelay: 400 * time.Millisecond, MaxScanDelayTCP: time.Second, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: time.Second,
		MaxParallelism: 1, CAIncrement: 1, SSThreshDivisor: 3.0 / 2, BoostDropFraction: 0.30, BoostTry: 3}
	T3 = Template{Level: 3, Name: "normal",
		InitialRTT: time.Second, MinRTT: 100 * time.Millisecond, MaxRTT: 10 * time.Second, MaxRetries: 10,
		MaxScanDelayTCP: time.Second, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: time.Second,
		CAIncrement: 1, SSThreshDivisor: 3.0 / 2, BoostDropFraction: 0.30, BoostTry: 3}
	T4 = Template{Level: 4, Name: "aggressive",
		InitialRTT: 500 * time.Millisecond, MinRTT: 100 * time.Millisecond, MaxRTT: 1250 * time.Millisecond, MaxRetries: 6,
		MaxScanDelayTCP: 10 * time.Millisecond, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: 10 * time.Millisecond,
		CAIncrement: 2, SSThreshDivisor: 4.0 / 3, BoostDropFraction: 0.40, BoostTry: 4}
	T5 = Template{Level: 5, Name: "insane",
		InitialRTT: 250 * time.Millisecond, MinRTT: 50 * time.Millisecond, MaxRTT: 300 * time.Millisecond, MaxRetries: 2,
		MaxScanDelayTCP: 5 * time.Millisecond, MaxScanDelayUDP: time.Second, MaxScanDelaySCTP: 5 * time.Millisecond,
		CAIncrement: 2, SSThreshDivisor: 5.0 / 4, BoostDropFraction: 0.40, BoostTry: 4,
		HostTimeout: 15 * time.Minute, ScriptTimeout: 10 * time.Minute}
)

// templates is indexed by level; Level and ParseTemplate hand out copies.
var templates = [...]*Template{&T0, &T1, &T2, &T3, &T4, &T5}

// Level returns the template for -T<level>, 0 to 5.
func Level(level int) (Template, error) {
	if level < 0 || level >= len(templates) {
		return Template{}, &OptionError{Flag: "-T", Value: fmt.Sprint(level), Allowed: templateAllowed}
	}
	return *templates[level], nil
}

const templateAllowed = "a timing template from 0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane"

// ParseTemplate reads the argument of -T as Nmap does: a digit from 0 to 5
// or a template's name, in any case.
func ParseTemplate(s string) (Template, error) {
	if len(s) == 1 && s[0] >= '0' && s[0] <= '5' {
		return *templates[s[0]-'0'], nil
	}
	for _, t := range templates {
		if strings.EqualFold(s, t.Name) {
			return *t, nil
		}
	}
	return Template{}, &OptionError{Flag: "-T", Value: s, Allowed: templateAllowed}
}

func (t Template) String() string { return fmt.Sprintf("-T%d (%s)", t.Level, t.Name) }
