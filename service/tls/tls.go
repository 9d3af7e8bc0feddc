// Package tls finds TLS on any port and reports what the server's
// handshake reveals: protocol version, cipher suite, ALPN, and the
// certificate (subject, issuer, names, validity, key, fingerprint). Client
// also hands back the established connection so that the engine can
// identify the service inside (https, imaps, smtps, ...).
//
// crypto/tls speaks the protocol. Because it refuses some servers that
// nevertheless speak TLS (an alert, an old signature scheme, a certificate
// Go cannot parse), the server's first flight is also recorded and read
// by this package's own parser, so that such a server is still reported
// as TLS, with its certificate when it was sent in the clear.
package tls

import (
	"context"
	ctls "crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake detects TLS. Its match is Nmap's "ssl" service with TLS set;
// the engine then names the service inside. Safe for concurrent use.
var Handshake = service.Handshake{
	Name:  "ssl",
	Ports: []uint16{443, 465, 563, 636, 853, 989, 990, 992, 993, 994, 995, 3269, 5061, 5986, 6697, 8443, 9443},
	Run:   run,
}

// Bounds on the handshake.
const (
	// maxHandshake is the most the server may send before the handshake
	// completes: a long certificate chain fits many times over.
	maxHandshake = 512 << 10
	// maxRecorded is how much of the server's first flight is kept for
	// the package's own parser when crypto/tls gives up.
	maxRecorded = 64 << 10
)

// errNotTLS, a service.ErrNoMatch, is returned when the server
// answered the ClientHello with something other than TLS.
var errNotTLS = fmt.Errorf("tls: the answer to a ClientHello is not TLS: %w", service.ErrNoMatch)

// ALPN protocols Run offers: enough to learn whether a web server speaks
// HTTP/2, and to be accepted by servers that insist on an overlap.
var probeALPN = []string{"h2", "http/1.1"}

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	// A TLS server never speaks first.
	if len(banner) > 0 {
		return service.Match{}, service.ErrNoMatch
	}
	_, info, err := Client(ctx, c, "", probeALPN...)
	if err != nil && !info.Detected {
		return service.Match{}, err
	}
	return info.Match(), nil
}

// Client runs a TLS handshake as a client on c, verifying nothing, and
// returns the established connection with what the handshake revealed.
// serverName is sent as SNI unless it is empty or an IP address. alpn are
// the ALPN protocols to offer: offer none, or "http/1.1" alone, when
// another protocol is to run inside, since a server that picks "h2"
// expects HTTP/2.
//
// The handshake is bounded by ctx and service.StepTimeout; c's deadlines
// are cleared afterwards. On failure Client returns a nil *tls.Conn and an
// error: an error wrapping service.ErrNoMatch when the server answered
// with something other than TLS, or, with info.Detected set and info
// holding what was learned, when the server spoke TLS but the handshake
// did not complete (an alert, a suite or version Go does not offer). c is
// left open in every case.
func Client(ctx context.Context, c net.Conn, serverName string, alpn ...string) (*ctls.Conn, Info, error) {
	if net.ParseIP(serverName) != nil {
		serverName = ""
	}
	cfg := &ctls.Config{
		ServerName:         serverName,
		InsecureSkipVerify: true, // the certificate is reported, not trusted
		MinVersion:         ctls.VersionTLS10,
		CipherSuites:       allSuites,
		// Classic groups only: a post-quantum key share makes the
		// ClientHello span several segments, which some old servers and
		// middleboxes mishandle.
		CurvePreferences: []ctls.CurveID{ctls.X25519, ctls.CurveP256, ctls.CurveP384, ctls.CurveP521},
		NextProtos:       alpn,
	}
	rc := &recorder{Conn: c}
	tc := ctls.Client(rc, cfg)
	err := handshake(ctx, c, tc)
	rc.done.Store(true)
	info := Info{At: time.Now()}
	if err == nil {
		info.fromState(tc.ConnectionState())
		return tc, info, nil
	}
	f := parseFlight(rc.rec)
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	if f.tls && f.certs == nil && f.version != 0 && f.version < ctls.VersionTLS13 && !timeout && ctx.Err() == nil {
		// crypto/tls stopped at the ServerHello (SSL 3.0, say): the
		// certificate that follows in the clear is still worth reading.
		f = rc.readRest(ctx)
	}
	if !f.tls {
		if len(rc.rec) > 0 {
			return nil, info, errNotTLS
		}
		return nil, info, fmt.Errorf("tls: handshake: %w", err)
	}
	info.fromFlight(f)
	info.Failure = failure(f, err)
	return nil, info, fmt.Errorf("tls: handshake: %w", err)
}

// handshake runs tc's handshake within service.Deadline(ctx). Cancelling
// ctx moves the deadline to now rather than closing c, which the caller
// owns.
func handshake(ctx context.Context, c net.Conn, tc *ctls.Conn) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.SetDeadline(service.Deadline(ctx)); err != nil {
		return err
	}
	defer c.SetDeadline(time.Time{})
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	err := tc.Handshake()
	if !stop() && err != nil {
		return ctx.Err()
	}
	return err
}

// failure says in a few words why a handshake with a server that speaks
// TLS did not complete.
func failure(f flight, err error) string {
	if f.alert >= 0 {
		return "alert " + alertName(uint8(f.alert))
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return "timeout"
	}
	return err.Error()
}

// allSuites lists every TLS 1.0–1.2 suite crypto/tls implements, the
// insecure ones too: a scanner must reach old servers, and the suite
// negotiated is itself worth reporting. (TLS 1.3 suites are not
// configurable.)
var allSuites = func() []uint16 {
	var ids []uint16
	for _, s := range ctls.CipherSuites() {
		if !slices.Equal(s.SupportedVersions, []uint16{ctls.VersionTLS13}) {
			ids = append(ids, s.ID)
		}
	}
	for _, s := range ctls.InsecureCipherSuites() {
		ids = append(ids, s.ID)
	}
	return ids
}()

// recorder bounds and records what the server sends until the handshake
// is over; then it only passes reads through.
type recorder struct {
	net.Conn
	done atomic.Bool
	n    int    // bytes read during the handshake
	rec  []byte // the first maxRecorded of them
}

var errTooLong = errors.New("tls: server sent too much during the handshake")

// restWait bounds the wait for the rest of a server's first flight after
// crypto/tls gave up on it: it normally arrived with the ServerHello.
const restWait = time.Second

// readRest reads more of the server's first flight, until it holds a
// certificate, and returns it parsed.
func (r *recorder) readRest(ctx context.Context) flight {
	deadline := time.Now().Add(restWait)
	if d := service.Deadline(ctx); d.Before(deadline) {
		deadline = d
	}
	if n := maxRecorded - len(r.rec); n > 0 {
		more, _ := service.ReadAtMost(r.Conn, n, deadline, func(b []byte) bool {
			return parseFlight(append(r.rec[:len(r.rec):len(r.rec)], b...)).certs != nil
		})
		r.rec = append(r.rec, more...)
	}
	return parseFlight(r.rec)
}

func (r *recorder) Read(p []byte) (int, error) {
	if r.done.Load() {
		return r.Conn.Read(p)
	}
	if r.n >= maxHandshake {
		return 0, errTooLong
	}
	if len(p) > maxHandshake-r.n {
		p = p[:maxHandshake-r.n]
	}
	n, err := r.Conn.Read(p)
	r.n += n
	if keep := min(n, maxRecorded-len(r.rec)); keep > 0 {
		r.rec = append(r.rec, p[:keep]...)
	}
	return n, err
}
