// Package imap identifies IMAP servers (RFC 9051, RFC 3501): the product
// from the greeting and the ID command (RFC 2971), and the capabilities,
// among them STARTTLS and the AUTH= mechanisms.
package imap

import (
	"context"
	"errors"
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
	defer service.Watch(ctx, c)()
	v := service.NewConversation(ctx, c, "imap", banner)
	line, err := v.Read(greetingLen)
	if errors.Is(err, service.ErrMalformed) {
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
		r, err := command(v, "a1 CAPABILITY")
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
		r, err := command(v, "a2 ID NIL")
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
	v.Quit("z LOGOUT", taggedLen("z"))
	return m, nil
}

// command sends a tagged command and returns the responses up to and
// including its tagged completion.
func command(v *service.Conversation, cmd string) ([]byte, error) {
	if err := v.Send(cmd); err != nil {
		return nil, err
	}
	tag, _, _ := strings.Cut(cmd, " ")
	return v.Read(taggedLen(tag))
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

// products are IMAP servers known by their greetings or their IDs.
var products = []service.Product{
	// Dovecot's default greeting, "Dovecot ready." (Debian's build adds
	// "(Debian)"), and its ID keep the version to themselves.
	{Pattern: regexp.MustCompile(`\bDovecot\b`), Name: "Dovecot imapd", CPE: "dovecot:dovecot"},
	{Pattern: regexp.MustCompile(`\bCyrus IMAP(?:4|D)? v?(\d[\w.+-]*)`), Name: "Cyrus imapd", CPE: "cmu:cyrus_imap_server"},
	{Pattern: regexp.MustCompile(`\bCyrus IMAP`), Name: "Cyrus imapd", CPE: "cmu:cyrus_imap_server"},
	{Pattern: regexp.MustCompile(`\bCourier-IMAP\b`), Name: "Courier Imapd"},
	{Pattern: regexp.MustCompile(`Microsoft Exchange.*IMAP4`), Name: "Microsoft Exchange imapd", CPE: "microsoft:exchange_server", Windows: true},
	{Pattern: regexp.MustCompile(`\bIMAP4rev1 (\d{4}[a-z]?\.\d+) at\b`), Name: "UW imapd"},
	{Pattern: regexp.MustCompile(`\bZimbra\b`), Name: "Zimbra imapd"},
}

// Describe identifies the server from its greeting's text (or from its
// ID's name and version). The CPE name takes the version up to a '-':
// Debian's Cyrus says "3.0.8-Debian-3.0.8-6+deb10u4".
func Describe(text string) result.Service {
	s := result.Service{Name: "imap"}
	service.DescribeProduct(&s, text, products, "-")
	return s
}
