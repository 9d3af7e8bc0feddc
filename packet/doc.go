// Package packet encodes and decodes the frames of picket's raw packet
// engine: Ethernet II (with 802.1Q/802.1ad tags), ARP, IPv4, IPv6 and its
// extension headers, TCP and its options, UDP, ICMPv4 and ICMPv6 (with the
// quoted packet of an error, and NDP neighbour messages).
//
// The hot paths allocate nothing. A received frame is decoded into a
// reusable [Decoded] whose byte slices are views into the frame, and whose
// addresses are [netip.Addr] values. A probe is built once with a [Frame]
// builder, turned into a [Template], and then stamped out per target with a
// [Probe] that patches address, ports, sequence number and IP ID and fixes
// the checksums incrementally (RFC 1624) instead of recomputing them.
//
// Layer structs ([Ethernet], [ARP], [IP], [TCP], [UDP], [ICMP]) decode with
// Decode and encode with AppendTo. AppendTo writes every field as it is,
// checksums included, so that decoding and re-encoding a header gives the
// same bytes; the Frame builders are what compute lengths and checksums.
//
// Decoding never panics, whatever the input: malformed input yields one of
// the sentinel errors ([ErrTruncated], [ErrMalformed], [ErrUnsupported]),
// wrapped in an [*Error] that names the layer, without allocating.
//
// Concurrency: the layer structs, Decoded, TCPOptions and Probe are plain
// values that one goroutine fills or patches at a time; give each receiver
// and sender its own. A Template is immutable and may be shared. The small
// value types (MAC, TCPFlags, LinkType, IPProtocol, ...) are values, safe to
// copy and share.
//
// The package does no I/O: it imports neither os, net, syscall nor
// golang.org/x/sys, and a test keeps it so.
package packet
