package timing_test

import (
	"fmt"
	"time"

	"github.com/picket-scanner/picket/timing"
)

// An engine's loop, driven by a fake clock: ask for room, send, report
// answers. Here every probe is answered after 20 ms.
func Example() {
	params, err := timing.T4.Apply(timing.Options{MaxRate: timing.Set(1000.0)})
	if err != nil {
		fmt.Println(err)
		return
	}
	clock := timing.NewFakeClock(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	group := timing.NewGroup(timing.GroupConfig{Params: params})
	pacer := timing.NewPacer(params.PacerConfig())
	var host timing.Host
	group.Join(&host)

	var inFlight []time.Time // send times, answered in order
	sent := 0
	for now := clock.Now(); sent < 500; now = clock.Advance(time.Millisecond) {
		for len(inFlight) > 0 && now.Sub(inFlight[0]) >= 20*time.Millisecond {
			group.OnReply(&host, timing.Probe{Sent: inFlight[0]}, now)
			inFlight = inFlight[1:]
		}
		n := pacer.Take(now, max(group.Room(&host, now), pacer.Owed(now)))
		for range n {
			group.OnSend(&host, 0, now)
			inFlight = append(inFlight, now)
			sent++
		}
	}
	cwnd, _ := host.Window()
	fmt.Printf("500 probes in %v, window %.0f, srtt %v\n",
		clock.Now().Sub(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)), cwnd, host.Times().SRTT)
	// Output: 500 probes in 501ms, window 85, srtt 20ms
}
