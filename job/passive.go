package job

import (
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// passiveOS guesses host i's OS family from the replies the group's
// tables kept for it, in the order the scans ran; nil when none kept any.
func passiveOS(tables []*scan.Table, i int) *result.PassiveOS {
	var samples []osfp.Sample
	for _, tab := range tables {
		if tab.Passive != nil && i < len(tab.Passive) {
			samples = append(samples, tab.Passive[i]...)
		}
	}
	if len(samples) == 0 {
		return nil
	}
	g := osfp.Passive(samples)
	if g.SynAcks+g.Resets == 0 {
		return nil
	}
	return &result.PassiveOS{
		Family: g.Stack.Key(), Name: g.Stack.String(),
		Confidence: g.Confidence, Evidence: g.Evidence,
	}
}
