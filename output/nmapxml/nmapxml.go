// Package nmapxml writes Nmap's XML output (-oX), valid against Nmap's
// nmap.dtd except for the scanner attribute, which says "picket" (the DTD
// allows only "nmap"; ndiff, python-libnmap, Metasploit and nmap.xsl do
// not check it).
//
// The file is laid out as Nmap lays it out, one element group per line,
// because Metasploit sniffs the first lines and ndiff asserts nesting.
// Each host is written when it is finished, so a killed run leaves a
// file that python-libnmap reads with incomplete=True; End always closes
// the document, with exit="error" and an errormsg when the run was
// interrupted.
//
// Attacker-controlled text (banners, service fields, PTR names) is made
// printable with output.Text before it is escaped, so control bytes,
// NUL and invalid UTF-8 become visible \xNN escapes instead of the
// character references (&#x1;) that Nmap writes and XML 1.0 forbids.
//
// The completeness report goes into a <postscript> element holding a
// script with id "picket-completeness": its output attribute is the
// human text and its <elem> children the numbers, keyed as in picket's
// JSON. The DTD allows it, nmap.xsl shows it as post-scan script output,
// python-libnmap ignores it, and ndiff lists its changes under
// "Post-scan script results" without counting them as a difference.
//
// The passive OS guess goes into a <hostscript> holding a script with id
// "picket-os-passive", in the same manner: Nmap's <os> element is for the
// matches of active detection, and holds nothing a guess from the scan's
// own replies could honestly fill.
package nmapxml

