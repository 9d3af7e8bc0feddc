package osfp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Class is one classification of a reference fingerprint: a Class line of
// nmap-os-db ("Linux | Linux | 5.X | general purpose") and the CPE names
// that follow it. Generation may be empty. Like everything in a DB, it is
// read-only once parsed.
type Class struct {
	Vendor, Family, Generation, DeviceType string
	CPE                                    []string
}

// Entry is one reference fingerprint: its name, classes and tests, whose
// values are expressions. It is immutable once its DB is built.
type Entry struct {
	Name    string
	Line    int // line of the Fingerprint directive in the source
	Classes []Class
	// Fingerprint holds the tests as written.
	Fingerprint Fingerprint

	attrs []refAttr // every attribute of every test, compiled
}

// refAttr is one attribute of an entry, small so that scoring walks
// memory in order: slot numbers the test and attribute across the
// database, and exprID the expression for that slot (in DB.exprs), so that
// matching looks values up and caches results by number.
type refAttr struct {
	slot, exprID, points int32
}

// DB is a reference database: the MatchPoints weights and the entries. A
// DB is immutable after ParseDB returns and safe for concurrent use.
type DB struct {
	// Source names where the database came from, for reports ("nmap-os-db
	// from /usr/share/nmap", "picket"). ParseDB leaves it empty.
	Source string
	// MatchPoints are the weights: every test of the block, each attribute
	// with its points as a decimal value.
	MatchPoints Fingerprint
	Entries     []Entry

	points map[string]map[string]int
	globs  bool           // picket's own database: '*' in literals
	slots  map[string]int // "T1\x00DF" → slot
	exprs  []Expr         // by exprID: distinct (slot, expression) pairs
}

// Limits on a parsed database, so that hostile input costs little. Nmap's
// own file holds about 6,000 entries with lines under 1 KiB.
const (
	MaxDBLineBytes = 16 << 10
	MaxDBEntries   = 100_000
	MaxClasses     = 64
	MaxCPEs        = 64
)

// ParseError is an error in a database, with its line (0 when it concerns
// the database as a whole). It is a plain value.
type ParseError struct {
	Line int
	Msg  string
}

func (e *ParseError) Error() string { return fmt.Sprintf("osfp: line %d: %s", e.Line, e.Msg) }

// Unwrap makes a ParseError match ErrSyntax.
func (e *ParseError) Unwrap() error { return ErrSyntax }

// ParseDB reads a database in the format of Nmap's nmap-os-db: comment
// lines starting with '#', one MatchPoints block, and Fingerprint entries
// separated by blank lines, each with Class, CPE and test lines. picket's
// own database uses the same format. Every test of every entry must have
// weights in MatchPoints; an attribute without one is never scored. Errors are *ParseError values (wrapping
// ErrSyntax) naming the line, or the reader's error.
func ParseDB(r io.Reader) (*DB, error) { return parseDB(r, false) }

func parseDB(r io.Reader, globs bool) (*DB, error) {
	db := &DB{globs: globs}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxDBLineBytes)
	var (
		lineno   int
		cur      *Entry // the entry being read, nil between entries
		inPoints bool   // reading the MatchPoints block
		seenMP   bool
	)
	fail := func(format string, args ...any) (*DB, error) {
		return nil, &ParseError{Line: lineno, Msg: fmt.Sprintf(format, args...)}
	}
	for sc.Scan() {
		lineno++
		line := strings.TrimRight(sc.Text(), "\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if strings.TrimSpace(line) == "" {
			cur, inPoints = nil, false
			continue
		}
		switch {
		case hasPrefixFold(line, "Fingerprint") && (len(line) == 11 || line[11] == ' ' || line[11] == '\t'):
			if len(db.Entries) == MaxDBEntries {
				return fail("more than %d entries", MaxDBEntries)
			}
			name := line[11:]
			if i := strings.IndexByte(name, '#'); i >= 0 {
				name = name[:i]
			}
			name = strings.TrimSpace(name)
			if name == "" {
				return fail("fingerprint without a name")
			}
			db.Entries = append(db.Entries, Entry{Name: name, Line: lineno})
			cur, inPoints = &db.Entries[len(db.Entries)-1], false
		case hasPrefixFold(line, "MatchPoints") && strings.TrimSpace(line[11:]) == "":
			if seenMP {
				return fail("a second MatchPoints block")
			}
			if cur != nil {
				return fail("MatchPoints inside a fingerprint")
			}
			seenMP, inPoints = true, true
		case cur == nil && !inPoints:
			return fail("%q outside a Fingerprint or MatchPoints block", firstLine(line))
		case strings.HasPrefix(line, "Class "):
			if inPoints {
				return fail("Class line in MatchPoints")
			}
			c, err := parseClass(line[len("Class "):])
			if err != nil {
				return fail("%v", err)
			}
			if len(cur.Classes) == MaxClasses {
				return fail("more than %d Class lines", MaxClasses)
			}
			cur.Classes = append(cur.Classes, c)
		case strings.HasPrefix(line, "CPE "):
			if inPoints || len(cur.Classes) == 0 {
				return fail("CPE line without a Class line before it")
			}
			c := &cur.Classes[len(cur.Classes)-1]
			f := strings.Fields(line[len("CPE "):])
			if len(f) == 0 {
				return fail("empty CPE line")
			}
			if len(c.CPE) == MaxCPEs {
				return fail("more than %d CPE lines", MaxCPEs)
			}
			c.CPE = append(c.CPE, f[0]) // flags such as "auto" follow; Nmap ignores them
		default:
			t, err := parseTestLine(line)
			if err != nil {
				return fail("%v", err)
			}
			fp := &db.MatchPoints
			if !inPoints {
				fp = &cur.Fingerprint
			}
			if len(fp.Tests) == MaxTests {
				return fail("more than %d tests", MaxTests)
			}
			fp.Tests = append(fp.Tests, t)
		}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, &ParseError{Line: lineno + 1, Msg: fmt.Sprintf("line longer than %d bytes", MaxDBLineBytes)}
		}
		return nil, fmt.Errorf("osfp: read database: %w", err)
	}
	if !seenMP {
		return nil, &ParseError{Line: lineno, Msg: "no MatchPoints block"}
	}
	if err := db.compile(); err != nil {
		return nil, err
	}
	return db, nil
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// parseTestLine reads NAME(a=v%b=w) and nothing after the parenthesis.
func parseTestLine(line string) (Test, error) {
	open := strings.IndexByte(line, '(')
	end := strings.IndexByte(line, ')')
	if open < 0 || end < open {
		return Test{}, fmt.Errorf("%q is not a test", firstLine(line))
	}
	if strings.TrimSpace(line[end+1:]) != "" {
		return Test{}, fmt.Errorf("text after the test %q", firstLine(line))
	}
	return parseTest(line[:open], line[open+1:end])
}

