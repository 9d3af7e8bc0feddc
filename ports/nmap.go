package ports

import (
	"bufio"
	"cmp"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
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
		if len(f) > 3 {
			return nil, bad("want \"name port/proto frequency\", got %d fields", len(f))
		}
		if len(f) < 2 {
			return nil, bad("want \"name port/proto frequency\", got only %q", f[0])
		}
		port, i, known, msg := parsePortProto(f[1])
		if msg != "" {
			return nil, bad("%s", msg)
		}
		if !known {
			continue // ddp and the like: Nmap skips them too
		}
		e := entry{port: port, name: f[0]}
		if len(f) == 3 {
			v, err := strconv.ParseFloat(f[2], 64)
			if err != nil || !(v >= 0 && v <= 1) {
				return nil, bad("frequency %q is not a number from 0 to 1", f[2])
			}
			e.freq = v
			t.hasFreq = true
		}
		t.add(i, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ports: read %s: %w", source, err)
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
