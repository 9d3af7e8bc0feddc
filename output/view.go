package output

import (
	"slices"

	"github.com/picket-scanner/picket/result"
)

// OpenState reports whether --open shows a port in state s: open, and
// the states that may be open (open|filtered, unfiltered), as in Nmap.
func OpenState(s result.State) bool {
	return s == result.Open || s == result.OpenFiltered || s == result.Unfiltered
}

// Shown reports whether Nmap's formats include host h. Up hosts are
// always shown; hosts in any other state only in verbose mode, as Nmap
// does. With --open only up hosts with an open-ish port are shown.
func Shown(h *result.Host, verbose int, open bool) bool {
	if h.State != result.HostUp {
		return verbose > 0 && !open
	}
	if !open {
		return true
	}
	for _, p := range h.Ports {
		if OpenState(p.State) {
			return true
		}
	}
	for _, e := range h.Extra {
		if OpenState(e.State) && e.Count > 0 {
			return true
		}
	}
	return false
}

// Ports returns the ports to list for h and the counts of those not
// listed. Without --open they are h.Ports and h.Extra; with it, ports in
// the other states move into the counts, by state and reason, so the
// "Not shown" line still accounts for every scanned port. h is not
// modified.
func Ports(h *result.Host, open bool) ([]result.Port, []result.ExtraPorts) {
	if !open {
		return h.Ports, h.Extra
	}
	var listed []result.Port
	extra := cloneExtra(h.Extra)
	for _, p := range h.Ports {
		if OpenState(p.State) {
			listed = append(listed, p)
			continue
		}
		extra = fold(extra, p)
	}
	return listed, extra
}

func cloneExtra(in []result.ExtraPorts) []result.ExtraPorts {
	out := make([]result.ExtraPorts, len(in))
	for i, e := range in {
		out[i] = e
		out[i].Reasons = slices.Clone(e.Reasons)
	}
	return out
}

func fold(extra []result.ExtraPorts, p result.Port) []result.ExtraPorts {
	i := slices.IndexFunc(extra, func(e result.ExtraPorts) bool { return e.State == p.State })
	if i < 0 {
		extra = append(extra, result.ExtraPorts{State: p.State})
		i = len(extra) - 1
	}
	e := &extra[i]
	e.Count++
	j := slices.IndexFunc(e.Reasons, func(r result.ReasonCount) bool {
		return r.Reason == p.Reason && r.Protocol == p.Protocol
	})
	if j < 0 {
		e.Reasons = append(e.Reasons, result.ReasonCount{Reason: p.Reason, Protocol: p.Protocol})
		j = len(e.Reasons) - 1
	}
	e.Reasons[j].Count++
	return extra
}
