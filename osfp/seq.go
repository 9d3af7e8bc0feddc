package osfp

import (
	"fmt"
	"math"
	"time"

	"github.com/picket-scanner/picket/packet"
)

// IPIDClass is how a host generates IP IDs (Nmap's IPID_SEQ_*).
type IPIDClass uint8

// IP ID classes.
const (
	IPIDUnknown    IPIDClass = iota // too few samples, or no pattern
	IPIDIncr                        // incremental: I
	IPIDIncrBy2                     // incrementing by 2: also I
	IPIDBrokenIncr                  // byte-swapped incremental, steps of 256: BI
	IPIDRPI                         // random positive increments: RI
	IPIDRandom                      // random: RD
	IPIDConstant                    // the same nonzero ID every time: its value
	IPIDZero                        // always zero: Z
)

var ipidNames = [...]string{
	IPIDUnknown:    "Busy server or unknown class",
	IPIDIncr:       "Incremental",
	IPIDIncrBy2:    "Incrementing by 2",
	IPIDBrokenIncr: "Broken little-endian incremental",
	IPIDRPI:        "Random positive increments",
	IPIDRandom:     "Randomized",
	IPIDConstant:   "Duplicated ipid (!)",
	IPIDZero:       "All zeros",
}

// String returns the class as Nmap's "IP ID Sequence Generation:" line
// words it.
func (c IPIDClass) String() string {
	if int(c) < len(ipidNames) {
		return ipidNames[c]
	}
	return ipidNames[IPIDUnknown]
}

// TSClass is how a host's TCP timestamps behave (Nmap's TS_SEQ_*).
type TSClass uint8

// Timestamp classes.
const (
	TSUnknown     TSClass = iota // not enough replies, or no change
	TSZero                       // a reply carried TSval 0: TS=0
	TSUnsupported                // a reply had no timestamp option: TS=U
	TS2Hz                        // about 2 Hz
	TS100Hz                      // about 100 Hz
	TS1000Hz                     // about 1000 Hz
	TSOther                      // another rate
)

// Difficulty returns Nmap's words for a TCP sequence prediction index
// (the SP value): from "Trivial joke" to "Good luck!".
func Difficulty(index int) string {
	switch {
	case index < 3:
		return "Trivial joke"
	case index < 6:
		return "Easy"
	case index < 11:
		return "Medium"
	case index < 12:
		return "Formidable"
	case index < 16:
		return "Worthy challenge"
	}
	return "Good luck!"
}

// modDiff is Nmap's MOD_DIFF: the shorter way around the 32-bit circle.
func modDiff(a, b uint32) uint32 { return min(a-b, b-a) }

// gcdN is Nmap's gcd_n_uint: 1 for no values, 0 when all are 0.
func gcdN(v []uint32) uint32 {
	if len(v) == 0 {
		return 1
	}
	a := v[0]
	for _, b := range v[1:] {
		if a < b {
			a, b = b, a
		}
		for b != 0 {
			a, b = b, a%b
		}
	}
	return a
}

