package ports

import (
	"bufio"
	_ "embed"
	"errors"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"sync"

	"github.com/picket-scanner/picket/result"
)

// Sizes of Nmap's port selections.
const (
	FastTop    = 100  // -F
	DefaultTop = 1000 // no -p, -F, --top-ports or --port-ratio
)

// ErrNoFrequencies is returned by Ratio for a table that ranks ports without
// open frequencies, as picket's own table does.
var ErrNoFrequencies = errors.New("ports: this services table has no port frequencies; --port-ratio needs an Nmap nmap-services file (--datadir), or use --top-ports")

// Table is a services table: for each protocol, the known ports with their
// service names, in rank order (most commonly open first), and for tables
// read from Nmap's nmap-services, each port's open frequency.
//
// A Table is immutable once built and safe for concurrent use.
type Table struct {
	source  string
	entries [numProtos][]entry // rank order
	index   [numProtos]map[uint16]int32
	hasFreq bool
}

type entry struct {
	port uint16
	name string
	freq float64
}

const numProtos = 3

// slot maps a protocol to its index in the per-protocol arrays.
func slot(p result.Protocol) (int, bool) {
	if p < result.TCP || p > result.SCTP {
		return 0, false
	}
	return int(p - result.TCP), true
}

var allProtos = [numProtos]result.Protocol{result.TCP, result.UDP, result.SCTP}

//go:embed services.txt
var builtin string

var defaultTable = sync.OnceValue(func() *Table {
	t, err := readTable(strings.NewReader(builtin), "picket built-in services table")
	if err != nil {
		// The file is part of the source tree and tested; this is a build defect.
		panic(err)
	}
	return t
})

// Default returns picket's own services table, embedded in the binary and
// parsed on first use. See the package documentation for where its ranking
// comes from.
func Default() *Table { return defaultTable() }

// Source says where the table came from, for the report ("picket built-in
// services table", or what the caller of ReadServices named).
func (t *Table) Source() string { return t.source }

// Name returns the service name of port for the SERVICE column, or
// "unknown" when the table has none, as Nmap prints it.
func (t *Table) Name(p result.Protocol, port uint16) string {
	if name, ok := t.Lookup(p, port); ok {
		return name
	}
	return "unknown"
}

// Lookup returns the service name of port and whether the table has one.
func (t *Table) Lookup(p result.Protocol, port uint16) (string, bool) {
	i, ok := slot(p)
	if !ok {
		return "", false
	}
	j, ok := t.index[i][port]
	if !ok {
		return "", false
	}
	return t.entries[i][j].name, true
}

// Len returns how many ports of protocol p the table knows.
func (t *Table) Len(p result.Protocol) int {
	i, ok := slot(p)
	if !ok {
		return 0
	}
	return len(t.entries[i])
}

// Ranked yields the ports of protocol p in rank order, most commonly open
// first.
func (t *Table) Ranked(p result.Protocol) iter.Seq[uint16] {
	return func(yield func(uint16) bool) {
		i, ok := slot(p)
		if !ok {
			return
		}
		for _, e := range t.entries[i] {
			if !yield(e.port) {
				return
			}
		}
	}
}

// Top returns the n most commonly open ports of protocol p (--top-ports n),
// or every port the table knows when it has fewer.
func (t *Table) Top(p result.Protocol, n int) *Set {
	return t.TopOf(p, n, nil)
}

// TopOf returns the n highest-ranked ports of protocol p that are in among,
// as Nmap combines --top-ports with -p and --exclude-ports: the candidates
// are restricted first, then the top n of what remains is taken. A nil among
// places no restriction.
func (t *Table) TopOf(p result.Protocol, n int, among *Set) *Set {
	s := new(Set)
	i, ok := slot(p)
	if !ok {
		return s
	}
	for _, e := range t.entries[i] {
		if s.Len() >= n {
			break
		}
		if among == nil || among.Has(e.port) {
			s.Add(e.port)
		}
	}
	return s
}

