package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/picket-scanner/picket/job"
	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/output/grepable"
	"github.com/picket-scanner/picket/output/jsonl"
	"github.com/picket-scanner/picket/output/nmapxml"
	"github.com/picket-scanner/picket/output/normal"
)

// openOutputs opens the terminal report and every -o file. Standard output
// carries the terminal report unless a format was sent there with "-".
func openOutputs(o *Options, e *env) (job.Sink, func() error, error) {
	opts := output.Options{Open: o.Open, Reason: o.Reason}
	if !o.NoStylesheet {
		opts.Stylesheet = o.Stylesheet
	}
	var files []*os.File
	var writers []output.Writer
	toStdout := false
	open := func(name string, mk func(io.Writer, output.Options) output.Writer) error {
		if name == "" {
			return nil
		}
		if name == "-" {
			toStdout = true
			writers = append(writers, mk(e.stdout, opts))
			return nil
		}
		flags := os.O_CREATE | os.O_WRONLY | os.O_TRUNC
		skipHeader := false
		if o.AppendOutput || o.resume != nil {
			flags = os.O_CREATE | os.O_WRONLY | os.O_APPEND
		}
		if o.resume != nil {
			var err error
			if skipHeader, err = reopenForResume(name); err != nil {
				return fmt.Errorf("output: %w", err)
			}
		}
		f, err := os.OpenFile(name, flags, 0o644)
		if err != nil {
			return fmt.Errorf("output: %w", err)
		}
		files = append(files, f)
		var w io.Writer = f
		if skipHeader {
			w = &skipFirst{w: f}
		}
		writers = append(writers, mk(w, opts))
		return nil
	}
	outs := []struct {
		name string
		mk   func(io.Writer, output.Options) output.Writer
	}{{o.Normal, normal.NewFile}, {o.XML, nmapxml.New}, {o.Grepable, grepable.New}, {o.JSON, jsonl.New}}
	if o.AllFormats != "" {
		n, x, g := output.AllNames(o.AllFormats)
		outs = append(outs, struct {
			name string
			mk   func(io.Writer, output.Options) output.Writer
		}{n, normal.NewFile}, struct {
			name string
			mk   func(io.Writer, output.Options) output.Writer
		}{x, nmapxml.New}, struct {
			name string
			mk   func(io.Writer, output.Options) output.Writer
		}{g, grepable.New})
	}
	closeAll := func() error {
		var errs []error
		for _, f := range files {
			if err := f.Close(); err != nil {
				errs = append(errs, err)
			}
		}
		return errors.Join(errs...)
	}
	for _, out := range outs {
		if err := open(out.name, out.mk); err != nil {
			closeAll()
			return nil, nil, err
		}
	}
	if !toStdout {
		writers = append([]output.Writer{normal.NewTerminal(e.stdout, opts)}, writers...)
	}
	return output.Multi(writers...), closeAll, nil
}