// seq computes the SEQ test, and the side results that come from the same
// numbers, as Nmap's makeTSeqFP does.
func (a *Analysis) seq(r *Responses) *Test {
	t := Test{Name: "SEQ"}
	// The SYN-ACKs Nmap calls useful: their IP IDs feed TI, and their TCP
	// timestamps decide TS=U or TS=0.
	var tcpIPIDs []uint32
	type sample struct {
		seq, ts uint32
		sent    time.Time
	}
	var samples []sample
	var lastID uint32
	for i, d := range r.Seq {
		if d == nil || !isTCP(d) {
			continue
		}
		// Nmap takes a reply with the same nonzero IP ID as the one before
		// for a duplicate and ignores it, so a host with a constant nonzero
		// IP ID contributes one reply to SEQ.
		id := d.IP.ID & 0xffff
		dup := lastID != 0 && id == lastID
		lastID = id
		if dup || !isSynAck(d) {
			continue
		}
		tcpIPIDs = append(tcpIPIDs, id)
		o := &d.TCP.Options
		switch {
		case !o.HasTimestamps:
			a.TS = TSUnsupported
		case o.TSVal == 0:
			a.TS = TSZero
		}
		if d.TCP.Seq != 0 { // Nmap takes an ISN of 0 for a missing reply
			samples = append(samples, sample{d.TCP.Seq, o.TSVal, r.SeqSent[i]})
		}
	}
	n := len(samples)
	a.SeqResponses = n
	var (
		seqDiffs = make([]uint32, 0, 5)
		tsDiffs  = make([]uint32, 0, 5)
		usec     = make([]float64, 0, 5)
		rates    = make([]float32, 0, 5)
		avgRate  float64
	)
	for j := 1; j < n; j++ {
		seqDiffs = append(seqDiffs, modDiff(samples[j].seq, samples[j-1].seq))
		tsDiffs = append(tsDiffs, modDiff(samples[j].ts, samples[j-1].ts))
		us := samples[j].sent.Sub(samples[j-1].sent).Microseconds()
		if us == 0 {
			us = 1
		}
		u := float64(uint64(us)) // Nmap keeps it in an unsigned long
		usec = append(usec, u)
		rate := float32(float64(seqDiffs[j-1]) * 1000000.0 / u)
		rates = append(rates, rate)
		avgRate += float64(rate)
	}
	if n >= 4 {
		avgRate /= float64(n - 1)
		seqRate := avgRate
		gcd := gcdN(seqDiffs)
		index := 0
		if gcd == 0 {
			seqRate = 0
		} else {
			seqRate = float64(uint32(int64(math.Log(seqRate)/math.Log(2.0)*8 + 0.5)))
			div := float64(1)
			if gcd > 9 {
				div = float64(int32(gcd))
			}
			var stddev float64
			for _, rt := range rates {
				d := float64(rt/float32(div)) - avgRate/div
				stddev += d * d
			}
			stddev /= float64(n - 2)
			stddev = math.Sqrt(stddev)
			if stddev > 1 {
				index = int(math.Log(stddev)/math.Log(2.0)*8 + 0.5)
			}
		}
		a.SeqIndex = index
		t.Attrs = append(t.Attrs,
			Attr{"SP", fmt.Sprintf("%X", uint32(index))},
			Attr{"GCD", fmt.Sprintf("%X", gcd)},
			Attr{"ISR", fmt.Sprintf("%X", uint32(seqRate))})
	}

	var closed, icmp []uint32
	for n := 5; n <= 7; n++ {
		if d := r.T[n]; d != nil && isTCP(d) {
			closed = append(closed, d.IP.ID&0xffff)
		}
	}
	for i, d := range r.IE {
		if d != nil && isEchoReply(d) && !r.IERetransmitted[i] {
			icmp = append(icmp, d.IP.ID&0xffff)
		}
	}
	ti, ci, ii := IPIDUnknown, IPIDUnknown, IPIDUnknown
	if len(tcpIPIDs) >= 3 {
		ti = ipidSequence(tcpIPIDs, r.Localhost)
	}
	if len(closed) >= 2 {
		ci = ipidSequence(closed, r.Localhost)
	}
	if len(icmp) >= 2 {
		ii = ipidSequence(icmp, r.Localhost)
	}
	a.IPID = ti
	for _, x := range []struct {
		name  string
		class IPIDClass
		ids   []uint32
	}{{"TI", ti, tcpIPIDs}, {"CI", ci, closed}, {"II", ii, icmp}} {
		if v, ok := ipidValue(x.class, x.ids); ok {
			t.Attrs = append(t.Attrs, Attr{x.name, v})
		}
	}
	incr := func(c IPIDClass) bool { return c == IPIDIncr || c == IPIDBrokenIncr || c == IPIDRPI }
	if incr(ti) && incr(ii) {
		last := tcpIPIDs[len(tcpIPIDs)-1]
		avg := (last - tcpIPIDs[0]) / uint32(len(tcpIPIDs)-1)
		v := "O"
		if icmp[0] < last+3*avg {
			v = "S"
		}
		t.Attrs = append(t.Attrs, Attr{"SS", v})
	}

	if a.TS == TSUnknown && n >= 2 {
		var hz float64
		for i := range tsDiffs {
			hz += float64(tsDiffs[i]) / (usec[i] / 1000000.0) / float64(n-1)
		}
		a.TSHz = hz
		var up uint32
		ts0 := samples[0].ts
		switch {
		case hz > 0 && hz < 5.66:
			a.TS, up = TS2Hz, ts0/2
		case hz > 70 && hz < 150:
			a.TS, up = TS100Hz, ts0/100
		case hz > 724 && hz < 1448:
			a.TS, up = TS1000Hz, ts0/1000
		case hz > 0:
			a.TS, up = TSOther, ts0/uint32(0.5+hz)
		}
		if a.TS != TSUnknown {
			if up > 63072000 { // more than two years: Nmap assumes a lie
				up = 0
			}
			a.HasUptime = true
			a.Uptime = time.Duration(up) * time.Second
			a.LastBoot = samples[0].sent.Truncate(time.Second).Add(-a.Uptime)
		}
	}
	switch a.TS {
	case TSZero:
		t.Attrs = append(t.Attrs, Attr{"TS", "0"})
	case TSUnsupported:
		t.Attrs = append(t.Attrs, Attr{"TS", "U"})
	case TS2Hz, TS100Hz, TS1000Hz, TSOther:
		hz := a.TSHz
		var v uint32
		switch {
		case hz <= 5.66:
			v = 1
		case hz > 70 && hz <= 150:
			v = 7
		case hz > 150 && hz <= 350:
			v = 8
		default:
			v = uint32(0.5 + math.Log(hz)/math.Log(2.0))
		}
		t.Attrs = append(t.Attrs, Attr{"TS", fmt.Sprintf("%X", v)})
	}
	if len(t.Attrs) == 0 {
		return nil
	}
	return &t
}

