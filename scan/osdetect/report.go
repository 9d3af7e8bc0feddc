package osdetect

import (
	"fmt"
	"runtime"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/result"
)

// report turns a host's tries into its result, as Nmap reports them: the
// best try matched against the first database that matches it, the
// summary lines, the fingerprint of every try when none matched exactly,
// and the side results of the best try.
func (d *Detector) report(h *host, tries []tryResult, cond osfp.Conditions) *result.OSResult {
	fps := make([]osfp.Fingerprint, len(tries))
	for i, t := range tries {
		fps[i] = t.a.Fingerprint
	}
	var (
		best int
		res  osfp.Result
		db   *osfp.DB
	)
	primaryExact := false
	for i, cand := range d.cfg.DBs {
		best, res = cand.Best(fps)
		db = cand
		if i == 0 {
			primaryExact = res.Perfect > 0
		}
		if len(res.Matches) > 0 {
			break
		}
	}
	omit := cond.OmitReason()
	guess := d.cfg.Guess || omit != ""
	sum := osfp.Summarize(res, guess)
	a := tries[best].a
	out := &result.OSResult{
		Exact: sum.Exact && !sum.TooMany, Guessing: guess, TooMany: sum.TooMany,
		OmitReason: omit, Database: db.Source, Tries: len(tries), Distance: -1,
	}
	if cond.OpenTCPPort > 0 {
		out.PortsUsed = append(out.PortsUsed, result.OSPort{State: result.Open, Protocol: result.TCP, Number: uint16(cond.OpenTCPPort)})
	}
	if cond.ClosedTCPPort > 0 {
		out.PortsUsed = append(out.PortsUsed, result.OSPort{State: result.Closed, Protocol: result.TCP, Number: uint16(cond.ClosedTCPPort)})
	}
	if cond.ClosedUDPPort > 0 {
		out.PortsUsed = append(out.PortsUsed, result.OSPort{State: result.Closed, Protocol: result.UDP, Number: uint16(cond.ClosedUDPPort)})
	}
	var shown []osfp.Match
	switch {
	case sum.TooMany:
	case res.Perfect > 0:
		shown = res.Matches[:res.Perfect]
	default:
		// Nmap's XML lists the close guesses even when the report does
		// not print them.
		for i, m := range res.Matches {
			if i == osfp.MaxGuesses || (i > 0 && m.Accuracy <= res.Matches[0].Accuracy-osfp.GuessSpread) {
				break
			}
			shown = append(shown, m)
		}
	}
	for _, m := range shown {
		om := result.OSMatch{Name: m.Entry.Name, Accuracy: m.Percent(), Line: m.Entry.Line}
		for _, c := range m.Entry.Classes {
			om.Classes = append(om.Classes, result.OSClass{
				Vendor: c.Vendor, Family: c.Family, Generation: c.Generation, Type: c.DeviceType,
				Accuracy: m.Percent(), CPE: c.CPE,
			})
		}
		out.Matches = append(out.Matches, om)
	}
	if out.Exact || (guess && len(shown) > 0) {
		out.DeviceTypes, out.CPE, out.JustGuessing = sum.DeviceTypes, sum.CPE, sum.JustGuessing
		if len(sum.Families) > 0 {
			out.Running = sum.Running()
		}
	}
	dist, method := osfp.HostDistance(a, false, h.sameLink)
	out.Distance = dist
	// The fingerprint is worth printing whenever the first database (Nmap's,
	// with --datadir) does not know the host exactly, even if picket's own
	// does: that is the one to submit it to.
	if !out.Exact || !primaryExact {
		info := osfp.ScanInfo{
			Version: d.cfg.Version, Engine: "4", Time: d.cfg.Now(),
			OpenTCPPort: cond.OpenTCPPort, ClosedTCPPort: cond.ClosedTCPPort, ClosedUDPPort: cond.ClosedUDPPort,
			Private: h.t.Addr.IsPrivate(), Distance: dist, Method: method, Good: omit == "",
			Platform: platform(),
		}
		if h.sameLink {
			info.MAC = h.mac
		}
		out.Fingerprint = osfp.FormatSubmission(info, true, fps...)
	}
	if a.HasUptime {
		out.HasUptime, out.Uptime, out.LastBoot = true, a.Uptime, a.LastBoot
	}
	r := tries[best].r
	if a.SeqResponses >= 4 {
		out.TCPSequence = result.OSSequence{Index: a.SeqIndex, Difficulty: osfp.Difficulty(a.SeqIndex)}
	}
	var isns, ids, tss []string
	for _, s := range r.Seq {
		if s == nil || s.Transport != packet.TransportTCP {
			continue
		}
		isns = append(isns, fmt.Sprintf("%X", s.TCP.Seq))
		ids = append(ids, fmt.Sprintf("%X", uint16(s.IP.ID)))
		if s.TCP.Options.HasTimestamps {
			tss = append(tss, fmt.Sprintf("%X", s.TCP.Options.TSVal))
		}
	}
	if a.SeqResponses >= 4 {
		out.TCPSequence.Values = isns
	}
	out.IPIDSequence = result.OSSequence{Class: a.IPID.String(), Values: ids}
	out.TCPTSSequence = result.OSSequence{Class: tsClass(a.TS), Values: tss}
	if a.TS == osfp.TSUnsupported {
		out.TCPTSSequence.Values = nil
	}
	return out
}

// tsClass is Nmap's name of a timestamp class, as its XML writes it.
func tsClass(c osfp.TSClass) string {
	switch c {
	case osfp.TSZero:
		return "zero"
	case osfp.TS2Hz:
		return "2HZ"
	case osfp.TS100Hz:
		return "100HZ"
	case osfp.TS1000Hz:
		return "1000HZ"
	case osfp.TSOther:
		return "other"
	case osfp.TSUnsupported:
		return "none returned (unsupported)"
	}
	return "unknown"
}

// platform names this machine as a GNU triplet, as the P attribute of a
// fingerprint's SCAN line does.
func platform() string {
	arch := map[string]string{"amd64": "x86_64", "arm64": "aarch64", "386": "i686"}[runtime.GOARCH]
	if arch == "" {
		arch = runtime.GOARCH
	}
	return arch + "-unknown-" + runtime.GOOS + "-gnu"
}
