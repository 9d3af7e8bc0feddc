package probes

import (
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/picket-scanner/picket/result"
)

// ParseOwn reads a database in picket's own format, the format of the
// signatures picket ships (see Own). It is line-oriented; blank lines and
// lines whose first non-blank character is '#' are ignored, and
// indentation is only for the reader:
//
//	define http  ^HTTP/1\.[01] \d\d\d[^\r\n]*\r\n(?:[^\r\n]+\r\n)*?
//
//	probe tcp http-get
//	    send      "GET / HTTP/1.0\r\n\r\n"
//	    ports     80,8000-8010,8080
//	    tls-ports 443,8443
//	    rarity    1
//	    wait      5s
//	    fallback  crlf
//
//	match http %{http}(?i:server): nginx/([\d.]+)
//	    product nginx
//	    version $1
//	    cpe     cpe:2.3:a:f5:nginx:$1
//
//	soft ftp (?i)^220[- ][^\r\n]*\bftp\b
//
// probe starts (or, naming one already defined, reopens) a probe of tcp or
// udp; the lines after it set it up and add its patterns. A probe without
// send only listens, as Nmap's NULL probe. wait and wrapped (the
// tcpwrapped time) take Go durations; rarity, ports, tls-ports and fallback
// mean what Nmap's rarity, ports, sslports and fallback do.
//
// match and soft take a service name and a pattern: the rest of the line,
// PCRE syntax as Nmap's patterns (flags inline: (?i), (?s)), matched
// against the reply's bytes. Blanks ending a line are dropped: a pattern
// ending in a space writes it \x20. %{name} inserts a pattern fragment
// named by an earlier define. The lines after a match give its fields: product,
// version, info, host, os, device (each once; the rest of the line, with
// $1–$9, $P(n), $SUBST(n,"a","b") and $I(n,">")) and cpe (repeatable, a CPE
// 2.3 formatted string whose missing attributes are ANY). exclude takes
// ports as -p does, as Nmap's Exclude.
//
// Problems are reported as Parse reports them: a *LineError per skipped
// line in the warnings; the error is for a failed read only.
func ParseOwn(r io.Reader, source string) (*DB, []error, error) {
	o := newOwnParser(source)
	if err := o.parse(r, source); err != nil {
		return nil, nil, err
	}
	db, warnings := o.finish()
	return db, warnings, nil
}

//go:embed signatures/*.sig
var signatures embed.FS

// Own returns picket's own signature database, parsed once on first use
// from the files embedded in the binary (signatures/*.sig, in name order,
// as one database). The error joins any problems found in them; tests keep
// it nil.
func Own() (*DB, error) { return ownOnce() }

var ownOnce = sync.OnceValues(func() (*DB, error) {
	return parseFS(signatures, "signatures", "picket signatures")
})

// parseFS reads every .sig file of dir in fsys, in name order, as one
// database.
func parseFS(fsys fs.FS, dir, source string) (*DB, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("probes: %w", err)
	}
	o := newOwnParser(source)
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sig" {
			continue
		}
		f, err := fsys.Open(path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("probes: %w", err)
		}
		err = o.parse(f, e.Name())
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	db, warnings := o.finish()
	return db, errors.Join(warnings...)
}

type ownParser struct {
	*builder
	defines map[string]string
	given   map[*Probe]map[string]bool // probe settings already made
}

func newOwnParser(source string) *ownParser {
	return &ownParser{builder: newBuilder(source), defines: make(map[string]string), given: make(map[*Probe]map[string]bool)}
}

func (o *ownParser) parse(r io.Reader, source string) error {
	o.probe, o.match = nil, nil // a file starts outside any probe
	return o.eachLine(r, source, o.line)
}

// probeSettings are the keywords that set up a probe.
var probeSettings = map[string]bool{"send": true, "ports": true, "tls-ports": true, "rarity": true, "wait": true, "wrapped": true, "fallback": true}

// fieldNames are a match's field keywords, in the order of the fields.
var fieldNames = [numFields]string{"product", "version", "info", "host", "os", "device"}

