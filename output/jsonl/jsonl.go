// Package jsonl writes picket's own JSON Lines output (-oJ): one JSON
// object per line, a "run_start" record, one "host" record per finished
// host, and a "run_end" record. FORMAT.md in this folder documents every
// field; the format is versioned by "schema_version" in every record and
// changes only by adding fields within a version.
//
// Unlike Nmap's formats it writes down hosts whatever the verbosity:
// it is read by programs, which should not have to ask for -v to see
// what was scanned. --open applies as in the other formats.
package jsonl

import (
	"encoding/json"
	"io"
	"math"
	"time"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// SchemaVersion is the value of "schema_version" in every record.
const SchemaVersion = 1

// Record types, the value of "type".
const (
	TypeRunStart = "run_start"
	TypeHost     = "host"
	TypeRunEnd   = "run_end"
)

// timeLayout is RFC 3339 with a fixed microsecond fraction, so times sort
// as strings and every reader sees the same shape.
const timeLayout = "2006-01-02T15:04:05.000000Z07:00"

// New returns a Writer of JSON Lines to w. It is safe for concurrent use.
func New(w io.Writer, opts output.Options) output.Writer {
	return output.NewStream("jsonl", w, &format{opts: opts})
}

type format struct {
	opts output.Options
}

type header struct {
	Type          string `json:"type"`
	SchemaVersion int    `json:"schema_version"`
}

type runStart struct {
	header
	Scanner   string     `json:"scanner"`
	Version   string     `json:"version"`
	Args      string     `json:"args"`
	Start     string     `json:"start,omitempty"`
	ScanInfo  []scanInfo `json:"scan_info"`
	Verbose   int        `json:"verbose"`
	Debugging int        `json:"debugging"`
}

type scanInfo struct {
	Type        string `json:"type"`
	Protocol    string `json:"protocol"`
	Ports       string `json:"ports"`
	NumServices int    `json:"num_services"`
}

type host struct {
	header
	Addr       string       `json:"addr"`
	AddrType   string       `json:"addr_type"`
	State      string       `json:"state"`
	Reason     string       `json:"reason"`
	ReasonTTL  int          `json:"reason_ttl"`
	MAC        string       `json:"mac,omitempty"`
	MACVendor  string       `json:"mac_vendor,omitempty"`
	Hostnames  []hostname   `json:"hostnames"`
	Start      string       `json:"start,omitempty"`
	End        string       `json:"end,omitempty"`
	TimedOut   bool         `json:"timed_out"`
	LatencyS   float64      `json:"latency_s"`
	Times      *times       `json:"times,omitempty"`
	Ports      []port       `json:"ports"`
	ExtraPorts []extraPorts `json:"extra_ports"`
	Trace      *trace       `json:"trace,omitempty"`
	OSPassive  *osPassive   `json:"os_passive,omitempty"`
	OS         *osResult    `json:"os,omitempty"`
}

type hostname struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

type times struct {
	SRTTS    float64 `json:"srtt_s"`
	RTTVarS  float64 `json:"rttvar_s"`
	TimeoutS float64 `json:"timeout_s"`
}

type port struct {
	Protocol   string   `json:"protocol"`
	Port       int      `json:"port"`
	State      string   `json:"state"`
	Reason     string   `json:"reason"`
	ReasonTTL  int      `json:"reason_ttl"`
	ReasonAddr string   `json:"reason_addr,omitempty"`
	Service    *service `json:"service,omitempty"`
}

type service struct {
	Name        string   `json:"name"`
	Product     string   `json:"product,omitempty"`
	Version     string   `json:"version,omitempty"`
	ExtraInfo   string   `json:"extra_info,omitempty"`
	Hostname    string   `json:"hostname,omitempty"`
	OSType      string   `json:"os_type,omitempty"`
	DeviceType  string   `json:"device_type,omitempty"`
	Tunnel      string   `json:"tunnel,omitempty"`
	Method      string   `json:"method"`
	Conf        int      `json:"conf"`
	CPE         []string `json:"cpe,omitempty"`
	Fingerprint string   `json:"fingerprint,omitempty"`
}

type extraPorts struct {
	State   string        `json:"state"`
	Count   int           `json:"count"`
	Reasons []reasonCount `json:"reasons"`
}

type reasonCount struct {
	Reason   string `json:"reason"`
	Protocol string `json:"protocol,omitempty"`
	Count    int    `json:"count"`
}

type runEnd struct {
	header
	End         string  `json:"end,omitempty"`
	ElapsedS    float64 `json:"elapsed_s"`
	HostsUp     int     `json:"hosts_up"`
	HostsDown   int     `json:"hosts_down"`
	HostsTotal  int     `json:"hosts_total"`
	Exit        string  `json:"exit"`
	Error       string  `json:"error,omitempty"`
	Interrupted bool    `json:"interrupted"`
	Stats       stats   `json:"stats"`
}

type stats struct {
	ProbesSent      uint64  `json:"probes_sent"`
	Replies         uint64  `json:"replies"`
	Retransmissions uint64  `json:"retransmissions"`
	LossRatio       float64 `json:"loss_ratio"`
	PeakRatePPS     float64 `json:"peak_rate_pps"`
	NoReplyStates   uint64  `json:"no_reply_states"`
}

func (f *format) AppendBegin(b []byte, run *result.Run) []byte {
	rec := runStart{
		header:    header{TypeRunStart, SchemaVersion},
		Scanner:   output.Name(run),
		Version:   output.Text(run.Version),
		Args:      output.Text(run.Args),
		Start:     stamp(run.Start),
		ScanInfo:  []scanInfo{},
		Verbose:   run.Verbose,
		Debugging: run.Debugging,
	}
	for _, si := range run.ScanInfo {
		n, _ := output.CountPorts(si.Ports)
		rec.ScanInfo = append(rec.ScanInfo, scanInfo{si.Type, si.Protocol.String(), si.Ports, n})
	}
	return appendRecord(b, rec)
}

func (f *format) AppendHost(b []byte, h *result.Host) []byte {
	if f.opts.Open && !output.Shown(h, 0, true) {
		return b
	}
	addr := h.Addr.Unmap()
	rec := host{
		header:     header{TypeHost, SchemaVersion},
		Addr:       addr.String(),
		AddrType:   "ipv4",
		State:      h.State.String(),
		Reason:     output.Text(string(h.Reason)),
		ReasonTTL:  int(h.ReasonTTL),
		MACVendor:  output.Text(h.MACVendor),
		Hostnames:  []hostname{},
		Start:      stamp(h.Start),
		End:        stamp(h.End),
		TimedOut:   h.TimedOut,
		LatencyS:   h.Latency.Seconds(),
		Ports:      []port{},
		ExtraPorts: []extraPorts{},
	}
	if addr.Is6() {
		rec.AddrType = "ipv6"
	}
	if len(h.MAC) > 0 {
		rec.MAC = output.MAC(h.MAC)
	}
	for _, hn := range h.Hostnames {
		rec.Hostnames = append(rec.Hostnames, hostname{output.Text(hn.Name), output.HostnameType(hn.Type)})
	}
	if h.Times != (result.Times{}) {
		rec.Times = &times{h.Times.SRTT.Seconds(), h.Times.RTTVar.Seconds(), h.Times.Timeout.Seconds()}
	}
	ports, extra := output.Ports(h, f.opts.Open)
	for i := range ports {
		rec.Ports = append(rec.Ports, toPort(&ports[i]))
	}
	for _, e := range extra {
		ep := extraPorts{State: e.State.String(), Count: e.Count, Reasons: []reasonCount{}}
		for _, r := range e.Reasons {
			rc := reasonCount{Reason: output.Text(string(r.Reason)), Count: r.Count}
			if r.Protocol != 0 {
				rc.Protocol = r.Protocol.String()
			}
			ep.Reasons = append(ep.Reasons, rc)
		}
		rec.ExtraPorts = append(rec.ExtraPorts, ep)
	}
	rec.Trace = toTrace(h)
	rec.OSPassive = toOSPassive(h)
	rec.OS = toOS(h)
	return appendRecord(b, rec)
}

func toPort(p *result.Port) port {
	out := port{
		Protocol:  p.Protocol.String(),
		Port:      int(p.Number),
		State:     p.State.String(),
		Reason:    output.Text(string(p.Reason)),
		ReasonTTL: int(p.ReasonTTL),
	}
	if p.ReasonAddr.IsValid() {
		out.ReasonAddr = p.ReasonAddr.Unmap().String()
	}
	s := &p.Service
	if s.Name == "" && s.Product == "" && s.Version == "" && s.ExtraInfo == "" && len(s.CPE) == 0 && s.Fingerprint == "" {
		return out
	}
	method := s.Method
	if method == "" {
		method = "table"
	}
	out.Service = &service{
		Name:        output.Text(s.Name),
		Product:     output.Text(s.Product),
		Version:     output.Text(s.Version),
		ExtraInfo:   output.Text(s.ExtraInfo),
		Hostname:    output.Text(s.Hostname),
		OSType:      output.Text(s.OSType),
		DeviceType:  output.Text(s.DeviceType),
		Tunnel:      output.Text(s.Tunnel),
		Method:      output.Text(method),
		Conf:        s.Conf,
		Fingerprint: output.Text(s.Fingerprint),
	}
	for _, c := range s.CPE {
		out.Service.CPE = append(out.Service.CPE, output.Text(c))
	}
	return out
}

func (f *format) AppendEnd(b []byte, run *result.Run) []byte {
	rec := runEnd{
		header:      header{TypeRunEnd, SchemaVersion},
		End:         stamp(run.End),
		ElapsedS:    output.Elapsed(run),
		HostsUp:     run.HostsUp,
		HostsDown:   run.HostsDown,
		HostsTotal:  run.HostsUp + run.HostsDown,
		Exit:        "success",
		Error:       output.Text(output.ExitMessage(run)),
		Interrupted: run.Interrupted,
		Stats: stats{
			ProbesSent:      run.Stats.ProbesSent,
			Replies:         run.Stats.Replies,
			Retransmissions: run.Stats.Retransmissions,
			LossRatio:       finite(run.Stats.Loss),
			PeakRatePPS:     finite(run.Stats.Rate),
			NoReplyStates:   run.Stats.NoReply,
		},
	}
	if rec.Error != "" {
		rec.Exit = "error"
	}
	return appendRecord(b, rec)
}

// stamp formats t in UTC, or "" (and so no key) when it is unknown.
func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(timeLayout)
}

// finite keeps NaN and infinities, which JSON cannot carry, out of the
// record: a loss computed as 0/0 by an engine that sent nothing is 0.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// appendRecord appends v as one line. The records hold only strings,
// integers and finite numbers, which always marshal; should that ever
// fail, an "error" record keeps the line structure intact.
func appendRecord(b []byte, v any) []byte {
	line, err := json.Marshal(v)
	if err != nil {
		line, _ = json.Marshal(struct {
			header
			Error string `json:"error"`
		}{header{"error", SchemaVersion}, "jsonl: " + err.Error()})
	}
	b = append(b, line...)
	return append(b, '\n')
}
