package nmapxml

import (
	"strconv"

	"github.com/picket-scanner/picket/result"
)

// PassiveOSID is the id of the hostscript script element that holds the
// passive OS guess.
const PassiveOSID = "picket-os-passive"

// appendPassiveOS writes the passive OS guess as a host script: its output
// attribute is the line the normal output shows, its <elem> children the
// family, name and confidence keyed as in picket's JSON, and a <table>
// the evidence.
func appendPassiveOS(b []byte, h *result.Host) []byte {
	g := h.OSPassive
	if g == nil {
		return b
	}
	b = append(b, "<hostscript><script"...)
	b = attr(b, "id", PassiveOSID)
	b = attr(b, "output", g.String())
	b = append(b, '>')
	for _, e := range [...]struct{ key, val string }{
		{"family", g.Family},
		{"name", g.Name},
		{"confidence", strconv.Itoa(g.Confidence)},
	} {
		b = append(b, "<elem"...)
		b = attr(b, "key", e.key)
		b = append(b, '>')
		b = escape(b, e.val, false)
		b = append(b, "</elem>"...)
	}
	if len(g.Evidence) > 0 {
		b = append(b, "<table"...)
		b = attr(b, "key", "evidence")
		b = append(b, '>')
		for _, e := range g.Evidence {
			b = append(b, "<elem>"...)
			b = escape(b, e, false)
			b = append(b, "</elem>"...)
		}
		b = append(b, "</table>"...)
	}
	return append(b, "</script></hostscript>\n"...)
}
