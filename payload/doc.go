// Package payload holds picket's UDP probe payloads and the recognisers of
// their replies: for each well-known UDP service, a datagram that makes a
// server of that protocol answer, and a decoder that says whether a reply
// answers it and what the reply reveals (product, version, names, ...).
//
// A UDP port that answers is open, whatever it says, so a protocol-correct
// payload is what turns Nmap's "open|filtered" into "open". Every payload
// here is written from the protocol's public specification (the RFC or the
// vendor's protocol document named in its file), never taken from Nmap's
// nmap-payloads, which is under the NPSL. Nmap's file can be read at run
// time as well, with [ReadNmap], for --datadir.
//
// # Cookies
//
// Build and Recognize take a cookie: 32 bits the engine derives from the
// probe, a keyed hash of the target address and the ports, as it does for
// the sequence number of a TCP probe. Where a protocol echoes an identifier
// (DNS and NetBIOS transaction ids, the SNMP request-id, the NTP transmit
// timestamp, the IKE initiator SPI, the STUN transaction id, QUIC connection
// ids, ...), Build derives that identifier from the cookie with a fixed
// public expansion, and Recognize, given the same cookie, recomputes it and
// rejects a reply that does not echo it. So replies are validated with no
// table of probes sent: the engine recomputes the cookie from the reply's
// addresses and ports. Identifiers shorter than the cookie (16-bit DNS ids)
// carry part of it; [Payload.Validates] says which payloads check an echo at
// all. The expansion is not secret and need not be: the secret is in the
// engine's key.
//
// # Safety
//
// Every recogniser decodes untrusted input: it checks every length against
// the datagram, follows DNS compression pointers only backwards, bounds
// every string it keeps (and replaces control characters in it), and never
// panics. Builders append to the caller's buffer and allocate nothing when
// it has room.
//
// The package does no I/O: it imports neither os, net nor syscall, and a
// test keeps it so.
package payload
