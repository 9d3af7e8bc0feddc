// Package mysql identifies MySQL and MariaDB servers (and the few others
// that speak their protocol) from the first packet a server sends on
// connect: the initial handshake packet, protocol 10, or the error packet
// that takes its place when the server refuses the client's host. It
// reads that one packet and never logs in.
package mysql

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises MySQL and MariaDB from the greeting they send.
var Handshake = service.Handshake{
	Name:        "mysql",
	Ports:       []uint16{3306},
	ServerFirst: true,
	Detect:      Detect,
	Run:         run,
}

// maxPacket bounds the first packet: real greetings are about 100 bytes,
// error packets a few hundred, so a longer length says this is not one.
const maxPacket = 1024

// Capability flags of the greeting that the report uses.
const (
	capSSL        = 1 << 11
	capSecureConn = 1 << 15
	capPluginAuth = 1 << 19
)

// Greeting is the first packet of a MySQL-protocol server: its initial
// handshake, or the error it sent instead (ErrorCode non-zero). A Greeting
// is a plain value, safe for concurrent use: nothing changes it once
// parsed.
type Greeting struct {
	Protocol     byte   // 10, or 9 for servers older than MySQL 3.22
	Version      string // as sent, e.g. "5.5.5-10.11.19-MariaDB-0+deb12u1"
	ConnectionID uint32
	Capabilities uint32 // lower and upper halves together
	Charset      byte
	Status       uint16
	AuthPlugin   string // e.g. "mysql_native_password"; empty if not sent

	ErrorCode    uint16 // e.g. 1130, host not allowed to connect
	ErrorMessage string
}

// errShort says a packet is incomplete: more bytes may complete it.
var errShort = errors.New("mysql: packet incomplete")

// packetLen returns the length of the first packet in b, header
// included, or 0 if the header is incomplete or not plausibly that of a
// server's first packet.
func packetLen(b []byte) int {
	if len(b) < 4 {
		return 0
	}
	n := int(b[0]) | int(b[1])<<8 | int(b[2])<<16
	// The greeting is the server's packet 0; some servers number their
	// early error packet 1.
	if n < 3 || n > maxPacket || b[3] > 1 {
		return -1
	}
	return 4 + n
}

// complete reports whether b holds a whole first packet, or enough to
// know it never will: a done function for service.ReadAtMost.
func complete(b []byte) bool {
	n := packetLen(b)
	return n < 0 || (n > 0 && len(b) >= n)
}

// Detect reports whether banner starts like a MySQL greeting or error.
func Detect(banner []byte) bool {
	g, err := Parse(banner)
	if errors.Is(err, errShort) {
		// The engine's banner read may have stopped early: the header
		// and the first bytes must already look right.
		// A greeting holds at least a version, a connection id and 8
		// bytes of scramble; an error a code and a message.
		n := packetLen(banner) - 4
		return len(banner) >= 6 &&
			(banner[4] == 10 && n >= 20 && isDigit(banner[5]) || banner[4] == 0xff && n >= 7)
	}
	return err == nil && (g.Protocol != 0 || g.ErrorCode != 0)
}

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	b := banner
	if !complete(b) {
		if err := ctx.Err(); err != nil {
			return service.Match{}, err
		}
		stop := context.AfterFunc(ctx, func() { c.SetReadDeadline(time.Unix(1, 0)) })
		defer stop()
		have := len(b)
		more, err := service.ReadAtMost(c, maxPacket+4-have, service.Deadline(ctx), func(m []byte) bool {
			return complete(append(b[:have:have], m...))
		})
		if err != nil && len(b) == 0 {
			return service.Match{}, fmt.Errorf("mysql: read greeting: %w", err)
		}
		b = append(b[:have:have], more...)
	}
	g, err := Parse(b)
	if err != nil {
		return service.Match{}, service.ErrNoMatch
	}
	return g.Match(), nil
}

