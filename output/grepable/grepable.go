// Package grepable writes Nmap's grepable output (-oG): one line per host
// and field, tab-separated labelled fields, comments starting with '#'.
// Nmap calls the format deprecated, but shell recipes and OpenVAS's Nmap
// import read it, so its layout is kept exactly.
//
// A port entry has seven '/'-separated subfields (port, state, protocol,
// owner, service, RPC info, version). As Nmap does, '/' inside the
// service and version subfields becomes '|' ("ssl|http"); commas are
// left alone, as Nmap leaves them. Control bytes, tabs and line breaks
// from the target become \xNN escapes, so a banner cannot forge a field
// or a host line.
package grepable

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// New returns a Writer of grepable output to w. It is safe for
// concurrent use.
func New(w io.Writer, opts output.Options) output.Writer {
	return output.NewStream("grepable", w, &format{opts: opts})
}

type format struct {
	opts    output.Options
	verbose int
	name    string
}

func (f *format) AppendBegin(b []byte, run *result.Run) []byte {
	f.verbose = run.Verbose
	f.name = output.Name(run)
	b = fmt.Appendf(b, "# %s %s scan initiated %s as: %s\n",
		f.name, output.Text(run.Version), run.Start.Format(output.CTime), output.Text(run.Args))
	if f.verbose > 0 {
		// The list can be long, so Nmap prints it only with -v.
		b = append(b, "# Ports scanned:"...)
		for _, p := range []result.Protocol{result.TCP, result.UDP, result.SCTP} {
			spec := ""
			for _, si := range run.ScanInfo {
				if si.Protocol == p {
					spec = si.Ports
					break
				}
			}
			n, _ := output.CountPorts(spec)
			b = fmt.Appendf(b, " %s(%d;%s)", strings.ToUpper(p.String()), n, output.Text(spec))
		}
		b = append(b, " PROTOCOLS(0;)\n"...)
	}
	return b
}

func (f *format) AppendHost(b []byte, h *result.Host) []byte {
	if !output.Shown(h, f.verbose, f.opts.Open) {
		return b
	}
	name := ""
	if len(h.Hostnames) > 0 {
		name = field(h.Hostnames[0].Name)
	}
	prefix := fmt.Sprintf("Host: %s (%s)\t", h.Addr, name)
	status := "Up"
	switch h.State {
	case result.HostDown:
		status = "Down"
	case result.HostSkipped:
		status = "Skipped"
	case result.HostUnknown:
		status = "Unknown"
	}
	b = fmt.Appendf(b, "%sStatus: %s\n", prefix, status)
	if h.State != result.HostUp {
		return b
	}
	ports, extra := output.Ports(h, f.opts.Open)
	if len(ports) == 0 && len(extra) == 0 {
		return b
	}
	b = append(b, prefix...)
	b = append(b, "Ports: "...)
	for i := range ports {
		p := &ports[i]
		if i > 0 {
			b = append(b, ", "...)
		}
		svc := ""
		if p.Service.Name != "" {
			svc = output.ServiceName(&p.Service)
		}
		b = fmt.Appendf(b, "%d/%s/%s//%s//%s/", p.Number, p.State, p.Protocol, subfield(svc), subfield(output.Version(&p.Service)))
	}
	if len(extra) > 0 {
		// The field holds one state: the one with the most ports, as
		// parsers expect "Ignored State: closed (995)".
		top := slices.MaxFunc(extra, func(a, b result.ExtraPorts) int { return cmp.Compare(a.Count, b.Count) })
		b = fmt.Appendf(b, "\tIgnored State: %s (%d)", top.State, top.Count)
	}
	b = appendOS(b, h.OS)
	return append(b, '\n')
}

// appendOS adds Nmap's OS fields: the exact matches, the TCP sequence
// index and the IP ID sequence class.
func appendOS(b []byte, o *result.OSResult) []byte {
	if o == nil {
		return b
	}
	if o.Exact && len(o.Matches) > 0 {
		names := make([]string, len(o.Matches))
		for i, m := range o.Matches {
			names[i] = field(m.Name)
		}
		b = fmt.Appendf(b, "\tOS: %s", strings.Join(names, " | "))
	}
	if o.TCPSequence.Difficulty != "" {
		b = fmt.Appendf(b, "\tSeq Index: %d", o.TCPSequence.Index)
	}
	if o.IPIDSequence.Class != "" {
		b = fmt.Appendf(b, "\tIP ID Seq: %s", o.IPIDSequence.Class)
	}
	return b
}

func (f *format) AppendEnd(b []byte, run *result.Run) []byte {
	if output.Measured(run.Stats) {
		b = fmt.Appendf(b, "# Completeness: %s\n", strings.Join(output.Completeness(run.Stats), "; "))
	}
	if msg := output.ExitMessage(run); msg != "" {
		b = fmt.Appendf(b, "# Scan ended early (%s): only the hosts above were finished\n", output.Text(msg))
	}
	return fmt.Appendf(b, "# %s done at %s -- %s\n", f.name, run.End.Format(output.CTime), output.Summary(run))
}

// field makes target text safe inside a tab-separated line.
func field(s string) string {
	return output.Text(s)
}

// subfield makes text safe inside a '/'-separated port entry.
func subfield(s string) string {
	return strings.ReplaceAll(output.Text(s), "/", "|")
}
