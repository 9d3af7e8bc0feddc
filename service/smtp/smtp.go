// Package smtp identifies mail servers (RFC 5321): the product and version
// from the greeting, the host name the server gives itself, and the
// extensions EHLO lists (STARTTLS, AUTH mechanisms, SIZE, ...).
package smtp

import (
	"context"
	"net"
	"net/netip"
	"regexp"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks SMTP. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:        "smtp",
	Ports:       []uint16{25, 587, 2525},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Detect reports whether a banner starts like an SMTP greeting: a 220
// reply (or 421, busy; 554, no service here) that does not read like
// FTP's, which has the same shape.
func Detect(banner []byte) bool {
	if !service.CodeReplyStart(banner) || len(banner) < 4 {
		return false
	}
	code := string(banner[:3])
	if code != "220" && code != "421" && code != "554" {
		return false
	}
	text := string(banner)
	return mentionsSMTP(text) || !mentionsFTP(text)
}

func mentionsFTP(s string) bool { return strings.Contains(strings.ToUpper(s), "FTP") }

func mentionsSMTP(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "SMTP") || strings.Contains(u, "POSTFIX") ||
		strings.Contains(u, "EXIM") || strings.Contains(u, "SENDMAIL")
}

// Run reads the greeting (completing banner if needed), sends EHLO (HELO
// if EHLO is refused) and quits. A greeting that does not name SMTP must
// be confirmed by a 250 to EHLO or HELO, which FTP and other look-alikes
// do not give.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	defer service.Watch(ctx, c)()
	v := service.NewConversation(ctx, c, "smtp", banner)
	greet, err := v.ReadCodeReply()
	if err != nil {
		return service.Match{}, err
	}
	named := mentionsSMTP(greet.Text())
	if !named && mentionsFTP(greet.Text()) {
		return service.Match{}, service.ErrNoMatch
	}
	m := service.Match{Service: Describe(greet)}
	if greet.Code != 220 {
		if named && (greet.Code == 421 || greet.Code == 554) { // refused, but said what it is
			return m, nil
		}
		return service.Match{}, service.ErrNoMatch
	}
	name := helloName(c)
	hello, err := v.CodeCommand("EHLO " + name)
	if err == nil && hello.Code >= 500 && hello.Code != 554 {
		// An old server without ESMTP: HELO is all it knows.
		hello, err = v.CodeCommand("HELO " + name)
	}
	switch {
	case err != nil:
		if named {
			return m, nil
		}
		return service.Match{}, err
	case hello.Code != 250:
		if named {
			v.Quit("QUIT", service.CodeReplyLen)
			return m, nil
		}
		return service.Match{}, service.ErrNoMatch
	}
	if m.Service.Hostname == "" && len(hello.Lines) > 0 {
		first, _, _ := strings.Cut(hello.Lines[0], " ")
		m.Service.Hostname = hostname(first)
	}
	m.Details = append(m.Details, extensionDetails(hello)...)
	v.Quit("QUIT", service.CodeReplyLen)
	return m, nil
}

// helloName is the client's address as an address literal (RFC 5321
// §4.1.3), what a client without a host name sends.
func helloName(c net.Conn) string {
	if a, ok := c.LocalAddr().(*net.TCPAddr); ok {
		if ip, ok := netip.AddrFromSlice(a.IP); ok {
			if ip = ip.Unmap(); ip.Is4() {
				return "[" + ip.String() + "]"
			}
			return "[IPv6:" + ip.WithZone("").String() + "]"
		}
	}
	return "picket.invalid"
}

// extensionDetails lists the EHLO keywords with their parameters (the
// first line is the server's name and greeting), whether STARTTLS (RFC
// 3207) is offered and which AUTH (RFC 4954) mechanisms are.
func extensionDetails(r service.CodeReply) []service.Detail {
	if len(r.Lines) < 2 {
		return nil
	}
	var exts []string
	var tls bool
	var auth string
	for _, l := range r.Lines[1:] {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		exts = append(exts, l)
		keyword, params, _ := strings.Cut(l, " ")
		switch k := strings.ToUpper(keyword); {
		case k == "STARTTLS":
			tls = true
		case k == "AUTH" && auth == "":
			auth = params
		case strings.HasPrefix(k, "AUTH=") && auth == "": // before RFC 4954, still sent
			auth = strings.TrimSpace(l[len("AUTH="):])
		}
	}
	d := []service.Detail{{Key: "extensions", Value: strings.Join(exts, ", ")}}
	if tls {
		d = append(d, service.Detail{Key: "starttls", Value: "offered"})
	}
	if auth != "" {
		d = append(d, service.Detail{Key: "auth mechanisms", Value: auth})
	}
	return d
}

// products are mail servers known by their greetings.
var products = []service.Product{
	// Postfix's default greeting is "$myhostname ESMTP $mail_name": it
	// keeps its version to itself.
	{Pattern: regexp.MustCompile(`\bPostfix\b`), Name: "Postfix smtpd", CPE: "postfix:postfix"},
	{Pattern: regexp.MustCompile(`\bExim (\d[\w.]*)`), Name: "Exim smtpd", CPE: "exim:exim"},
	{Pattern: regexp.MustCompile(`\bExim\b`), Name: "Exim smtpd", CPE: "exim:exim"},
	{Pattern: regexp.MustCompile(`\bSendmail (\d[\w.]*(?:/[\w.+-]+)*)`), Name: "Sendmail", CPE: "sendmail:sendmail"},
	{Pattern: regexp.MustCompile(`\bSendmail\b`), Name: "Sendmail", CPE: "sendmail:sendmail"},
	{Pattern: regexp.MustCompile(`Microsoft ESMTP MAIL Service, Version: (\d[\w.]*)`), Name: "Microsoft ESMTP", Windows: true},
	{Pattern: regexp.MustCompile(`Microsoft ESMTP MAIL Service`), Name: "Microsoft ESMTP", Windows: true},
	{Pattern: regexp.MustCompile(`\bOpenSMTPD\b`), Name: "OpenSMTPD", CPE: "openbsd:opensmtpd"},
}

// Describe identifies the server from its greeting. The CPE name takes
// Sendmail's version without the configuration's ("8.15.2" of
// "8.15.2/8.15.2/Debian-22").
func Describe(greet service.CodeReply) result.Service {
	s := result.Service{Name: "smtp"}
	if len(greet.Lines) > 0 {
		first, _, _ := strings.Cut(greet.Lines[0], " ")
		s.Hostname = hostname(first)
	}
	service.DescribeProduct(&s, greet.Text(), products, "/")
	return s
}

var hostLabel = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?$`)

// hostname returns name if it is a fully qualified host name (a name of
// one label is more often a word of the greeting than a host), else "".
func hostname(name string) string {
	name = strings.TrimSuffix(name, ".")
	if len(name) > 253 || !strings.Contains(name, ".") {
		return ""
	}
	if _, err := netip.ParseAddr(name); err == nil {
		return "" // an address, not a name
	}
	for _, l := range strings.Split(name, ".") {
		if !hostLabel.MatchString(l) {
			return ""
		}
	}
	return name
}