// Parse decodes a server's first packet. It returns an error wrapping
// service.ErrNoMatch when b is not such a packet (or is cut short).
func Parse(b []byte) (Greeting, error) {
	n := packetLen(b)
	switch {
	case n == 0:
		return Greeting{}, errShort
	case n < 0:
		return Greeting{}, fmt.Errorf("mysql: not a greeting: %w", service.ErrNoMatch)
	case len(b) < n:
		return Greeting{}, errShort
	}
	p := b[4:n]
	switch p[0] {
	case 10, 9:
		return parseGreeting(p)
	case 0xff:
		return parseError(p)
	}
	return Greeting{}, fmt.Errorf("mysql: packet type %#x: %w", p[0], service.ErrNoMatch)
}

func noMatch(why string) error {
	return fmt.Errorf("mysql: %s: %w", why, service.ErrNoMatch)
}

func parseGreeting(p []byte) (Greeting, error) {
	g := Greeting{Protocol: p[0]}
	r := reader{b: p[1:]}
	v, ok := r.cstring()
	if !ok || !plausibleVersion(v) {
		return Greeting{}, noMatch("no server version")
	}
	g.Version = string(v)
	id, ok := r.uint32()
	if !ok {
		return Greeting{}, noMatch("no connection id")
	}
	g.ConnectionID = id
	if g.Protocol == 9 {
		// Protocol 9 ends with a NUL-terminated scramble.
		if _, ok := r.cstring(); !ok {
			return Greeting{}, noMatch("protocol 9 without scramble")
		}
		return g, nil
	}
	if _, ok := r.bytes(8); !ok { // auth-plugin-data part 1
		return Greeting{}, noMatch("short scramble")
	}
	if f, ok := r.byte(); !ok || f != 0 {
		return Greeting{}, noMatch("no filler after scramble")
	}
	lo, ok := r.uint16()
	if !ok {
		// Servers before 4.1 may end here.
		return g, nil
	}
	g.Capabilities = uint32(lo)
	if r.len() == 0 {
		return g, nil
	}
	var hdr []byte
	if hdr, ok = r.bytes(1 + 2 + 2 + 1 + 10); !ok {
		return Greeting{}, noMatch("truncated capabilities")
	}
	g.Charset = hdr[0]
	g.Status = binary.LittleEndian.Uint16(hdr[1:])
	g.Capabilities |= uint32(binary.LittleEndian.Uint16(hdr[3:])) << 16
	authLen := int(hdr[5])
	if g.Capabilities&capSecureConn != 0 {
		// Part 2 of the scramble: max(13, length-8) bytes, NUL included.
		if _, ok := r.bytes(max(13, authLen-8)); !ok {
			return g, nil // tolerated: everything that identifies is read
		}
	}
	if g.Capabilities&capPluginAuth != 0 {
		// MySQL 5.5.7 and later omitted the final NUL: take the rest.
		name := r.rest()
		if i := bytes.IndexByte(name, 0); i >= 0 {
			name = name[:i]
		}
		g.AuthPlugin = service.Printable(name, 64)
	}
	return g, nil
}

func parseError(p []byte) (Greeting, error) {
	if len(p) < 3 {
		return Greeting{}, noMatch("short error packet")
	}
	g := Greeting{ErrorCode: binary.LittleEndian.Uint16(p[1:])}
	msg := p[3:]
	if len(msg) >= 6 && msg[0] == '#' {
		msg = msg[6:] // SQL state, sent only after a 4.1 handshake
	}
	// Server errors are numbered from 1000; a message of text must follow.
	if g.ErrorCode < 1000 || len(msg) < 4 || !service.IsText(msg) {
		return Greeting{}, noMatch("not a server error")
	}
	g.ErrorMessage = service.Printable(msg, 200)
	return g, nil
}

// Match turns the greeting into what picket reports.
func (g Greeting) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name = "mysql"
	if g.ErrorCode != 0 {
		s.Product = "MySQL"
		if strings.Contains(g.ErrorMessage, "MariaDB") {
			s.Product = "MariaDB"
		}
		s.ExtraInfo = g.ErrorMessage
		m.Details = append(m.Details, service.Detail{Key: "error", Value: strconv.Itoa(int(g.ErrorCode))})
		return m
	}
	product, version, cpe := identify(g.Version)
	s.Product, s.Version = product, version
	if cpe != "" {
		s.CPE = []string{cpe}
	}
	if distro(g.Version) {
		s.OSType = "Linux"
	}
	m.Details = append(m.Details,
		service.Detail{Key: "protocol", Value: strconv.Itoa(int(g.Protocol))},
		service.Detail{Key: "server version", Value: service.Printable(g.Version, 128)},
		service.Detail{Key: "connection id", Value: strconv.FormatUint(uint64(g.ConnectionID), 10)},
	)
	if g.Capabilities != 0 {
		tls := "not offered"
		if g.Capabilities&capSSL != 0 {
			tls = "offered"
		}
		m.Details = append(m.Details,
			service.Detail{Key: "capabilities", Value: fmt.Sprintf("0x%08x", g.Capabilities)},
			service.Detail{Key: "tls", Value: tls})
	}
	if g.AuthPlugin != "" {
		m.Details = append(m.Details, service.Detail{Key: "auth plugin", Value: g.AuthPlugin})
	}
	return m
}

