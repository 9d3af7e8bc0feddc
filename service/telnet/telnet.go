// Package telnet identifies Telnet servers (RFC 854): it refuses every
// option the server proposes (RFC 855's negotiation), reads on to the
// login banner and prompt, and reports the banner, the host name a login
// prompt names, and the product where the negotiation or the banner tells
// (BusyBox, Linux telnetd, Cisco IOS, MikroTik RouterOS, Windows). A
// server that greets with a shell prompt instead of a login is reported
// as needing no authentication.
package telnet

import (
	"context"
	"net"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks Telnet up to the login prompt. It is safe for
// concurrent use.
var Handshake = service.Handshake{
	Name:        "telnet",
	Ports:       []uint16{23, 2323},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Bounds on the exchange.
const (
	// maxInput bounds everything read from the server: a login banner
	// is a few lines.
	maxInput = 16 << 10
	// maxRounds bounds the negotiation rounds: real servers need three.
	maxRounds = 16
	// quietWait is how long more text is awaited once some has come
	// without a prompt yet: banners arrive in a burst.
	quietWait = time.Second
	// maxBanner bounds the banner reported.
	maxBanner = 1024
)

// Detect reports whether a banner starts with a Telnet negotiation, or is
// plain text ending in a login prompt (servers that negotiate nothing).
func Detect(banner []byte) bool {
	if len(banner) >= 2 && banner[0] == iac && banner[1] >= se && banner[1] != iac {
		return true
	}
	return loginPrompt.MatchString(lastLine(banner))
}

// Run answers the server's negotiations, refusing each option once, until
// a prompt arrives, the server falls quiet or a bound is reached.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })()
	var s Stream
	answered := map[Option]bool{}
	total := len(banner)
	input := banner
	deadline := service.Deadline(ctx)
	for round := 0; ; round++ {
		var reply []byte
		for _, o := range s.Write(input) {
			if r, ok := o.refusal(); ok && !answered[o] {
				answered[o] = true
				reply = append(reply, iac, r.Cmd, r.Code)
			}
		}
		if len(reply) > 0 {
			c.SetWriteDeadline(service.Deadline(ctx))
			_, err := c.Write(reply)
			c.SetWriteDeadline(time.Time{})
			if err != nil {
				break
			}
		}
		if prompt(s.Text) != none || total >= maxInput || round >= maxRounds || ctx.Err() != nil {
			break
		}
		wait := deadline
		if len(Lines(s.Text)) > 0 {
			if soon := time.Now().Add(quietWait); soon.Before(wait) {
				wait = soon
			}
		}
		b, err := service.ReadAtMost(c, maxInput-total, wait, func([]byte) bool { return true })
		if err != nil {
			break
		}
		total += len(b)
		input = b
	}
	// Well-formed negotiation is Telnet; so is a login prompt, with or
	// without it.
	if prompt(s.Text) != login && (len(s.Options) == 0 || s.Invalid) {
		return service.Match{}, service.ErrNoMatch
	}
	return Describe(&s), nil
}

// Prompts a banner may end with.
type promptKind int

const (
	none  promptKind = iota
	login            // a user name or password is asked
	shell            // a command prompt, no login asked
)

var (
	loginPrompt = regexp.MustCompile(`(?i)(login|user ?name|user|password|passcode)\s*:\s*$`)
	// shellPrompt matches "$", "/ #", "root@host:~#", "[user@host ~]$",
	// "Router>", "Router#": a word or two of path-like characters
	// before the sign.
	shellPrompt = regexp.MustCompile(`^[\w.@:~/()\[\]-]*( [\w.@:~/()\[\]-]*)?\s?[#$>]\s*$`)
)

func prompt(text []byte) promptKind {
	switch l := lastLine(text); {
	case l == "":
		return none
	case loginPrompt.MatchString(l):
		return login
	case shellPrompt.MatchString(l):
		return shell
	}
	return none
}

// Describe reports what the negotiation and the text tell.
func Describe(s *Stream) service.Match {
	lines := Lines(s.Text)
	text := strings.Join(lines, "\n")
	m := service.Match{Service: result.Service{Name: "telnet"}}
	sv := &m.Service
	if p, ok := fromOptions(s.Options); ok {
		sv.Product, sv.OSType = p.name, p.os
		if p.cpe != "" {
			sv.CPE = []string{p.cpeName("")}
		}
	}
	for _, p := range banners {
		sub := p.re.FindStringSubmatch(text)
		if sub == nil {
			continue
		}
		sv.Product, sv.OSType, sv.DeviceType = p.name, p.os, p.device
		sv.Version = ""
		if len(sub) > 1 {
			sv.Version = sub[1]
		}
		sv.CPE = nil
		if p.cpe != "" {
			sv.CPE = []string{p.cpeName(sv.Version)}
		}
		break
	}
	if sv.OSType == "" {
		sv.OSType = osFromText(text)
	}
	kind := prompt(s.Text)
	if kind == login {
		if sub := hostPrompt.FindStringSubmatch(lastLine(s.Text)); sub != nil {
			sv.Hostname = sub[1]
		}
	}
	if len(lines) > 0 {
		banner := strings.Join(lines, " | ")
		if len(banner) > maxBanner {
			banner = banner[:maxBanner] + "..."
		}
		m.Details = append(m.Details, service.Detail{Key: "banner", Value: banner})
	}
	if kind == shell {
		m.Details = append(m.Details, service.Detail{Key: "authentication", Value: "none (shell prompt)"})
	}
	if len(s.Options) > 0 {
		opts := s.Options[:min(len(s.Options), 24)]
		names := make([]string, len(opts))
		for i, o := range opts {
			names[i] = o.String()
		}
		m.Details = append(m.Details, service.Detail{Key: "negotiation", Value: strings.Join(names, ", ")})
	}
	return m
}

// hostPrompt is a login prompt that names the host, as login(1) and
// BusyBox print it: "vm login: ".
var hostPrompt = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9.-]{0,252}) login:\s*$`)

// product is a server known by its negotiation or its banner.
type product struct {
	name, os, device string
	cpe              string // NVD's part:vendor:product, or ""
}

// Servers whose opening negotiation is their own. BusyBox's telnetd asks
// for ECHO and NAWS and offers ECHO and SGA (with LFLOW between them
// before 1.15); netkit's telnetd, Nmap's "Linux telnetd", asks for
// TTYPE, TSPEED, XDISPLOC and NEW-ENVIRON; GNU inetutils' does the same
// after offering AUTHENTICATION and ENCRYPT.
var negotiations = []struct {
	start []Option
	product
}{
	{[]Option{{do, 1}, {do, 31}, {will, 1}, {will, 3}}, product{"BusyBox telnetd", "Linux", "", "a:busybox:busybox"}},
	{[]Option{{do, 1}, {do, 31}, {do, 33}, {will, 1}, {will, 3}}, product{"BusyBox telnetd", "Linux", "", "a:busybox:busybox"}},
	{[]Option{{will, 37}, {will, 38}, {do, 24}, {do, 32}, {do, 35}, {do, 39}}, product{"GNU inetutils telnetd", "", "", "a:gnu:inetutils"}},
	{[]Option{{do, 24}, {do, 32}, {do, 35}, {do, 39}}, product{"Linux telnetd", "Linux", "", ""}},
}

func fromOptions(opts []Option) (product, bool) {
	for _, n := range negotiations {
		if len(opts) >= len(n.start) && slices.Equal(opts[:len(n.start)], n.start) {
			return n.product, true
		}
	}
	return product{}, false
}

// Banners that name the product; the version is the first group, if any.
var banners = []struct {
	re *regexp.Regexp
	product
}{
	{regexp.MustCompile(`MikroTik v(\d[\w.]*)`), product{"MikroTik RouterOS telnetd", "RouterOS", "router", "o:mikrotik:routeros"}},
	{regexp.MustCompile(`MikroTik`), product{"MikroTik RouterOS telnetd", "RouterOS", "router", "o:mikrotik:routeros"}},
	{regexp.MustCompile(`(?m)^User Access Verification$`), product{"Cisco router telnetd", "IOS", "router", "o:cisco:ios"}},
	{regexp.MustCompile(`Welcome to Microsoft Telnet Service`), product{"Microsoft Windows telnetd", "Windows", "", "o:microsoft:windows"}},
}

// osFromText recognises an operating system the banner names, as
// /etc/issue and login(1) print it.
func osFromText(text string) string {
	for _, o := range []struct{ word, os string }{
		{"Linux", "Linux"}, {"Debian", "Linux"}, {"Ubuntu", "Linux"}, {"CentOS", "Linux"}, {"Fedora", "Linux"},
		{"Red Hat", "Linux"}, {"Raspbian", "Linux"}, {"OpenWrt", "Linux"}, {"FreeBSD", "FreeBSD"},
		{"NetBSD", "NetBSD"}, {"OpenBSD", "OpenBSD"}, {"SunOS", "Solaris"},
	} {
		if strings.Contains(text, o.word) {
			return o.os
		}
	}
	return ""
}

// cpeName is p's CPE 2.3 name with version.
func (p product) cpeName(version string) string {
	part, vendorProduct, _ := strings.Cut(p.cpe, ":")
	return service.CPE(part, vendorProduct, version)
}
