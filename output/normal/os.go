package normal

import (
	"fmt"
	"strings"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// submitNote is where Nmap sends the fingerprints of unknown systems;
// picket prints them in Nmap's format, so the same place takes them.
const submitNote = "(If you know what OS is running on it, see https://nmap.org/submit/ )"

// appendOS writes what OS detection (-O) found, as Nmap's
// printosscanoutput does: the classification and the matches, or the
// fingerprint, then uptime, distance and the sequence classes (the last
// three with -v).
func appendOS(b []byte, h *result.Host, verbose int) []byte {
	o := h.OS
	if o == nil {
		return b
	}
	var open, closed bool
	for _, p := range o.PortsUsed {
		open = open || p.Protocol == result.TCP && p.State == result.Open
		closed = closed || p.Protocol == result.TCP && p.State == result.Closed
	}
	if !open || !closed {
		b = append(b, "Warning: OSScan results may be unreliable because we could not find at least 1 open and 1 closed port\n"...)
	}
	fp := func(b []byte) []byte {
		// picket wrote the fingerprint: letters, digits and punctuation.
		return fmt.Appendf(b, "TCP/IP fingerprint:\n%s\n", o.Fingerprint)
	}
	switch {
	case o.TooMany:
		b = append(b, "Too many fingerprints match this host to give specific OS details\n"...)
		if verbose > 1 {
			b = fp(b)
		}
	case o.Exact:
		b = appendOSClass(b, o)
		names := make([]string, 0, len(o.Matches))
		for _, m := range o.Matches {
			names = append(names, output.Text(m.Name))
		}
		b = fmt.Appendf(b, "OS details: %s\n", strings.Join(names, ", "))
	default:
		if o.Guessing && len(o.Matches) > 0 {
			b = appendOSClass(b, o)
			guesses := make([]string, 0, len(o.Matches))
			for _, m := range o.Matches {
				guesses = append(guesses, fmt.Sprintf("%s (%d%%)", output.Text(m.Name), m.Accuracy))
			}
			b = fmt.Appendf(b, "Aggressive OS guesses: %s\n", strings.Join(guesses, ", "))
		}
		what := "No exact OS matches for host"
		if len(o.Matches) == 0 {
			what = "No OS matches for host"
		}
		switch {
		case o.OmitReason == "":
			b = fmt.Appendf(b, "%s %s.\n", what, submitNote)
			b = fp(b)
		case len(o.Matches) == 0:
			b = fmt.Appendf(b, "%s\n", what)
		default:
			b = fmt.Appendf(b, "%s (test conditions non-ideal).\n", what)
		}
		if o.OmitReason != "" && verbose > 1 {
			b = fp(b)
		}
	}
	if o.HasUptime && verbose > 0 {
		b = fmt.Appendf(b, "Uptime guess: %.3f days (since %s)\n", o.Uptime.Hours()/24, o.LastBoot.Format(output.CTime))
	}
	if o.Distance >= 0 {
		s := "s"
		if o.Distance == 1 {
			s = ""
		}
		b = fmt.Appendf(b, "Network Distance: %d hop%s\n", o.Distance, s)
	}
	if verbose > 0 {
		if o.TCPSequence.Difficulty != "" {
			b = fmt.Appendf(b, "TCP Sequence Prediction: Difficulty=%d (%s)\n", o.TCPSequence.Index, o.TCPSequence.Difficulty)
		}
		if o.IPIDSequence.Class != "" {
			b = fmt.Appendf(b, "IP ID Sequence Generation: %s\n", o.IPIDSequence.Class)
		}
	}
	return b
}

// appendOSClass writes Nmap's classification lines: "Device type",
// "Running" and "OS CPE".
func appendOSClass(b []byte, o *result.OSResult) []byte {
	if len(o.DeviceTypes) > 0 {
		b = fmt.Appendf(b, "Device type: %s\n", output.Text(strings.Join(o.DeviceTypes, "|")))
	}
	if o.Running != "" {
		label := "Running"
		if o.JustGuessing {
			label = "Running (JUST GUESSING)"
		}
		b = fmt.Appendf(b, "%s: %s\n", label, output.Text(o.Running))
	}
	if len(o.CPE) > 0 {
		b = fmt.Appendf(b, "OS CPE: %s\n", output.Text(strings.Join(o.CPE, " ")))
	}
	return b
}
