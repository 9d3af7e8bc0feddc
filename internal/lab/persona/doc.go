// Package persona is a userspace host for the lab that answers TCP, ICMP
// and UDP the way a chosen TCP/IP stack does, so that OS detection can be
// tested on more stacks than the lab machine's own kernel.
//
// A Personality is a plain struct of behaviours: initial TTL, DF, the
// SYN-ACK's window and the layout and order of its options, the
// generators of initial sequence numbers, IP IDs and timestamps, which
// probes get a reset and what sequence and acknowledgment numbers the
// reset carries, ECN, ICMP echo replies and how port unreachables quote
// the datagram they answer. Windows, FreeBSD, LwIP (a small embedded
// stack) and Linux build the ones documented for those stacks.
//
// A Responder holds a personality's state and turns one received Ethernet
// frame into its replies, with no I/O: it is what the fuzz test drives.
// Start puts a Responder on a TAP device inside a network namespace, where
// it is one more host on the link, with its own MAC and addresses: it
// answers ARP and neighbour solicitations, echo requests, TCP segments to
// its open ports (completing handshakes minimally) and to closed ones,
// and UDP datagrams (every UDP port is closed).
//
// The host never sends anything but replies, and only to the link it is
// on: a lab's addresses (198.18.0.0/15, fd00::/8) by construction.
package persona
