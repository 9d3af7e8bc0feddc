package probes

import (
	"bytes"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dlclark/regexp2/v2"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// matcher is one match or softmatch line.
type matcher struct {
	service string
	soft    bool
	pat     *pattern
	fields  [numFields]template
	cpes    []cpeTemplate
	source  string
	line    int
}

func (m *matcher) kind() string {
	if m.soft {
		return "softmatch"
	}
	return "match"
}

// Bounds on matching one reply.
const (
	// MaxReply is how much of a reply is matched. Signatures look at the
	// start of a reply (a banner, HTTP headers, the head of a page), and
	// the time a pattern can take grows with the length it scans.
	MaxReply = 16 << 10
	// matchBudget bounds one Match call whatever the patterns do: past
	// it the remaining patterns are skipped, as after a per-pattern
	// timeout, and the best match so far is returned.
	matchBudget = 2 * time.Second
)

// runesPool holds buffers for replies mapped to runes.
var runesPool = sync.Pool{New: func() any { b := make([]rune, 0, 4096); return &b }}

// latin1 maps each byte of b to the rune of the same value, so that a
// pattern's \xff (U+00FF in regexp2) matches the byte 0xFF and a capture's
// rune offsets are byte offsets into b.
func latin1(dst []rune, b []byte) []rune {
	dst = dst[:0]
	for _, c := range b {
		dst = append(dst, rune(c))
	}
	return dst
}

// Match matches a reply to probe p against the patterns that apply to it:
// the probe's own, then those of its fallbacks, then (for TCP) the NULL
// probe's, in file order. The first hard match ends the search and is
// returned with soft false. Failing that, the first soft match is returned
// with soft true: it names the service (and whatever fields the line
// gives), and later probes should be narrowed to it (see Narrow). ok is
// false when nothing matched, or when p is not one of db's probes.
//
// Each pattern gets regexTimeout, and the whole call matchBudget, so a
// hostile reply cannot hang the caller; only the first MaxReply bytes are
// looked at. The Match has Service filled but Method and Conf, which the
// engine sets; CPE names are CPE 2.3. A service "ssl" (or "ssl/http")
// sets TLS. Match is safe for concurrent use.
func (db *DB) Match(p *Probe, reply []byte) (m service.Match, soft bool, ok bool) {
	return db.MatchService(p, reply, "")
}

// MatchService is Match restricted to the patterns that name svc (all of
// them when svc is empty): once a soft match has named the service, only
// a hard match for that service can improve on it, as in Nmap.
func (db *DB) MatchService(p *Probe, reply []byte, svc string) (m service.Match, soft bool, ok bool) {
	if p == nil || p.db != db || len(reply) == 0 {
		return service.Match{}, false, false
	}
	if len(reply) > MaxReply {
		reply = reply[:MaxReply]
	}
	bufp := runesPool.Get().(*[]rune)
	runes := latin1(*bufp, reply)
	defer func() {
		*bufp = runes[:0]
		runesPool.Put(bufp)
	}()

	deadline := time.Now().Add(matchBudget)
	var (
		g       groups
		softHit *matcher
		softG   groups
	)
	for _, q := range p.chain {
		for _, mt := range q.matches {
			if softHit != nil && mt.soft {
				continue // the first soft match stands; only a hard one can beat it
			}
			if svc != "" && mt.service != svc && strings.TrimPrefix(mt.service, "ssl/") != svc {
				continue
			}
			// The prefix test turns most patterns away in nanoseconds; a
			// pattern that gets past it costs more than reading the clock.
			if !bytes.HasPrefix(reply, mt.pat.prefix) {
				continue
			}
			if time.Now().After(deadline) {
				return finish(softHit, reply, &softG)
			}
			hit, _ := mt.pat.matchAt(runes, &g)
			if !hit {
				continue
			}
			if !mt.soft {
				return mt.result(reply, &g), false, true
			}
			softHit, softG = mt, g
		}
	}
	return finish(softHit, reply, &softG)
}

func finish(soft *matcher, reply []byte, g *groups) (service.Match, bool, bool) {
	if soft == nil {
		return service.Match{}, false, false
	}
	return soft.result(reply, g), true, true
}

// matchAt runs the pattern on runes and fills g with its groups. A pattern
// that does not compile, times out or exceeds regexp2's backtracking stack
// reports an error, and counts as no match.
func (p *pattern) matchAt(runes []rune, g *groups) (bool, error) {
	re, err := p.compiled()
	if err != nil {
		return false, err
	}
	hit := false
	err = re.FindRunesMatches(runes, 0, func(v regexp2.MatchView) bool {
		hit = true
		for i := range g {
			start, n, ok := v.GroupRange(i)
			g[i].start, g[i].n, g[i].ok = start, n, ok
		}
		return false // the first match is the one
	})
	return hit && err == nil, err
}

// result fills a Match from the line's fields and the reply's groups.
func (m *matcher) result(reply []byte, g *groups) service.Match {
	var buf []byte
	render := func(i int) string {
		buf = m.fields[i].render(buf[:0], reply, g)
		return field(buf)
	}
	s := result.Service{
		Name:       m.service,
		Product:    render(fProduct),
		Version:    render(fVersion),
		ExtraInfo:  render(fInfo),
		Hostname:   render(fHost),
		OSType:     render(fOS),
		DeviceType: render(fDevice),
	}
	for i := range m.cpes {
		if c := m.cpes[i].render(reply, g); c != "" {
			s.CPE = append(s.CPE, c)
		}
	}
	out := service.Match{Service: s}
	// Nmap names a service found to speak TLS "ssl", and one whose reply
	// to a TLS hello gives away what runs inside "ssl/<name>".
	if inner, ok := strings.CutPrefix(m.service, "ssl/"); ok {
		out.Service.Name, out.Service.Tunnel, out.TLS = inner, "ssl", true
	} else if m.service == "ssl" {
		out.TLS = true
	}
	return out
}

// CompileAll compiles every pattern now rather than on first use, and
// returns the ones that fail, each naming its line. A caller may run it
// once in the background to take compilation off the first scans.
func (db *DB) CompileAll() []error {
	var errs []error
	for _, p := range db.probes {
		for _, m := range p.matches {
			if _, err := m.pat.compiled(); err != nil {
				errs = append(errs, &LineError{Source: m.source, Line: m.line, Msg: fmt.Sprintf("%s %s: pattern does not compile: %v", m.kind(), m.service, err)})
			}
		}
	}
	return errs
}
