package jsonl

import (
	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/result"
)

// trace is a host's route (--traceroute), documented in FORMAT.md.
type trace struct {
	Protocol   string `json:"protocol"`
	Port       int    `json:"port,omitempty"`
	Hops       []hop  `json:"hops"`
	SharedHops int    `json:"shared_hops,omitempty"`
	SameAs     string `json:"same_as,omitempty"`
}

type hop struct {
	TTL  int      `json:"ttl"`
	Addr string   `json:"addr,omitempty"`
	RTTS *float64 `json:"rtt_s,omitempty"`
	Host string   `json:"host,omitempty"`
}

func toTrace(h *result.Host) *trace {
	tr := h.Trace
	if tr == nil {
		return nil
	}
	out := &trace{Protocol: "icmp", Hops: []hop{}}
	switch {
	case tr.Protocol == result.TCP || tr.Protocol == result.UDP:
		out.Protocol, out.Port = tr.Protocol.String(), int(tr.Port)
	case h.Addr.Unmap().Is6():
		out.Protocol = "icmpv6"
	}
	if tr.Shared > 0 && tr.SameAs.IsValid() {
		out.SharedHops, out.SameAs = tr.Shared, tr.SameAs.Unmap().String()
	}
	for _, hp := range tr.Hops {
		o := hop{TTL: int(hp.TTL), Host: output.Text(hp.Host)}
		if hp.Addr.IsValid() {
			o.Addr = hp.Addr.Unmap().String()
			rtt := hp.RTT.Seconds()
			o.RTTS = &rtt
		}
		out.Hops = append(out.Hops, o)
	}
	return out
}
