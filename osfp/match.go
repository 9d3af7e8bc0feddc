package osfp

import (
	"fmt"
	"math"
	"strings"
)

// Nmap's matching constants.
const (
	// GuessThreshold is the least accuracy Nmap keeps a candidate at
	// (OSSCAN_GUESS_THRESHOLD).
	GuessThreshold = 0.85
	// MaxMatches is how many candidates Nmap keeps (MAX_FP_RESULTS).
	MaxMatches = 36
	// MaxDetails is the most perfect matches Nmap lists as "OS details";
	// beyond that it says too many fingerprints match.
	MaxDetails = 8
	// MaxGuesses is the most aggressive guesses Nmap prints, all within
	// GuessSpread of the best.
	MaxGuesses  = 10
	GuessSpread = 0.10
	// maxClassMembers bounds the device types, families and CPEs of a
	// summary (MAX_OS_CLASSMEMBERS).
	maxClassMembers = 8
)

// Match is a reference entry and how well a fingerprint matches it, from 0
// to 1. It is a plain value; Entry points into the (immutable) DB.
type Match struct {
	Entry    *Entry
	Accuracy float64
}

// Percent returns the accuracy as Nmap prints it: floor(accuracy × 100).
func (m Match) Percent() int { return int(math.Floor(m.Accuracy * 100)) }

// Result is the outcome of matching one fingerprint: the candidates scoring
// at least GuessThreshold, best first, at most MaxMatches, of which the
// first Perfect score 1. TooMany reports more than MaxMatches perfect
// matches, when Nmap gives up. It is a plain value.
type Result struct {
	Matches []Match
	Perfect int
	TooMany bool
}

// Score returns the accuracy of fp against one entry: the MatchPoints of
// the attributes that match, over those of the attributes present in both
// (tests present in both, attributes present in both), or 0 when they share
// none.
func (db *DB) Score(fp Fingerprint, e *Entry) float64 {
	return db.subject(fp).score(e)
}

// subject is a fingerprint prepared for scoring against every entry: its
// values by slot, parsed once, and the results of the expressions already
// evaluated, since many entries share them.
type subject struct {
	vals  []value
	has   []bool
	cache []uint8 // by exprID: 0 not yet, 1 match, 2 no match
	exprs []Expr
}

func (db *DB) subject(fp Fingerprint) *subject {
	s := &subject{vals: make([]value, len(db.slots)), has: make([]bool, len(db.slots)), cache: make([]uint8, len(db.exprs)), exprs: db.exprs}
	seen := map[string]bool{}
	for _, t := range fp.Tests {
		if seen[t.Name] {
			continue // the first test of a name counts
		}
		seen[t.Name] = true
		for _, a := range t.Attrs {
			slot, ok := db.slots[t.Name+"\x00"+a.Name]
			if ok && !s.has[slot] {
				s.vals[slot], s.has[slot] = parseValue(a.Value), true
			}
		}
	}
	return s
}

func (s *subject) score(e *Entry) float64 {
	var possible, matched int32
	for _, ra := range e.attrs {
		if !s.has[ra.slot] {
			continue
		}
		possible += ra.points
		r := s.cache[ra.exprID]
		if r == 0 {
			r = 2
			if s.exprs[ra.exprID].match(s.vals[ra.slot]) {
				r = 1
			}
			s.cache[ra.exprID] = r
		}
		if r == 1 {
			matched += ra.points
		}
	}
	if possible == 0 {
		return 0
	}
	return float64(matched) / float64(possible)
}

