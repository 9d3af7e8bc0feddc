// Package redis identifies Redis (and Valkey, which speaks the same
// protocol) by sending PING and INFO server. +PONG, or an error saying
// authentication is required or protected mode is on, identifies Redis;
// INFO's answer gives the version and OS. A server that answers INFO to a
// stranger has no password: that is reported, because anyone who can
// reach it can read and write its data.
package redis

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises Redis from its answers to PING and INFO server.
var Handshake = service.Handshake{
	Name:  "redis",
	Ports: []uint16{6379},
	Run:   run,
}

// probe is sent at once: Redis answers pipelined commands in order.
const probe = "PING\r\nINFO server\r\n"

const (
	// maxLine bounds a simple reply or a bulk length line: protected
	// mode's explanation takes 1065 bytes.
	maxLine = 4096
	// maxInfo bounds INFO server's answer, about 1 KB in practice.
	maxInfo = 32 << 10
	maxRead = maxInfo + 2*maxLine
)

// Reply is what a server answered to PING and INFO server. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type Reply struct {
	Pong         bool   // PING answered +PONG
	AuthRequired bool   // NOAUTH: a password is set
	Protected    bool   // DENIED: protected mode, loopback clients only
	Error        string // the first error reply, if any
	// Info holds INFO's fields ("redis_version", "os", ...), when it
	// answered.
	Info map[string]string
}

// Identified reports whether the reply is Redis's.
func (r Reply) Identified() bool {
	return r.Pong || r.AuthRequired || r.Protected || r.Info["redis_version"] != ""
}

// errShort says the answer is incomplete: more bytes may complete it.
var errShort = errors.New("redis: reply incomplete")

func noMatch(why string) error {
	return fmt.Errorf("redis: %s: %w", why, service.ErrNoMatch)
}

func run(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer service.Watch(ctx, c)()
	if err := service.Send(ctx, c, []byte(probe)); err != nil {
		return service.Match{}, fmt.Errorf("redis: send PING: %w", err)
	}
	b, err := service.ReadAtMost(c, maxRead, service.Deadline(ctx), func(b []byte) bool {
		_, err := Parse(b)
		return !errors.Is(err, errShort)
	})
	if err != nil {
		return service.Match{}, fmt.Errorf("redis: read: %w", err)
	}
	// A server in protected mode answers once and hangs up, a tarpit may
	// stop after +PONG: a reply cut short still identifies.
	r, err := Parse(b)
	if (err != nil && !errors.Is(err, errShort)) || !r.Identified() {
		return service.Match{}, service.ErrNoMatch
	}
	return r.Match(), nil
}

// Parse decodes the answers to PING and INFO server. Its error wraps
// service.ErrNoMatch when b is not RESP, or is errShort when fewer than
// two complete replies are in b; the Reply holds what was complete.
func Parse(b []byte) (Reply, error) {
	var r Reply
	for i := range 2 {
		typ, payload, n, err := next(b)
		if err != nil {
			return r, err
		}
		b = b[n:]
		switch typ {
		case '+':
			if i == 0 && string(payload) == "PONG" {
				r.Pong = true
			}
		case '-':
			msg := string(payload)
			switch {
			case strings.HasPrefix(msg, "NOAUTH "), msg == "ERR operation not permitted":
				// The second form is Redis 2.6 and older's.
				r.AuthRequired = true
			case strings.HasPrefix(msg, "DENIED Redis is running in protected mode"):
				r.Protected = true
			}
			if r.Error == "" {
				r.Error = service.Printable(payload, 200)
			}
		case '$':
			if i == 1 && payload != nil {
				r.Info = info(payload)
			}
		}
	}
	return r, nil
}

// next splits the first RESP2 reply off b: its type, its payload (the
// line, or the bulk string; nil for a nil bulk string) and its length.
func next(b []byte) (typ byte, payload []byte, n int, err error) {
	if len(b) == 0 {
		return 0, nil, 0, errShort
	}
	typ = b[0]
	switch typ {
	case '+', '-', ':', '$':
	default:
		return 0, nil, 0, noMatch(fmt.Sprintf("reply type %q", typ))
	}
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		if len(b) > maxLine {
			return 0, nil, 0, noMatch("endless line")
		}
		return 0, nil, 0, errShort
	}
	line := b[1:i]
	if i > maxLine || !service.IsText(line) {
		return 0, nil, 0, noMatch("line not text")
	}
	if typ != '$' {
		return typ, line, i + 2, nil
	}
	size, err := strconv.Atoi(string(line))
	switch {
	case err != nil || size < -1 || size > maxInfo:
		return 0, nil, 0, noMatch(fmt.Sprintf("bulk length %q", line))
	case size == -1:
		return typ, nil, i + 2, nil
	}
	end := i + 2 + size + 2
	if len(b) < end {
		return 0, nil, 0, errShort
	}
	if string(b[end-2:end]) != "\r\n" {
		return 0, nil, 0, noMatch("bulk string not terminated")
	}
	return typ, b[i+2 : end-2], end, nil
}

// info reads INFO's "field:value" lines; "#" lines name sections.
func info(b []byte) map[string]string {
	m := map[string]string{}
	for _, line := range bytes.Split(b, []byte("\n")) {
		k, v, ok := bytes.Cut(bytes.TrimRight(line, "\r"), []byte(":"))
		if !ok || len(k) == 0 || k[0] == '#' || len(m) >= 128 {
			continue
		}
		m[service.Printable(k, 64)] = service.Printable(v, 200)
	}
	return m
}

// Match turns the reply into what picket reports.
func (r Reply) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name, s.Product = "redis", "Redis key-value store"
	if v := r.Info["valkey_version"]; v != "" || r.Info["server_name"] == "valkey" {
		// Valkey reports a Redis version it is compatible with, and its
		// own.
		s.Product, s.Version = "Valkey", v
	} else if v := r.Info["redis_version"]; v != "" {
		s.Version = v
		s.CPE = []string{"cpe:2.3:a:redis:redis:" + v + ":*:*:*:*:*:*:*"}
	}
	if os := r.Info["os"]; os != "" {
		s.OSType = osType(os)
	}
	switch {
	case r.Protected:
		m.Details = append(m.Details,
			service.Detail{Key: "protected mode", Value: "on"},
			service.Detail{Key: "authentication", Value: "not set; loopback clients only"})
	case r.AuthRequired:
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: "required"})
	case r.Pong || r.Info != nil:
		// PING and INFO answered a client that gave no password.
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: "not required"})
	}
	for _, f := range []struct{ key, field string }{
		{"mode", "redis_mode"}, {"os", "os"}, {"arch bits", "arch_bits"},
	} {
		if v := r.Info[f.field]; v != "" {
			m.Details = append(m.Details, service.Detail{Key: f.key, Value: v})
		}
	}
	return m
}

// osType maps INFO's os field (uname's system name, release, machine)
// to the OS family names Nmap reports.
func osType(os string) string {
	sys, _, _ := strings.Cut(os, " ")
	switch {
	case sys == "Linux", sys == "FreeBSD", sys == "OpenBSD", sys == "NetBSD":
		return sys
	case sys == "Darwin":
		return "Mac OS X"
	case sys == "SunOS":
		return "Solaris"
	case strings.HasPrefix(sys, "CYGWIN"), strings.HasPrefix(sys, "MINGW"), sys == "Windows":
		return "Windows"
	}
	return ""
}
