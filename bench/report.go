package main

import (
	"fmt"
	"net/netip"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Each scenario's section is fenced by these comments, so a run with
// -only can replace its own and keep the others.
var sectionRE = regexp.MustCompile(`(?s)<!-- bench:(\w+) -->.*?<!-- /bench:(\w+) -->`)

func renderSection(sc scenario, p *plan, results [][]measure, runs int, at time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "<!-- bench:%s -->\n## `%s`: %s\n\n", sc.name, sc.name, sc.title)
	for _, a := range p.about {
		b.WriteString(a + "\n\n")
	}
	fmt.Fprintf(&b, "Measured %s, load average %s; ", at.UTC().Format("2006-01-02 15:04 MST"), loadAvg())
	if p.scale {
		b.WriteString("one run per size.\n\n")
	} else {
		fmt.Fprintf(&b, "%d run(s) per tool, interleaved run by run.\n\n", runs)
	}
	sums := make([]summary, len(p.tools))
	for i, t := range p.tools {
		sums[i] = summarize(t, results[i])
	}
	switch {
	case p.services != nil:
		serviceTable(&b, p.services, p.tools, results)
		svTable(&b, p.services, p.tools, sums, results)
	case p.osRows != nil:
		osTable(&b, p.osRows, p.tools, sums, results)
	case p.floor > 0:
		floorTable(&b, p.tools, sums, p.floor)
	case p.scale:
		scaleTable(&b, p.tools, sums)
	default:
		compareTable(&b, p.tools, sums)
	}
	linkTable(&b, p.tools, sums)
	for i, s := range sums {
		for _, f := range s.failures {
			fmt.Fprintf(&b, "\n%s failed, %s\n", p.tools[i].label, f)
		}
	}
	b.WriteString("\nCommands, each run in the lab's scanner namespace (`ip netns exec SCANNER ...`):\n\n```\n")
	for _, t := range p.tools {
		line := t.commandLine()
		if p.shorten != nil {
			line = p.shorten.Replace(line)
		}
		b.WriteString(line + "\n")
	}
	b.WriteString("```\n")
	if p.details != "" {
		b.WriteString("\n" + p.details + "\n")
	}
	fmt.Fprintf(&b, "<!-- /bench:%s -->\n", sc.name)
	return b.String()
}

func loadAvg() string {
	f := strings.Fields(readTrim("/proc/loadavg"))
	return strings.Join(f[:min(3, len(f))], " ")
}

// oneAddr reports whether the truth lies on a single address, so ports
// can be named without it.
func oneAddr(truth openSet) bool {
	var first netip.Addr
	for ap := range truth {
		if !first.IsValid() {
			first = ap.Addr()
		} else if ap.Addr() != first {
			return false
		}
	}
	return true
}

func compareTable(b *strings.Builder, tools []*tool, sums []summary) {
	b.WriteString("| tool | wall, median (min–max) | CPU, median | peak RSS | open found | missed | false | wall vs picket |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|\n")
	for i, t := range tools {
		s := sums[i]
		one := oneAddr(t.truth)
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s |\n", t.label, s.wallCell(), seconds(s.cpuMed),
			mib(s.rssMaxKiB), s.foundCell(), s.portsCell(s.missed, one), s.portsCell(s.false, one), ratio(s, sums[0]))
	}
}

func scaleTable(b *strings.Builder, tools []*tool, sums []summary) {
	b.WriteString("| target | addresses × ports | wall | CPU | peak RSS | probes sent (retransmissions) | probes/s | open found | missed | false |\n")
	b.WriteString("|---|---|---|---|---|---|---|---|---|---|\n")
	for i, t := range tools {
		s := sums[i]
		sent, rate := "—", "—"
		if s.stats.probesSent > 0 {
			sent = fmt.Sprintf("%s (%s)", thousands(s.stats.probesSent), thousands(s.stats.retransmissions))
			rate = thousands(uint64(float64(s.stats.probesSent) / s.wallMed.Seconds()))
		}
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", t.label, thousands(uint64(t.probes)), s.wallCell(),
			seconds(s.cpuMed), mib(s.rssMaxKiB), sent, rate, s.foundCell(), s.portsCell(s.missed, false), s.portsCell(s.false, false))
	}
	growth(b, tools, sums)
}

