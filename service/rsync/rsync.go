// Package rsync identifies rsync daemons (rsync://, port 873): the
// protocol version and authentication digests from the greeting, the
// message of the day, and the modules the daemon lists to anyone who asks
// ("#list"). Listed modules are an exposure worth knowing: each is a
// directory tree offered over the network, and those without "auth users"
// can be read, or written, by anyone.
package rsync

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake lists an rsync daemon's modules. It is safe for concurrent
// use.
var Handshake = service.Handshake{
	Name:        "rsync",
	Ports:       []uint16{873},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Bounds on the exchange.
const (
	maxLine    = 1024     // a module line is a name, a tab and a comment
	maxListing = 64 << 10 // the motd and the module list together
	maxModules = 100      // reported; more are counted
)

// request is picket's greeting and the listing request. The daemon
// settles on the lower of the two versions; 31 is what rsync 3.1 to 3.4
// speak, and no daemon refuses it for a listing.
const request = "@RSYNCD: 31.0\n#list\n"

// Detect reports whether a banner starts with rsync's greeting, or with
// the error a daemon sends instead of one.
func Detect(banner []byte) bool {
	return bytes.HasPrefix(banner, []byte("@RSYNCD: ")) || bytes.HasPrefix(banner, []byte("@ERROR: "))
}

// Greeting is a daemon's first line, "@RSYNCD: 32.0 sha512 md5 md4". It
// is a value, safe for concurrent use.
type Greeting struct {
	// Protocol is the protocol version, "32.0" or, before rsync 3.0,
	// "29".
	Protocol string
	// Digests are the authentication digests the daemon accepts, best
	// first, as rsync 3.2.7 and later list them.
	Digests []string
}

var greetingRE = regexp.MustCompile(`^@RSYNCD: (\d{1,3}(?:\.\d{1,3})?)((?: [\w-]{1,32}){0,16})$`)

// ParseGreeting parses the greeting line, without its line end.
func ParseGreeting(line string) (Greeting, bool) {
	sub := greetingRE.FindStringSubmatch(line)
	if sub == nil {
		return Greeting{}, false
	}
	g := Greeting{Protocol: sub[1]}
	if sub[2] != "" {
		g.Digests = strings.Fields(sub[2])
	}
	return g, true
}

// Listing is what a daemon sent after its greeting. It is a value, safe
// for concurrent use.
type Listing struct {
	MOTD    []string
	Modules []Module
	More    int    // modules past maxModules, counted only
	Error   string // an @ERROR line, without its prefix
	Done    bool   // @RSYNCD: EXIT ended the list
}

// Module is a listed module: its name and comment.
type Module struct{ Name, Comment string }

// ParseListing reads the lines after the greeting. The daemon lists a
// module as its name padded with spaces, a tab and its comment; other
// lines before the list are the message of the day. A last line without
// its line end is left out.
func ParseListing(b []byte) Listing {
	var l Listing
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(b[:i]), "\r")
		b = b[i+1:]
		switch {
		case line == "@RSYNCD: EXIT":
			l.Done = true
			return l
		case strings.HasPrefix(line, "@ERROR"):
			l.Error = printable(strings.TrimLeft(strings.TrimPrefix(line, "@ERROR"), ": "))
			return l
		case strings.Contains(line, "\t"):
			name, comment, _ := strings.Cut(line, "\t")
			if len(l.Modules) >= maxModules {
				l.More++
				continue
			}
			l.Modules = append(l.Modules, Module{printable(strings.TrimSpace(name)), printable(strings.TrimSpace(comment))})
		case strings.TrimSpace(line) != "" && len(l.Modules) == 0 && len(l.MOTD) < 32:
			l.MOTD = append(l.MOTD, printable(strings.TrimSpace(line)))
		}
	}
	return l
}

// endsListing reports whether a line (without its line end) ends the
// listing.
func endsListing(line []byte) bool {
	line = bytes.TrimRight(line, "\r")
	return string(line) == "@RSYNCD: EXIT" || bytes.HasPrefix(line, []byte("@ERROR"))
}

// listingDone returns a done function for ReadAtMost: whether the bytes
// read, after rest, end with a line that ends the listing. Only the last
// line is looked at, so that a server sending a byte at a time costs no
// more than one that sends it all at once.
func listingDone(rest []byte) func([]byte) bool {
	partial := rest[bytes.LastIndexByte(rest, '\n')+1:]
	return func(b []byte) bool {
		if len(b) == 0 || b[len(b)-1] != '\n' {
			return false
		}
		start := bytes.LastIndexByte(b[:len(b)-1], '\n') + 1
		line := b[start : len(b)-1]
		if start == 0 && len(partial) > 0 {
			line = append(partial[:len(partial):len(partial)], line...)
		}
		return endsListing(line)
	}
}

// Run reads the greeting, asks for the module list and reads it.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })()
	buf := bytes.Clone(banner)
	if bytes.IndexByte(buf, '\n') < 0 {
		if len(buf) > 0 && !Detect(buf) && !bytes.HasPrefix([]byte("@RSYNCD: "), buf) {
			return service.Match{}, service.ErrNoMatch
		}
		more, err := service.ReadAtMost(c, maxLine-len(buf), service.Deadline(ctx), func(b []byte) bool {
			return bytes.IndexByte(b, '\n') >= 0
		})
		if err != nil {
			return service.Match{}, fmt.Errorf("rsync: read greeting: %w", err)
		}
		buf = append(buf, more...)
	}
	first, rest, ok := bytes.Cut(buf, []byte("\n"))
	if !ok {
		return service.Match{}, service.ErrNoMatch
	}
	line := strings.TrimRight(string(first), "\r")
	if strings.HasPrefix(line, "@ERROR: ") {
		// A daemon that cannot serve says so in place of its greeting.
		return Describe(Greeting{}, Listing{Error: printable(line[len("@ERROR: "):])}), nil
	}
	g, ok := ParseGreeting(line)
	if !ok {
		return service.Match{}, service.ErrNoMatch
	}
	c.SetWriteDeadline(service.Deadline(ctx))
	_, err := c.Write([]byte(request))
	c.SetWriteDeadline(time.Time{})
	if l := ParseListing(rest); err == nil && !l.Done && l.Error == "" && len(rest) < maxListing {
		more, _ := service.ReadAtMost(c, maxListing-len(rest), service.Deadline(ctx), listingDone(rest))
		rest = append(rest, more...)
	}
	return Describe(g, ParseListing(rest)), nil
}

// Describe reports the greeting and the listing.
func Describe(g Greeting, l Listing) service.Match {
	s := result.Service{Name: "rsync"}
	if g.Protocol != "" {
		major, _, _ := strings.Cut(g.Protocol, ".")
		s.ExtraInfo = "protocol version " + major
	}
	m := service.Match{Service: s}
	add := func(k, v string) { m.Details = append(m.Details, service.Detail{Key: k, Value: v}) }
	if len(g.Digests) > 0 {
		add("auth digests", strings.Join(g.Digests, " "))
	}
	if len(l.MOTD) > 0 {
		add("motd", strings.Join(l.MOTD, " | "))
	}
	for _, mod := range l.Modules {
		v := mod.Name
		if mod.Comment != "" {
			v += " (" + mod.Comment + ")"
		}
		add("module", v)
	}
	if l.More > 0 {
		add("modules", "and "+strconv.Itoa(l.More)+" more")
	}
	if l.Error != "" {
		add("error", l.Error)
	}
	return m
}

// printable cuts s to maxLine bytes, anything but printable ASCII
// replaced: text from the wire goes into reports.
func printable(s string) string { return service.Printable(s, maxLine) }