// ipidValue is Nmap's make_aval_ipid_seq: the value of TI, CI or II, or
// false to leave the attribute out.
func ipidValue(c IPIDClass, ids []uint32) (string, bool) {
	switch c {
	case IPIDConstant:
		return fmt.Sprintf("%X", ids[0]), true
	case IPIDIncr, IPIDIncrBy2:
		return "I", true
	case IPIDBrokenIncr:
		return "BI", true
	case IPIDRPI:
		return "RI", true
	case IPIDRandom:
		return "RD", true
	case IPIDZero:
		return "Z", true
	}
	return "", false
}

// ipidSequence classifies 16-bit IP IDs as Nmap's get_ipid_sequence_16
// does. The differences are taken in 32 bits first, so a wrap of the 16-bit
// counter between samples reads as random when there are more than two.
func ipidSequence(ids []uint32, localhost bool) IPIDClass {
	n := len(ids)
	if n < 2 {
		return IPIDUnknown
	}
	diffs := make([]uint32, n-1)
	allZero := true
	for i := 1; i < n; i++ {
		if ids[i-1] != 0 || ids[i] != 0 {
			allZero = false
		}
		diffs[i-1] = ids[i] - ids[i-1]
		if n > 2 && diffs[i-1] > 20000 {
			return IPIDRandom
		}
	}
	if allZero {
		return IPIDZero
	}
	for i := range diffs {
		diffs[i] &= 0xffff
	}
	if localhost {
		allAboveOne := true
		for _, d := range diffs {
			if d < 2 {
				allAboveOne = false
				break
			}
		}
		if allAboveOne {
			for i, d := range diffs {
				if d%256 == 0 {
					diffs[i] -= 256
				} else {
					diffs[i]--
				}
			}
		}
	}
	constant := true
	for _, d := range diffs {
		if d != 0 {
			constant = false
			break
		}
	}
	if constant {
		return IPIDConstant
	}
	for _, d := range diffs {
		if d > 1000 && (d%256 != 0 || d >= 25600) {
			return IPIDRPI
		}
	}
	under10, broken, even := true, true, true
	for _, d := range diffs {
		if d > 5120 || d%256 != 0 {
			broken = false
		}
		if d%2 != 0 {
			even = false
		}
		if d > 9 {
			under10 = false
		}
	}
	switch {
	case broken:
		return IPIDBrokenIncr
	case even:
		return IPIDIncrBy2
	case under10:
		return IPIDIncr
	}
	return IPIDUnknown
}

func isEchoReply(d *packet.Decoded) bool {
	return d.Network == packet.NetworkIPv4 && d.Transport == packet.TransportICMPv4 && d.ICMP.Type == packet.ICMPv4EchoReply
}

// Prediction returns what follows "TCP Sequence Prediction: " in Nmap's
// report, such as "Difficulty=262 (Good luck!)", or "" when fewer than four
// SYN-ACKs gave an ISN, when Nmap prints no such line.
func (a Analysis) Prediction() string {
	if a.SeqResponses < 4 {
		return ""
	}
	return fmt.Sprintf("Difficulty=%d (%s)", a.SeqIndex, Difficulty(a.SeqIndex))
}
