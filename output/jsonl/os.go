package jsonl

import (
	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// osResult is the "os" object: active OS detection (-O), documented in
// FORMAT.md.
type osResult struct {
	PortsUsed     []osPort    `json:"ports_used"`
	Matches       []osMatch   `json:"matches"`
	Exact         bool        `json:"exact"`
	TooMany       bool        `json:"too_many,omitempty"`
	DeviceTypes   []string    `json:"device_types,omitempty"`
	Running       string      `json:"running,omitempty"`
	JustGuessing  bool        `json:"just_guessing,omitempty"`
	CPE           []string    `json:"cpe,omitempty"`
	Fingerprint   string      `json:"fingerprint,omitempty"`
	OmitReason    string      `json:"omit_reason,omitempty"`
	Database      string      `json:"database,omitempty"`
	Tries         int         `json:"tries"`
	UptimeS       *int64      `json:"uptime_s,omitempty"`
	LastBoot      string      `json:"last_boot,omitempty"`
	Distance      *int        `json:"distance,omitempty"`
	TCPSequence   *osSequence `json:"tcp_sequence,omitempty"`
	IPIDSequence  *osSequence `json:"ip_id_sequence,omitempty"`
	TCPTSSequence *osSequence `json:"tcp_ts_sequence,omitempty"`
}

type osPort struct {
	State    string `json:"state"`
	Protocol string `json:"protocol"`
	Port     int    `json:"port"`
}

type osMatch struct {
	Name     string    `json:"name"`
	Accuracy int       `json:"accuracy"`
	Line     int       `json:"line"`
	Classes  []osClass `json:"classes"`
}

type osClass struct {
	Vendor     string   `json:"vendor"`
	Family     string   `json:"family"`
	Generation string   `json:"generation,omitempty"`
	Type       string   `json:"type,omitempty"`
	Accuracy   int      `json:"accuracy"`
	CPE        []string `json:"cpe"`
}

type osSequence struct {
	Class      string   `json:"class,omitempty"`
	Index      *int     `json:"index,omitempty"`
	Difficulty string   `json:"difficulty,omitempty"`
	Values     []string `json:"values"`
}

func toOS(h *result.Host) *osResult {
	o := h.OS
	if o == nil {
		return nil
	}
	out := &osResult{
		PortsUsed: []osPort{}, Matches: []osMatch{}, Exact: o.Exact, TooMany: o.TooMany,
		DeviceTypes: texts(o.DeviceTypes), Running: output.Text(o.Running), JustGuessing: o.JustGuessing,
		CPE: texts(o.CPE), OmitReason: o.OmitReason, Database: output.Text(o.Database), Tries: o.Tries,
		Fingerprint: o.Fingerprint,
	}
	for _, p := range o.PortsUsed {
		out.PortsUsed = append(out.PortsUsed, osPort{State: p.State.String(), Protocol: p.Protocol.String(), Port: int(p.Number)})
	}
	for _, m := range o.Matches {
		om := osMatch{Name: output.Text(m.Name), Accuracy: m.Accuracy, Line: m.Line, Classes: []osClass{}}
		for _, c := range m.Classes {
			cpe := texts(c.CPE)
			if cpe == nil {
				cpe = []string{}
			}
			om.Classes = append(om.Classes, osClass{Vendor: output.Text(c.Vendor), Family: output.Text(c.Family),
				Generation: output.Text(c.Generation), Type: output.Text(c.Type), Accuracy: c.Accuracy, CPE: cpe})
		}
		out.Matches = append(out.Matches, om)
	}
	if o.HasUptime {
		s := int64(o.Uptime.Seconds())
		out.UptimeS, out.LastBoot = &s, stamp(o.LastBoot)
	}
	if o.Distance >= 0 {
		d := o.Distance
		out.Distance = &d
	}
	if s := o.TCPSequence; s.Difficulty != "" {
		i := s.Index
		out.TCPSequence = &osSequence{Index: &i, Difficulty: s.Difficulty, Values: nonNil(s.Values)}
	}
	if s := o.IPIDSequence; s.Class != "" {
		out.IPIDSequence = &osSequence{Class: s.Class, Values: nonNil(s.Values)}
	}
	if s := o.TCPTSSequence; s.Class != "" {
		out.TCPTSSequence = &osSequence{Class: s.Class, Values: nonNil(s.Values)}
	}
	return out
}

func texts(in []string) []string {
	if in == nil {
		return nil
	}
	out := make([]string, len(in))
	for i, s := range in {
		out[i] = output.Text(s)
	}
	return out
}

func nonNil(v []string) []string {
	if v == nil {
		return []string{}
	}
	return v
}
