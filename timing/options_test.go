package timing_test

import (
	"errors"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/timing"
)

const (
	ms = time.Millisecond
	s  = time.Second
)

// TestTemplates checks every template against Nmap's table (research
// notes §1.6, from nmap.cc and timing.cc).
func TestTemplates(t *testing.T) {
	tests := []struct {
		name                       string
		tpl                        timing.Template
		level                      int
		initial, minRTT, maxRTT    time.Duration
		retries                    int
		delay, maxTCP, maxUDP      time.Duration
		maxPar                     int
		incr, divisor              float64
		hostTimeout, scriptTimeout time.Duration
		boostFraction              float64
		boostTry                   int
	}{
		{"paranoid", timing.T0, 0, 300 * s, 100 * ms, 300 * s, 10, 300 * s, s, s, 1, 1, 1.5, 0, 0, 0.30, 3},
		{"sneaky", timing.T1, 1, 15 * s, 100 * ms, 15 * s, 10, 15 * s, s, s, 1, 1, 1.5, 0, 0, 0.30, 3},
		{"polite", timing.T2, 2, s, 100 * ms, 10 * s, 10, 400 * ms, s, s, 1, 1, 1.5, 0, 0, 0.30, 3},
		{"normal", timing.T3, 3, s, 100 * ms, 10 * s, 10, 0, s, s, 0, 1, 1.5, 0, 0, 0.30, 3},
		{"aggressive", timing.T4, 4, 500 * ms, 100 * ms, 1250 * ms, 6, 0, 10 * ms, s, 0, 2, 4.0 / 3, 0, 0, 0.40, 4},
		{"insane", timing.T5, 5, 250 * ms, 50 * ms, 300 * ms, 2, 0, 5 * ms, s, 0, 2, 5.0 / 4, 15 * time.Minute, 10 * time.Minute, 0.40, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := tt.tpl
			if g.Name != tt.name || g.Level != tt.level {
				t.Errorf("name %q level %d, want %q %d", g.Name, g.Level, tt.name, tt.level)
			}
			durs := []struct {
				what      string
				got, want time.Duration
			}{
				{"initial RTT", g.InitialRTT, tt.initial},
				{"min RTT", g.MinRTT, tt.minRTT},
				{"max RTT", g.MaxRTT, tt.maxRTT},
				{"scan delay", g.ScanDelay, tt.delay},
				{"max TCP scan delay", g.MaxScanDelayTCP, tt.maxTCP},
				{"max SCTP scan delay", g.MaxScanDelaySCTP, tt.maxTCP},
				{"max UDP scan delay", g.MaxScanDelayUDP, tt.maxUDP},
				{"host timeout", g.HostTimeout, tt.hostTimeout},
				{"script timeout", g.ScriptTimeout, tt.scriptTimeout},
			}
			for _, d := range durs {
				if d.got != d.want {
					t.Errorf("%s = %v, want %v", d.what, d.got, d.want)
				}
			}
			if g.MaxRetries != tt.retries || g.MaxParallelism != tt.maxPar || g.BoostTry != tt.boostTry {
				t.Errorf("retries %d, max parallelism %d, boost try %d; want %d, %d, %d",
					g.MaxRetries, g.MaxParallelism, g.BoostTry, tt.retries, tt.maxPar, tt.boostTry)
			}
			if g.CAIncrement != tt.incr || g.SSThreshDivisor != tt.divisor || g.BoostDropFraction != tt.boostFraction {
				t.Errorf("increment %v, divisor %v, boost fraction %v; want %v, %v, %v",
					g.CAIncrement, g.SSThreshDivisor, g.BoostDropFraction, tt.incr, tt.divisor, tt.boostFraction)
			}
			byLevel, err := timing.Level(tt.level)
			if err != nil || byLevel != g {
				t.Errorf("Level(%d) = %v, %v; want the template", tt.level, byLevel, err)
			}
		})
	}
}

func TestParseTemplate(t *testing.T) {
	tests := []struct {
		name  string
		arg   string
		level int
		err   string
	}{
		{"digit", "4", 4, ""},
		{"zero", "0", 0, ""},
		{"name", "aggressive", 4, ""},
		{"name in capitals", "Insane", 5, ""},
		{"out of range", "6", 0, "timing: -T 6: a timing template from 0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane"},
		{"unknown name", "fast", 0, "timing: -T fast: a timing template from 0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane"},
		{"two digits", "44", 0, "timing: -T 44: a timing template from 0 to 5, or paranoid, sneaky, polite, normal, aggressive, insane"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := timing.ParseTemplate(tt.arg)
			if tt.err != "" {
				var oe *timing.OptionError
				if !errors.As(err, &oe) || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got.Level != tt.level {
				t.Fatalf("got -T%d, %v; want -T%d", got.Level, err, tt.level)
			}
		})
	}
	if _, err := timing.Level(-1); err == nil {
		t.Error("Level(-1) gave no error")
	}
}