// Match scores fp against every entry as Nmap's match_fingerprint does: an
// entry enters the list at GuessThreshold (or once the list is full, above
// its last member); of entries with the same name only the best is kept;
// equal scores keep database order. n > 0 cuts the list to its first n
// after that; n <= 0 keeps all of it.
func (db *DB) Match(fp Fingerprint, n int) Result {
	var r Result
	entrance := GuessThreshold
	s := db.subject(fp)
	for i := range db.Entries {
		e := &db.Entries[i]
		acc := s.score(e)
		if acc < entrance && acc != 1 {
			continue
		}
		skip := false
		for j, m := range r.Matches {
			if m.Entry.Name != e.Name {
				continue
			}
			if m.Accuracy >= acc {
				skip = true
			} else {
				r.Matches = append(r.Matches[:j], r.Matches[j+1:]...)
			}
			break
		}
		if skip {
			continue
		}
		if acc == 1 {
			if r.Perfect == MaxMatches {
				r.TooMany = true
				break
			}
			r.Perfect++
		}
		at := len(r.Matches)
		for j, m := range r.Matches {
			if m.Accuracy < acc {
				at = j
				break
			}
		}
		r.Matches = append(r.Matches, Match{})
		copy(r.Matches[at+1:], r.Matches[at:])
		r.Matches[at] = Match{Entry: e, Accuracy: acc}
		if len(r.Matches) > MaxMatches {
			r.Matches = r.Matches[:MaxMatches]
		}
		if len(r.Matches) == MaxMatches {
			entrance = r.Matches[MaxMatches-1].Accuracy + 0.00001
		}
	}
	if n > 0 && len(r.Matches) > n {
		r.Matches = r.Matches[:n]
		r.Perfect = min(r.Perfect, n)
	}
	return r
}

// Best matches the fingerprints of several tries and picks the one Nmap
// reports: the first with a perfect match, else the first with the highest
// best accuracy. It returns the index of that try and its result; with no
// fingerprints, -1.
func (db *DB) Best(fps []Fingerprint) (int, Result) {
	best, bestAcc := -1, 0.0
	var bestRes Result
	for i, fp := range fps {
		r := db.Match(fp, 0)
		if best < 0 {
			best, bestRes = i, r
		}
		if len(r.Matches) > 0 && r.Matches[0].Accuracy > bestAcc {
			best, bestAcc, bestRes = i, r.Matches[0].Accuracy, r
			if r.Perfect > 0 {
				break
			}
		}
	}
	return best, bestRes
}

// Family is one line item of Nmap's "Running:": a vendor and family with
// the generations seen, and the best accuracy among them. A plain value.
type Family struct {
	Name        string // "Linux", or "Microsoft Windows" when vendor and family differ
	Generations []string
	Accuracy    float64
	Perfect     bool
}

// Summary is what Nmap prints about a Result: "OS details" when 1 to 8
// entries match perfectly, else "Aggressive OS guesses" when guessing is
// allowed, and the classification lines ("Device type", "Running", "OS
// CPE"). It is a plain value.
type Summary struct {
	Details []Match // perfect matches, for "OS details"
	Guesses []Match // for "Aggressive OS guesses"; empty unless guessing
	// TooMany is Nmap's "Too many fingerprints match this host to give
	// specific OS details".
	TooMany bool
	// NoMatch means nothing reached GuessThreshold.
	NoMatch bool
	// Exact is false when no entry matches perfectly: Nmap then prints the
	// fingerprint for submission (when conditions were good).
	Exact        bool
	DeviceTypes  []string
	Families     []Family
	CPE          []string
	JustGuessing bool // Nmap's "Running (JUST GUESSING)"
	// Overflow reports more than eight device types, families or CPE
	// names; Nmap then prints none of the three lines, and the lists are
	// empty.
	Overflow bool
}

// Summarize applies Nmap's reporting rules to a Result. guess is Nmap's
// --osscan-guess, or a fingerprint whose conditions were not good enough to
// submit: either lets Nmap print guesses when nothing matches exactly.
func Summarize(r Result, guess bool) Summary {
	s := Summary{Exact: r.Perfect > 0}
	switch {
	case r.TooMany || r.Perfect > MaxDetails:
		s.TooMany = true
		return s
	case len(r.Matches) == 0:
		s.NoMatch = true
		return s
	case r.Perfect > 0:
		s.Details = r.Matches[:r.Perfect]
	case guess:
		best := r.Matches[0].Accuracy
		for i, m := range r.Matches {
			if i == MaxGuesses || (i > 0 && m.Accuracy <= best-GuessSpread) {
				break
			}
			s.Guesses = append(s.Guesses, m)
		}
	}
	s.classify(r, guess)
	return s
}

