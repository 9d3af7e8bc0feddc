// Package postgresql identifies PostgreSQL servers. It asks for TLS with
// an SSLRequest (and speaks TLS if the server accepts), then sends a
// StartupMessage for user "picket" and reads what the server answers: an
// authentication request or an error, both in PostgreSQL's own message
// format. PostgreSQL keeps its version to itself until a client has logged
// in, so the version is reported only where the protocol narrows it (SCRAM
// needs 10 or later) or where the server let picket in without a password
// and then announced it.
package postgresql

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises PostgreSQL by its answers to SSLRequest and
// StartupMessage.
var Handshake = service.Handshake{
	Name:  "postgresql",
	Ports: []uint16{5432},
	Run:   run,
}

const (
	sslRequestCode = 80877103 // 1234.5679, the SSLRequest "version"
	protocol30     = 3 << 16
	// maxMessage bounds one backend message: authentication requests,
	// errors and parameters take tens of bytes, a few hundred at most.
	maxMessage = 8 << 10
	// maxReply bounds everything read after the startup message.
	maxReply = 16 << 10
	// User is the role picket names in its StartupMessage: one that
	// should not exist, so that nothing is logged into by accident, and
	// that an administrator reading the server's log recognises.
	User = "picket"
)

// Authentication request codes of the 'R' message.
const (
	authOK        = 0
	authKerberos  = 2
	authCleartext = 3
	authMD5       = 5
	authSCM       = 6
	authGSS       = 7
	authSSPI      = 9
	authSASL      = 10
)

var authNames = map[uint32]string{
	authOK:        "not required",
	authKerberos:  "Kerberos V5",
	authCleartext: "password in cleartext",
	authMD5:       "MD5",
	authSCM:       "SCM credentials",
	authGSS:       "GSSAPI",
	authSSPI:      "SSPI",
	authSASL:      "SASL",
}

// Reply is what a server answered to the StartupMessage. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type Reply struct {
	// Auth is the authentication the server asked for (an 'R' code), or
	// -1 if it answered with an error first.
	Auth int64
	// Mechanisms are the SASL mechanisms offered, e.g. "SCRAM-SHA-256".
	Mechanisms []string
	// Error holds the fields of an ErrorResponse, by field type: 'S'
	// severity (localised), 'V' severity, 'C' SQLSTATE, 'M' message.
	Error map[byte]string
	// Params are the ParameterStatus values sent after a login that
	// needed no password: server_version and others.
	Params map[string]string
	// Ready is set when the server said ReadyForQuery.
	Ready bool
}

// errShort says the reply is incomplete: more bytes may complete it.
var errShort = errors.New("postgresql: reply incomplete")

func noMatch(why string) error {
	return fmt.Errorf("postgresql: %s: %w", why, service.ErrNoMatch)
}