// parseClass reads "vendor | family | generation | device type".
func parseClass(s string) (Class, error) {
	f := strings.SplitN(s, "|", 4)
	if len(f) != 4 {
		return Class{}, fmt.Errorf("class %q has fewer than four fields", firstLine(s))
	}
	c := Class{
		Vendor:     strings.TrimSpace(f[0]),
		Family:     strings.TrimSpace(f[1]),
		Generation: strings.TrimSpace(f[2]),
		DeviceType: strings.TrimSpace(f[3]),
	}
	if c.Vendor == "" || c.Family == "" {
		return Class{}, fmt.Errorf("class %q has no vendor or family", firstLine(s))
	}
	return c, nil
}

// compile checks the weights and compiles every entry's expressions.
func (db *DB) compile() error {
	db.points = make(map[string]map[string]int, len(db.MatchPoints.Tests))
	for _, t := range db.MatchPoints.Tests {
		if db.points[t.Name] != nil {
			return &ParseError{Msg: fmt.Sprintf("MatchPoints lists %s twice", t.Name)}
		}
		m := make(map[string]int, len(t.Attrs))
		for _, a := range t.Attrs {
			n, err := strconv.Atoi(a.Value)
			if err != nil || n < 0 || n > 1<<20 {
				return &ParseError{Msg: fmt.Sprintf("MatchPoints %s.%s: bad weight %q", t.Name, a.Name, a.Value)}
			}
			m[a.Name] = n
		}
		db.points[t.Name] = m
	}
	db.slots = map[string]int{}
	exprIDs := map[string]int{}
	for i := range db.Entries {
		e := &db.Entries[i]
		for _, t := range e.Fingerprint.Tests {
			w, ok := db.points[t.Name]
			if !ok {
				return &ParseError{Line: e.Line, Msg: fmt.Sprintf("%s: test %s has no MatchPoints weights", e.Name, t.Name)}
			}
			for _, a := range t.Attrs {
				// nmap-os-db has attributes without a weight (OPS(R=N));
				// Nmap never measures them, so they score nothing. In
				// picket's own database every attribute must be weighed.
				p, ok := w[a.Name]
				if !ok && db.globs {
					return &ParseError{Line: e.Line, Msg: fmt.Sprintf("%s: %s.%s has no MatchPoints weight", e.Name, t.Name, a.Name)}
				}
				key := t.Name + "\x00" + a.Name
				slot, ok := db.slots[key]
				if !ok {
					slot = len(db.slots)
					db.slots[key] = slot
				}
				ek := key + "\x00" + a.Value
				id, ok := exprIDs[ek]
				if !ok {
					id = len(db.exprs)
					exprIDs[ek] = id
					db.exprs = append(db.exprs, compileExpr(a.Value, db.globs))
				}
				e.attrs = append(e.attrs, refAttr{slot: int32(slot), exprID: int32(id), points: int32(p)})
			}
		}
	}
	return nil
}
