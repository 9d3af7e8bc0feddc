package probes

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"

	"github.com/picket-scanner/picket/ports"
	"github.com/picket-scanner/picket/result"
)

// LineError is a line of a database that could not be read; the line is
// skipped. It is a plain value, safe to share.
type LineError struct {
	Source string // the file, e.g. "/usr/share/nmap/nmap-service-probes"
	Line   int    // 1-based
	Msg    string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("probes: %s line %d: %s", e.Source, e.Line, e.Msg)
}

// Bounds on what a database may hold, so that a hostile or corrupt file
// costs bounded memory: Nmap's 7.93 file has 1,757-byte lines at most,
// 148 probes and 11,917 patterns.
const (
	maxLine     = 64 << 10
	maxWarnings = 100
	maxProbes   = 4096
	maxMatches  = 200000
)

// builder accumulates one database from one or more files.
type builder struct {
	db       *DB
	warnings []error
	dropped  int // warnings past maxWarnings
	source   string
	line     int
	probe    *Probe // the probe lines now belong to, nil before the first
	match    *matcher
}

func newBuilder(source string) *builder {
	return &builder{db: &DB{source: source, byName: make(map[probeKey]*Probe)}}
}

// warn records a problem with the current line.
func (b *builder) warn(format string, args ...any) {
	if len(b.warnings) >= maxWarnings {
		b.dropped++
		return
	}
	b.warnings = append(b.warnings, &LineError{Source: b.source, Line: b.line, Msg: fmt.Sprintf(format, args...)})
}

// eachLine calls fn with every line of r, numbered from 1, without its
// line ending. Lines longer than maxLine are skipped with a warning. Only a
// read error stops it.
func (b *builder) eachLine(r io.Reader, source string, fn func(line string)) error {
	b.source, b.line = source, 0
	br := bufio.NewReaderSize(r, 16<<10)
	var long []byte
	for {
		chunk, isPrefix, err := br.ReadLine()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("probes: read %s: %w", source, err)
		}
		if isPrefix || long != nil {
			if len(long) <= maxLine {
				long = append(long, chunk...)
			}
			if isPrefix {
				continue
			}
			chunk, long = long, nil
		}
		b.line++
		if len(chunk) > maxLine {
			b.warn("line longer than %d bytes skipped", maxLine)
			continue
		}
		fn(string(bytes.TrimRight(chunk, "\r")))
	}
}

// addProbe starts a probe, or returns the existing one of that name when
// reopen is set (picket's files may add patterns to a probe defined in
// another file).
func (b *builder) addProbe(proto result.Protocol, name string, reopen bool) *Probe {
	key := probeKey{proto, name}
	if p := b.db.byName[key]; p != nil {
		if reopen {
			return p
		}
		b.warn("probe %s/%s defined twice: the second is ignored", proto, name)
		return nil
	}
	if len(b.db.probes) >= maxProbes {
		b.warn("more than %d probes", maxProbes)
		return nil
	}
	p := &Probe{Name: name, Proto: proto, Rarity: defaultRarity, TotalWait: defaultTotalWait, line: b.line, db: b.db}
	b.db.probes = append(b.db.probes, p)
	b.db.byName[key] = p
	return p
}

// addMatch adds a pattern to the current probe.
func (b *builder) addMatch(m *matcher) {
	if b.probe == nil {
		b.warn("%s before any probe", m.kind())
		return
	}
	if b.db.stats.Matches+b.db.stats.SoftMatches >= maxMatches {
		b.warn("more than %d patterns", maxMatches)
		return
	}
	m.source, m.line = b.source, b.line
	b.probe.matches = append(b.probe.matches, m)
	if m.soft {
		b.db.stats.SoftMatches++
	} else {
		b.db.stats.Matches++
	}
	b.match = m
}

func (b *builder) setExclude(spec string) {
	if b.db.exclude != nil {
		b.warn("a second Exclude is ignored")
		return
	}
	s, err := ports.Parse(spec, nil, result.TCP, result.UDP)
	if err != nil {
		b.warn("Exclude: %v", err)
		return
	}
	b.db.exclude = s
}

// finish resolves fallbacks and what each probe can identify, and returns
// the database with the warnings gathered.
func (b *builder) finish() (*DB, []error) {
	db := b.db
	db.stats.Probes = len(db.probes)
	for _, p := range db.probes {
		if p.Proto == result.TCP && len(p.Payload) == 0 && db.null == nil {
			db.null = p
		}
	}
	for _, p := range db.probes {
		p.chain = append(p.chain, p)
		for _, name := range p.fallback {
			fb := db.byName[probeKey{p.Proto, name}]
			if fb == nil {
				// Nmap's DNS-over-TCP probes fall back on the UDP probes
				// of the same queries: the messages are the same.
				fb = db.byName[probeKey{other(p.Proto), name}]
			}
			if fb == nil {
				b.source, b.line = db.source, p.line
				b.warn("probe %s: no probe %q to fall back on", p.Name, name)
				continue
			}
			if !containsProbe(p.chain, fb) {
				p.chain = append(p.chain, fb)
			}
		}
		// A TCP probe's reply often starts with the banner the service
		// sends to anyone, so the NULL probe's patterns apply last.
		if p.Proto == result.TCP && db.null != nil && !containsProbe(p.chain, db.null) {
			p.chain = append(p.chain, db.null)
		}
		p.services = make(map[string]bool)
		for _, q := range p.chain {
			for _, m := range q.matches {
				if !m.soft {
					p.services[m.service] = true
				}
			}
		}
	}
	if b.dropped > 0 {
		b.warnings = append(b.warnings, fmt.Errorf("probes: %s: %d more problems not listed", db.source, b.dropped))
	}
	return db, b.warnings
}

func other(p result.Protocol) result.Protocol {
	if p == result.TCP {
		return result.UDP
	}
	return result.TCP
}

func containsProbe(l []*Probe, p *Probe) bool {
	for _, q := range l {
		if q == p {
			return true
		}
	}
	return false
}

// splitComma yields the non-empty, trimmed items of a comma-separated list.
func splitComma(s string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for item := range strings.SplitSeq(s, ",") {
			item = strings.TrimSpace(item)
			if item != "" && !yield(item) {
				return
			}
		}
	}
}

func cutByte(s string, c byte) (before, after string, found bool) {
	if i := strings.IndexByte(s, c); i >= 0 {
		return s[:i], s[i+1:], true
	}
	return s, "", false
}

// word splits s at its first run of blanks.
func word(s string) (first, rest string) {
	s = strings.TrimLeft(s, " \t")
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimLeft(s[i:], " \t")
}