func (o *ownParser) line(line string) {
	line = strings.TrimSpace(line)
	if line == "" || line[0] == '#' {
		return
	}
	kw, rest := word(line)
	switch {
	case kw == "define":
		name, frag := word(rest)
		if name == "" || frag == "" || !isName(name) {
			o.warn("define wants a name (letters, digits, -, _) and a pattern fragment")
			return
		}
		if _, dup := o.defines[name]; dup {
			o.warn("%q defined twice", name)
			return
		}
		frag, err := o.expand(frag)
		if err != nil {
			o.warn("define %s: %v", name, err)
			return
		}
		o.defines[name] = frag
	case kw == "exclude":
		o.setExclude(rest)
	case kw == "probe":
		o.startProbe(rest)
	case probeSettings[kw]:
		o.setting(kw, rest)
	case kw == "match" || kw == "soft":
		service, expr := word(rest)
		if service == "" || expr == "" {
			o.warn("%s wants a service name and a pattern", kw)
			return
		}
		expr, err := o.expand(expr)
		if err != nil {
			o.warn("%s %s: %v", kw, service, err)
			return
		}
		o.match = nil
		o.addMatch(&matcher{service: service, soft: kw == "soft", pat: newPattern(expr, false, false)})
	case kw == "cpe":
		if o.match == nil {
			o.warn("cpe outside a match")
			return
		}
		c, err := parseCPE23(rest)
		if err != nil {
			o.warn("cpe: %v", err)
			return
		}
		o.match.cpes = append(o.match.cpes, c)
	default:
		i := indexOf(fieldNames[:], kw)
		if i < 0 {
			o.warn("unknown keyword %q skipped", kw)
			return
		}
		if o.match == nil {
			o.warn("%s outside a match", kw)
			return
		}
		if o.match.fields[i] != nil {
			o.warn("%s given twice", kw)
			return
		}
		t, err := parseTemplate(rest)
		if err != nil {
			o.warn("%s: %v", kw, err)
			return
		}
		if t == nil {
			t = template{}
		}
		o.match.fields[i] = t
	}
}

// startProbe reads "tcp http-get".
func (o *ownParser) startProbe(rest string) {
	o.probe, o.match = nil, nil
	protoWord, rest := word(rest)
	name, extra := word(rest)
	var proto result.Protocol
	switch protoWord {
	case "tcp":
		proto = result.TCP
	case "udp":
		proto = result.UDP
	default:
		o.warn("probe wants tcp or udp, not %q", protoWord)
		return
	}
	if !isName(name) || extra != "" {
		o.warn("probe wants a protocol and a name (letters, digits, -, _)")
		return
	}
	o.probe = o.addProbe(proto, name, true)
}

func (o *ownParser) setting(kw, rest string) {
	p := o.probe
	if p == nil {
		o.warn("%s outside a probe", kw)
		return
	}
	if o.match != nil {
		o.warn("%s after the probe's patterns: put the probe's settings first", kw)
		return
	}
	if o.given[p] == nil {
		o.given[p] = make(map[string]bool)
	}
	if o.given[p][kw] {
		o.warn("probe %s: %s given twice", p.Name, kw)
		return
	}
	var err error
	switch kw {
	case "send":
		var s string
		var n int
		s, n, err = quoted(rest)
		if err == nil && strings.TrimSpace(rest[n:]) != "" {
			err = fmt.Errorf("unexpected text after the quoted payload")
		}
		if err == nil {
			p.Payload = []byte(s)
		}
	case "ports":
		p.ports, err = parsePortList(rest)
	case "tls-ports":
		p.sslPorts, err = parsePortList(rest)
	case "rarity":
		p.Rarity, err = atoiIn(rest, 1, 9)
	case "wait":
		p.TotalWait, err = duration(rest)
	case "wrapped":
		p.TCPWrapped, err = duration(rest)
	case "fallback":
		for name := range splitComma(rest) {
			p.fallback = append(p.fallback, name)
		}
	}
	if err != nil {
		o.warn("%s: %v", kw, err)
		return
	}
	o.given[p][kw] = true
}

// expand replaces each %{name} in s with its definition.
func (o *ownParser) expand(s string) (string, error) {
	if !strings.Contains(s, "%{") {
		return s, nil
	}
	var b strings.Builder
	for {
		i := strings.Index(s, "%{")
		if i < 0 {
			b.WriteString(s)
			return b.String(), nil
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return "", fmt.Errorf("%%{ without its }")
		}
		name := s[i+2 : i+end]
		frag, ok := o.defines[name]
		if !ok {
			return "", fmt.Errorf("%%{%s} is not defined", name)
		}
		b.WriteString(s[:i])
		b.WriteString(frag)
		s = s[i+end+1:]
	}
}

func duration(s string) (time.Duration, error) {
	d, err := time.ParseDuration(strings.TrimSpace(s))
	if err != nil || d <= 0 || d > 10*time.Minute {
		return 0, fmt.Errorf("want a duration such as 5s or 500ms, up to 10m, not %q", s)
	}
	return d, nil
}

func isName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func indexOf(l []string, s string) int {
	for i, v := range l {
		if v == s {
			return i
		}
	}
	return -1
}