func TestApply(t *testing.T) {
	tests := []struct {
		name  string
		tpl   timing.Template
		opts  timing.Options
		check func(t *testing.T, p timing.Params)
	}{
		{"no options keep the template", timing.T4, timing.Options{}, func(t *testing.T, p timing.Params) {
			if p.InitialRTT != 500*ms || p.MinRTT != 100*ms || p.MaxRTT != 1250*ms || p.MaxRetries != 6 ||
				p.MaxScanDelayTCP != 10*ms || p.MaxScanDelayUDP != s || p.MinRate != 0 || p.MaxRate != 0 {
				t.Errorf("got %+v", p)
			}
		}},
		{"initial RTT above the maximum raises it", timing.T4, timing.Options{InitialRTT: timing.Set(2 * s)}, func(t *testing.T, p timing.Params) {
			if p.InitialRTT != 2*s || p.MaxRTT != 2*s || p.MinRTT != 100*ms {
				t.Errorf("initial %v, max %v, min %v; want 2s, 2s, 100ms", p.InitialRTT, p.MaxRTT, p.MinRTT)
			}
		}},
		{"initial RTT below the minimum lowers it", timing.T3, timing.Options{InitialRTT: timing.Set(40 * ms)}, func(t *testing.T, p timing.Params) {
			if p.MinRTT != 40*ms || p.MaxRTT != 10*s {
				t.Errorf("min %v, max %v; want 40ms, 10s", p.MinRTT, p.MaxRTT)
			}
		}},
		{"min RTT above the others raises them", timing.T5, timing.Options{MinRTT: timing.Set(500 * ms)}, func(t *testing.T, p timing.Params) {
			if p.MinRTT != 500*ms || p.MaxRTT != 500*ms || p.InitialRTT != 500*ms {
				t.Errorf("min %v, max %v, initial %v; want 500ms each", p.MinRTT, p.MaxRTT, p.InitialRTT)
			}
		}},
		{"max RTT below the others lowers them", timing.T3, timing.Options{MaxRTT: timing.Set(80 * ms)}, func(t *testing.T, p timing.Params) {
			if p.MaxRTT != 80*ms || p.MinRTT != 80*ms || p.InitialRTT != 80*ms {
				t.Errorf("max %v, min %v, initial %v; want 80ms each", p.MaxRTT, p.MinRTT, p.InitialRTT)
			}
		}},
		{"max RTT applies after initial", timing.T3, timing.Options{InitialRTT: timing.Set(20 * s), MaxRTT: timing.Set(2 * s)}, func(t *testing.T, p timing.Params) {
			if p.InitialRTT != 2*s || p.MaxRTT != 2*s {
				t.Errorf("initial %v, max %v; want 2s, 2s as in Nmap's order", p.InitialRTT, p.MaxRTT)
			}
		}},
		{"scan delay raises the scan-delay caps", timing.T4, timing.Options{ScanDelay: timing.Set(50 * ms)}, func(t *testing.T, p timing.Params) {
			if p.ScanDelay != 50*ms || p.MaxScanDelayTCP != 50*ms || p.MaxScanDelaySCTP != 50*ms || p.MaxScanDelayUDP != s {
				t.Errorf("delay %v, caps tcp %v sctp %v udp %v", p.ScanDelay, p.MaxScanDelayTCP, p.MaxScanDelaySCTP, p.MaxScanDelayUDP)
			}
		}},
		{"a given zero scan delay overrides -T2", timing.T2, timing.Options{ScanDelay: timing.Set(time.Duration(0))}, func(t *testing.T, p timing.Params) {
			if p.ScanDelay != 0 {
				t.Errorf("delay %v, want 0", p.ScanDelay)
			}
		}},
		{"max scan delay sets every protocol after scan delay", timing.T3, timing.Options{ScanDelay: timing.Set(2 * s), MaxScanDelay: timing.Set(300 * ms)}, func(t *testing.T, p timing.Params) {
			if p.ScanDelay != 2*s || p.MaxScanDelay(result.TCP) != 300*ms || p.MaxScanDelay(result.UDP) != 300*ms || p.MaxScanDelay(result.SCTP) != 300*ms {
				t.Errorf("got %+v", p)
			}
		}},
		{"a given zero host timeout overrides -T5", timing.T5, timing.Options{HostTimeout: timing.Set(time.Duration(0))}, func(t *testing.T, p timing.Params) {
			if p.HostTimeout != 0 {
				t.Errorf("host timeout %v, want 0", p.HostTimeout)
			}
		}},
		{"max parallelism lifts -T2's serial limit", timing.T2, timing.Options{MaxParallelism: timing.Set(20)}, func(t *testing.T, p timing.Params) {
			if p.MaxParallelism != 20 {
				t.Errorf("max parallelism %d, want 20", p.MaxParallelism)
			}
		}},
		{"retries and rates", timing.T3, timing.Options{MaxRetries: timing.Set(0), MinRate: timing.Set(100.0), MaxRate: timing.Set(100.0)}, func(t *testing.T, p timing.Params) {
			if p.MaxRetries != 0 || p.MinRate != 100 || p.MaxRate != 100 {
				t.Errorf("retries %d, rates %v-%v", p.MaxRetries, p.MinRate, p.MaxRate)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := tt.tpl.Apply(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if p.Template != tt.tpl {
				t.Errorf("Params.Template = %v, want %v", p.Template, tt.tpl)
			}
			tt.check(t, p)
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name string
		tpl  timing.Template
		opts timing.Options
		flag string
		want string
	}{
		{"min rate above max rate", timing.T3, timing.Options{MinRate: timing.Set(500.0), MaxRate: timing.Set(100.0)},
			"--min-rate", "timing: --min-rate 500 is above --max-rate 100"},
		{"zero rate", timing.T3, timing.Options{MaxRate: timing.Set(0.0)},
			"--max-rate", "timing: --max-rate 0: packets per second, a number above 0"},
		{"negative retries", timing.T3, timing.Options{MaxRetries: timing.Set(-1)},
			"--max-retries", "timing: --max-retries -1: a whole number, 0 or more"},
		{"tiny max RTT", timing.T3, timing.Options{MaxRTT: timing.Set(2 * ms)},
			"--max-rtt-timeout", "timing: --max-rtt-timeout 2ms: a time of at least 5ms"},
		{"zero initial RTT", timing.T3, timing.Options{InitialRTT: timing.Set(time.Duration(0))},
			"--initial-rtt-timeout", "timing: --initial-rtt-timeout 0s: a time above 0"},
		{"negative scan delay", timing.T3, timing.Options{ScanDelay: timing.Set(-ms)},
			"--scan-delay", "timing: --scan-delay -1ms: a time, 0 or more"},
		{"zero min parallelism", timing.T3, timing.Options{MinParallelism: timing.Set(0)},
			"--min-parallelism", "timing: --min-parallelism 0: a whole number, 1 or more"},
		{"min parallelism above max", timing.T3, timing.Options{MinParallelism: timing.Set(50), MaxParallelism: timing.Set(10)},
			"--min-parallelism", "timing: --min-parallelism 50 is above --max-parallelism 10"},
		{"min parallelism above a serial template", timing.T2, timing.Options{MinParallelism: timing.Set(10)},
			"--min-parallelism", "timing: --min-parallelism 10 is above --max-parallelism 1 (set by -T2)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.tpl.Apply(tt.opts)
			var oe *timing.OptionError
			if !errors.As(err, &oe) {
				t.Fatalf("error %v, want an *OptionError", err)
			}
			if oe.Flag != tt.flag || err.Error() != tt.want {
				t.Errorf("flag %q, error %q; want %q, %q", oe.Flag, err, tt.flag, tt.want)
			}
		})
	}
}

func TestParamsConfigs(t *testing.T) {
	p, err := timing.T5.Apply(timing.Options{ScanDelay: timing.Set(20 * ms), MinRate: timing.Set(10.0), MinParallelism: timing.Set(4)})
	if err != nil {
		t.Fatal(err)
	}
	if got := p.RTTConfig(); got != (timing.RTTConfig{Initial: 250 * ms, Min: 50 * ms, Max: 300 * ms, Floor: 20 * ms}) {
		t.Errorf("RTTConfig = %+v", got)
	}
	if got := p.PacerConfig(); got != (timing.PacerConfig{MinRate: 10}) {
		t.Errorf("PacerConfig = %+v", got)
	}
	tests := []struct {
		name    string
		p       timing.Params
		ceiling int
		want    timing.WindowConfig
	}{
		{"Nmap's ceiling", timing.DefaultParams(), 0, timing.WindowConfig{Min: 1, Max: 300, CAIncr: 1, Divisor: 1.5, Initial: 10, SSThresh: 75}},
		{"an engine's ceiling", timing.DefaultParams(), 5000, timing.WindowConfig{Min: 1, Max: 5000, CAIncr: 1, Divisor: 1.5, Initial: 10, SSThresh: 75}},
		{"parallelism options win", p, 5000, timing.WindowConfig{Min: 4, Max: 5000, CAIncr: 2, Divisor: 1.25, Initial: 10, SSThresh: 75}},
		{"serial template", mustApply(t, timing.T2, timing.Options{}), 5000, timing.WindowConfig{Min: 1, Max: 1, CAIncr: 1, Divisor: 1.5, Initial: 1, SSThresh: 75}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.WindowConfig(tt.ceiling); got != tt.want {
				t.Errorf("WindowConfig(%d) = %+v, want %+v", tt.ceiling, got, tt.want)
			}
		})
	}
}

func mustApply(t *testing.T, tpl timing.Template, o timing.Options) timing.Params {
	t.Helper()
	p, err := tpl.Apply(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
