// Package memcached identifies memcached by its text protocol: "version"
// answers "VERSION 1.6.18", and "stats" (sent in the same write) tells
// whether the cache serves anyone who connects, plus the build's libevent
// and word size.
package memcached

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises memcached from its answers to version and stats.
var Handshake = service.Handshake{
	Name:  "memcached",
	Ports: []uint16{11211},
	Run:   run,
}

// probe is sent at once: memcached answers pipelined commands in order.
const probe = "version\r\nstats\r\n"

const (
	maxLine  = 512
	maxStats = 256      // stats has about 90 lines
	maxRead  = 32 << 10 // and takes about 2 KB
)

// Reply is what a server answered to version and stats. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type Reply struct {
	Version string
	// AuthRequired is set when the server answered "CLIENT_ERROR
	// unauthenticated": memcached with SASL or an auth file.
	AuthRequired bool
	// Stats holds stats' fields, when it answered.
	Stats map[string]string
}

// errShort says the answer is incomplete: more bytes may complete it.
var errShort = errors.New("memcached: reply incomplete")

func noMatch(why string) error {
	return fmt.Errorf("memcached: %s: %w", why, service.ErrNoMatch)
}

func run(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer service.Watch(ctx, c)()
	if err := service.Send(ctx, c, []byte(probe)); err != nil {
		return service.Match{}, fmt.Errorf("memcached: send version: %w", err)
	}
	b, err := service.ReadAtMost(c, maxRead, service.Deadline(ctx), func(b []byte) bool {
		_, err := Parse(b)
		return !errors.Is(err, errShort)
	})
	if err != nil {
		return service.Match{}, fmt.Errorf("memcached: read: %w", err)
	}
	// A version line alone identifies, even if stats never ends.
	r, err := Parse(b)
	if (err != nil && !errors.Is(err, errShort)) || (r.Version == "" && !r.AuthRequired) {
		return service.Match{}, service.ErrNoMatch
	}
	return r.Match(), nil
}

// Parse decodes the answers to version and stats. Its error wraps
// service.ErrNoMatch when b is not memcached's, or is errShort when more
// bytes are needed; the Reply holds what was complete.
func Parse(b []byte) (Reply, error) {
	var r Reply
	line, b, err := nextLine(b)
	if err != nil {
		return r, err
	}
	v, ok := strings.CutPrefix(line, "VERSION ")
	switch {
	case line == "CLIENT_ERROR unauthenticated":
		r.AuthRequired = true
		return r, nil
	case !ok || v == "" || v[0] < '0' || v[0] > '9':
		return r, noMatch(fmt.Sprintf("answer %q", line))
	}
	r.Version = v
	for {
		line, b, err = nextLine(b)
		if err != nil {
			return r, err
		}
		switch {
		case line == "END":
			return r, nil
		case strings.HasPrefix(line, "STAT "):
			k, v, _ := strings.Cut(line[len("STAT "):], " ")
			if r.Stats == nil {
				r.Stats = map[string]string{}
			}
			if len(r.Stats) < maxStats {
				r.Stats[k] = v
			}
		case line == "CLIENT_ERROR unauthenticated":
			r.AuthRequired = true
			return r, nil
		default:
			// ERROR, SERVER_ERROR ...: stats refused; the version stands.
			return r, nil
		}
	}
}

// nextLine splits the first CRLF-terminated line of text off b.
func nextLine(b []byte) (string, []byte, error) {
	i := bytes.Index(b, []byte("\r\n"))
	if i < 0 {
		if len(b) > maxLine {
			return "", nil, noMatch("endless line")
		}
		return "", nil, errShort
	}
	if i > maxLine || !service.IsText(b[:i]) {
		return "", nil, noMatch("line not text")
	}
	return string(b[:i]), b[i+2:], nil
}

// Match turns the reply into what picket reports.
func (r Reply) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name, s.Product, s.Version = "memcached", "Memcached", r.Version
	if v := service.NumericPrefix(r.Version); v != "" {
		s.CPE = []string{"cpe:2.3:a:memcached:memcached:" + v + ":*:*:*:*:*:*:*"}
	}
	switch {
	case r.AuthRequired:
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: "required"})
	case r.Stats != nil:
		// Anyone who connects may read and write the cache.
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: "not required"})
	}
	for _, f := range []struct{ key, stat, unit string }{
		{"uptime", "uptime", " seconds"}, {"libevent", "libevent", ""}, {"pointer size", "pointer_size", " bits"},
	} {
		if v := r.Stats[f.stat]; v != "" {
			m.Details = append(m.Details, service.Detail{Key: f.key, Value: v + f.unit})
		}
	}
	return m
}
