// Package imap identifies IMAP servers (RFC 9051, RFC 3501): the product
// from the greeting and the ID command (RFC 2971), and the capabilities,
// among them STARTTLS and the AUTH= mechanisms.
package imap

import (
	"context"
	"net"
	"regexp"
	"slices"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks IMAP. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:        "imap",
	Ports:       []uint16{143},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Detect reports whether a banner starts like an IMAP greeting.
func Detect(banner []byte) bool {
	if n := greetingLen(banner); n <= 0 {
		// A partial line: the status word decides as far as it goes.
		return n == 0 && len(banner) > 2 && startsStatus(banner[2:])
	}
	_, ok := ParseGreeting(banner[:greetingLen(banner)])
	return ok
}

func startsStatus(b []byte) bool {
	word := strings.ToUpper(string(b))
	for _, s := range []string{"OK ", "PREAUTH ", "BYE "} {
		if n := min(len(word), len(s)); word[:n] == s[:n] {
			return true
		}
	}
	return false
}

// Run reads the greeting (completing banner if needed), asks CAPABILITY
// unless the greeting listed them, asks ID if offered, and logs out. Once
// the greeting is read, later failures only leave details out.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	defer watch(ctx, c)()
	v := newConv(ctx, c, banner)
	line, err := v.read(service.Deadline(ctx), greetingLen)
	if err == errMalformed {
		return service.Match{}, service.ErrNoMatch
	}
	if err != nil {
		return service.Match{}, err
	}
	g, ok := ParseGreeting(line)
	if !ok {
		return service.Match{}, service.ErrNoMatch
	}
	m := service.Match{Service: Describe(g.Text)}
	if g.Status == "BYE" { // refusing this client: nothing more to ask
		return m, nil
	}
	caps := g.Capabilities()
	if caps == nil {
		r, err := v.command("a1 CAPABILITY")
		if err != nil {
			return m, nil
		}
		for _, l := range untagged(r, "CAPABILITY") {
			caps = append(caps, strings.Fields(l)...)
		}
	}
	if caps != nil {
		m.Details = append(m.Details, capabilityDetails(caps)...)
	}
	if slices.ContainsFunc(caps, func(c string) bool { return strings.EqualFold(c, "ID") }) {
		r, err := v.command("a2 ID NIL")
		if err != nil {
			return m, nil
		}
		if ids := untagged(r, "ID"); len(ids) > 0 {
			fields := ParseID(ids[0])
			if len(fields) > 0 {
				m.Details = append(m.Details, service.Detail{Key: "server id", Value: formatID(fields)})
			}
			fromID(&m.Service, fields)
		}
	}
	v.quit()
	return m, nil
}

// command sends a tagged command and returns the responses up to and
// including its tagged completion.
func (v *conv) command(cmd string) ([]byte, error) {
	if err := v.send(cmd); err != nil {
		return nil, err
	}
	tag, _, _ := strings.Cut(cmd, " ")
	return v.read(service.Deadline(v.ctx), taggedLen(tag))
}

// capabilityDetails lists the capabilities, whether STARTTLS (RFC 9051
// §6.2.1) is offered and the AUTH= mechanisms.
func capabilityDetails(caps []string) []service.Detail {
	var tls bool
	var mechs []string
	for _, c := range caps {
		if strings.EqualFold(c, "STARTTLS") {
			tls = true
		}
		if len(c) > 5 && strings.EqualFold(c[:5], "AUTH=") {
			mechs = append(mechs, c[5:])
		}
	}
	d := []service.Detail{{Key: "capabilities", Value: strings.Join(caps, ", ")}}
	if tls {
		d = append(d, service.Detail{Key: "starttls", Value: "offered"})
	}
	if len(mechs) > 0 {
		d = append(d, service.Detail{Key: "auth mechanisms", Value: strings.Join(mechs, " ")})
	}
	return d
}

func formatID(fields [][2]string) string {
	parts := make([]string, len(fields))
	for i, f := range fields {
		parts[i] = f[0] + "=" + f[1]
	}
	return strings.Join(parts, ", ")
}

// fromID completes s with what ID says: the product when the greeting did
// not name one, the version when ID gives it for the same product.
func fromID(s *result.Service, fields [][2]string) {
	var name, version string
	for _, f := range fields {
		switch strings.ToLower(f[0]) {
		case "name":
			name = f[1]
		case "version":
			version = f[1]
		}
	}
	if name == "" {
		return
	}
	id := Describe(strings.TrimSpace(name + " " + version))
	if id.Product == "" {
		id = Describe(name)
	}
	switch {
	case s.Product == "" && id.Product != "":
		hint := s.OSType
		*s = id
		if s.OSType == "" {
			s.OSType = hint
		}
	case s.Product != "" && s.Product == id.Product && s.Version == "" && id.Version != "":
		s.Version, s.CPE = id.Version, id.CPE
	}
}

// product is an IMAP server known by its greeting or its ID.
type product struct {
	re      *regexp.Regexp // the version is its first group, if it has one
	name    string         // as Nmap names it
	cpe     string         // NVD's vendor:product, or ""
	windows bool
}

var products = []product{
	// Dovecot's default greeting, "Dovecot ready." (Debian's build adds
	// "(Debian)"), and its ID keep the version to themselves.
	{re: regexp.MustCompile(`\bDovecot\b`), name: "Dovecot imapd", cpe: "dovecot:dovecot"},
	{re: regexp.MustCompile(`\bCyrus IMAP(?:4|D)? v?(\d[\w.+-]*)`), name: "Cyrus imapd", cpe: "cmu:cyrus_imap_server"},
	{re: regexp.MustCompile(`\bCyrus IMAP`), name: "Cyrus imapd", cpe: "cmu:cyrus_imap_server"},
	{re: regexp.MustCompile(`\bCourier-IMAP\b`), name: "Courier Imapd"},
	{re: regexp.MustCompile(`Microsoft Exchange.*IMAP4`), name: "Microsoft Exchange imapd", cpe: "microsoft:exchange_server", windows: true},
	{re: regexp.MustCompile(`\bIMAP4rev1 (\d{4}[a-z]?\.\d+) at\b`), name: "UW imapd"},
	{re: regexp.MustCompile(`\bZimbra\b`), name: "Zimbra imapd"},
}

// Describe identifies the server from its greeting's text (or from its
// ID's name and version).
func Describe(text string) result.Service {
	s := result.Service{Name: "imap"}
	for _, p := range products {
		sub := p.re.FindStringSubmatch(text)
		if sub == nil {
			continue
		}
		s.Product = p.name
		if len(sub) > 1 {
			s.Version = sub[1]
		}
		if p.cpe != "" {
			// Debian's Cyrus says "3.0.8-Debian-3.0.8-6+deb10u4".
			cpeVersion, _, _ := strings.Cut(s.Version, "-")
			s.CPE = append(s.CPE, cpe("a", p.cpe, cpeVersion))
		}
		if p.windows {
			s.OSType = "Windows"
			s.CPE = append(s.CPE, "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*")
		}
		break
	}
	if s.OSType == "" && (strings.Contains(text, "Debian") || strings.Contains(text, "Ubuntu")) {
		s.OSType = "Linux"
	}
	return s
}

// cpe makes a CPE 2.3 name. A version with characters the formatted
// string would need to escape is left out: a wrong version is worse
// than none.
func cpe(part, vendorProduct, version string) string {
	if version == "" || strings.IndexFunc(version, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		version = "*"
	}
	return "cpe:2.3:" + part + ":" + vendorProduct + ":" + version + ":*:*:*:*:*:*:*"
}
