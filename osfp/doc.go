// Package osfp is the pure core of picket's active OS detection: the
// fingerprint model of Nmap's second-generation (IPv4) OS detection, its
// text format, its reference databases and its matching, and the
// computation of every test from the replies to the 16 probes.
//
// The package does no I/O. An engine uses it in four steps:
//
//  1. Send the probes [Probes] describes (six SEQ SYNs 100 ms apart, then
//     IE1, IE2, U1, ECN and T2–T7), with a sequence base, an acknowledgement
//     number, a TCP source port base and an ICMP identifier of its choice,
//     and match each reply to its probe by the destination port
//     (base + Probe.PortOffset), the echo identifier, or the ports quoted
//     in the ICMP error. Resend what got no reply as Nmap does
//     ([RetryProbe]).
//  2. Put the decoded replies, the send times of the SEQ probes and what
//     U1 carried into a [Responses], and call [Analyze] (or [Compute]) for
//     the [Fingerprint] of that try and the side results: TCP sequence
//     prediction, IP ID class, uptime, hop count.
//  3. Match it: [ParseDB] reads Nmap's nmap-os-db from an io.Reader the
//     caller opens (picket never ships it), and [Own] returns picket's own
//     database, written from publicly documented stack behaviour.
//     [DB.Match] scores every entry the way Nmap does, with the database's
//     MatchPoints weights; [DB.Best] picks among several tries.
//  4. Report it: [Summarize] applies Nmap's rules (OS details, aggressive
//     guesses, Running, OS CPE), [Conditions] says whether the fingerprint
//     is fit for submission and how many tries a host gets, and
//     [FormatSubmission] prints the fingerprint as Nmap does when no match
//     is exact.
//
// The algorithms follow Nmap's published description
// (https://nmap.org/book/osdetect-methods.html and
// https://nmap.org/book/osdetect-fingerprint-format.html), so that the
// deterministic tests of a picket fingerprint equal Nmap's against the same
// host. Nmap's data is never copied here: tests read the installed
// /usr/share/nmap/nmap-os-db at run time, when present.
//
// The passive tier needs none of this: [Passive] guesses an OS family
// ([Stack]) from the SYN-ACKs and resets a port scan received anyway, each
// kept as a [Sample], by picket's own rules (see passive.go).
//
// Concurrency: Fingerprint, Test, Responses, Analysis, Result, Summary and
// the other value types are plain values, safe to share once built and not
// mutated. A *DB is immutable after ParseDB or Own returns and is safe for
// concurrent use by any number of goroutines.
package osfp