// growth compares the largest scale run with the smallest.
func growth(b *strings.Builder, tools []*tool, sums []summary) {
	first, last := sums[0], sums[len(sums)-1]
	small, big := tools[0], tools[len(tools)-1]
	if first.runs == 0 || last.runs == 0 {
		return
	}
	if first.medTimedOut || last.medTimedOut {
		fmt.Fprintf(b, "\nA run was stopped at its time limit, so growth is not measured; the %s run's peak RSS "+
			"until then was %s (goal: under 64 MiB for the %s).\n", big.label, mib(last.rssMaxKiB), big.label)
		return
	}
	fmt.Fprintf(b, "\nFrom %s to %s (%d× the probes): wall time ×%.1f, CPU ×%.1f, peak RSS ×%.1f (%s → %s). ",
		small.label, big.label, big.probes/small.probes,
		last.wallMed.Seconds()/first.wallMed.Seconds(), last.cpuMed.Seconds()/first.cpuMed.Seconds(),
		float64(last.rssMaxKiB)/float64(first.rssMaxKiB), mib(first.rssMaxKiB), mib(last.rssMaxKiB))
	verdict := "met"
	if last.rssMaxKiB >= 64*1024 {
		verdict = "not met"
	}
	fmt.Fprintf(b, "Goal, peak RSS under 64 MiB for the %s: %s.\n", big.label, verdict)
}

// linkTable shows what the emulated link did to each tool's frames.
func linkTable(b *strings.Builder, tools []*tool, sums []summary) {
	head := false
	for i, t := range tools {
		if t.link == nil {
			continue
		}
		if !head {
			b.WriteString("\nThe emulated link's counters over each tool's runs, scanner → target / target → scanner " +
				"(the emulator holds at most 16,384 frames per direction, wan.MaxHeld: a burst beyond that is " +
				"dropped as by a full queue):\n\n")
			b.WriteString("| tool | frames forwarded | lost at random | dropped by a full queue |\n|---|---|---|---|\n")
			head = true
		}
		l := sums[i].link
		fmt.Fprintf(b, "| %s | %d / %d | %d / %d | %d / %d |\n", t.label, l.AB.Forwarded, l.BA.Forwarded,
			l.AB.Lost, l.BA.Lost, l.AB.QueueDrops, l.BA.QueueDrops)
	}
}

// thousands writes n with commas between groups of three digits.
func thousands(n uint64) string {
	s := strconv.FormatUint(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func intro(m *machine) string {
	return fmt.Sprintf(`# Benchmarks

Written by `+"`go run ./bench`"+` (see [bench/README.md](bench/README.md)) on %s.

- Machine: %d × %s, Linux %s; load average %s at the start.
- Tools: %s; %s; %s.

The machine is shared with other work and noisy: absolute times move from run to run and from day to
day. Compare tools by the ratios, measured side by side: within a scenario every tool runs in the same
lab, and the tools take turns run by run (picket, nmap, masscan, picket, ...). A section written by a
run with `+"`-only`"+` carries its own date.

Every packet stays inside network namespaces built by the lab (internal/lab): a scanner namespace
without a default route, joined to each target by a veth pair or by the emulated WAN link.

Columns: **wall** is the median wall-clock time (min–max over the runs); **CPU** the median user +
system time of the tool's process (rusage); **peak RSS** the highest maximum resident set size of any
run; **open found** how many of the open ports the lab really has were reported open (one number per
run when they differ); **missed** and **false** name the open ports not reported and the ports reported
open that are not (×k: in k of the runs); **wall vs picket** is the tool's median wall time over
picket's. A run that reaches its time limit is interrupted (SIGINT, then SIGKILL 5 s later) and shown
as "> limit (stopped)", with what it had written by then.
`, m.date.Format("2006-01-02 15:04 MST"), m.cpus, m.cpuModel, m.kernel, m.load, m.picket, m.nmap, m.masscn)
}

// writeReport writes the report whole. With keep, sections of scenarios
// not run this time are kept from the existing file.
func writeReport(path string, m *machine, sections map[string]string, keep bool) error {
	old := map[string]string{}
	if keep {
		if b, err := os.ReadFile(path); err == nil {
			for _, sm := range sectionRE.FindAllStringSubmatch(string(b), -1) {
				if sm[1] == sm[2] {
					old[sm[1]] = sm[0] + "\n"
				}
			}
		}
	}
	var b strings.Builder
	b.WriteString(intro(m))
	for _, s := range scenarios {
		sec, ok := sections[s.name]
		if !ok {
			sec, ok = old[s.name]
		}
		if ok {
			b.WriteString("\n" + sec)
		}
	}
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("write report: %w", err)
	}
	return nil
}