func run(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	defer service.Watch(ctx, c)()

	// Ask for TLS first: its answer ('S' or 'N') is the first thing an
	// administrator should know, and costs one round trip.
	if err := service.Send(ctx, c, binary.BigEndian.AppendUint32([]byte{0, 0, 0, 8}, sslRequestCode)); err != nil {
		return service.Match{}, fmt.Errorf("postgresql: SSLRequest: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	ans, err := service.ReadAtMost(c, 1, service.Deadline(ctx), nil)
	if err != nil {
		return service.Match{}, fmt.Errorf("postgresql: SSLRequest: %w", err)
	}
	var details []service.Detail
	conn := c
	var reply []byte
	switch ans[0] {
	case 'S':
		tc, err := startTLS(ctx, c)
		if err != nil {
			return service.Match{}, err
		}
		conn = tc
		details = append(details,
			service.Detail{Key: "tls", Value: "offered"},
			service.Detail{Key: "tls version", Value: tls.VersionName(tc.ConnectionState().Version)})
	case 'N':
		details = append(details, service.Detail{Key: "tls", Value: "not offered"})
	case 'E':
		// A server that does not know SSLRequest says so in an error:
		// that error identifies it; there is no startup to send.
		reply = ans
	default:
		return service.Match{}, noMatch(fmt.Sprintf("SSLRequest answered %q", ans[0]))
	}

	if reply == nil {
		if err := service.Send(ctx, conn, startupMessage()); err != nil {
			return service.Match{}, fmt.Errorf("postgresql: startup: %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	have := len(reply)
	more, err := service.ReadAtMost(conn, maxReply-have, service.Deadline(ctx), func(b []byte) bool {
		_, err := Parse(append(reply[:have:have], b...))
		return !errors.Is(err, errShort)
	})
	if err != nil && have == 0 {
		return service.Match{}, fmt.Errorf("postgresql: startup: %w", err)
	}
	reply = append(reply, more...)
	r, err := Parse(reply)
	if err != nil && !(errors.Is(err, errShort) && r.Auth == authOK) {
		return service.Match{}, service.ErrNoMatch
	}
	if r.Auth == authOK {
		// Logged in without a password: say goodbye (Terminate) rather
		// than leave a backend waiting for a query.
		service.Send(ctx, conn, []byte{'X', 0, 0, 0, 4})
	}
	m := r.Match()
	m.Details = append(details, m.Details...)
	return m, nil
}

// startTLS runs a TLS handshake on c after the server's 'S'. Any
// certificate is accepted: picket identifies, it does not trust.
func startTLS(ctx context.Context, c net.Conn) (*tls.Conn, error) {
	tc := tls.Client(c, &tls.Config{
		InsecureSkipVerify: true,
		MinVersion:         tls.VersionTLS10, // old servers are still identified
	})
	c.SetDeadline(service.Deadline(ctx))
	defer c.SetDeadline(time.Time{})
	if err := tc.HandshakeContext(ctx); err != nil {
		var rec tls.RecordHeaderError
		if errors.As(err, &rec) {
			return nil, noMatch("no TLS after 'S'")
		}
		return nil, fmt.Errorf("postgresql: TLS handshake: %w", err)
	}
	return tc, nil
}

// startupMessage is protocol 3.0's StartupMessage for User.
func startupMessage() []byte {
	params := "user\x00" + User + "\x00database\x00" + User + "\x00\x00"
	b := binary.BigEndian.AppendUint32(nil, uint32(8+len(params)))
	b = binary.BigEndian.AppendUint32(b, protocol30)
	return append(b, params...)
}

// next splits the first backend message off b: its type, its body and
// its whole length.
func next(b []byte) (typ byte, body []byte, n int, err error) {
	if len(b) < 5 {
		return 0, nil, 0, errShort
	}
	typ = b[0]
	l := binary.BigEndian.Uint32(b[1:])
	if l < 4 || l > maxMessage {
		return 0, nil, 0, noMatch(fmt.Sprintf("message length %d", l))
	}
	n = 1 + int(l)
	if len(b) < n {
		return typ, nil, 0, errShort
	}
	return typ, b[5:n], n, nil
}

// Parse decodes the messages a server sends after a StartupMessage, up to
// the first that ends the startup (an authentication request other than
// OK, an error, or ReadyForQuery). Its error wraps service.ErrNoMatch when
// b is not PostgreSQL's, or is errShort when more bytes are needed; with
// errShort the Reply holds what was complete.
func Parse(b []byte) (Reply, error) {
	r := Reply{Auth: -1}
	first := true
	for {
		typ, body, n, err := next(b)
		if err != nil {
			return r, err
		}
		b = b[n:]
		if first && typ != 'R' && typ != 'E' && typ != 'v' {
			return r, noMatch(fmt.Sprintf("first message %q", typ))
		}
		first = false
		switch typ {
		case 'v': // NegotiateProtocolVersion: the server's newest minor version
			if len(body) < 8 {
				return r, noMatch("short NegotiateProtocolVersion")
			}
		case 'R':
			if len(body) < 4 {
				return r, noMatch("short authentication request")
			}
			code := binary.BigEndian.Uint32(body)
			if _, ok := authNames[code]; !ok || r.Auth == authOK {
				return r, noMatch(fmt.Sprintf("authentication code %d", code))
			}
			r.Auth = int64(code)
			if code == authSASL {
				for _, m := range bytes.Split(body[4:], []byte{0}) {
					if len(m) > 0 && len(r.Mechanisms) < 8 {
						r.Mechanisms = append(r.Mechanisms, service.Printable(m, 64))
					}
				}
			}
			if code != authOK {
				return r, nil // the server now waits for credentials
			}
		case 'E':
			f, err := fields(body)
			if err != nil {
				return r, err
			}
			r.Error = f
			return r, nil
		case 'S', 'K', 'N':
			// ParameterStatus, BackendKeyData, NoticeResponse: only after
			// a login.
			if r.Auth != authOK {
				return r, noMatch(fmt.Sprintf("message %q before login", typ))
			}
			if typ == 'S' {
				name, value, ok := bytes.Cut(body, []byte{0})
				if !ok {
					return r, noMatch("malformed ParameterStatus")
				}
				if r.Params == nil {
					r.Params = map[string]string{}
				}
				if len(r.Params) < 32 {
					r.Params[service.Printable(name, 64)] = service.Printable(bytes.TrimRight(value, "\x00"), 128)
				}
			}
		case 'Z':
			if r.Auth != authOK {
				return r, noMatch("ReadyForQuery before login")
			}
			r.Ready = true
			return r, nil
		default:
			return r, noMatch(fmt.Sprintf("message type %q", typ))
		}
	}
}

// fields decodes the fields of an ErrorResponse: a type byte and a
// NUL-terminated string each, then a NUL. A PostgreSQL error always has a
// severity and a message.
func fields(body []byte) (map[byte]string, error) {
	f := map[byte]string{}
	for {
		if len(body) == 0 {
			return nil, noMatch("unterminated error fields")
		}
		typ := body[0]
		if typ == 0 {
			break
		}
		if typ < 'A' || typ > 'z' {
			return nil, noMatch(fmt.Sprintf("error field type %#x", typ))
		}
		v, rest, ok := bytes.Cut(body[1:], []byte{0})
		if !ok {
			return nil, noMatch("unterminated error field")
		}
		f[typ] = service.Printable(v, 256)
		body = rest
	}
	if (f['S'] == "" && f['V'] == "") || f['M'] == "" {
		return nil, noMatch("error without severity or message")
	}
	return f, nil
}

// Match turns the reply into what picket reports.
func (r Reply) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name, s.Product = "postgresql", "PostgreSQL DB"
	cpeVersion := "*"
	switch {
	case r.Params["server_version"] != "":
		// "15.18 (Debian 15.18-0+deb12u1)": the version, then the build.
		v, build, _ := strings.Cut(r.Params["server_version"], " ")
		s.Version = v
		s.ExtraInfo = strings.Trim(build, "()")
		if strings.Contains(build, "Debian") || strings.Contains(build, "Ubuntu") {
			s.OSType = "Linux"
		}
		cpeVersion = service.NumericPrefix(v)
	case r.Auth == authSASL:
		// SASL authentication came with PostgreSQL 10, channel binding
		// (SCRAM-SHA-256-PLUS, offered inside TLS) with 11.
		s.Version = "10 or later"
		for _, mech := range r.Mechanisms {
			if strings.HasSuffix(mech, "-PLUS") {
				s.Version = "11 or later"
			}
		}
	case r.Error['V'] != "":
		// The non-localised severity field came with 9.6.
		s.Version = "9.6 or later"
	}
	if cpeVersion == "" {
		cpeVersion = "*"
	}
	s.CPE = []string{"cpe:2.3:a:postgresql:postgresql:" + cpeVersion + ":*:*:*:*:*:*:*"}
	if r.Auth >= 0 {
		auth := authNames[uint32(r.Auth)]
		if len(r.Mechanisms) > 0 {
			auth = strings.Join(r.Mechanisms, ", ")
		}
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: auth})
	}
	if r.Error != nil {
		sev := r.Error['V']
		if sev == "" {
			sev = r.Error['S']
		}
		m.Details = append(m.Details, service.Detail{Key: "error", Value: sev + " " + r.Error['C'] + ": " + r.Error['M']})
	}
	return m
}