// Ratio returns the ports of protocol p whose open frequency is at least r
// (--port-ratio r), restricted to among unless it is nil. It fails with
// ErrNoFrequencies for a table without frequencies, and for r outside 0–1.
func (t *Table) Ratio(p result.Protocol, r float64, among *Set) (*Set, error) {
	if !t.hasFreq {
		return nil, ErrNoFrequencies
	}
	if !(r >= 0 && r <= 1) {
		return nil, fmt.Errorf("ports: --port-ratio %v out of range: it is a frequency from 0 to 1", r)
	}
	s := new(Set)
	i, ok := slot(p)
	if !ok {
		return s, nil
	}
	for _, e := range t.entries[i] {
		if e.freq < r {
			break // entries are sorted by frequency
		}
		if among == nil || among.Has(e.port) {
			s.Add(e.port)
		}
	}
	return s, nil
}

// HasFrequencies reports whether the table carries open frequencies, which
// --port-ratio needs.
func (t *Table) HasFrequencies() bool { return t.hasFreq }

// match adds to s the ports of protocol slot i whose name matches the
// wildcard mask, and returns how many matched (added or already present)
// and how many were already present.
func (t *Table) match(i int, mask string, s *Set) (matched, dup int) {
	for _, e := range t.entries[i] {
		if wildMatch(mask, e.name) {
			matched++
			if !s.Add(e.port) {
				dup++
			}
		}
	}
	return matched, dup
}

// LineError reports a line of a services file that cannot be read. It is a
// plain value, safe to share.
type LineError struct {
	Source string // what was read, e.g. "nmap-services"
	Line   int    // 1-based
	Msg    string
}

func (e *LineError) Error() string {
	return fmt.Sprintf("ports: %s line %d: %s", e.Source, e.Line, e.Msg)
}

func newTable(source string) *Table {
	t := &Table{source: source}
	for i := range t.index {
		t.index[i] = make(map[uint16]int32)
	}
	return t
}

// add appends an entry unless port/proto is known, and reports whether it
// was added.
func (t *Table) add(i int, e entry) bool {
	if _, dup := t.index[i][e.port]; dup {
		return false
	}
	t.index[i][e.port] = int32(len(t.entries[i]))
	t.entries[i] = append(t.entries[i], e)
	return true
}

// parsePortProto parses "80/tcp". A malformed field sets msg; a well-formed
// one with a protocol other than tcp, udp and sctp has known false, so that
// callers may skip it.
func parsePortProto(field string) (port uint16, i int, known bool, msg string) {
	num, proto, found := strings.Cut(field, "/")
	if !found {
		return 0, 0, false, fmt.Sprintf("%q is not port/protocol, e.g. 80/tcp", field)
	}
	n, err := strconv.ParseUint(num, 10, 16)
	if err != nil {
		return 0, 0, false, fmt.Sprintf("port %q in %q is not a number from 0 to 65535", num, field)
	}
	switch proto {
	case "tcp":
		return uint16(n), 0, true, ""
	case "udp":
		return uint16(n), 1, true, ""
	case "sctp":
		return uint16(n), 2, true, ""
	}
	return uint16(n), 0, false, ""
}

// readTable reads picket's own format, described in services.txt: lines
// "<port>/<proto> <name>", ranked by line order within each protocol.
func readTable(r io.Reader, source string) (*Table, error) {
	t := newTable(source)
	first := [numProtos]map[uint16]int{{}, {}, {}}
	err := eachLine(r, source, func(line int, f []string, bad func(string, ...any) error) error {
		if len(f) != 2 {
			return bad("want \"<port>/<proto> <name>\", got %d fields", len(f))
		}
		port, i, known, msg := parsePortProto(f[0])
		if msg != "" {
			return bad("%s", msg)
		}
		if !known {
			return bad("protocol in %q must be tcp, udp or sctp", f[0])
		}
		if !t.add(i, entry{port: port, name: f[1]}) {
			return bad("%s listed again (first on line %d)", f[0], first[i][port])
		}
		first[i][port] = line
		return nil
	})
	if err != nil {
		return nil, err
	}
	return t, nil
}

// eachLine calls fn with the fields of each line of r that holds any once
// "#" comments are cut, and a bad that makes a *LineError naming the line.
func eachLine(r io.Reader, source string, fn func(line int, fields []string, bad func(string, ...any) error) error) error {
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		text, _, _ := strings.Cut(sc.Text(), "#")
		f := strings.Fields(text)
		if len(f) == 0 {
			continue
		}
		bad := func(format string, a ...any) error {
			return &LineError{Source: source, Line: line, Msg: fmt.Sprintf(format, a...)}
		}
		if err := fn(line, f, bad); err != nil {
			return err
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("ports: read %s: %w", source, err)
	}
	return nil
}
