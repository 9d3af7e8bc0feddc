package jsonl

import "github.com/picket-scanner/picket/result"

type osPassive struct {
	Family     string   `json:"family"`
	Name       string   `json:"name"`
	Confidence int      `json:"confidence"`
	Evidence   []string `json:"evidence"`
}

func toOSPassive(h *result.Host) *osPassive {
	g := h.OSPassive
	if g == nil {
		return nil
	}
	ev := g.Evidence
	if ev == nil {
		ev = []string{}
	}
	return &osPassive{Family: g.Family, Name: g.Name, Confidence: g.Confidence, Evidence: ev}
}
