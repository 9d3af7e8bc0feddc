// Package result is picket's value model: a scan run, its hosts, their ports
// and everything learned about them. Every engine produces these values and
// every sink (terminal, XML, grepable, JSON, history store, dashboard) reads
// them; none reaches back into the engines.
//
// The types are plain values. They are not safe for concurrent mutation; an
// engine hands a finished Host to sinks and does not touch it afterwards.
package result

import (
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Protocol is a transport protocol of a port.
type Protocol uint8

// Protocols, in the order Nmap lists them.
const (
	TCP Protocol = iota + 1
	UDP
	SCTP
)

func (p Protocol) String() string {
	switch p {
	case TCP:
		return "tcp"
	case UDP:
		return "udp"
	case SCTP:
		return "sctp"
	}
	return "unknown"
}

// State is a port state with Nmap's meaning.
type State uint8

// Port states. The zero value is Unknown, which no finished port carries.
const (
	Unknown State = iota
	Open
	Closed
	Filtered
	Unfiltered
	OpenFiltered   // open|filtered: no answer where an open port would not answer either
	ClosedFiltered // closed|filtered: only the idle scan concludes this
)

var stateNames = [...]string{
	Unknown:        "unknown",
	Open:           "open",
	Closed:         "closed",
	Filtered:       "filtered",
	Unfiltered:     "unfiltered",
	OpenFiltered:   "open|filtered",
	ClosedFiltered: "closed|filtered",
}

func (s State) String() string {
	if int(s) < len(stateNames) {
		return stateNames[s]
	}
	return "unknown"
}

// ParseState returns the State named as Nmap names it.
func ParseState(name string) (State, bool) {
	for i, n := range stateNames {
		if n == name && i != int(Unknown) {
			return State(i), true
		}
	}
	return Unknown, false
}

// Reason says why a port or host is in its state, as Nmap's --reason does.
// Its values are Nmap's reason strings ("syn-ack", "reset", "no-response",
// "port-unreach", "conn-refused", ...), kept as they appear in XML output.
type Reason string

// Reasons picket's engines produce.
const (
	ReasonSynAck          Reason = "syn-ack"
	ReasonReset           Reason = "reset"
	ReasonConnRefused     Reason = "conn-refused"
	ReasonNoResponse      Reason = "no-response"
	ReasonPortUnreach     Reason = "port-unreach"
	ReasonHostUnreach     Reason = "host-unreach"
	ReasonNetUnreach      Reason = "net-unreach"
	ReasonProtoUnreach    Reason = "proto-unreach"
	ReasonAdminProhibited Reason = "admin-prohibited"
	ReasonHostProhibited  Reason = "host-prohibited"
	ReasonNetProhibited   Reason = "net-prohibited"
	ReasonTimeExceeded    Reason = "time-exceeded"
	ReasonUDPResponse     Reason = "udp-response"
	ReasonEchoReply       Reason = "echo-reply"
	ReasonTimestampReply  Reason = "timestamp-reply"
	ReasonARPResponse     Reason = "arp-response"
	ReasonNDResponse      Reason = "nd-response"
	ReasonTCPResponse     Reason = "tcp-response"
	ReasonLocalhost       Reason = "localhost-response"
	ReasonUserSet         Reason = "user-set"
	ReasonUnknown         Reason = "unknown-response"
)

// Port is one scanned port of a host.
type Port struct {
	Protocol Protocol
	Number   uint16
	State    State
	Reason   Reason
	// ReasonTTL is the IP TTL (IPv6 hop limit) of the reply that decided
	// the state; 0 when the state rests on no reply or on a connect().
	ReasonTTL uint8
	// ReasonAddr is the source of the reply when it is not the target
	// itself, e.g. a router's ICMP unreachable.
	ReasonAddr netip.Addr
	Service    Service
}

// Service is what is known about the service on a port. With no version
// detection it holds only the name from the services table (Method "table").
type Service struct {
	Name       string // "http", "ssh", ...; empty when nothing is known
	Product    string
	Version    string
	ExtraInfo  string
	Hostname   string
	OSType     string
	DeviceType string
	Tunnel     string // "ssl" when the service speaks inside TLS
	Method     string // "table" or "probed"
	Conf       int    // 0–10, Nmap's confidence scale
	// CPE names the product as CPE 2.3 formatted strings
	// ("cpe:2.3:a:openbsd:openssh:9.2p1:*:*:*:*:*:*:*"); the XML writer
	// turns them into Nmap's CPE 2.2 URIs.
	CPE []string
	// Fingerprint holds the first bytes of an unidentified service,
	// escaped, for the report.
	Fingerprint string
}

// HostState is whether a host answered discovery.
type HostState uint8

// Host states.
const (
	HostUnknown HostState = iota
	HostUp
	HostDown
	HostSkipped
)

func (s HostState) String() string {
	switch s {
	case HostUp:
		return "up"
	case HostDown:
		return "down"
	case HostSkipped:
		return "skipped"
	}
	return "unknown"
}

// Hostname is a name of a host and how it was learned.
type Hostname struct {
	Name string
	Type string // "user" (given on the command line) or "PTR"
}

// ExtraPorts counts the ports of one state left out of the port list
// ("Not shown: 995 closed tcp ports (reset)"), by reason.
type ExtraPorts struct {
	State   State
	Count   int
	Reasons []ReasonCount
}

// ReasonCount is how many ports are in a state for one reason.
type ReasonCount struct {
	Reason   Reason
	Protocol Protocol
	Count    int
}

// Times are the host's round-trip estimates, as Nmap's <times> element.
type Times struct {
	SRTT    time.Duration
	RTTVar  time.Duration
	Timeout time.Duration
}

// PassiveOS is an OS family guessed from the SYN-ACKs and resets a port
// scan received: initial TTL, window, options, DF, IP ID. It is a guess,
// marked as passive wherever it is shown, and unrelated to -O's matches.
type PassiveOS struct {
	// Family is "linux", "windows", "bsd" (the BSDs and macOS),
	// "embedded" (small embedded stacks and network devices) or
	// "unknown"; Name says it for people ("BSD/macOS").
	Family string
	Name   string
	// Confidence is 0 to 100; 0 when the family is unknown.
	Confidence int
	// Evidence lists what the replies showed, in words ("TTL 64",
	// "window 64240 (44 segments of 1460)", "DF", "IP ID zero").
	Evidence []string
}

// String is the guess in one line: "Linux (confidence 95%): TTL 64,
// window 64240 (44 segments of 1460), DF, IP ID zero".
func (p *PassiveOS) String() string {
	s := p.Name
	if p.Family != "unknown" {
		s += " (confidence " + strconv.Itoa(p.Confidence) + "%)"
	}
	if len(p.Evidence) > 0 {
		s += ": " + strings.Join(p.Evidence, ", ")
	}
	return s
}

// Host is everything learned about one target address.
type Host struct {
	Addr      netip.Addr
	MAC       []byte // hardware address when on a directly attached segment
	MACVendor string
	Hostnames []Hostname
	State     HostState
	Reason    Reason
	ReasonTTL uint8
	Start     time.Time
	End       time.Time
	TimedOut  bool // --host-timeout ended the host before it was finished
	// Ports lists every scanned port whose state is listed; Extra holds
	// the ports folded into counts. Ports is sorted by protocol, then
	// number.
	Ports   []Port
	Extra   []ExtraPorts
	Latency time.Duration // the first RTT measured, as "Host is up (0.00020s latency)"
	Times   Times
	// OSPassive is the OS family guessed from the replies the port scan
	// received anyway (no extra packets); nil when it kept none.
	OSPassive *PassiveOS
	// Trace is the route to the host (--traceroute); nil when not traced.
	Trace *Trace
	// OS is what active OS detection (-O) learned; nil when it did not run
	// on this host.
	OS *OSResult
}

// Trace is the route to a host as --traceroute found it: the hops in TTL
// order, the host itself last when it answered.
type Trace struct {
	// Protocol and Port are the probe that was sent with growing TTLs: a
	// TCP SYN or a UDP datagram to Port, or, when Protocol is zero, an
	// ICMP (ICMPv6) echo request.
	Protocol Protocol
	Port     uint16
	// Hops has one entry per TTL from 1: a hop that never answered has
	// no address.
	Hops []Hop
	// Shared is how many of the first hops are those of the trace of
	// SameAs, traced once for both, as Nmap says "Hops 1-3 are the same as
	// for 198.18.0.3"; 0 when none are.
	Shared int
	SameAs netip.Addr
}

// Hop is one TTL of a trace.
type Hop struct {
	TTL  uint8
	Addr netip.Addr // invalid when nothing answered at this TTL
	RTT  time.Duration
	Host string // the name of Addr by reverse DNS, when names are looked up
}

// ScanInfo describes one scan technique of a run over one protocol.
type ScanInfo struct {
	Type     string // Nmap's scaninfo type: "syn", "connect", "udp", "ack", "fin", "null", "xmas"
	Protocol Protocol
	Ports    string // the port list in Nmap's compact form, "1-1000,8080"
}

// Stats is the completeness report of a run: how much of the result rests
// on replies, and how much on silence.
type Stats struct {
	ProbesSent      uint64
	Replies         uint64
	Retransmissions uint64
	// Loss is the fraction of probes measured lost, from replies to
	// retransmissions, in [0, 1].
	Loss float64
	// Rate is the highest send rate reached, in packets per second.
	Rate float64
	// NoReply counts port states that rest on no reply at all
	// (filtered and open|filtered from silence).
	NoReply uint64
}

// Run is one scan from start to end.
type Run struct {
	Scanner   string // "picket"
	Version   string
	Args      string // the command line, as given
	Start     time.Time
	End       time.Time
	ScanInfo  []ScanInfo
	Verbose   int
	Debugging int
	HostsUp   int
	HostsDown int
	// Interrupted is set when the run was stopped before it finished; the
	// output still holds every finished host.
	Interrupted bool
	ErrorMsg    string
	Stats       Stats
}
