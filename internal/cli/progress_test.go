package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/job"
	"github.com/picket-scanner/picket/scan"
)

func TestProgressLines(t *testing.T) {
	var hp job.Progress
	var sp scan.Progress
	hp.HostsTotal.Store(100)
	hp.HostsDone.Store(40)
	hp.HostsUp.Store(30)
	hp.GroupHosts.Store(20)
	sp.Start(scan.SYN, 20000)
	sp.Resolved.Store(10000)
	sp.Sent.Store(55000)
	sp.Rate.Store(120000)
	start := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	got := progressLines(start.Add(10*time.Second), start, &hp, &sp)
	// 40 hosts done and half of a 20-host group: 50% after 10s, so 10s to go.
	for _, want := range []string{
		"Stats: 0:00:10 elapsed; 40 hosts completed (30 up), 20 undergoing SYN Stealth Scan",
		"SYN Stealth Scan Timing: About 50.00% done; ETC: 02:00 (0:00:10 remaining); 55000 probes sent at 120000/s",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("progress lines\n%s\nlack %q", got, want)
		}
	}
}

func TestProgressLinesLimited(t *testing.T) {
	var hp job.Progress
	var sp scan.Progress
	hp.HostsTotal.Store(8)
	hp.GroupHosts.Store(8)
	sp.Start(scan.UDP, 800)
	sp.Limited.Store(8)
	start := time.Date(2026, 11, 28, 2, 0, 0, 0, time.UTC)
	got := progressLines(start.Add(10*time.Second), start, &hp, &sp)
	for _, want := range []string{"undergoing UDP Scan", "8 host(s) limit their ICMP errors"} {
		if !strings.Contains(got, want) {
			t.Errorf("progress lines\n%s\nlack %q", got, want)
		}
	}
}
