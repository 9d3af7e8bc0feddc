// Package probes is the signature side of version detection (-sV): probes
// to send to a port and regular expressions that name the service, product
// and version from the reply. It gives breadth where no handshake (the
// packages beside it under service/) speaks the protocol.
//
// Two databases load into the same DB type and answer through the same
// API:
//
//   - picket's own signatures (Own), written for picket in its own format
//     (ParseOwn) and embedded in the binary;
//   - Nmap's nmap-service-probes (Parse), read at run time from an
//     installed Nmap's data directory and never copied: its licence does
//     not let picket ship it.
//
// An engine asks DB.Probes for the probes to try on a port, in Nmap's
// order, sends each, and hands the reply to DB.Match; a soft match narrows
// the probes still to try (Narrow). Patterns are PCRE; they run on
// github.com/dlclark/regexp2 with each reply byte mapped to the rune of the
// same value, a time limit per pattern and per reply, so that a hostile
// reply costs bounded time. See nmap.go for the handling of Nmap's file and
// own.go for picket's format.
package probes
