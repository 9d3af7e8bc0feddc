package cli

import (
	"fmt"

	"github.com/picket-scanner/picket/scan/trace"
	"github.com/picket-scanner/picket/timing"
)

// tracer is --traceroute: the route to every host that is up, traced after
// its port scans with the probe the scan found answered, within the run's
// timing.
func tracer(o *Options, params timing.Params, rawErr error) (*trace.Tracer, error) {
	if rawErr != nil {
		return nil, fmt.Errorf("--traceroute sends raw packets, which this process may not (%v): %s", rawErr, privilegeHint)
	}
	t := trace.Timing{
		InitialWait: params.InitialRTT,
		MaxWait:     params.MaxRTT,
		Rate:        params.MaxRate,
	}
	if params.MaxRetries == 0 {
		t.Tries = 1
	}
	return trace.New(trace.Config{Timing: t, Interface: o.Interface, Seed: o.Seed}), nil
}
