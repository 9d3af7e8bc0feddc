package probes

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
)

// NmapFile is the name of Nmap's probe database in its data directory
// (--datadir, or /usr/share/nmap).
const NmapFile = "nmap-service-probes"

// Parse reads a database in the format of Nmap's nmap-service-probes. It
// is meant for an installed Nmap's copy, read at run time: picket ships
// none of Nmap's data (its licence, the NPSL, does not allow bundling it in
// an Apache or MIT project). source names the file in errors and Source.
//
// The format is line-oriented; '#' starts a comment line:
//
//	Exclude T:9100-9107
//	Probe TCP GetRequest q|GET / HTTP/1.0\r\n\r\n|
//	rarity 1
//	ports 80,8000-8010
//	sslports 443
//	totalwaitms 6000
//	tcpwrappedms 3000
//	fallback GetRequest,NULL
//	match ssh m|^SSH-([\d.]+)-OpenSSH_([\w.]+)|i p/OpenSSH/ v/$2/ i/protocol $1/ cpe:/a:openbsd:openssh:$2/
//	softmatch ftp m/^220 /
//
// Any character can delimit a payload, pattern or field. Patterns are PCRE
// with the flags i and s; fields are p/ v/ i/ h/ o/ d/ (product, version,
// extra info, host name, OS, device type) and cpe:/.../, with $1–$9 and the
// helpers of template (see parseTemplate). A line that cannot be read is
// skipped and reported in the returned warnings (*LineError, naming the
// line), as is an unknown directive; the error is for a failed read only.
// Patterns are checked when first used; DB.CompileAll checks them all.
func Parse(r io.Reader, source string) (*DB, []error, error) {
	b := newBuilder(source)
	err := b.eachLine(r, source, b.nmapLine)
	if err != nil {
		return nil, nil, err
	}
	db, warnings := b.finish()
	return db, warnings, nil
}

func (b *builder) nmapLine(line string) {
	line = strings.TrimLeft(line, " \t")
	if line == "" || line[0] == '#' {
		return
	}
	directive, rest := word(line)
	rest = strings.TrimRight(rest, " \t")
	if directive == "Probe" {
		b.nmapProbe(rest)
		return
	}
	if directive == "Exclude" {
		b.setExclude(rest)
		return
	}
	if directive == "match" || directive == "softmatch" {
		m, err := parseNmapMatch(rest, directive == "softmatch")
		if err != nil {
			b.warn("%s: %v", directive, err)
			return
		}
		b.addMatch(m)
		return
	}
	p := b.probe
	if p == nil {
		switch directive {
		case "ports", "sslports", "rarity", "fallback", "totalwaitms", "tcpwrappedms":
			b.warn("%s before any Probe", directive)
		default:
			b.warn("unknown directive %q skipped", directive)
		}
		return
	}
	var err error
	switch directive {
	case "ports":
		p.ports, err = parsePortList(rest)
	case "sslports":
		p.sslPorts, err = parsePortList(rest)
	case "rarity":
		p.Rarity, err = atoiIn(rest, 1, 9)
	case "fallback":
		for name := range splitComma(rest) {
			p.fallback = append(p.fallback, name)
		}
	case "totalwaitms":
		p.TotalWait, err = millis(rest)
	case "tcpwrappedms":
		p.TCPWrapped, err = millis(rest)
	default:
		b.warn("unknown directive %q skipped", directive)
		return
	}
	if err != nil {
		b.warn("%s: %v", directive, err)
	}
}

// nmapProbe reads "TCP GetRequest q|GET / HTTP/1.0\r\n\r\n| [no-payload]".
func (b *builder) nmapProbe(rest string) {
	b.probe, b.match = nil, nil // lines up to a good Probe are not this probe's
	protoWord, rest := word(rest)
	var proto result.Protocol
	switch strings.ToUpper(protoWord) {
	case "TCP":
		proto = result.TCP
	case "UDP":
		proto = result.UDP
	default:
		b.warn("Probe: protocol %q is neither TCP nor UDP", protoWord)
		return
	}
	name, rest := word(rest)
	if name == "" {
		b.warn("Probe: no name")
		return
	}
	if len(rest) < 3 || rest[0] != 'q' {
		b.warn("Probe %s: want q|payload|", name)
		return
	}
	d := rest[1]
	end := strings.IndexByte(rest[2:], d)
	if end < 0 {
		b.warn("Probe %s: payload lacks its closing %q", name, d)
		return
	}
	payload, err := unescape(rest[2 : 2+end])
	if err != nil {
		b.warn("Probe %s: payload: %v", name, err)
		return
	}
	if opt := strings.TrimSpace(rest[3+end:]); opt != "" && opt != "no-payload" {
		b.warn("Probe %s: unknown option %q ignored", name, opt)
	}
	p := b.addProbe(proto, name, false)
	if p == nil {
		return
	}
	p.Payload = payload
	b.probe = p
}

