// Package servicetest helps test protocol handshakes: it replays
// conversations captured from real servers (transcripts), plays servers
// that misbehave, and connects to lab daemons from the scanner's
// namespace. Only tests import it.
package servicetest
