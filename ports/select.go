package ports

import (
	"errors"
	"fmt"

	"github.com/picket-scanner/picket/result"
)

// ErrNoPorts is returned by Select when nothing is left to scan.
var ErrNoPorts = errors.New("ports: no ports to scan; to find hosts without scanning ports use -sn")

// Selection is what the command line says about which ports to scan. The
// zero value (with Protocols set) is Nmap's default: the top 1000 ports of
// each protocol scanned. It is a plain value; Select does not modify it.
type Selection struct {
	Ports   string  // -p; empty when not given
	Exclude string  // --exclude-ports; empty when not given
	Fast    bool    // -F: the top 100
	Top     int     // --top-ports; 0 when not given
	Ratio   float64 // --port-ratio; 0 when not given
	// Protocols are the protocols scanned (TCP for -sS, -sT and the like,
	// UDP for -sU, SCTP for -sY and -sZ). None means TCP.
	Protocols []result.Protocol
}

// Select returns the ports to scan for sel, with Nmap's rules:
//
//   - -p alone scans exactly the ports given; -F and -p conflict;
//   - --top-ports N (or -F, N = 100, or nothing, N = 1000) takes the N
//     highest-ranked ports of each protocol scanned, and --port-ratio R every
//     port whose frequency is at least R; with -p, only ports it lists are
//     candidates;
//   - --exclude-ports is applied before the top N are chosen, so excluding a
//     top port lets the next one in;
//   - ports given with a prefix for a protocol that is not scanned are
//     dropped with a warning.
//
// The order in which ports are scanned (randomized unless -r) is not chosen
// here. Select fails with ErrNoPorts when nothing is left to scan.
func (t *Table) Select(sel Selection) (*Spec, error) {
	protos := sel.Protocols
	if len(protos) == 0 {
		protos = []result.Protocol{result.TCP}
	}
	for _, p := range protos {
		if _, ok := slot(p); !ok {
			return nil, fmt.Errorf("ports: cannot select ports for protocol %v", p)
		}
	}
	switch {
	case sel.Fast && sel.Ports != "" && sel.Top == 0 && sel.Ratio == 0:
		return nil, errors.New("ports: -F (fast scan) cannot be combined with -p (explicit ports); use --top-ports N with -p to fast scan a range of ports")
	case sel.Top < 0:
		return nil, fmt.Errorf("ports: --top-ports %d: give a number of ports, 1 or more", sel.Top)
	case sel.Top > 0 && sel.Ratio != 0:
		return nil, errors.New("ports: --top-ports and --port-ratio both choose ports by rank; give one of them")
	case sel.Ratio < 0 || sel.Ratio > 1:
		return nil, fmt.Errorf("ports: --port-ratio %v out of range: it is a frequency from 0 to 1", sel.Ratio)
	}

	var warnings []string
	var given, excluded *Spec
	if sel.Ports != "" {
		s, err := Parse(sel.Ports, t, protos...)
		if err != nil {
			return nil, err
		}
		warnings = append(warnings, s.Warnings...)
		warnings = append(warnings, dropUnscanned(s, protos)...)
		given = s
	}
	if sel.Exclude != "" {
		s, err := Parse(sel.Exclude, t)
		if err != nil {
			var se *SyntaxError
			if errors.As(err, &se) {
				// Say which option is wrong without a second "ports:" prefix.
				c := *se
				c.Msg = "--exclude-ports: " + c.Msg
				return nil, &c
			}
			return nil, err
		}
		excluded = s
	}

	out := new(Spec)
	ranked := sel.Ports == "" || sel.Top > 0 || sel.Ratio > 0
	for _, p := range protos {
		var among *Set // nil: every port
		if given != nil {
			among = given.For(p)
		}
		if excluded != nil {
			if among == nil {
				among = new(Set)
				among.AddRange(1, 65535)
			} else {
				among = among.Clone()
			}
			among.Subtract(excluded.For(p))
		}
		dst := out.For(p)
		switch {
		case !ranked:
			dst.Union(among)
		case sel.Ratio > 0:
			s, err := t.Ratio(p, sel.Ratio, among)
			if err != nil {
				return nil, err
			}
			dst.Union(s)
		default:
			n := DefaultTop
			if sel.Top > 0 {
				n = sel.Top
			} else if sel.Fast {
				n = FastTop
			}
			dst.Union(t.TopOf(p, n, among))
		}
	}
	if sel.Fast && (sel.Top > 0 || sel.Ratio > 0) {
		warnings = append(warnings, "-F ignored: --top-ports or --port-ratio chooses the ports")
	}
	if out.Len() == 0 {
		return nil, ErrNoPorts
	}
	for _, p := range protos {
		if out.For(p).Len() == 0 {
			warnings = append(warnings, fmt.Sprintf("a %s scan was requested, but no %s ports were specified; skipping it", upper(p), p))
		}
	}
	out.Warnings = warnings
	return out, nil
}

// dropUnscanned empties the sets of protocols not in protos, which only a
// prefix can have filled, and says so.
func dropUnscanned(s *Spec, protos []result.Protocol) []string {
	var warnings []string
	for i, p := range allProtos {
		scanned := false
		for _, q := range protos {
			scanned = scanned || q == p
		}
		if scanned || s.For(p).Len() == 0 {
			continue
		}
		*s.For(p) = Set{}
		warnings = append(warnings, fmt.Sprintf("ports given with %c: are ignored: no %s scan was requested", "TUS"[i], upper(p)))
	}
	return warnings
}

func upper(p result.Protocol) string {
	switch p {
	case result.TCP:
		return "TCP"
	case result.UDP:
		return "UDP"
	}
	return "SCTP"
}