type classHit struct {
	c       *Class
	acc     float64
	perfect bool
}

// classify follows Nmap's populateClassification and
// printosclassificationoutput: the distinct classes of the candidates
// within GuessSpread of the best, then device types, families with their
// generations, and CPE names, each list at most eight long.
func (s *Summary) classify(r Result, guess bool) {
	var hits []classHit
outer:
	for i, m := range r.Matches {
		for ci := range m.Entry.Classes {
			c := &m.Entry.Classes[ci]
			dup := false
			for _, h := range hits {
				if h.c.Vendor == c.Vendor && h.c.Family == c.Family && h.c.Generation == c.Generation && h.c.DeviceType == c.DeviceType {
					dup = true
					break
				}
			}
			if dup {
				continue
			}
			if len(hits) == MaxMatches || m.Accuracy < r.Matches[0].Accuracy-GuessSpread {
				break outer
			}
			hits = append(hits, classHit{c: c, acc: m.Accuracy, perfect: i < r.Perfect})
		}
	}
	nperfect := 0
	for _, h := range hits {
		if h.perfect {
			nperfect++
		}
	}
	s.JustGuessing = nperfect == 0
	for i, h := range hits {
		if (!guess && i >= nperfect) || h.acc <= hits[0].acc-GuessSpread || (h.acc < 1 && i > 9) {
			break
		}
		s.DeviceTypes = addNew(s.DeviceTypes, h.c.DeviceType)
		for _, cpe := range h.c.CPE {
			s.CPE = addNew(s.CPE, cpe)
		}
		if len(s.DeviceTypes) > maxClassMembers || len(s.CPE) > maxClassMembers {
			s.Overflow = true
		}
		name := h.c.Vendor + " " + h.c.Family
		if h.c.Vendor == h.c.Family {
			name = h.c.Family
		}
		found := false
		for fi := range s.Families {
			f := &s.Families[fi]
			if f.Name != name {
				continue
			}
			found = true
			if h.c.Generation != "" && !strings.Contains(strings.Join(f.Generations, "|"), h.c.Generation) {
				f.Generations = append(f.Generations, h.c.Generation)
			}
			break
		}
		if !found {
			if len(s.Families) == maxClassMembers {
				s.Overflow = true
				break
			}
			// Nmap prints a family's accuracy when its index, not its
			// class's, is past the number of perfect classes.
			f := Family{Name: name, Accuracy: h.acc, Perfect: len(s.Families) < nperfect}
			if h.c.Generation != "" {
				f.Generations = []string{h.c.Generation}
			}
			s.Families = append(s.Families, f)
		}
	}
	if s.Overflow {
		s.DeviceTypes, s.Families, s.CPE = nil, nil, nil
	}
}

func addNew(list []string, s string) []string {
	for _, v := range list {
		if v == s {
			return list
		}
	}
	return append(list, s)
}

// Running returns the value of Nmap's "Running:" line, such as "Linux
// 4.X|5.X" or, when guessing, "Linux 5.X (96%), Google Android 10.X (91%)".
func (s Summary) Running() string {
	var b strings.Builder
	for i, f := range s.Families {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(f.Name)
		if len(f.Generations) > 0 {
			b.WriteByte(' ')
			b.WriteString(strings.Join(f.Generations, "|"))
		}
		if !f.Perfect {
			fmt.Fprintf(&b, " (%d%%)", int(math.Floor(f.Accuracy*100)))
		}
	}
	return b.String()
}
