// Package scan holds what picket's port scan techniques share: the names of
// the techniques, what each concludes from a reply (Nmap's states and
// reasons), and the folding of a host's port states into the listed ports
// and the "Not shown" counts.
//
// The techniques themselves live in subpackages: scan/connect (connect(),
// unprivileged), scan/syn (the raw packet engine: SYN, ACK, FIN, NULL,
// Xmas).
//
// Everything here is a pure function or an immutable value, safe for
// concurrent use.
package scan

import (
	"slices"

	"github.com/picket-scanner/picket/result"
)

// Technique is a port scan technique.
type Technique uint8

// Techniques, with Nmap's option letters.
const (
	SYN     Technique = iota + 1 // -sS
	Connect                      // -sT
	ACK                          // -sA
	FIN                          // -sF
	NULL                         // -sN
	Xmas                         // -sX
	UDP                          // -sU
	// Echo and Timestamp are host discovery probes (-PE, -PP): ICMP echo
	// and timestamp requests. They have no ports.
	Echo
	Timestamp
)

// Name is the technique's name in Nmap's XML scaninfo type attribute.
func (t Technique) Name() string {
	switch t {
	case SYN:
		return "syn"
	case Connect:
		return "connect"
	case ACK:
		return "ack"
	case FIN:
		return "fin"
	case NULL:
		return "null"
	case Xmas:
		return "xmas"
	case UDP:
		return "udp"
	case Echo:
		return "echo"
	case Timestamp:
		return "timestamp"
	}
	return "unknown"
}

// Title is the technique's name as progress lines show it.
func (t Technique) Title() string {
	switch t {
	case SYN:
		return "SYN Stealth Scan"
	case Connect:
		return "Connect Scan"
	case ACK:
		return "ACK Scan"
	case FIN:
		return "FIN Scan"
	case NULL:
		return "NULL Scan"
	case Xmas:
		return "XMAS Scan"
	case UDP:
		return "UDP Scan"
	}
	return "Scan"
}

// Protocol is the transport the technique scans.
func (t Technique) Protocol() result.Protocol {
	if t == UDP {
		return result.UDP
	}
	return result.TCP
}

// Outcome is what came back for a probe, in four bits so engines can keep
// one per probe in a compact table.
type Outcome uint8

// Outcomes. None means no reply (yet).
const (
	None Outcome = iota
	SynAck
	Reset
	Connected   // connect() completed
	Refused     // connect() refused: a reset, or an ICMP port unreachable
	UDPResponse // a datagram came back
	PortUnreach
	HostUnreach
	NetUnreach
	ProtoUnreach
	AdminProhibited
	HostProhibited
	NetProhibited
	OtherUnreach // another ICMP unreachable code
	// NotProbed marks a probe this run did not send: with --shard i/n
	// another shard owns it. Folding leaves such ports out.
	NotProbed
	OtherResponse // a reply that fits no other outcome (e.g. TCP with odd flags)
	numOutcomes
)

// ICMPv4Unreach maps an ICMP destination-unreachable code to an Outcome.
func ICMPv4Unreach(code uint8) Outcome {
	switch code {
	case 0:
		return NetUnreach
	case 1:
		return HostUnreach
	case 2:
		return ProtoUnreach
	case 3:
		return PortUnreach
	case 9, 10:
		// Network or host administratively prohibited (RFC 1122).
		if code == 9 {
			return NetProhibited
		}
		return HostProhibited
	case 13:
		return AdminProhibited
	}
	return OtherUnreach
}

// ICMPv6Unreach maps an ICMPv6 destination-unreachable code to an Outcome.
func ICMPv6Unreach(code uint8) Outcome {
	switch code {
	case 0:
		return NetUnreach // no route to destination
	case 1:
		return AdminProhibited
	case 3:
		return HostUnreach // address unreachable
	case 4:
		return PortUnreach
	}
	return OtherUnreach
}

var unreachReason = map[Outcome]result.Reason{
	PortUnreach:     result.ReasonPortUnreach,
	HostUnreach:     result.ReasonHostUnreach,
	NetUnreach:      result.ReasonNetUnreach,
	ProtoUnreach:    result.ReasonProtoUnreach,
	AdminProhibited: result.ReasonAdminProhibited,
	HostProhibited:  result.ReasonHostProhibited,
	NetProhibited:   result.ReasonNetProhibited,
	OtherUnreach:    "dest-unreach",
}

