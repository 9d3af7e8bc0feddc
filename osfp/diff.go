package osfp

import "slices"

// stable lists, per test, the attributes that depend on the stack alone
// and not on timing or chance: two scans of one host, by picket or by
// Nmap, give them the same values. SEQ's SP, GCD, ISR and TS, which come
// from the clock and the ISN generator, are left out.
var stable = map[string][]string{
	"SEQ": {"CI", "II", "SS"},
	"OPS": {"O1", "O2", "O3", "O4", "O5", "O6"},
	"WIN": {"W1", "W2", "W3", "W4", "W5", "W6"},
	"ECN": {"R", "DF", "T", "TG", "W", "O", "CC", "Q"},
	"T1":  {"R", "DF", "T", "TG", "S", "A", "F", "RD", "Q"},
	"T2":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"T3":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"T4":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"T5":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"T6":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"T7":  {"R", "DF", "T", "TG", "W", "S", "A", "F", "O", "RD", "Q"},
	"U1":  {"R", "DF", "T", "TG", "IPL", "UN", "RIPL", "RID", "RIPCK", "RUCK", "RUD"},
	"IE":  {"R", "DFI", "T", "TG", "CD"},
}

// DiffStable lists the attributes that depend on the stack alone on which
// a and b differ, as "T3.W: 0 against 8192", sorted; none when they agree.
// A fingerprint merged from several tries is compared by the first test
// of each name. SEQ.SS is skipped when either side's II is random: the
// shared counter it asks about then shows only by chance.
func DiffStable(a, b Fingerprint) []string {
	ta, tb := firstOfEach(a), firstOfEach(b)
	var diffs []string
	for name, attrs := range stable {
		x, okA := ta[name]
		y, okB := tb[name]
		if okA != okB {
			diffs = append(diffs, name+": in only one")
			continue
		}
		if !okA {
			continue
		}
		random := false
		for _, t := range []Test{x, y} {
			if ii, _ := t.Get("II"); ii == "RI" || ii == "RD" {
				random = true
			}
		}
		for _, at := range attrs {
			if at == "SS" && random {
				continue
			}
			va, inA := x.Get(at)
			vb, inB := y.Get(at)
			if inA != inB || va != vb {
				diffs = append(diffs, name+"."+at+": "+va+" against "+vb)
			}
		}
	}
	slices.Sort(diffs)
	return diffs
}

func firstOfEach(fp Fingerprint) map[string]Test {
	m := map[string]Test{}
	for _, t := range fp.Tests {
		if _, ok := m[t.Name]; !ok {
			m[t.Name] = t
		}
	}
	return m
}