// identify names the product behind a server version string, with the
// version as reported and its CPE.
func identify(v string) (product, version, cpe string) {
	v = service.Printable(v, 128)
	switch {
	case strings.Contains(v, "-MariaDB"):
		// MariaDB before 11 prefixes "5.5.5-" so that old clients, which
		// read the major version, take it for MySQL 5.
		v = strings.TrimPrefix(v, "5.5.5-")
		up, suffix, _ := strings.Cut(v, "-MariaDB")
		// The suffix is the distribution's revision ("-0+deb12u1"), "-log"
		// or empty: kept, as Nmap keeps it for MySQL.
		return "MariaDB", up + suffix, cpeName("mariadb", "mariadb", up)
	case strings.Contains(v, "-TiDB-"):
		_, tv, _ := strings.Cut(v, "-TiDB-")
		tv = strings.TrimPrefix(tv, "v")
		return "TiDB", tv, cpeName("pingcap", "tidb", tv)
	}
	return "MySQL", v, cpeName("oracle", "mysql", v)
}

// cpeName builds a CPE 2.3 name from the leading numeric part of v.
func cpeName(vendor, product, v string) string {
	i := 0
	for i < len(v) && (isDigit(v[i]) || v[i] == '.') {
		i++
	}
	num := strings.TrimRight(v[:i], ".")
	if num == "" {
		return ""
	}
	return "cpe:2.3:a:" + vendor + ":" + product + ":" + num + ":*:*:*:*:*:*:*"
}

// distro reports whether a version string carries a Linux distribution's
// package revision (Debian's "+deb12u1", Ubuntu's "0ubuntu0.22.04.1",
// MariaDB's own "ubu2204" builds).
func distro(v string) bool {
	if strings.Contains(v, "ubuntu") {
		return true
	}
	for _, tag := range []string{"deb", "ubu", ".el"} {
		for rest := v; ; {
			i := strings.Index(rest, tag)
			if i < 0 {
				break
			}
			rest = rest[i+len(tag):]
			if rest != "" && isDigit(rest[0]) {
				return true
			}
		}
	}
	return false
}

// plausibleVersion reports whether v looks like a server version: a
// digit first, printable, not absurdly long.
func plausibleVersion(v []byte) bool {
	return len(v) > 0 && len(v) <= 128 && isDigit(v[0]) && service.IsText(v)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// reader reads a packet with bounds checks.
type reader struct{ b []byte }

func (r *reader) len() int { return len(r.b) }

func (r *reader) bytes(n int) ([]byte, bool) {
	if n < 0 || n > len(r.b) {
		return nil, false
	}
	p := r.b[:n]
	r.b = r.b[n:]
	return p, true
}

func (r *reader) byte() (byte, bool) {
	p, ok := r.bytes(1)
	if !ok {
		return 0, false
	}
	return p[0], true
}

func (r *reader) uint16() (uint16, bool) {
	p, ok := r.bytes(2)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint16(p), true
}

func (r *reader) uint32() (uint32, bool) {
	p, ok := r.bytes(4)
	if !ok {
		return 0, false
	}
	return binary.LittleEndian.Uint32(p), true
}

func (r *reader) cstring() ([]byte, bool) {
	i := bytes.IndexByte(r.b, 0)
	if i < 0 {
		return nil, false
	}
	s := r.b[:i]
	r.b = r.b[i+1:]
	return s, true
}

func (r *reader) rest() []byte {
	p := r.b
	r.b = nil
	return p
}
