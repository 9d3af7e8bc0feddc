package persona

import "time"

// Personality is the behaviour of one TCP/IP stack, as seen on the wire.
// It is a plain value: copy it and change fields to vary a stack; it is
// safe to share while nobody changes it. Start from one of the
// constructors (Windows, FreeBSD, LwIP, Linux): the zero value is only
// the quietest stack each field's zero allows.
type Personality struct {
	// Name says which stack this imitates, for logs and test names.
	Name string
	// TTL is the initial TTL (IPv4) and hop limit (IPv6) of everything
	// the host sends but neighbour advertisements; 0 means 64.
	TTL uint8
	// TCP is how SYN-ACKs are built and sequenced.
	TCP TCP
	// Resets says what the host sends to each kind of TCP probe that does
	// not open a connection (Nmap's T2 to T7).
	Resets Resets
	// IPID chooses the IPv4 identification of each kind of reply.
	IPID IPIDs
	// Echo is the ICMP echo reply.
	Echo Echo
	// Unreach is the ICMP port unreachable sent for UDP to any port.
	Unreach Unreach
}

// TCP describes SYN-ACKs: the only segments, with resets, that carry a
// stack's fingerprint. It is a plain value, like
// Personality.
type TCP struct {
	// DF sets Don't Fragment on every TCP segment (SYN-ACKs and resets).
	DF bool
	// MSS is the maximum segment size announced; 0 announces none.
	MSS uint16
	// Window is the SYN-ACK's window when it carries timestamps.
	Window uint16
	// WindowNoTS, if not 0, is the window when it does not (Linux sizes
	// its window in whole segments, which timestamps make shorter).
	WindowNoTS uint16
	// WScale is the window scale shift announced when the SYN offers
	// window scaling; negative announces none.
	WScale int8
	// SACK answers a SYN's SACK permitted option.
	SACK bool
	// Timestamps answers a SYN's timestamps option, with TSHz ticks per
	// second.
	Timestamps bool
	TSHz       int
	// TSPerConnection offsets each connection's timestamp clock at random
	// (FreeBSD); otherwise one offset serves every peer.
	TSPerConnection bool
	// Layout is the order and padding of the options.
	Layout Layout
	// ECN is the answer to a SYN that asks for ECN (ECE and CWR set).
	ECN ECNReply
	// ISN generates initial sequence numbers.
	ISN ISN
}

// Layout is an order of SYN-ACK options. Each announces only what the SYN
// offered, except the MSS, which is always announced.
type Layout uint8

const (
	// LayoutLinux: MSS; SACK permitted and timestamps together, or either
	// behind two NOPs; NOP and window scale last.
	LayoutLinux Layout = iota
	// LayoutWindows: MSS; NOP and window scale; SACK permitted and
	// timestamps together, or either behind two NOPs.
	LayoutWindows
	// LayoutBSD: MSS; NOP and window scale; SACK permitted; timestamps
	// aligned by NOPs; end-of-list bytes to a 4-byte boundary.
	LayoutBSD
	// LayoutMSSOnly: the MSS and nothing else, as small stacks do.
	LayoutMSSOnly
)

// ECNReply is a SYN-ACK's answer to a SYN with ECE and CWR set.
type ECNReply uint8

const (
	ECNIgnore  ECNReply = iota // neither flag: ECN not supported
	ECNAccept                  // ECE alone, as RFC 3168 says
	ECNEchoAll                 // ECE and CWR both, as some stacks do
)

// ISN is an initial sequence number generator. It is a plain value, like
// Personality.
type ISN struct {
	Kind ISNKind
	// Rate is the clock's ticks per second for ISNTime.
	Rate uint32
	// Step is the increment per connection for ISNStep.
	Step uint32
}

// ISNKind names a generator of initial sequence numbers.
type ISNKind uint8

const (
	ISNRandom ISNKind = iota // independent, uniformly random
	ISNTime                  // a clock: Rate per second since boot
	ISNStep                  // the previous one plus Step
)

// Resets says how the host answers TCP segments that open nothing. A
// zero Reset drops the segment. It is a plain value, like
// Personality.
type Resets struct {
	// NullOpen is for a segment with no flags to an open port (T2).
	NullOpen Reset
	// SynFinOpen is for SYN with FIN to an open port (T3); SynFinAccept
	// treats it as a plain SYN instead.
	SynFinOpen   Reset
	SynFinAccept bool
	// AckOpen is for an ACK that matches no connection on an open port
	// (T4).
	AckOpen Reset
	// SynClosed is for a SYN to a closed port (T5).
	SynClosed Reset
	// AckClosed is for a segment with ACK to a closed port (T6).
	AckClosed Reset
	// OtherClosed is for a segment with neither SYN nor ACK to a closed
	// port, such as FIN|PSH|URG (T7), NULL or FIN.
	OtherClosed Reset
}