// Indices of a matcher's fields.
const (
	fProduct = iota
	fVersion
	fInfo
	fHost
	fOS
	fDevice
	numFields
)

var fieldLetters = [numFields]byte{'p', 'v', 'i', 'h', 'o', 'd'}

// parseNmapMatch reads what follows match or softmatch:
// "ssh m|^SSH-...|i p/OpenSSH/ v/$2/ cpe:/a:openbsd:openssh:$2/".
func parseNmapMatch(s string, soft bool) (*matcher, error) {
	service, rest := word(s)
	if service == "" || rest == "" {
		return nil, fmt.Errorf("want a service name and m|pattern|")
	}
	if len(rest) < 3 || rest[0] != 'm' {
		return nil, fmt.Errorf("want m|pattern| after the service name")
	}
	d := rest[1]
	end := strings.IndexByte(rest[2:], d)
	if end < 0 {
		return nil, fmt.Errorf("pattern lacks its closing %q", d)
	}
	expr := rest[2 : 2+end]
	rest = rest[3+end:]
	var ignoreCase, dotAll bool
	for rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		switch rest[0] {
		case 'i':
			ignoreCase = true
		case 's':
			dotAll = true
		default:
			return nil, fmt.Errorf("unknown pattern flag %q", rest[0])
		}
		rest = rest[1:]
	}
	m := &matcher{service: service, soft: soft, pat: newPattern(expr, ignoreCase, dotAll)}
	for {
		rest = strings.TrimLeft(rest, " \t")
		if rest == "" {
			return m, nil
		}
		isCPE := strings.HasPrefix(rest, "cpe:")
		key := rest[:1]
		if isCPE {
			key = "cpe:"
		}
		rest = rest[len(key):]
		if rest == "" {
			return nil, fmt.Errorf("field %s has no value", key)
		}
		d := rest[0]
		end := strings.IndexByte(rest[1:], d)
		if end < 0 {
			return nil, fmt.Errorf("field %s lacks its closing %q", key, d)
		}
		value := rest[1 : 1+end]
		rest = rest[2+end:]
		if isCPE {
			// Flags may follow a CPE ("cpe:/o:linux:linux_kernel/a"); they
			// do not change the name.
			for rest != "" && rest[0] >= 'a' && rest[0] <= 'z' {
				rest = rest[1:]
			}
			c, err := parseCPE22(value)
			if err != nil {
				return nil, fmt.Errorf("cpe:%c%s%c: %v", d, value, d, err)
			}
			m.cpes = append(m.cpes, c)
			continue
		}
		i := strings.IndexByte(string(fieldLetters[:]), key[0])
		if i < 0 {
			return nil, fmt.Errorf("unknown field %q", key)
		}
		if m.fields[i] != nil {
			return nil, fmt.Errorf("field %s given twice", key)
		}
		t, err := parseTemplate(value)
		if err != nil {
			return nil, fmt.Errorf("field %s: %v", key, err)
		}
		if t == nil {
			t = template{} // given but empty: still counts as given
		}
		m.fields[i] = t
		if rest != "" && rest[0] != ' ' && rest[0] != '\t' {
			return nil, fmt.Errorf("field %s: unexpected %q after it", key, rest[0])
		}
	}
}

func atoiIn(s string, lo, hi int) (int, error) {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("want a number from %d to %d, not %q", lo, hi, s)
	}
	return n, nil
}

func millis(s string) (time.Duration, error) {
	n, err := atoiIn(s, 1, 10*60*1000)
	return time.Duration(n) * time.Millisecond, err
}
