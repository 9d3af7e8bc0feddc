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
	if !validStart(banner) || len(banner) < 4 {
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
	defer watch(ctx, c)()
	v := newConv(ctx, c, banner)
	greet, err := v.reply()
	if err != nil {
		return service.Match{}, err
	}
	if greet.Code == 120 { // "ready in nnn minutes": the 220 follows
		if greet, err = v.reply(); err != nil {
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

	user, err := v.command("USER anonymous")
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
		pass, err := v.command("PASS " + anonymousPassword)
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

	if syst, err := v.command("SYST"); err == nil && syst.Code == 215 {
		system := syst.Text()
		m.Details = append(m.Details, service.Detail{Key: "system", Value: system})
		if m.Service.OSType == "" {
			m.Service.OSType = systemOS(system)
		}
	} else if err != nil {
		return m, nil
	}
	if feat, err := v.command("FEAT"); err == nil && feat.Code == 211 {
		m.Details = append(m.Details, featureDetails(feat)...)
	} else if err != nil {
		return m, nil
	}
	v.quit()
	return m, nil
}

// reply reads the next reply.
func (v *conv) reply() (Reply, error) {
	b, err := v.read(service.Deadline(v.ctx), replyLen)
	if err == errMalformed {
		return Reply{}, service.ErrNoMatch
	}
	if err != nil {
		return Reply{}, err
	}
	r, _ := ParseReply(b)
	return r, nil
}

func (v *conv) command(cmd string) (Reply, error) {
	if err := v.send(cmd); err != nil {
		return Reply{}, err
	}
	return v.reply()
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
func featureDetails(r Reply) []service.Detail {
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

// product is an FTP server known by its greeting.
type product struct {
	re      *regexp.Regexp // the version is its first group, if it has one
	name    string         // as Nmap names it
	cpe     string         // NVD's vendor:product, or ""
	windows bool           // the product runs only on Windows
}

var products = []product{
	{re: regexp.MustCompile(`\(vsFTPd (\d[\w.]*)\)`), name: "vsftpd", cpe: "beasts:vsftpd"},
	{re: regexp.MustCompile(`ProFTPD (\d[\w.]*) Server`), name: "ProFTPD", cpe: "proftpd:proftpd"},
	{re: regexp.MustCompile(`ProFTPD`), name: "ProFTPD", cpe: "proftpd:proftpd"},
	{re: regexp.MustCompile(`Pure-FTPd`), name: "Pure-FTPd", cpe: "pureftpd:pure-ftpd"},
	{re: regexp.MustCompile(`FileZilla Server(?: version)? (\d[\w.]*(?: beta)?)`), name: "FileZilla ftpd", cpe: "filezilla-project:filezilla_server", windows: true},
	{re: regexp.MustCompile(`FileZilla Server`), name: "FileZilla ftpd", cpe: "filezilla-project:filezilla_server", windows: true},
	{re: regexp.MustCompile(`Microsoft FTP Service`), name: "Microsoft ftpd", windows: true},
	{re: regexp.MustCompile(`Serv-U FTP Server v(\d[\w.]*)`), name: "Serv-U ftpd", cpe: "solarwinds:serv-u", windows: true},
}

const windowsCPE = "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"

// Describe identifies the server from its greeting.
func Describe(greet Reply) result.Service {
	s := result.Service{Name: "ftp"}
	text := greet.Text()
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
			cpeVersion, _, _ := strings.Cut(s.Version, " ")
			s.CPE = append(s.CPE, cpe("a", p.cpe, cpeVersion))
		}
		if p.windows {
			s.OSType = "Windows"
			s.CPE = append(s.CPE, windowsCPE)
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
