package timing

import "time"

// RTTConfig bounds an RTT estimator's probe timeout. The zero RTTConfig is
// -T3's: 1 s initial, 100 ms to 10 s. It is a plain value, safe to share.
type RTTConfig struct {
	Initial time.Duration // timeout until the first sample
	Min     time.Duration
	Max     time.Duration
	// Floor is a lower bound applied after Min and Max: Nmap never times a
	// probe out sooner than the scan delay, since no reply can be compared
	// before the next probe may go anyway.
	Floor time.Duration
	// NmapFirstSample seeds rttvar as Nmap does, clamp(rtt, 5ms, 2s),
	// instead of RFC 6298's rtt/2. Nmap's first timeout is 5*rtt (at least
	// rtt+20ms); the RFC's is 3*rtt.
	NmapFirstSample bool
}

// Limits on samples, from Nmap's adjust_timeouts2: pcap and the system
// clock disagree now and then, and a reply to the wrong probe can look like
// a huge round trip, so such samples are dropped rather than averaged in.
const (
	rttMaxSample    = 8 * time.Second // later samples at or above this are ignored
	rttBogusDelta   = 1500 * time.Millisecond
	rttVarLimit     = 2300 * time.Millisecond // rttvar above this ...
	rttVarReset     = 2 * time.Second         // ... is cut back to this
	rttNmapVarFloor = 5 * time.Millisecond
)

// RTT estimates a round-trip time and derives a probe timeout as RFC 6298
// does and Nmap uses it: srtt += (rtt-srtt)/8, rttvar += (|rtt-srtt|-rttvar)/4,
// timeout = srtt + 4*rttvar clamped to [Min, Max], then raised to Floor.
// An RTT is a value; it is not safe for concurrent use.
type RTT struct {
	cfg      RTTConfig
	srtt     time.Duration
	rttvar   time.Duration
	timeout  time.Duration
	measured bool
}

// NewRTT returns an estimator with no samples yet.
func NewRTT(c RTTConfig) RTT {
	if c.Initial == 0 && c.Max == 0 {
		floor, nmap := c.Floor, c.NmapFirstSample
		c = DefaultParams().RTTConfig()
		c.Floor, c.NmapFirstSample = floor, nmap
	}
	return RTT{cfg: c, timeout: c.Initial}
}

// Observe adds the round trip of a probe sent at sent and answered at
// received. It reports whether the sample was used.
func (r *RTT) Observe(sent, received time.Time) bool { return r.Sample(received.Sub(sent)) }

// Sample adds one round-trip time and reports whether it was used: negative
// samples are ignored, and so, once an estimate exists, are samples of 8 s
// or more and jumps of more than 1.5 s that are also more than
// 3*srtt + 2*rttvar above the estimate (Nmap's sanity checks).
func (r *RTT) Sample(rtt time.Duration) bool {
	if rtt < 0 {
		return false
	}
	if !r.measured {
		r.srtt = rtt
		if r.cfg.NmapFirstSample {
			r.rttvar = min(max(rtt, rttNmapVarFloor), rttVarReset)
		} else {
			r.rttvar = rtt / 2
		}
		r.measured = true
	} else {
		if rtt >= rttMaxSample {
			return false
		}
		delta := rtt - r.srtt
		if delta > rttBogusDelta && delta > 3*r.srtt+2*r.rttvar {
			return false
		}
		r.srtt += delta / 8
		r.rttvar += (abs(delta) - r.rttvar) / 4
	}
	if r.rttvar > rttVarLimit {
		r.rttvar = rttVarReset
	}
	r.timeout = max(min(max(r.srtt+4*r.rttvar, r.cfg.Min), r.cfg.Max), r.cfg.Floor)
	return true
}

// Timeout is how long to wait for a reply before counting a probe as lost:
// the initial timeout until the first sample.
func (r *RTT) Timeout() time.Duration { return r.timeout }

// SRTT is the smoothed round-trip time, 0 before the first sample.
func (r *RTT) SRTT() time.Duration { return r.srtt }

// RTTVar is the round-trip variation, 0 before the first sample.
func (r *RTT) RTTVar() time.Duration { return r.rttvar }

// Measured reports whether any sample was used.
func (r *RTT) Measured() bool { return r.measured }

// Times is a snapshot of an estimator for Nmap's XML element
// <times srtt="" rttvar="" to=""/>, which gives microseconds
// (Duration.Microseconds). Nmap writes the element only when Measured.
// Times is a plain value, safe to share.
type Times struct {
	SRTT     time.Duration
	RTTVar   time.Duration
	Timeout  time.Duration
	Measured bool
}

// Times returns the estimator's current values.
func (r *RTT) Times() Times {
	return Times{SRTT: r.srtt, RTTVar: r.rttvar, Timeout: r.timeout, Measured: r.measured}
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
