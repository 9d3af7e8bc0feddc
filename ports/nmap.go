package ports

import (
	"cmp"
	"io"
	"slices"
	"strconv"
)

// NmapServicesFile is the name of Nmap's services table in its data
// directory (--datadir, or /usr/share/nmap).
const NmapServicesFile = "nmap-services"

// ReadServices reads a table in the format of Nmap's nmap-services:
//
//	name port/proto [frequency] [# comment]
//
// with '#' comment lines. It is meant for the copy of an installed Nmap,
// read at run time (--datadir); picket ships none. source names the file in
// errors and in Table.Source.
//
// It ranks as Nmap does: by frequency, descending, with ties kept in file
// order (the file is in port order, so ties go to the lower port). Like
// Nmap it keeps the first of duplicate port/proto lines and skips protocols
// other than tcp, udp and sctp. A line it cannot read is an error naming
// the line, a *LineError.
func ReadServices(r io.Reader, source string) (*Table, error) {
	t := newTable(source)
	err := eachLine(r, source, func(_ int, f []string, bad func(string, ...any) error) error {
		if len(f) > 3 {
			return bad("want \"name port/proto frequency\", got %d fields", len(f))
		}
		if len(f) < 2 {
			return bad("want \"name port/proto frequency\", got only %q", f[0])
		}
		port, i, known, msg := parsePortProto(f[1])
		if msg != "" {
			return bad("%s", msg)
		}
		if !known {
			return nil // ddp and the like: Nmap skips them too
		}
		e := entry{port: port, name: f[0]}
		if len(f) == 3 {
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return bad("frequency %q is not a number from 0 to 1", f[2])
			}
			e.freq = v
			t.hasFreq = true
		}
		t.add(i, e)
		return nil
	})
	if err != nil {
		return nil, err
	}
	for i := range t.entries {
		slices.SortStableFunc(t.entries[i], func(a, b entry) int {
			return cmp.Compare(b.freq, a.freq)
		})
		for j, e := range t.entries[i] {
			t.index[i][e.port] = int32(j)
		}
	}
	return t, nil
}