import (
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// XMLOutputVersion is the version of Nmap's XML format this package
// writes (nmaprun@xmloutputversion).
const XMLOutputVersion = "1.05"

// CompletenessID is the id of the postscript script element that holds
// the completeness report.
const CompletenessID = "picket-completeness"

// New returns a Writer of Nmap XML to w. It is safe for concurrent use.
func New(w io.Writer, opts output.Options) output.Writer {
	return output.NewStream("nmapxml", w, &format{opts: opts})
}

type format struct {
	opts    output.Options
	verbose int
	name    string
}

func (f *format) AppendBegin(b []byte, run *result.Run) []byte {
	f.verbose = run.Verbose
	f.name = output.Name(run)
	b = append(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE nmaprun>\n"...)
	if f.opts.Stylesheet != "" {
		b = append(b, "<?xml-stylesheet"...)
		b = attr(b, "href", f.opts.Stylesheet)
		b = append(b, " type=\"text/xsl\"?>\n"...)
	}
	comment := fmt.Sprintf("%s %s scan initiated %s as: %s", f.name, output.Text(run.Version), run.Start.Format(output.CTime), output.Text(run.Args))
	// "--" may not appear in a comment and the command line is full of
	// it; Nmap writes the second dash as a reference, which shows as
	// text because references are not expanded in comments.
	comment = strings.ReplaceAll(comment, "--", "-&#45;")
	// Markup is not recognised in a comment, so only output.Text applies.
	b = append(b, "<!-- "...)
	b = append(b, comment...)
	b = append(b, " -->\n<nmaprun"...)
	b = attr(b, "scanner", f.name)
	b = attr(b, "args", run.Args)
	if !run.Start.IsZero() {
		b = attr(b, "start", output.UnixSeconds(run.Start))
		b = attr(b, "startstr", run.Start.Format(output.CTime))
	}
	b = attr(b, "version", run.Version)
	b = attr(b, "xmloutputversion", XMLOutputVersion)
	b = append(b, ">\n"...)
	for _, si := range run.ScanInfo {
		if si.Protocol.String() == "unknown" {
			continue // no protocol the DTD allows; an engine bug
		}
		n, _ := output.CountPorts(si.Ports)
		b = append(b, "<scaninfo"...)
		b = attr(b, "type", si.Type)
		b = attr(b, "protocol", si.Protocol.String())
		b = attr(b, "numservices", strconv.Itoa(n))
		b = attr(b, "services", si.Ports)
		b = append(b, "/>\n"...)
	}
	b = fmt.Appendf(b, "<verbose level=\"%d\"/>\n<debugging level=\"%d\"/>\n", run.Verbose, run.Debugging)
	return b
}

func (f *format) AppendHost(b []byte, h *result.Host) []byte {
	if !output.Shown(h, f.verbose, f.opts.Open) {
		return b
	}
	b = append(b, "<host"...)
	if !h.Start.IsZero() {
		b = attr(b, "starttime", output.UnixSeconds(h.Start))
	}
	if !h.End.IsZero() {
		b = attr(b, "endtime", output.UnixSeconds(h.End))
	}
	if h.TimedOut {
		b = attr(b, "timedout", "true")
	}
	b = append(b, "><status"...)
	b = attr(b, "state", h.State.String())
	b = attr(b, "reason", string(h.Reason))
	b = attr(b, "reason_ttl", strconv.Itoa(int(h.ReasonTTL)))
	b = append(b, "/>\n<address"...)
	addr := h.Addr.Unmap()
	b = attr(b, "addr", addr.String())
	if addr.Is6() {
		b = attr(b, "addrtype", "ipv6")
	} else {
		b = attr(b, "addrtype", "ipv4")
	}
	b = append(b, "/>\n"...)
	if len(h.MAC) > 0 {
		b = append(b, "<address"...)
		b = attr(b, "addr", output.MAC(h.MAC))
		b = attr(b, "addrtype", "mac")
		if h.MACVendor != "" {
			b = attr(b, "vendor", output.Text(h.MACVendor))
		}
		b = append(b, "/>\n"...)
	}
	b = append(b, "<hostnames>\n"...)
	for _, hn := range h.Hostnames {
		b = append(b, "<hostname"...)
		b = attr(b, "name", output.Text(hn.Name))
		b = attr(b, "type", output.HostnameType(hn.Type))
		b = append(b, "/>\n"...)
	}
	b = append(b, "</hostnames>\n"...)
	if h.State == result.HostUp {
		b = appendPorts(b, h, f.opts.Open)
	}
	b = appendOS(b, h)
	b = appendPassiveOS(b, h)
	b = appendTrace(b, h)
	if h.Times != (result.Times{}) {
		b = append(b, "<times"...)
		b = attr(b, "srtt", micros(h.Times.SRTT))
		b = attr(b, "rttvar", micros(h.Times.RTTVar))
		b = attr(b, "to", micros(h.Times.Timeout))
		b = append(b, "/>\n"...)
	}
	return append(b, "</host>\n"...)
}

func appendPorts(b []byte, h *result.Host, open bool) []byte {
	ports, extra := output.Ports(h, open)
	if len(ports) == 0 && len(extra) == 0 {
		return b
	}
	b = append(b, "<ports>"...)
	for _, e := range extra {
		b = append(b, "<extraports"...)
		b = attr(b, "state", e.State.String())
		b = attr(b, "count", strconv.Itoa(e.Count))
		b = append(b, ">\n"...)
		for _, r := range e.Reasons {
			b = append(b, "<extrareasons"...)
			b = attr(b, "reason", string(r.Reason))
			b = attr(b, "count", strconv.Itoa(r.Count))
			if r.Protocol.String() != "unknown" {
				b = attr(b, "proto", r.Protocol.String())
			}
			b = append(b, "/>\n"...)
		}
		b = append(b, "</extraports>\n"...)
	}
	for i := range ports {
		p := &ports[i]
		if p.Protocol.String() == "unknown" {
			continue // no protocol the DTD allows; an engine bug
		}
		b = append(b, "<port"...)
		b = attr(b, "protocol", p.Protocol.String())
		b = attr(b, "portid", strconv.Itoa(int(p.Number)))
		b = append(b, "><state"...)
		b = attr(b, "state", p.State.String())
		b = attr(b, "reason", string(p.Reason))
		b = attr(b, "reason_ttl", strconv.Itoa(int(p.ReasonTTL)))
		if p.ReasonAddr.IsValid() {
			b = attr(b, "reason_ip", p.ReasonAddr.Unmap().String())
		}
		b = append(b, "/>"...)
		b = appendService(b, &p.Service)
		b = append(b, "</port>\n"...)
	}
	return append(b, "</ports>\n"...)
}

func appendService(b []byte, s *result.Service) []byte {
	if s.Name == "" && s.Product == "" && s.Version == "" && s.ExtraInfo == "" && len(s.CPE) == 0 && s.Fingerprint == "" {
		return b
	}
	name := s.Name
	if name == "" {
		name = "unknown"
	}
	b = append(b, "<service"...)
	b = attr(b, "name", output.Text(name))
	for _, a := range [...]struct{ name, val string }{
		{"product", s.Product},
		{"version", s.Version},
		{"extrainfo", s.ExtraInfo},
		{"hostname", s.Hostname},
		{"ostype", s.OSType},
		{"devicetype", s.DeviceType},
	} {
		if a.val != "" {
			b = attr(b, a.name, output.Text(a.val))
		}
	}
	if s.Tunnel == "ssl" {
		b = attr(b, "tunnel", "ssl") // the only tunnel the DTD knows
	}
	method, conf := "table", min(max(s.Conf, 0), 10)
	if s.Method == "probed" {
		method = "probed"
	} else if conf == 0 {
		conf = 3 // what Nmap gives a services-table guess
	}
	b = attr(b, "method", method)
	b = attr(b, "conf", strconv.Itoa(conf))
	if s.Fingerprint != "" {
		b = attr(b, "servicefp", output.Text(s.Fingerprint))
	}
	if len(s.CPE) == 0 {
		return append(b, "/>"...)
	}
	b = append(b, '>')
	for _, c := range s.CPE {
		b = append(b, "<cpe>"...)
		b = escape(b, output.Text(output.CPE22(c)), false)
		b = append(b, "</cpe>"...)
	}
	return append(b, "</service>"...)
}

func (f *format) AppendEnd(b []byte, run *result.Run) []byte {
	if output.Measured(run.Stats) {
		b = appendCompleteness(b, run.Stats)
	}
	end := run.End
	if end.IsZero() {
		end = run.Start
	}
	b = append(b, "<runstats><finished"...)
	b = attr(b, "time", output.UnixSeconds(end))
	b = attr(b, "timestr", end.Format(output.CTime))
	b = attr(b, "summary", fmt.Sprintf("%s done at %s; %s", f.name, end.Format(output.CTime), output.Summary(run)))
	b = attr(b, "elapsed", strconv.FormatFloat(output.Elapsed(run), 'f', 2, 64))
	if msg := output.ExitMessage(run); msg != "" {
		b = attr(b, "exit", "error")
		b = attr(b, "errormsg", msg)
	} else {
		b = attr(b, "exit", "success")
	}
	b = append(b, "/><hosts"...)
	b = attr(b, "up", strconv.Itoa(run.HostsUp))
	b = attr(b, "down", strconv.Itoa(run.HostsDown))
	b = attr(b, "total", strconv.Itoa(run.HostsUp+run.HostsDown))
	return append(b, "/>\n</runstats>\n</nmaprun>\n"...)
}

func appendCompleteness(b []byte, s result.Stats) []byte {
	b = append(b, "<postscript><script"...)
	b = attr(b, "id", CompletenessID)
	b = attr(b, "output", "\n  "+strings.Join(output.Completeness(s), "\n  "))
	b = append(b, '>')
	for _, e := range [...]struct{ key, val string }{
		{"probes_sent", strconv.FormatUint(s.ProbesSent, 10)},
		{"replies", strconv.FormatUint(s.Replies, 10)},
		{"retransmissions", strconv.FormatUint(s.Retransmissions, 10)},
		{"loss", strconv.FormatFloat(finite(s.Loss), 'f', -1, 64)},
		{"peak_rate_pps", strconv.FormatFloat(finite(s.Rate), 'f', -1, 64)},
		{"no_reply_states", strconv.FormatUint(s.NoReply, 10)},
	} {
		b = append(b, "<elem"...)
		b = attr(b, "key", e.key)
		b = append(b, '>')
		b = append(b, e.val...)
		b = append(b, "</elem>"...)
	}
	return append(b, "</script></postscript>\n"...)
}

// finite keeps NaN and infinities out of the numbers: a loss computed as
// 0/0 means nothing was measured.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

func micros(d time.Duration) string {
	return strconv.FormatInt(d.Microseconds(), 10)
}

// attr appends ` name="value"` with value escaped.
func attr(b []byte, name, value string) []byte {
	b = append(b, ' ')
	b = append(b, name...)
	b = append(b, '=', '"')
	b = escape(b, value, true)
	return append(b, '"')
}

// escape appends s as XML character data or, with inAttr, as an
// attribute value. Whatever XML 1.0 cannot carry (C0 controls but tab,
// LF and CR; U+FFFE, U+FFFF; bytes that are not UTF-8) becomes a visible
// \xNN or \uNNNN, never a character reference, which would make the
// document ill-formed. In attributes tab, LF and CR are written as
// references so that attribute-value normalisation keeps them.
func escape(b []byte, s string, inAttr bool) []byte {
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = fmt.Appendf(b, `\x%02x`, s[i])
		case r == '&':
			b = append(b, "&amp;"...)
		case r == '<':
			b = append(b, "&lt;"...)
		case r == '>':
			b = append(b, "&gt;"...)
		case r == '"' && inAttr:
			b = append(b, "&quot;"...)
		case r == '\'' && inAttr:
			b = append(b, "&apos;"...)
		case r == '\t' || r == '\n':
			if inAttr {
				b = fmt.Appendf(b, "&#%d;", r)
			} else {
				b = append(b, byte(r))
			}
		case r == '\r':
			b = append(b, "&#13;"...) // raw CR would be folded into LF
		case r < 0x20:
			b = fmt.Appendf(b, `\x%02x`, r)
		case r == 0xfffe || r == 0xffff:
			b = fmt.Appendf(b, `\u%04x`, r)
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return b
}
