// Package normal writes Nmap's normal output: the report people read on
// the terminal, and the -oN file, which differs only in its first and
// last lines ("# picket 1.0 scan initiated ..." and "# picket done at
// ..."), as Nmap's does.
//
// The layout follows Nmap 7.9x: the "Not shown" line gives one item per
// state, protocol and reason with the reason in its singular form ("995
// closed tcp ports (reset)"); the plural forms ("Reason: 995 resets") are
// those of Nmap before 7.92.
package normal

import (
	"cmp"
	"fmt"
	"io"
	"math"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// homepage goes where Nmap's "Starting" line names nmap.org.
const homepage = "https://github.com/picket-scanner/picket"

// NewTerminal returns a Writer of the report printed on the terminal. It
// is safe for concurrent use.
func NewTerminal(w io.Writer, opts output.Options) output.Writer {
	return output.NewStream("normal", w, &format{opts: opts})
}

// NewFile returns a Writer of the -oN file. It is safe for concurrent
// use.
func NewFile(w io.Writer, opts output.Options) output.Writer {
	return output.NewStream("normal", w, &format{opts: opts, file: true})
}

type format struct {
	opts    output.Options
	file    bool
	verbose int
	reason  bool
	name    string
	// spaced is whether the last thing written ends in a blank line, as a
	// host's port section does; the completeness block wants one before.
	spaced bool
}

func (f *format) AppendBegin(b []byte, run *result.Run) []byte {
	f.verbose = run.Verbose
	f.reason = f.opts.Reason || run.Debugging > 0
	f.name = output.Name(run)
	if f.file {
		return fmt.Appendf(b, "# %s %s scan initiated %s as: %s\n",
			f.name, output.Text(run.Version), run.Start.Format(output.CTime), output.Text(run.Args))
	}
	return fmt.Appendf(b, "Starting %s %s ( %s ) at %s\n",
		f.name, output.Text(run.Version), homepage, run.Start.Format("2006-01-02 15:04 MST"))
}

func (f *format) AppendEnd(b []byte, run *result.Run) []byte {
	if output.Measured(run.Stats) {
		if !f.spaced {
			b = append(b, '\n')
		}
		lines := output.Completeness(run.Stats)
		b = fmt.Appendf(b, "Completeness: %s\n", lines[0])
		for _, l := range lines[1:] {
			b = fmt.Appendf(b, "  %s\n", l)
		}
	}
	switch {
	case run.Interrupted:
		why := "stopped before the end"
		if run.ErrorMsg != "" {
			why = output.Text(run.ErrorMsg)
		}
		b = fmt.Appendf(b, "Scan interrupted (%s): only the hosts reported above were finished.\n", why)
	case run.ErrorMsg != "":
		b = fmt.Appendf(b, "Scan failed: %s\n", output.Text(run.ErrorMsg))
	}
	if f.file {
		return fmt.Appendf(b, "# %s done at %s -- %s\n", f.name, run.End.Format(output.CTime), output.Summary(run))
	}
	return fmt.Appendf(b, "%s done: %s\n", f.name, output.Summary(run))
}

func (f *format) AppendHost(b []byte, h *result.Host) []byte {
	if !output.Shown(h, f.verbose, f.opts.Open) {
		return b
	}
	b = f.appendHost(b, h)
	f.spaced = len(b) >= 2 && b[len(b)-2] == '\n'
	return b
}

func (f *format) appendHost(b []byte, h *result.Host) []byte {
	target := targetName(h)
	if h.State != result.HostUp {
		b = fmt.Appendf(b, "%s scan report for %s [host %s", f.name, target, h.State)
		if f.reason && h.Reason != "" {
			b = fmt.Appendf(b, ", received %s", reasonText(h.Reason, h.ReasonTTL, netip.Addr{}))
		}
		return append(b, "]\n"...)
	}
	b = fmt.Appendf(b, "%s scan report for %s\n", f.name, target)
	b = append(b, "Host is up"...)
	if f.reason && h.Reason != "" {
		b = fmt.Appendf(b, ", received %s", reasonText(h.Reason, h.ReasonTTL, netip.Addr{}))
	}
	if h.Latency > 0 {
		b = fmt.Appendf(b, " (%ss latency)", sigDigits(h.Latency.Seconds(), 2))
	}
	b = append(b, ".\n"...)
	if f.verbose > 0 && !h.Start.IsZero() && !h.End.IsZero() {
		b = fmt.Appendf(b, "Scanned at %s for %ds\n", h.Start.Format("2006-01-02 15:04:05 MST"), int64(math.Round(h.End.Sub(h.Start).Seconds())))
	}
	if h.TimedOut {
		b = append(b, "Host timed out (--host-timeout): its results are incomplete.\n"...)
	}
	ports, extra := output.Ports(h, f.opts.Open)
	section := len(ports) > 0 || len(extra) > 0
	if len(ports) == 0 && len(extra) > 0 {
		n := 0
		for _, e := range extra {
			n += e.Count
		}
		b = fmt.Appendf(b, "All %d scanned ports on %s are in ignored states.\n", n, target)
	}
	if len(extra) > 0 {
		b = fmt.Appendf(b, "Not shown: %s\n", notShown(extra))
	}
	b = f.appendTable(b, ports)
	b = appendUnrecognized(b, ports)
	if len(h.MAC) > 0 {
		vendor := "Unknown"
		if h.MACVendor != "" {
			vendor = output.Text(h.MACVendor)
		}
		b = fmt.Appendf(b, "MAC Address: %s (%s)\n", output.MAC(h.MAC), vendor)
	}
	b = appendPassiveOS(b, h)
	b = appendOS(b, h, f.verbose)
	b = appendServiceInfo(b, ports)
	if section {
		b = append(b, '\n')
	}
	b = appendTrace(b, h)
	return b
}

// targetName is "name (addr)" when the host has a name, else "addr".
func targetName(h *result.Host) string {
	if len(h.Hostnames) > 0 && h.Hostnames[0].Name != "" {
		return output.Text(h.Hostnames[0].Name) + " (" + h.Addr.String() + ")"
	}
	return h.Addr.String()
}

// notShown renders the folded ports, one item per state, protocol and
// reason, largest first: "995 closed tcp ports (reset), 3 filtered tcp
// ports (no-response)".
func notShown(extra []result.ExtraPorts) string {
	type item struct {
		state  result.State
		proto  result.Protocol
		reason result.Reason
		count  int
	}
	var items []item
	for _, e := range extra {
		rest := e.Count
		for _, r := range e.Reasons {
			items = append(items, item{e.State, r.Protocol, r.Reason, r.Count})
			rest -= r.Count
		}
		if rest > 0 {
			items = append(items, item{state: e.State, count: rest})
		}
	}
	slices.SortStableFunc(items, func(a, b item) int { return cmp.Compare(b.count, a.count) })
	parts := make([]string, 0, len(items))
	for _, it := range items {
		var s strings.Builder
		s.WriteString(strconv.Itoa(it.count) + " " + it.state.String())
		if it.proto != 0 {
			s.WriteString(" " + it.proto.String())
		}
		if it.count == 1 {
			s.WriteString(" port")
		} else {
			s.WriteString(" ports")
		}
		if it.reason != "" {
			s.WriteString(" (" + output.Text(string(it.reason)) + ")")
		}
		parts = append(parts, s.String())
	}
	return strings.Join(parts, ", ")
}

// appendTable writes the port table with columns as wide as their
// widest cell, one space apart, as Nmap aligns them.
func (f *format) appendTable(b []byte, ports []result.Port) []byte {
	if len(ports) == 0 {
		return b
	}
	withVersion := slices.ContainsFunc(ports, func(p result.Port) bool { return output.Version(&p.Service) != "" })
	header := []string{"PORT", "STATE", "SERVICE"}
	if f.reason {
		header = append(header, "REASON")
	}
	if withVersion {
		header = append(header, "VERSION")
	}
	rows := [][]string{header}
	for i := range ports {
		p := &ports[i]
		row := []string{strconv.Itoa(int(p.Number)) + "/" + p.Protocol.String(), p.State.String(), output.ServiceName(&p.Service)}
		if f.reason {
			row = append(row, reasonText(p.Reason, p.ReasonTTL, p.ReasonAddr))
		}
		if withVersion {
			row = append(row, output.Version(&p.Service))
		}
		rows = append(rows, row)
	}
	width := make([]int, len(header))
	for _, row := range rows {
		for i, c := range row {
			width[i] = max(width[i], utf8.RuneCountInString(c))
		}
	}
	for _, row := range rows {
		start := len(b)
		for i, c := range row {
			if i > 0 {
				b = append(b, ' ')
			}
			b = append(b, c...)
			if i < len(row)-1 {
				b = append(b, strings.Repeat(" ", width[i]-utf8.RuneCountInString(c))...)
			}
		}
		// The last cells may be empty; Nmap leaves no trailing blanks.
		for len(b) > start && b[len(b)-1] == ' ' {
			b = b[:len(b)-1]
		}
		b = append(b, '\n')
	}
	return b
}

// appendUnrecognized shows what unidentified services sent, so the
// reader can tell an unknown protocol from silence.
func appendUnrecognized(b []byte, ports []result.Port) []byte {
	var fps []*result.Port
	for i := range ports {
		if ports[i].Service.Fingerprint != "" {
			fps = append(fps, &ports[i])
		}
	}
	if len(fps) == 0 {
		return b
	}
	noun := "services"
	if len(fps) == 1 {
		noun = "service"
	}
	b = fmt.Appendf(b, "%d %s unrecognized despite returning data:\n", len(fps), noun)
	for _, p := range fps {
		b = fmt.Appendf(b, "%d/%s: %s\n", p.Number, p.Protocol, output.Text(p.Service.Fingerprint))
	}
	return b
}

// appendServiceInfo gathers what services said about their host into
// Nmap's "Service Info:" line: host names, OS types, device types and
// the OS CPE names.
func appendServiceInfo(b []byte, ports []result.Port) []byte {
	var hosts, oses, devices, cpes []string
	add := func(list []string, v string) []string {
		if v == "" || slices.Contains(list, v) {
			return list
		}
		return append(list, v)
	}
	for i := range ports {
		s := &ports[i].Service
		hosts = add(hosts, output.Text(s.Hostname))
		oses = add(oses, output.Text(s.OSType))
		devices = add(devices, output.Text(s.DeviceType))
		for _, c := range s.CPE {
			if c = output.CPE22(c); strings.HasPrefix(c, "cpe:/o:") {
				cpes = add(cpes, output.Text(c))
			}
		}
	}
	var fields []string
	field := func(one, many string, vals []string) {
		switch len(vals) {
		case 0:
		case 1:
			fields = append(fields, one+": "+vals[0])
		default:
			fields = append(fields, many+": "+strings.Join(vals, ", "))
		}
	}
	field("Host", "Hosts", hosts)
	field("OS", "OSs", oses)
	field("Device", "Devices", devices)
	field("CPE", "CPE", cpes)
	if len(fields) == 0 {
		return b
	}
	return fmt.Appendf(b, "Service Info: %s\n", strings.Join(fields, "; "))
}

// reasonText is the REASON cell: "syn-ack ttl 64", "admin-prohibited
// from 198.18.0.254 ttl 63", "no-response".
func reasonText(r result.Reason, ttl uint8, from netip.Addr) string {
	s := output.Text(string(r))
	if from.IsValid() {
		s += " from " + from.String()
	}
	if ttl > 0 {
		s += " ttl " + strconv.Itoa(int(ttl))
	}
	return s
}

// sigDigits formats v with n significant digits and no exponent, the way
// Nmap prints latency: 0.00020, 0.17, 12.
func sigDigits(v float64, n int) string {
	if v <= 0 || math.IsInf(v, 0) || math.IsNaN(v) {
		return "0"
	}
	prec := n - 1 - int(math.Floor(math.Log10(v)))
	return strconv.FormatFloat(v, 'f', max(prec, 0), 64)
}
