package nmapxml

import (
	"strconv"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// appendTrace writes the <trace> element as Nmap does: the probe's port
// and protocol ("icmp" for an echo request; nothing for ICMPv6, which Nmap
// names not), then a <hop> per TTL that answered, with its RTT in
// milliseconds. TTLs nothing answered are left out, and so is the sharing
// of hops with another host: every hop is listed.
func appendTrace(b []byte, h *result.Host) []byte {
	tr := h.Trace
	if tr == nil || len(tr.Hops) == 0 {
		return b
	}
	b = append(b, "<trace"...)
	switch {
	case tr.Protocol == result.TCP || tr.Protocol == result.UDP:
		b = attr(b, "port", strconv.Itoa(int(tr.Port)))
		b = attr(b, "proto", tr.Protocol.String())
	case !h.Addr.Unmap().Is6():
		b = attr(b, "proto", "icmp")
	}
	b = append(b, ">\n"...)
	for _, hop := range tr.Hops {
		if !hop.Addr.IsValid() {
			continue
		}
		b = append(b, "<hop"...)
		b = attr(b, "ttl", strconv.Itoa(int(hop.TTL)))
		b = attr(b, "ipaddr", hop.Addr.Unmap().String())
		if hop.RTT > 0 {
			b = attr(b, "rtt", strconv.FormatFloat(float64(hop.RTT.Microseconds())/1000, 'f', 2, 64))
		}
		if hop.Host != "" {
			b = attr(b, "host", output.Text(hop.Host))
		}
		b = append(b, "/>\n"...)
	}
	return append(b, "</trace>\n"...)
}
