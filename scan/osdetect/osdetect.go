// Package osdetect is picket's active OS detection (-O): it sends Nmap's 16
// OS probes to every host of a group at once, collects the replies, and
// hands them to package osfp, which computes the fingerprint and matches it
// against picket's own database and, when given, Nmap's nmap-os-db.
//
// The probes of a host follow Nmap's timing: the six SEQ SYNs 100 ms
// apart, then, once their replies are in or the host's timeout has passed,
// the echo requests, U1, ECN, T2–T7 and the retries of unanswered SEQ
// probes, all at once; probes still unanswered are sent again twice. A
// host whose fingerprint matches nothing exactly is tried again, up to
// osfp.Conditions.MaxTries times, and the best try is reported, as Nmap
// does. Hosts run in parallel, each in its own goroutine; one raw socket
// per interface carries every host's probes and one receiver per socket
// hands each reply to its host by address and port.
//
// A Detector is safe for use by one goroutine at a time.
package osdetect

import (
	"context"
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// Config is the setup of OS detection. The zero value matches against
// picket's own database with Nmap's defaults. It is a plain value; New
// copies it.
type Config struct {
	// DBs are the reference databases, most trusted first: a host is
	// reported against the first that matches it at all. Nil means
	// picket's own (osfp.Own).
	DBs []*osfp.DB
	// MaxTries is --max-os-tries; 0 means Nmap's default (5, or 2 when the
	// fingerprint is not fit for submission).
	MaxTries int
	// Guess (--osscan-guess) reports the closest matches when none is
	// exact.
	Guess bool
	// Limit (--osscan-limit) skips hosts without an open and a closed TCP
	// port.
	Limit bool
	// Interface, if set (-e), is the only interface probes may leave by.
	Interface string
	// MinRTT, MaxRTT and InitialRTT bound how long a host's replies are
	// awaited (Nmap's --min-rtt-timeout, --max-rtt-timeout,
	// --initial-rtt-timeout); zero values take 100 ms, 10 s and 1 s.
	MinRTT, MaxRTT, InitialRTT time.Duration
	// ScanDelay and Insane are the timing conditions that make a
	// fingerprint unfit for submission (--scan-delay, -T5).
	ScanDelay time.Duration
	Insane    bool
	// Parallel bounds the hosts probed at once; 0 means 256.
	Parallel int
	// Version is the scanner version the SCAN line of a fingerprint names.
	Version string
	// Seed fixes the random choices (ports, sequence numbers, IP IDs);
	// 0 draws them at random.
	Seed uint64
	// Log, if set, hears progress lines as Nmap prints them with -v. It is
	// called from the hosts' goroutines, one at a time.
	Log func(line string)
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Target is a host to fingerprint and the ports its port scans found: an
// open TCP port, a closed TCP port and a closed UDP port, 0 for none known.
// It is a plain value.
type Target struct {
	Addr      netip.Addr
	OpenTCP   uint16
	ClosedTCP uint16
	ClosedUDP uint16
	// UDPScanned says a UDP scan ran, so that a missing U1 reply means
	// something (osfp.Conditions.UDPScan).
	UDPScanned bool
	// SRTT is the host's smoothed round-trip time, 0 when unknown.
	SRTT time.Duration
}

// Detector runs OS detection over host groups. It is safe for use by one
// goroutine at a time.
type Detector struct {
	cfg   Config
	logMu sync.Mutex // serializes cfg.Log
}

// New returns a Detector. It opens nothing until DetectOS runs.
func New(cfg Config) (*Detector, error) {
	if len(cfg.DBs) == 0 {
		own, err := osfp.Own()
		if err != nil {
			return nil, fmt.Errorf("osdetect: %w", err)
		}
		cfg.DBs = []*osfp.DB{own}
	}
	if cfg.MinRTT <= 0 {
		cfg.MinRTT = 100 * time.Millisecond
	}
	if cfg.MaxRTT <= 0 {
		cfg.MaxRTT = 10 * time.Second
	}
	if cfg.InitialRTT <= 0 {
		cfg.InitialRTT = time.Second
	}
	if cfg.Parallel <= 0 {
		cfg.Parallel = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Detector{cfg: cfg}, nil
}

// DetectOS fingerprints hosts, whose port scan results are in tables (each
// table's host i is hosts[i]), and returns one result per host: nil for a
// host skipped (IPv6, or --osscan-limit without the ports it needs).
// Cancelling ctx stops it; the results then hold what was finished.
func (d *Detector) DetectOS(ctx context.Context, hosts []netip.Addr, tables []*scan.Table) ([]*result.OSResult, error) {
	return d.Detect(ctx, Targets(hosts, tables))
}

// Targets picks, for each host, the ports Nmap would probe from the port
// scans' tables: the lowest open TCP port, the lowest closed TCP port and
// the lowest closed UDP port, and the host's round-trip time.
func Targets(hosts []netip.Addr, tables []*scan.Table) []Target {
	ts := make([]Target, len(hosts))
	var buf []scan.PortResult
	for i, a := range hosts {
		t := Target{Addr: a}
		for _, tab := range tables {
			if i >= len(tab.Hosts) || tab.Hosts[i] != a {
				continue
			}
			if i < len(tab.RTT) && tab.RTT[i].SRTT > 0 && t.SRTT == 0 {
				t.SRTT = tab.RTT[i].SRTT
			}
			udp := tab.Technique.Protocol() == result.UDP
			t.UDPScanned = t.UDPScanned || udp
			buf = tab.Host(i, buf[:0])
			for _, p := range buf {
				st, _ := tab.Technique.Classify(p.Outcome)
				switch {
				case udp && st == result.Closed:
					t.ClosedUDP = lowest(t.ClosedUDP, p.Number)
				case udp:
				case st == result.Open:
					t.OpenTCP = lowest(t.OpenTCP, p.Number)
				case st == result.Closed:
					t.ClosedTCP = lowest(t.ClosedTCP, p.Number)
				}
			}
		}
		ts[i] = t
	}
	return ts
}

func lowest(cur, p uint16) uint16 {
	if cur == 0 || p < cur {
		return p
	}
	return cur
}
