// Package output writes a scan's results while the scan runs, in Nmap's
// formats (normal, XML, grepable) and picket's own JSON Lines. The formats
// live in subpackages (output/normal, output/nmapxml, output/grepable,
// output/jsonl); this package holds what they share: the Writer interface
// the engine drives, the fan-out for several -o options at once, the view
// --open takes of a host, and text helpers that make attacker-controlled
// strings safe to print.
//
// A run is written in three steps: Begin with the run's header, WriteHost
// for each host as soon as it is finished, End with the final run. Every
// writer hands each step to the underlying io.Writer in one Write call, so
// a crash or Ctrl-C loses at most the host in flight, and End closes the
// file properly even when the run was interrupted.
package output

import (
	"errors"
	"sync"

	"github.com/picket-scanner/picket/result"
)

// Writer streams one run's results in one format. Begin, then WriteHost
// any number of times, then End exactly once. End without Begin writes a
// complete, empty report. The values passed in are read, never modified,
// and not kept after the call returns.
//
// After a failed write a Writer returns the same error from every later
// call: a file that has lost a host must not look complete. Every Writer
// in picket's output packages is safe for concurrent use.
type Writer interface {
	Begin(run *result.Run) error
	WriteHost(h *result.Host) error
	End(run *result.Run) error
}

// Options are the output choices of Nmap's command line that change what
// the formats show. The zero value shows what Nmap shows by default. It is
// a plain value; writers copy it.
type Options struct {
	// Open (--open) lists only open, open|filtered and unfiltered ports,
	// folds the others into the "Not shown" counts, and leaves out hosts
	// with none of those.
	Open bool
	// Reason (--reason) adds the REASON column and the host's reason to
	// normal output. The other formats always carry reasons. Debugging
	// (-d) implies it, as in Nmap.
	Reason bool
	// Stylesheet is the href of the XML stylesheet processing instruction
	// (--stylesheet, --webxml); empty writes none (--no-stylesheet).
	Stylesheet string
}

// AllNames returns the file names -oA base writes: normal, XML and
// grepable output, with Nmap's suffixes so existing scripts find them.
func AllNames(base string) (normal, xml, grepable string) {
	return base + ".nmap", base + ".xml", base + ".gnmap"
}

// Multi returns a Writer that hands every call to each of ws in order,
// for -oA and several -o options at once. A failing writer does not stop
// the others: Multi returns the errors of all that failed, joined. It is
// safe for concurrent use, and keeps every file's hosts in the same order.
func Multi(ws ...Writer) Writer {
	m := &multi{}
	for _, w := range ws {
		if w != nil {
			m.ws = append(m.ws, w)
		}
	}
	return m
}

type multi struct {
	mu sync.Mutex
	ws []Writer
}

func (m *multi) each(f func(Writer) error) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	var errs []error
	for _, w := range m.ws {
		if err := f(w); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (m *multi) Begin(run *result.Run) error {
	return m.each(func(w Writer) error { return w.Begin(run) })
}

func (m *multi) WriteHost(h *result.Host) error {
	return m.each(func(w Writer) error { return w.WriteHost(h) })
}

func (m *multi) End(run *result.Run) error {
	return m.each(func(w Writer) error { return w.End(run) })
}
