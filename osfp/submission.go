package osfp

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// DistanceMethod says how the network distance to a host was found; Nmap
// prints it as the DC attribute of the SCAN test.
type DistanceMethod uint8

// Distance methods.
const (
	DistanceUnknown    DistanceMethod = iota
	DistanceLocalhost                 // the host is this machine: 0 hops
	DistanceDirect                    // same link, its MAC address is known: 1 hop
	DistanceICMP                      // from the TTL quoted in the U1 reply
	DistanceTraceroute                // from a traceroute
)

var distanceCodes = [...]string{"", "L", "D", "I", "T"}

// Code returns Nmap's one-letter code: L, D, I, T, or "" when unknown.
func (m DistanceMethod) Code() string {
	if int(m) < len(distanceCodes) {
		return distanceCodes[m]
	}
	return ""
}

// ScanInfo is the SCAN test Nmap puts first in a fingerprint meant for
// submission: how and when the fingerprint was taken. It is a plain value.
type ScanInfo struct {
	Version string // V: the scanner's version
	Engine  string // E: "4" for the IPv4 engine
	// Time gives D (month/day, in Time's location) and TM (Unix seconds,
	// hexadecimal).
	Time time.Time
	// OpenTCPPort, ClosedTCPPort and ClosedUDPPort are the ports probed (OT,
	// CT, CU); 0 means none was found and prints as empty.
	OpenTCPPort, ClosedTCPPort, ClosedUDPPort int
	Private                                   bool // PV: the target address is private
	// Distance is the hop count (DS); -1 means unknown and leaves DS out.
	Distance int
	Method   DistanceMethod // DC; DistanceUnknown leaves it out
	Good     bool           // G: the conditions were good enough to submit
	// MAC is the target's MAC address when it is on the same link; its
	// first three bytes are printed (M). Nil leaves M out.
	MAC      []byte
	Platform string // P: the scanner's platform, such as x86_64-pc-linux-gnu
}

// Test returns the SCAN test in Nmap's layout.
func (s ScanInfo) Test() Test {
	port := func(p int) string {
		if p <= 0 {
			return ""
		}
		return fmt.Sprint(p)
	}
	yn := func(b bool) string {
		if b {
			return "Y"
		}
		return "N"
	}
	t := Test{Name: "SCAN", Attrs: []Attr{
		{"V", s.Version},
		{"E", s.Engine},
		{"D", fmt.Sprintf("%d/%d", int(s.Time.Month()), s.Time.Day())},
		{"OT", port(s.OpenTCPPort)},
		{"CT", port(s.ClosedTCPPort)},
		{"CU", port(s.ClosedUDPPort)},
		{"PV", yn(s.Private)},
	}}
	if s.Distance != -1 {
		t.Attrs = append(t.Attrs, Attr{"DS", fmt.Sprint(s.Distance)})
	}
	if s.Method != DistanceUnknown {
		t.Attrs = append(t.Attrs, Attr{"DC", s.Method.Code()})
	}
	t.Attrs = append(t.Attrs, Attr{"G", yn(s.Good)})
	if len(s.MAC) >= 3 {
		t.Attrs = append(t.Attrs, Attr{"M", fmt.Sprintf("%02X%02X%02X", s.MAC[0], s.MAC[1], s.MAC[2])})
	}
	t.Attrs = append(t.Attrs,
		Attr{"TM", fmt.Sprintf("%X", uint32(s.Time.Unix()))},
		Attr{"P", s.Platform})
	return t
}

// wrapWidth is how many characters of the fingerprint Nmap puts on each
// "OS:" line of the submission form.
const wrapWidth = 72

// FormatSubmission returns the fingerprint as Nmap prints it after "TCP/IP
// fingerprint:": the SCAN test from info, then the tests of every try in
// fps, merged. With wrap, the text is cut into lines of 72 characters each
// prefixed with "OS:", which is the form Nmap prints when no match is
// exact; without, one test per line. Every line ends in a newline.
//
// Merging follows Nmap: the tests are put in the order SEQ, OPS, WIN, ECN,
// T1–T7, U1, IE (stable, so tries keep their order), and a test is dropped
// when an earlier one of the same name has the same attribute names in the
// same order, whatever their values. With no fingerprint it returns
// "(None)", with more than 32 "(Too many)", as Nmap does.
func FormatSubmission(info ScanInfo, wrap bool, fps ...Fingerprint) string {
	if len(fps) == 0 {
		return "(None)"
	}
	if len(fps) > 32 {
		return "(Too many)"
	}
	tests := mergeTests(fps)
	var b strings.Builder
	info.Test().appendTo(&b)
	if !wrap {
		b.WriteByte('\n')
	}
	for _, t := range tests {
		t.appendTo(&b)
		if !wrap {
			b.WriteByte('\n')
		}
	}
	if !wrap {
		return b.String()
	}
	flat := b.String()
	var w strings.Builder
	for len(flat) > 0 {
		n := min(wrapWidth, len(flat))
		w.WriteString("OS:")
		w.WriteString(flat[:n])
		w.WriteByte('\n')
		flat = flat[n:]
	}
	return w.String()
}

func mergeTests(fps []Fingerprint) []Test {
	var all []Test
	for _, fp := range fps {
		for _, t := range fp.Tests {
			if t.Name != "SCAN" {
				all = append(all, t)
			}
		}
	}
	slices.SortStableFunc(all, func(a, b Test) int { return testRank(a.Name) - testRank(b.Name) })
	out := all[:0:0]
	for _, t := range all {
		dup := false
		for _, u := range out {
			if u.Name == t.Name && sameAttrNames(u, t) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, t)
		}
	}
	return out
}

func sameAttrNames(a, b Test) bool {
	if len(a.Attrs) != len(b.Attrs) {
		return false
	}
	for i := range a.Attrs {
		if a.Attrs[i].Name != b.Attrs[i].Name {
			return false
		}
	}
	return true
}
