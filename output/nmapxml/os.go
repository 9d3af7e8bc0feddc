package nmapxml

import (
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// appendOS writes what OS detection (-O) found as Nmap does: the <os>
// element (ports used, matches with their classes, the fingerprint when
// no match is exact), then <uptime>, <distance> and the sequence
// elements.
func appendOS(b []byte, h *result.Host) []byte {
	o := h.OS
	if o == nil {
		return b
	}
	b = append(b, "<os>"...)
	for _, p := range o.PortsUsed {
		b = append(b, "<portused"...)
		b = attr(b, "state", p.State.String())
		b = attr(b, "proto", p.Protocol.String())
		b = attr(b, "portid", strconv.Itoa(int(p.Number)))
		b = append(b, "/>\n"...)
	}
	for _, m := range o.Matches {
		b = append(b, "<osmatch"...)
		b = attr(b, "name", output.Text(m.Name))
		b = attr(b, "accuracy", strconv.Itoa(m.Accuracy))
		b = attr(b, "line", strconv.Itoa(m.Line))
		b = append(b, ">\n"...)
		for _, c := range m.Classes {
			b = append(b, "<osclass"...)
			if c.Type != "" {
				b = attr(b, "type", output.Text(c.Type))
			}
			b = attr(b, "vendor", output.Text(c.Vendor))
			b = attr(b, "osfamily", output.Text(c.Family))
			if c.Generation != "" {
				b = attr(b, "osgen", output.Text(c.Generation))
			}
			b = attr(b, "accuracy", strconv.Itoa(c.Accuracy))
			b = append(b, '>')
			for _, cpe := range c.CPE {
				b = append(b, "<cpe>"...)
				b = escape(b, output.Text(cpe), false)
				b = append(b, "</cpe>"...)
			}
			b = append(b, "</osclass>\n"...)
		}
		b = append(b, "</osmatch>\n"...)
	}
	if o.Fingerprint != "" {
		b = append(b, "<osfingerprint"...)
		b = attr(b, "fingerprint", o.Fingerprint)
		b = append(b, "/>\n"...)
	}
	b = append(b, "</os>\n"...)
	if o.HasUptime {
		b = append(b, "<uptime"...)
		b = attr(b, "seconds", strconv.FormatInt(int64(o.Uptime.Seconds()), 10))
		b = attr(b, "lastboot", o.LastBoot.Format(output.CTime))
		b = append(b, "/>\n"...)
	}
	if o.Distance >= 0 {
		b = append(b, "<distance"...)
		b = attr(b, "value", strconv.Itoa(o.Distance))
		b = append(b, "/>\n"...)
	}
	if s := o.TCPSequence; s.Difficulty != "" {
		b = append(b, "<tcpsequence"...)
		b = attr(b, "index", strconv.Itoa(s.Index))
		b = attr(b, "difficulty", s.Difficulty)
		b = attr(b, "values", strings.Join(s.Values, ","))
		b = append(b, "/>\n"...)
	}
	if s := o.IPIDSequence; s.Class != "" {
		b = append(b, "<ipidsequence"...)
		b = attr(b, "class", s.Class)
		b = attr(b, "values", strings.Join(s.Values, ","))
		b = append(b, "/>\n"...)
	}
	if s := o.TCPTSSequence; s.Class != "" {
		b = append(b, "<tcptssequence"...)
		b = attr(b, "class", s.Class)
		if len(s.Values) > 0 {
			b = attr(b, "values", strings.Join(s.Values, ","))
		}
		b = append(b, "/>\n"...)
	}
	return b
}
