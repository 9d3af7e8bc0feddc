package result

import "time"

// OSResult is what active OS detection (-O) learned of one host, as Nmap
// reports it: the ports probed, the reference fingerprints matched, the
// summary lines, the fingerprint itself when nothing matched exactly, and
// the side results of the probes (uptime, distance, sequence classes).
type OSResult struct {
	// PortsUsed are the ports the probes went to: an open and a closed TCP
	// port and a closed UDP port, where known.
	PortsUsed []OSPort
	// Matches are the reference fingerprints matched, best first: the
	// exact ones, or the closest guesses when none is exact.
	Matches []OSMatch
	// Exact is set when Matches[0] (and every match with accuracy 100)
	// matched perfectly: Nmap's "OS details". Otherwise the matches are
	// guesses ("Aggressive OS guesses"), shown when Guessing.
	Exact    bool
	Guessing bool
	// TooMany is Nmap's "Too many fingerprints match this host".
	TooMany bool
	// DeviceTypes, Running and CPE are the classification lines ("Device
	// type:", "Running:", "OS CPE:"); JustGuessing marks "Running (JUST
	// GUESSING)".
	DeviceTypes  []string
	Running      string
	CPE          []string
	JustGuessing bool
	// Fingerprint is the fingerprint in Nmap's submission form (lines
	// starting "OS:"), set when the first database (Nmap's, when given)
	// has no exact match for it.
	Fingerprint string
	// OmitReason says why the fingerprint is not fit for submission ("" when
	// it is): Nmap then prints "test conditions non-ideal".
	OmitReason string
	// Database names the reference database matched against.
	Database string
	Tries    int

	// Uptime and LastBoot are the guess from TCP timestamps, when HasUptime.
	Uptime    time.Duration
	LastBoot  time.Time
	HasUptime bool
	// Distance is the hop count, -1 unknown.
	Distance int
	// TCPSequence is Nmap's TCP sequence prediction, when at least four
	// SYN-ACKs gave an initial sequence number (Index > 0 or Values set).
	TCPSequence OSSequence
	// IPIDSequence and TCPTSSequence are the classes of the IP IDs and TCP
	// timestamps seen, with the values ("Incremental", "1000HZ", ...).
	IPIDSequence  OSSequence
	TCPTSSequence OSSequence
}

// OSPort is one port the OS probes went to.
type OSPort struct {
	State    State
	Protocol Protocol
	Number   uint16
}

// OSMatch is one reference fingerprint matched, with its accuracy in
// percent and where it is in its database.
type OSMatch struct {
	Name     string
	Accuracy int
	Line     int
	Classes  []OSClass
}

// OSClass is one classification of a match: vendor, family, generation,
// device type, and the CPE names (cpe:/o:... as in nmap-os-db).
type OSClass struct {
	Vendor     string
	Family     string
	Generation string
	Type       string
	Accuracy   int
	CPE        []string
}

// OSSequence is a sequence class with the values it was read from: Class
// is Nmap's words for it, Values the numbers in hexadecimal as Nmap's XML
// lists them. For TCP sequences, Index and Difficulty are the prediction.
type OSSequence struct {
	Class      string
	Index      int
	Difficulty string
	Values     []string
}