// Classify returns the state and reason Nmap gives a port on which
// technique t saw outcome o.
func (t Technique) Classify(o Outcome) (result.State, result.Reason) {
	if r, ok := unreachReason[o]; ok {
		if t == UDP && o == PortUnreach {
			return result.Closed, r
		}
		return result.Filtered, r
	}
	switch t {
	case SYN:
		switch o {
		case SynAck:
			return result.Open, result.ReasonSynAck
		case Reset:
			return result.Closed, result.ReasonReset
		}
		return result.Filtered, result.ReasonNoResponse
	case Connect:
		switch o {
		case Connected:
			return result.Open, result.ReasonSynAck
		case Refused:
			return result.Closed, result.ReasonConnRefused
		}
		return result.Filtered, result.ReasonNoResponse
	case ACK:
		if o == Reset {
			return result.Unfiltered, result.ReasonReset
		}
		return result.Filtered, result.ReasonNoResponse
	case FIN, NULL, Xmas:
		if o == Reset {
			return result.Closed, result.ReasonReset
		}
		return result.OpenFiltered, result.ReasonNoResponse
	case UDP:
		if o == UDPResponse {
			return result.Open, result.ReasonUDPResponse
		}
		return result.OpenFiltered, result.ReasonNoResponse
	case Echo, Timestamp:
		// A reply proves the host up; "open" stands for that.
		if o == OtherResponse {
			if t == Echo {
				return result.Open, result.ReasonEchoReply
			}
			return result.Open, result.ReasonTimestampReply
		}
		return result.Filtered, result.ReasonNoResponse
	}
	return result.Unknown, result.ReasonUnknown
}

// foldThreshold is how many ports must share a state before they are
// counted instead of listed, as in Nmap.
const foldThreshold = 25

// PortResult is one port's outcome as an engine reports it.
type PortResult struct {
	Number  uint16
	Outcome Outcome
	TTL     uint8
}

// Fold turns one technique's per-port outcomes into the host's listed ports
// and "Not shown" counts, as Nmap does: every state other than open that
// more than 25 ports share is counted, by reason, instead of listed. The
// ports are appended to h.Ports and h.Extra, sorted by number. (--open is
// a view the output writers take of the result.)
func Fold(h *result.Host, t Technique, ports []PortResult) {
	proto := t.Protocol()
	var counts [8]int
	for _, p := range ports {
		if p.Outcome == NotProbed {
			continue
		}
		s, _ := t.Classify(p.Outcome)
		counts[s]++
	}
	folded := func(s result.State) bool {
		if s == result.Open {
			return false
		}
		return counts[s] > foldThreshold
	}
	type key struct {
		s result.State
		r result.Reason
	}
	reasonCounts := map[key]int{}
	for _, p := range ports {
		if p.Outcome == NotProbed {
			continue
		}
		s, r := t.Classify(p.Outcome)
		if folded(s) {
			reasonCounts[key{s, r}]++
			continue
		}
		h.Ports = append(h.Ports, result.Port{
			Protocol: proto, Number: p.Number, State: s, Reason: r, ReasonTTL: p.TTL,
			Service: result.Service{Method: "table"},
		})
	}
	for s := result.State(1); int(s) < len(counts); s++ {
		if counts[s] == 0 || !folded(s) {
			continue
		}
		e := result.ExtraPorts{State: s, Count: counts[s]}
		for k, n := range reasonCounts {
			if k.s == s {
				e.Reasons = append(e.Reasons, result.ReasonCount{Reason: k.r, Protocol: proto, Count: n})
			}
		}
		slices.SortFunc(e.Reasons, func(a, b result.ReasonCount) int { return b.Count - a.Count })
		h.Extra = append(h.Extra, e)
	}
	slices.SortFunc(h.Extra, func(a, b result.ExtraPorts) int { return b.Count - a.Count })
	slices.SortFunc(h.Ports, func(a, b result.Port) int {
		if a.Protocol != b.Protocol {
			return int(a.Protocol) - int(b.Protocol)
		}
		return int(a.Number) - int(b.Number)
	})
}
