// Package target turns Nmap target specifications into the addresses to
// scan, streamed or indexed, never expanded into a list.
//
// Specifications have Nmap's syntax and meaning (see Parse): addresses,
// CIDR blocks, IPv4 octet ranges and hostnames, given as arguments
// (ParseArgs), in a list (ReadList, for -iL) or as exclusions (ParseExclude,
// NewExclusions). A run is one address family, IPv4 unless Options.Family
// is IPv6 (-6); a specification of the other family is an error, as in
// Nmap. Hostnames are resolved through an injected Resolver; a name scans
// the first address of the run's family, as Nmap does.
//
// Stream yields targets in Nmap's order while reading, in bounded memory.
// Build indexes them in the same order as a Space, for a scan engine that
// walks them by index: in a seeded Permutation, split by Shard, resumed at
// a position.
//
// # How duplicates, exclusions and random access fit together
//
// Each address is scanned once, by the first specification that names it,
// and never if excluded (checked on the resolved address). Nothing is
// expanded; instead a core assigns addresses specification by specification:
//
//   - Addresses, CIDR blocks, resolved names and octet ranges of up to 4096
//     runs of consecutive addresses are sorted disjoint intervals. What an
//     interval block adds is its intervals minus the union of earlier
//     interval blocks and of the exclusions, found by walking both sorted
//     sets by bisection; the union grows as a chunked interval set in which
//     adjacent intervals merge.
//   - Larger octet ranges (10.0-255.0-255.1 has 65,536 runs) stay a product
//     of four 256-bit octet sets, a box, on which rank and select are O(1).
//     A box is first cut into disjoint boxes by the earlier boxes (the
//     difference of two boxes is at most four boxes), then each keeps, as
//     holes, the earlier intervals and exclusions that meet it.
//   - An interval piece that meets earlier boxes keeps a count of them and
//     finds its k-th address by bisection over box ranks.
//
// A Space is the resulting list of runs (an interval, an interval minus
// boxes, or a box minus holes), each with the index of its first target,
// so At is a bisection plus O(1) arithmetic. Within a specification,
// addresses ascend, except that a large octet range cut by an earlier one
// yields its disjoint boxes one after the other.
//
// Stream's memory is the union of the addresses yielded so far, kept as
// merged intervals: constant for sequential or overlapping input, growing
// with the number of disjoint runs otherwise, which exact deduplication
// needs.
package target
