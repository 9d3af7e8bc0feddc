package main

import (
	"cmp"
	"fmt"
	"maps"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/picket-scanner/picket/internal/lab/wan"
)

// summary aggregates a tool's runs.
type summary struct {
	runs                      int
	wallMed, wallMin, wallMax time.Duration
	cpuMed                    time.Duration
	rssMaxKiB                 int64
	timedOut                  int
	medTimedOut               bool // the median run is one that was stopped
	found                     []int
	truth                     int
	missed, false             map[netip.AddrPort]int // port -> runs
	failures                  []string
	progress                  string
	stats                     scanStats // of the median run
	link                      wan.Stats // summed over the runs
}

func summarize(t *tool, ms []measure) summary {
	s := summary{runs: len(ms), truth: len(t.truth),
		missed: map[netip.AddrPort]int{}, false: map[netip.AddrPort]int{}}
	if len(ms) == 0 {
		return s
	}
	byWall := slices.SortedFunc(slices.Values(ms), func(a, b measure) int { return cmp.Compare(a.wall, b.wall) })
	med := byWall[(len(byWall)-1)/2]
	s.wallMed, s.wallMin, s.wallMax = median(ms, func(m measure) time.Duration { return m.wall }), byWall[0].wall, byWall[len(byWall)-1].wall
	s.cpuMed = median(ms, func(m measure) time.Duration { return m.cpu })
	s.medTimedOut, s.stats = med.timedOut, med.stats
	for i, m := range ms {
		s.rssMaxKiB = max(s.rssMaxKiB, m.rssKiB)
		s.link = linkSum(s.link, m.link)
		if m.timedOut {
			s.timedOut++
			s.progress = m.progress
		}
		if m.failed != "" {
			s.failures = append(s.failures, fmt.Sprintf("run %d: %s", i+1, m.failed))
		}
		hit := 0
		for ap := range t.truth {
			if m.found[ap] {
				hit++
			} else {
				s.missed[ap]++
			}
		}
		for ap := range m.found {
			if !t.truth[ap] {
				s.false[ap]++
			}
		}
		s.found = append(s.found, hit)
	}
	return s
}

func linkSum(a, b wan.Stats) wan.Stats {
	d := func(a, b wan.DirStats) wan.DirStats {
		return wan.DirStats{Forwarded: a.Forwarded + b.Forwarded, Bytes: a.Bytes + b.Bytes,
			Lost: a.Lost + b.Lost, QueueDrops: a.QueueDrops + b.QueueDrops, WriteErrors: a.WriteErrors + b.WriteErrors}
	}
	return wan.Stats{AB: d(a.AB, b.AB), BA: d(a.BA, b.BA)}
}

// median is the middle value, or the mean of the two middle ones.
func median(ms []measure, f func(measure) time.Duration) time.Duration {
	v := make([]time.Duration, len(ms))
	for i, m := range ms {
		v[i] = f(m)
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2]
	}
	return (v[n/2-1] + v[n/2]) / 2
}

// summary is a one-line account of a run, for the log.
func (m measure) summary(t *tool) string {
	s := fmt.Sprintf("%s wall, %s CPU, %s RSS", seconds(m.wall), seconds(m.cpu), mib(m.rssKiB))
	hit := 0
	for ap := range t.truth {
		if m.found[ap] {
			hit++
		}
	}
	s += fmt.Sprintf(", %d of %d open found, %d found in all", hit, len(t.truth), len(m.found))
	if m.timedOut {
		s += ", timed out " + m.progress
	}
	if m.failed != "" {
		s += ", failed: " + m.failed
	}
	return s
}

func seconds(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 10:
		return fmt.Sprintf("%.2f s", s)
	case s < 100:
		return fmt.Sprintf("%.1f s", s)
	}
	return fmt.Sprintf("%.0f s", s)
}

func mib(kib int64) string { return fmt.Sprintf("%.1f MiB", float64(kib)/1024) }

// wallCell is the median wall time with the range, or how long a stopped
// run was allowed.
func (s summary) wallCell() string {
	if s.runs == 0 {
		return "—"
	}
	if s.medTimedOut {
		c := "> " + seconds(s.wallMed) + " (stopped"
		if s.progress != "" {
			c += "; " + s.progress
		}
		return c + ")"
	}
	c := seconds(s.wallMed)
	if s.runs > 1 {
		c += fmt.Sprintf(" (%s–%s)", strings.TrimSuffix(seconds(s.wallMin), " s"), seconds(s.wallMax))
	}
	if s.timedOut > 0 {
		c += fmt.Sprintf(", %d stopped", s.timedOut)
	}
	return c
}

// foundCell is the open ports found per run, of the truth.
func (s summary) foundCell() string {
	if len(s.found) == 0 {
		return "—"
	}
	all := make([]string, len(s.found))
	for i, n := range s.found {
		all[i] = thousands(uint64(n))
	}
	if len(slices.Compact(slices.Clone(all))) == 1 {
		all = all[:1] // the same in every run
	}
	return fmt.Sprintf("%s of %s", strings.Join(all, ", "), thousands(uint64(s.truth)))
}

// portsCell lists missed or false ports, with how many runs each was in
// when there were several runs; ports alone when the truth is one address.
func (s summary) portsCell(m map[netip.AddrPort]int, oneAddr bool) string {
	if len(m) == 0 {
		return "—"
	}
	keys := slices.SortedFunc(maps.Keys(m), netip.AddrPort.Compare)
	const show = 8
	var parts []string
	for _, k := range keys[:min(show, len(keys))] {
		p := k.String()
		if oneAddr {
			p = fmt.Sprint(k.Port())
		}
		if s.runs > 1 {
			p += fmt.Sprintf(" ×%d", m[k])
		}
		parts = append(parts, p)
	}
	if len(keys) > show {
		parts = append(parts, fmt.Sprintf("… %d in all", len(keys)))
	}
	return strings.Join(parts, ", ")
}

// ratio is a's median wall time over picket's.
func ratio(a, picket summary) string {
	if a.runs == 0 || picket.runs == 0 || picket.medTimedOut {
		return "—"
	}
	r := a.wallMed.Seconds() / picket.wallMed.Seconds()
	if a.medTimedOut {
		return fmt.Sprintf("> %.0f×", r)
	}
	if r < 10 {
		return fmt.Sprintf("%.2f×", r)
	}
	return fmt.Sprintf("%.0f×", r)
}
