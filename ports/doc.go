// Package ports says which ports a scan covers and what they are called:
// Nmap's port specification (-p, --exclude-ports) with Nmap's syntax and
// meaning, the choice of top ports (-F, --top-ports, --port-ratio and the
// default top 1000 per protocol), and the services table behind the
// SERVICE column.
//
// Port sets are bitmaps (Set, 8 KiB per protocol), never slices of ports
// unless a caller asks (Set.AppendPorts). Set.String writes a set the way
// Nmap's XML scaninfo does ("1-1000,8080").
//
// # The services table
//
// Default is picket's own table, embedded from services.txt. Its service
// names are IANA's registered names, except where a port is overwhelmingly
// used by another well-known service, which then has the name administrators
// know (135 msrpc, 8080 http-proxy). Its ranking is not measured: it was
// curated by picket's developers from public service registries and common
// deployment knowledge (a head of a few hundred commonly deployed services
// per protocol), then padded to more than 1000 ports per protocol with the
// IANA-assigned ports 1–1354 in port order. It carries no open frequencies,
// so --port-ratio needs Nmap's table. Nothing in it comes from Nmap's
// nmap-services, whose frequencies are Nmap's own research under the NPSL.
//
// With --datadir, ReadServices reads an installed Nmap's nmap-services at
// run time instead, and its measured frequencies rank the ports exactly as
// Nmap ranks them.
package ports