// Reset is one reply with RST set. It is a plain value, like
// Personality.
type Reset struct {
	// Send is false to stay silent.
	Send bool
	// ACK sets the ACK flag beside RST.
	ACK bool
	// Seq and Ack choose the sequence and acknowledgment numbers.
	Seq SeqRule
	Ack AckRule
	// Window is the window field.
	Window uint16
	// Data is carried in the reset (some stacks put an explanation in
	// it).
	Data []byte
}

// SeqRule chooses a reset's sequence number from the probe.
type SeqRule uint8

const (
	SeqZero       SeqRule = iota // 0
	SeqProbeAck                  // the probe's acknowledgment number
	SeqProbeAck1                 // the probe's acknowledgment number plus 1
	SeqProbeOther                // neither: the probe's sequence number plus 1000
)

// AckRule chooses a reset's acknowledgment number from the probe.
type AckRule uint8

const (
	AckZero      AckRule = iota // 0
	AckProbeSeq                 // the probe's sequence number
	AckProbeNext                // sequence number plus the segment's length (SYN and FIN count 1)
	AckProbeAck                 // the probe's own acknowledgment number, echoed
)

// IPIDs chooses the IPv4 identification per kind of packet sent. Kinds
// that use IPIDIncrement or IPIDRandomIncrement share one counter. It is
// a plain value, like Personality.
type IPIDs struct {
	SynAck  IPIDKind // SYN-ACKs and other segments of a connection
	Reset   IPIDKind // resets
	Echo    IPIDKind // echo replies
	Unreach IPIDKind // ICMP errors
}

// IPIDKind names an IP ID generator.
type IPIDKind uint8

const (
	IPIDZero            IPIDKind = iota // always 0 (common with DF set)
	IPIDIncrement                       // a shared counter, +1 per packet
	IPIDRandomIncrement                 // the shared counter, + a random 1,001 to 19,999
	IPIDRandom                          // uniformly random
	IPIDPerHost                         // a counter per destination, +1 per packet
	IPIDCopy                            // the request's own ID, as a stack that reuses the buffer
)

// Echo describes ICMP echo replies. It is a plain value, like
// Personality.
type Echo struct {
	// Off drops echo requests.
	Off bool
	// DF is the reply's Don't Fragment bit.
	DF DFRule
	// ZeroCode answers with code 0 whatever the request's code; otherwise
	// the code is copied.
	ZeroCode bool
}

// DFRule sets Don't Fragment on a reply.
type DFRule uint8

const (
	DFNever  DFRule = iota // clear
	DFAlways               // set
	DFCopy                 // as on the request
)

// Unreach describes ICMP port unreachables. It is a plain value, like
// Personality.
type Unreach struct {
	// Off drops UDP silently.
	Off bool
	// DF sets Don't Fragment on the ICMP message.
	DF bool
	// HeaderOnly quotes the IP header and 8 bytes, as RFC 792 asks;
	// otherwise as much of the datagram as fits in MaxLen.
	HeaderOnly bool
	// MaxLen bounds the ICMP message's IP datagram (576 on many stacks);
	// 0 means 1500.
	MaxLen int
	// QuoteLenDelta is added to the quoted header's total length, and
	// QuoteZeroID clears its ID: stacks that turn header fields around
	// before quoting them. QuoteChecksum says what the quoted header's
	// checksum becomes.
	QuoteLenDelta int
	QuoteZeroID   bool
	QuoteChecksum QuoteChecksum
	// QuoteZeroUDPChecksum clears the quoted UDP checksum.
	QuoteZeroUDPChecksum bool
	// Unused is the ICMP header's unused field (normally 0).
	Unused uint32
	// Limit, if Burst > 0, rate-limits port unreachables with a token
	// bucket: Burst at once, then one per Interval.
	Limit Limit
}

// QuoteChecksum is what becomes of the quoted IP header's checksum.
type QuoteChecksum uint8

const (
	QuoteChecksumKeep QuoteChecksum = iota // as received (stale if fields changed)
	QuoteChecksumZero                      // cleared
	QuoteChecksumRedo                      // recomputed over the changed header
)

// Limit is a token bucket. It is a plain value, like
// Personality.
type Limit struct {
	Burst    int
	Interval time.Duration
}
