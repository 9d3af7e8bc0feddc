package osfp

import (
	"fmt"
	"time"
)

// Conditions are the circumstances of an OS detection run that decide, as
// in Nmap, whether its fingerprint is fit for submission (the G attribute
// of SCAN), how many tries a host gets, and whether guesses are shown
// without --osscan-guess. It is a plain value.
type Conditions struct {
	ScanDelay time.Duration // --scan-delay
	Insane    bool          // timing template 5
	// OpenTCPPort, ClosedTCPPort and ClosedUDPPort are the ports probed; 0
	// means none. ClosedUDPPort should be set only when U1 got a reply.
	OpenTCPPort, ClosedTCPPort, ClosedUDPPort int
	Distance                                  int     // hops, -1 unknown
	MaxTimingRatio                            float64 // the largest TimingRatio of the tries
	UDPScan                                   bool    // a UDP scan ran, so a missing U1 reply means something
}

// DefaultMaxTries is Nmap's --max-os-tries default; StandardTries is what
// a host whose fingerprint is not fit for submission gets at most.
const (
	DefaultMaxTries = 5
	StandardTries   = 2
)

// OmitReason returns why the fingerprint is not fit for submission, in
// Nmap's words, or "" when it is. Nmap then prints "No exact OS matches
// for host (test conditions non-ideal)" instead of the fingerprint, and
// shows guesses even without --osscan-guess.
func (c Conditions) OmitReason() string {
	switch {
	case c.ScanDelay > 500*time.Millisecond:
		return fmt.Sprintf("Scan delay (%d) is greater than 500", c.ScanDelay.Milliseconds())
	case c.Insane:
		return "Timing level 5 (Insane) used"
	case c.OpenTCPPort <= 0:
		return "Missing an open TCP port so results incomplete"
	case c.ClosedTCPPort <= 0:
		return "Missing a closed TCP port so results incomplete"
	case c.Distance < -1:
		return fmt.Sprintf("Host distance (%d network hops) appears to be negative", c.Distance)
	case c.Distance > 5:
		return fmt.Sprintf("Host distance (%d network hops) is greater than five", c.Distance)
	case c.MaxTimingRatio > 1.4:
		return fmt.Sprintf("maxTimingRatio (%e) is greater than 1.4", c.MaxTimingRatio)
	case c.ClosedUDPPort <= 0 && !c.UDPScan:
		return "Didn't receive UDP response. Please try again with -sSU"
	}
	return ""
}

// MaxTries returns how many tries a host without a perfect match gets:
// userMax (--max-os-tries, 0 for the default), but at most StandardTries
// when the fingerprint is not fit for submission.
func (c Conditions) MaxTries(userMax int) int {
	if userMax <= 0 {
		userMax = DefaultMaxTries
	}
	if c.OmitReason() != "" {
		return min(userMax, StandardTries)
	}
	return userMax
}

// TimingRatio is how long the six SEQ probes took to send, over the ideal
// 500 ms; Nmap distrusts SEQ's rates beyond 1.4. It is 0 when the SEQ
// probes were not all sent.
func TimingRatio(sent [6]time.Time) float64 {
	if sent[0].IsZero() || sent[5].IsZero() {
		return 0
	}
	ideal := 5 * SeqSpacing.Milliseconds()
	return float64(sent[5].Sub(sent[0]).Milliseconds()) / float64(ideal)
}

// HostDistance returns the distance Nmap reports for a host ("Network
// Distance") and how it was found: 0 for this machine, 1 on the same link
// (its MAC address known), else the hop count from the U1 reply, else -1.
// A traceroute, when run, gives a better one (DistanceTraceroute).
func HostDistance(a Analysis, localhost, sameLink bool) (int, DistanceMethod) {
	switch {
	case localhost:
		return 0, DistanceLocalhost
	case sameLink:
		return 1, DistanceDirect
	case a.Distance != -1:
		return a.Distance, DistanceICMP
	}
	return -1, DistanceUnknown
}
