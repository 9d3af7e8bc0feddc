package normal

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// appendTrace writes the TRACEROUTE section as Nmap lays it out: a header
// naming the probe, then one line per hop ("3   0.52 ms 198.18.0.146"),
// "..." for a TTL nothing answered (a run of them as "2   ... 4"), and
// "-   Hops 1-3 are the same as for 198.18.0.3" for the hops traced once
// for another host. A blank line comes before and after.
func appendTrace(b []byte, h *result.Host) []byte {
	tr := h.Trace
	if tr == nil || len(tr.Hops) == 0 {
		return b
	}
	if !bytes.HasSuffix(b, []byte("\n\n")) {
		b = append(b, '\n')
	}
	b = append(b, "TRACEROUTE (using "...)
	switch {
	case tr.Protocol == result.TCP || tr.Protocol == result.UDP:
		b = fmt.Appendf(b, "port %d/%s", tr.Port, tr.Protocol)
	case h.Addr.Unmap().Is6():
		b = append(b, "proto 58/ipv6-icmp"...)
	default:
		b = append(b, "proto 1/icmp"...)
	}
	b = append(b, ")\n"...)

	type row struct{ hop, rtt, addr string }
	var rows []row
	var sameAs string
	if tr.Shared > 0 && tr.Shared < len(tr.Hops) {
		if tr.Shared == 1 {
			sameAs = "Hop 1 is"
		} else {
			sameAs = fmt.Sprintf("Hops 1-%d are", tr.Shared)
		}
		sameAs += " the same as for " + tr.SameAs.Unmap().String()
	}
	hops := tr.Hops
	if sameAs != "" {
		hops = hops[tr.Shared:]
	}
	for i := 0; i < len(hops); i++ {
		hop := hops[i]
		if !hop.Addr.IsValid() {
			j := i
			for j+1 < len(hops) && !hops[j+1].Addr.IsValid() {
				j++
			}
			r := row{hop: strconv.Itoa(int(hop.TTL)), rtt: "..."}
			if j > i {
				r.rtt += " " + strconv.Itoa(int(hops[j].TTL))
			}
			rows = append(rows, r)
			i = j
			continue
		}
		r := row{hop: strconv.Itoa(int(hop.TTL)), rtt: "--", addr: hop.Addr.Unmap().String()}
		if hop.RTT > 0 {
			r.rtt = strconv.FormatFloat(float64(hop.RTT.Microseconds())/1000, 'f', 2, 64) + " ms"
		}
		if hop.Host != "" {
			r.addr = output.Text(hop.Host) + " (" + r.addr + ")"
		}
		rows = append(rows, r)
	}
	hw, rw := len("HOP"), len("RTT")
	for _, r := range rows {
		hw, rw = max(hw, len(r.hop)), max(rw, len(r.rtt))
	}
	line := func(hop, rtt, addr string) {
		s := fmt.Sprintf("%-*s %-*s %s", hw, hop, rw, rtt, addr)
		b = append(b, strings.TrimRight(s, " ")...)
		b = append(b, '\n')
	}
	line("HOP", "RTT", "ADDRESS")
	if sameAs != "" {
		b = fmt.Appendf(b, "%-*s %s\n", hw, "-", sameAs)
	}
	for _, r := range rows {
		line(r.hop, r.rtt, r.addr)
	}
	return append(b, '\n')
}
