package cli

import (
	"fmt"
	"io"
	"time"

	"github.com/picket-scanner/picket/job"
	"github.com/picket-scanner/picket/scan"
)

// startProgress prints Nmap's progress lines on stderr every interval (2s
// by default) until stopped: hosts done, the scan under way, how much of
// the run is done, the send rate, and when it should end. The estimate
// counts a host group as done in proportion to its probes resolved, and
// comes from the pace so far, so it stays honest through the slow tail of
// retransmissions.
func startProgress(w io.Writer, p *scanPlan, every time.Duration) func() {
	if every <= 0 {
		every = 2 * time.Second
	}
	done := make(chan struct{})
	stopped := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(stopped)
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case now := <-t.C:
				fmt.Fprint(w, progressLines(now, start, &p.hosts, p.progress))
			}
		}
	}()
	return func() { close(done); <-stopped }
}

func progressLines(now, start time.Time, hp *job.Progress, sp *scan.Progress) string {
	elapsed := now.Sub(start)
	done, up, total, group := hp.HostsDone.Load(), hp.HostsUp.Load(), hp.HostsTotal.Load(), hp.GroupHosts.Load()
	tech := scan.Technique(sp.Technique.Load())
	lines := fmt.Sprintf("Stats: %s elapsed; %d hosts completed (%d up), %d undergoing %s\n",
		clock(elapsed), done, up, min(group, total-min(done, total)), tech.Title())
	frac := 0.0
	if n := sp.Total.Load(); n > 0 {
		frac = float64(sp.Resolved.Load()) / float64(n)
	}
	if total == 0 {
		return lines
	}
	pct := (float64(done) + frac*float64(min(group, total-min(done, total)))) / float64(total)
	lines += fmt.Sprintf("%s Timing: About %.2f%% done", tech.Title(), 100*pct)
	if pct > 0.001 {
		left := time.Duration(float64(elapsed) * (1 - pct) / pct)
		lines += fmt.Sprintf("; ETC: %s (%s remaining)", now.Add(left).Format("15:04"), clock(left))
	}
	lines += fmt.Sprintf("; %d probes sent", sp.Sent.Load())
	if r := sp.Rate.Load(); r > 0 {
		lines += fmt.Sprintf(" at %d/s", r)
	}
	if n := sp.Limited.Load(); n > 0 {
		lines += fmt.Sprintf("; %d host(s) limit their ICMP errors: probes to them paced to their rate", n)
	}
	return lines + "\n"
}

// clock formats a duration as Nmap does: h:mm:ss.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second).Seconds())
	return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
}
