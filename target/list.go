package target

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"iter"
	"strings"
)

// ReadList yields the specifications of a target list (-iL, --excludefile)
// as it reads r: whitespace-separated, with "#" starting a comment to the
// end of the line, anywhere. It never holds more than one specification, so
// a list of any size streams. A bad specification is yielded as an *Error
// with its line number and reading goes on; a read error ends the list.
func ReadList(r io.Reader, f Family) iter.Seq2[Spec, error] {
	return func(yield func(Spec, error) bool) {
		br := bufio.NewReaderSize(r, 64<<10)
		tok := make([]byte, 0, maxSpecLen+1)
		line, tokLine := 1, 1
		long := false // the current token is past maxSpecLen
		comment := false
		flush := func() bool {
			if len(tok) == 0 && !long {
				return true
			}
			var sp Spec
			var err error
			if long {
				err = &Error{Spec: string(tok) + "...", Line: tokLine, Err: why(ErrSyntax, "longer than %d characters", maxSpecLen)}
			} else {
				sp, err = parse(tok, f, tokLine)
			}
			tok, long = tok[:0], false
			return yield(sp, err)
		}
		for {
			c, err := br.ReadByte()
			if err != nil {
				if !flush() {
					return
				}
				if !errors.Is(err, io.EOF) {
					yield(Spec{}, fmt.Errorf("target: read list: %w", err))
				}
				return
			}
			if comment {
				if c == '\n' {
					comment = false
					line++
				}
				continue
			}
			switch c {
			case ' ', '\t', '\r', '\n', 0, '#':
				if !flush() {
					return
				}
				if c == '\n' {
					line++
				}
				comment = c == '#'
				continue
			}
			if len(tok) == 0 && !long {
				tokLine = line
			}
			if len(tok) < maxSpecLen {
				tok = append(tok, c)
			} else {
				long = true
			}
		}
	}
}

// ParseArgs yields the specifications given as command-line arguments, one
// per argument.
func ParseArgs(args []string, f Family) iter.Seq2[Spec, error] {
	return func(yield func(Spec, error) bool) {
		for _, a := range args {
			if !yield(Parse(a, f)) {
				return
			}
		}
	}
}

// ParseExclude yields the specifications of an --exclude argument. As in
// Nmap, they are separated by commas only, so octet lists such as 10.1,3.0.1
// cannot be written there (use --excludefile); empty items are skipped.
func ParseExclude(arg string, f Family) iter.Seq2[Spec, error] {
	return func(yield func(Spec, error) bool) {
		for item := range strings.SplitSeq(arg, ",") {
			if item == "" {
				continue
			}
			if !yield(Parse(item, f)) {
				return
			}
		}
	}
}
