package udp

import (
	"slices"
	"strings"

	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/service"
)

// outcome gathers what one port's probes saw.
type outcome struct {
	closed  bool
	banner  []byte // the first reply, kept for an unidentified port
	matches []found
}

type found struct {
	probe int
	match payload.Match
	reply []byte
}

func (o *outcome) add(probes []probe, e event) {
	if e.closed {
		// A port that answered and then refused (a server that
		// stopped) still answered; otherwise it is closed.
		o.closed = o.banner == nil
		return
	}
	probes[e.probe].answered = true
	// The first reply is kept, or the first with something in it: an
	// echo of the empty probe says less than the next one.
	if o.banner == nil || (len(o.banner) == 0 && len(e.reply) > 0) {
		o.banner = e.reply
	}
	if e.ok {
		o.matches = append(o.matches, found{e.probe, e.match, e.reply})
	}
}

func (o *outcome) allAnswered(probes []probe) bool {
	for _, p := range probes {
		if !p.answered {
			return false
		}
	}
	return true
}

// result merges what was recognised: the most informative match names the
// service, and the others of the same service add what it lacks (a host
// name, an OS, extra information, CPE names, details). SNMPv3 discovery
// names the agent's software, SNMPv1 its system; NTP's mode 6 names the
// daemon, its client answer the clock's state.
func (o *outcome) result(probes []probe) service.Identified {
	if len(o.matches) == 0 {
		return service.Identified{Banner: o.banner}
	}
	best := 0
	for i, f := range o.matches {
		if s, b := score(f.match), score(o.matches[best].match); s > b || (s == b && f.probe < o.matches[best].probe) {
			best = i
		}
	}
	primary := o.matches[best]
	m := service.Match{Service: primary.match.Service}
	m.Service.CPE = slices.Clone(m.Service.CPE)
	extra := splitExtra(m.Service.ExtraInfo)
	addDetails := func(ds []payload.Detail) {
		for _, d := range ds {
			sd := service.Detail{Key: d.Key, Value: d.Value}
			if !slices.Contains(m.Details, sd) {
				m.Details = append(m.Details, sd)
			}
		}
	}
	addDetails(primary.match.Details)
	others := slices.Clone(o.matches)
	slices.SortStableFunc(others, func(a, b found) int { return a.probe - b.probe })
	for _, f := range others {
		s := f.match.Service
		if f.probe == primary.probe || s.Name != m.Service.Name {
			continue
		}
		fill(&m.Service.Hostname, s.Hostname)
		fill(&m.Service.OSType, s.OSType)
		fill(&m.Service.DeviceType, s.DeviceType)
		if m.Service.Product == "" {
			m.Service.Product, m.Service.Version = s.Product, s.Version
		}
		for _, e := range splitExtra(s.ExtraInfo) {
			if !slices.Contains(extra, e) {
				extra = append(extra, e)
			}
		}
		for _, c := range s.CPE {
			if !slices.Contains(m.Service.CPE, c) {
				m.Service.CPE = append(m.Service.CPE, c)
			}
		}
		addDetails(f.match.Details)
	}
	m.Service.ExtraInfo = strings.Join(extra, "; ")
	return service.Identified{Match: m, Banner: primary.reply}
}

// score ranks a match by what it tells: a CPE name (a product known well
// enough to match vulnerabilities against), a product and its version, a
// product, or only the protocol.
func score(m payload.Match) int {
	s := 0
	if len(m.Service.CPE) > 0 {
		s += 4
	}
	if m.Service.Product != "" {
		s++
		if m.Service.Version != "" {
			s++
		}
	}
	return s
}

func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}

func splitExtra(s string) []string {
	var parts []string
	for p := range strings.SplitSeq(s, "; ") {
		if p = strings.TrimSpace(p); p != "" {
			parts = append(parts, p)
		}
	}
	return parts
}
