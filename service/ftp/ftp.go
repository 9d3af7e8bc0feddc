// Package ftp identifies FTP servers (RFC 959): the product and version
// from the greeting, whether anonymous login is allowed, the system type
// (SYST) and the features (FEAT, RFC 2389).
package ftp

import (
	"context"
	"net"
	"regexp"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks FTP. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:        "ftp",
	Ports:       []uint16{21, 2121},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// anonymousPassword is e-mail-like, as RFC 1635 asks of anonymous users;
// some servers refuse a password without an '@'.
const anonymousPassword = "picket@example.org"

// Detect reports whether a banner starts like an FTP greeting: a 220
// reply (or 120, "ready soon"; 421, "too busy") that does not read like
// SMTP's, which has the same shape.
func Detect(banner []byte) bool {
	if !service.CodeReplyStart(banner) || len(banner) < 4 {
		return false
	}
	code := string(banner[:3])
	if code != "220" && code != "120" && code != "421" {
		return false
	}
	text := string(banner)
	return mentionsFTP(text) || !mentionsSMTP(text)
}

func mentionsFTP(s string) bool { return strings.Contains(strings.ToUpper(s), "FTP") }

func mentionsSMTP(s string) bool {
	u := strings.ToUpper(s)
	return strings.Contains(u, "SMTP") || strings.Contains(u, "POSTFIX") ||
		strings.Contains(u, "EXIM") || strings.Contains(u, "SENDMAIL")
}

// Run reads the greeting (completing banner if needed), tries an
// anonymous login, asks SYST and FEAT, and quits. A greeting that does
// not name FTP must be confirmed by the answer to USER, which SMTP and
// other look-alikes reject as unknown.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	defer service.Watch(ctx, c)()
	v := service.NewConversation(ctx, c, "ftp", banner)
	greet, err := v.ReadCodeReply()
	if err != nil {
		return service.Match{}, err
	}
	if greet.Code == 120 { // "ready in nnn minutes": the 220 follows
		if greet, err = v.ReadCodeReply(); err != nil {
			return service.Match{}, err
		}
	}
	named := mentionsFTP(greet.Text())
	if !named && mentionsSMTP(greet.Text()) {
		return service.Match{}, service.ErrNoMatch
	}
	m := service.Match{Service: Describe(greet)}
	if greet.Code != 220 {
		if named && greet.Code == 421 { // busy, but said what it is
			return m, nil
		}
		return service.Match{}, service.ErrNoMatch
	}

	user, err := v.CodeCommand("USER anonymous")
	if err != nil {
		if named {
			return m, nil
		}
		return service.Match{}, err
	}
	switch user.Code {
	case 230, 331, 332, 530, 421:
	default:
		if !named {
			return service.Match{}, service.ErrNoMatch
		}
	}
	anon := ""
	switch user.Code {
	case 230:
		anon = "allowed"
	case 530:
		anon = "refused"
	case 331:
		pass, err := v.CodeCommand("PASS " + anonymousPassword)
		if err != nil {
			return m, nil
		}
		switch {
		case pass.Code == 230 || pass.Code == 202:
			anon = "allowed"
		case pass.Code >= 500:
			anon = "refused"
		}
	}
	if anon != "" {
		m.Details = append(m.Details, service.Detail{Key: "anonymous login", Value: anon})
	}

	if syst, err := v.CodeCommand("SYST"); err == nil && syst.Code == 215 {
		system := syst.Text()
		m.Details = append(m.Details, service.Detail{Key: "system", Value: system})
		if m.Service.OSType == "" {
			m.Service.OSType = systemOS(system)
		}
	} else if err != nil {
		return m, nil
	}
	if feat, err := v.CodeCommand("FEAT"); err == nil && feat.Code == 211 {
		m.Details = append(m.Details, featureDetails(feat)...)
	} else if err != nil {
		return m, nil
	}
	v.Quit("QUIT", service.CodeReplyLen)
	return m, nil
}

// systemOS maps a SYST answer (RFC 959's system names, as servers use
// them) to Nmap's OS type.
func systemOS(system string) string {
	switch word, _, _ := strings.Cut(strings.ToUpper(system), " "); word {
	case "UNIX":
		return "Unix"
	case "WINDOWS_NT":
		return "Windows"
	}
	return ""
}

// featureDetails lists FEAT's features (RFC 2389: one a line, each
// indented by a space) and whether AUTH TLS (RFC 4217) is among them.
func featureDetails(r service.CodeReply) []service.Detail {
	var feats []string
	tls := false
	for _, l := range r.Lines {
		if !strings.HasPrefix(l, " ") {
			continue // the first and last lines are the server's words
		}
		f := strings.TrimSpace(l)
		feats = append(feats, f)
		if u := strings.ToUpper(f); strings.HasPrefix(u, "AUTH ") && (strings.Contains(u, "TLS") || strings.Contains(u, "SSL")) {
			tls = true
		}
	}
	d := []service.Detail{{Key: "features", Value: strings.Join(feats, ", ")}}
	if tls {
		d = append(d, service.Detail{Key: "starttls", Value: "offered"})
	}
	return d
}

// products are FTP servers known by their greetings.
var products = []service.Product{
	{Pattern: regexp.MustCompile(`\(vsFTPd (\d[\w.]*)\)`), Name: "vsftpd", CPE: "beasts:vsftpd"},
	{Pattern: regexp.MustCompile(`ProFTPD (\d[\w.]*) Server`), Name: "ProFTPD", CPE: "proftpd:proftpd"},
	{Pattern: regexp.MustCompile(`ProFTPD`), Name: "ProFTPD", CPE: "proftpd:proftpd"},
	{Pattern: regexp.MustCompile(`Pure-FTPd`), Name: "Pure-FTPd", CPE: "pureftpd:pure-ftpd"},
	{Pattern: regexp.MustCompile(`FileZilla Server(?: version)? (\d[\w.]*(?: beta)?)`), Name: "FileZilla ftpd", CPE: "filezilla-project:filezilla_server", Windows: true},
	{Pattern: regexp.MustCompile(`FileZilla Server`), Name: "FileZilla ftpd", CPE: "filezilla-project:filezilla_server", Windows: true},
	{Pattern: regexp.MustCompile(`Microsoft FTP Service`), Name: "Microsoft ftpd", Windows: true},
	{Pattern: regexp.MustCompile(`Serv-U FTP Server v(\d[\w.]*)`), Name: "Serv-U ftpd", CPE: "solarwinds:serv-u", Windows: true},
}

// Describe identifies the server from its greeting. The CPE name takes
// the version without FileZilla's " beta".
func Describe(greet service.CodeReply) result.Service {
	s := result.Service{Name: "ftp"}
	service.DescribeProduct(&s, greet.Text(), products, " ")
	return s
}
