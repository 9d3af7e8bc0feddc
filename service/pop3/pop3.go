// Package pop3 identifies POP3 servers (RFC 1939): the product from the
// greeting and the capabilities CAPA lists (RFC 2449), among them STLS
// (RFC 2595) and the SASL mechanisms.
package pop3

import (
	"bytes"
	"context"
	"errors"
	"net"
	"regexp"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks POP3. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:        "pop3",
	Ports:       []uint16{110},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Detect reports whether a banner starts like a POP3 greeting.
func Detect(banner []byte) bool {
	return bytes.HasPrefix(banner, []byte("+OK")) ||
		(bytes.HasPrefix(banner, []byte("-ERR")) && mentionsPOP(string(banner)))
}

func mentionsPOP(s string) bool { return strings.Contains(strings.ToUpper(s), "POP") }

// Run reads the greeting (completing banner if needed), asks CAPA and
// quits. Once the greeting is read, later failures only leave details
// out.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	defer service.Watch(ctx, c)()
	v := service.NewConversation(ctx, c, "pop3", banner)
	line, err := v.Read(statusLen)
	if errors.Is(err, service.ErrMalformed) {
		return service.Match{}, service.ErrNoMatch
	}
	if err != nil {
		return service.Match{}, err
	}
	ok, text := parseStatus(line)
	if !ok {
		// "-ERR" at once: busy or refusing this client; only a server
		// that says it speaks POP is taken at its word.
		if !mentionsPOP(text) {
			return service.Match{}, service.ErrNoMatch
		}
		return service.Match{Service: Describe(text)}, nil
	}
	m := service.Match{Service: Describe(text)}
	caps, err := capa(v)
	if err != nil {
		return m, nil
	}
	if caps != nil {
		m.Details = append(m.Details, capaDetails(caps)...)
		if m.Service.Product == "" {
			// IMPLEMENTATION (RFC 2449 §6.9) names the server when the
			// greeting does not.
			for _, c := range caps {
				if impl, ok := service.CutWord(c, "IMPLEMENTATION"); ok {
					m.Service = Describe(impl)
				}
			}
		}
	}
	v.Quit("QUIT", statusLen)
	return m, nil
}

// capa asks for the capabilities; nil without error means the server
// does not know CAPA (RFC 1939 alone).
func capa(v *service.Conversation) ([]string, error) {
	if err := v.Send("CAPA"); err != nil {
		return nil, err
	}
	line, err := v.Read(statusLen)
	if err != nil {
		return nil, err
	}
	if ok, _ := parseStatus(line); !ok {
		return nil, nil
	}
	body, err := v.Read(multiLen)
	if err != nil {
		return nil, err
	}
	caps := parseMulti(body)
	if caps == nil {
		caps = []string{}
	}
	return caps, nil
}

// statusLen reports the length of the status line at the start of b
// ("+OK ..." or "-ERR ..."), 0 while incomplete, -1 if b cannot start one.
func statusLen(b []byte) int {
	for _, p := range [][]byte{[]byte("+OK"), []byte("-ERR")} {
		n := min(len(b), len(p))
		if !bytes.Equal(b[:n], p[:n]) {
			continue
		}
		if len(b) > len(p) && !strings.ContainsRune(" \r\n", rune(b[len(p)])) {
			return -1
		}
		return bytes.IndexByte(b, '\n') + 1
	}
	return -1
}

// parseStatus splits a whole status line into success and its text.
func parseStatus(line []byte) (ok bool, text string) {
	s := strings.TrimRight(string(line), "\r\n")
	if rest, found := strings.CutPrefix(s, "+OK"); found {
		return true, strings.TrimSpace(rest)
	}
	return false, strings.TrimSpace(strings.TrimPrefix(s, "-ERR"))
}

// multiLen reports the length of the body of a multi-line response (RFC
// 1939 §3), up to and including the line holding a single ".", or 0
// while it is incomplete.
func multiLen(b []byte) int {
	for off := 0; ; {
		nl := bytes.IndexByte(b[off:], '\n')
		if nl < 0 {
			return 0
		}
		line := bytes.TrimRight(b[off:off+nl], "\r")
		off += nl + 1
		if len(line) == 1 && line[0] == '.' {
			return off
		}
	}
}

// parseMulti returns the lines of a multi-line body without the final
// ".", byte-stuffing undone.
func parseMulti(body []byte) []string {
	var lines []string
	for _, l := range strings.Split(string(body), "\n") {
		l = strings.TrimRight(l, "\r")
		if l == "." {
			break
		}
		lines = append(lines, strings.TrimPrefix(l, "."))
	}
	return lines
}

// capaDetails lists the capabilities, whether STLS is offered and the
// SASL mechanisms.
func capaDetails(caps []string) []service.Detail {
	var tls bool
	var sasl string
	for _, c := range caps {
		if strings.EqualFold(c, "STLS") {
			tls = true
		}
		if mechs, ok := service.CutWord(c, "SASL"); ok && mechs != "" {
			sasl = mechs
		}
	}
	d := []service.Detail{{Key: "capabilities", Value: strings.Join(caps, ", ")}}
	if tls {
		d = append(d, service.Detail{Key: "starttls", Value: "offered"})
	}
	if sasl != "" {
		d = append(d, service.Detail{Key: "auth mechanisms", Value: sasl})
	}
	return d
}

// products are POP3 servers known by their greetings.
var products = []service.Product{
	// Dovecot's default greeting, "Dovecot ready." (Debian's build adds
	// "(Debian)"), keeps its version to itself.
	{Pattern: regexp.MustCompile(`\bDovecot\b`), Name: "Dovecot pop3d", CPE: "dovecot:dovecot"},
	{Pattern: regexp.MustCompile(`\bCyrus POP3 v?(\d[\w.+-]*)`), Name: "Cyrus pop3d", CPE: "cmu:cyrus_imap_server"},
	{Pattern: regexp.MustCompile(`\bCyrus POP3\b`), Name: "Cyrus pop3d", CPE: "cmu:cyrus_imap_server"},
	{Pattern: regexp.MustCompile(`^Hello there\.`), Name: "Courier pop3d"},
	{Pattern: regexp.MustCompile(`Microsoft Exchange.*POP3`), Name: "Microsoft Exchange pop3d", CPE: "microsoft:exchange_server", Windows: true},
	{Pattern: regexp.MustCompile(`\bQpopper \(version (\d[\w.]*)\)`), Name: "Qpopper", CPE: "qualcomm:qpopper"},
}

// Describe identifies the server from its greeting's text. The CPE name
// takes the version up to a '-': Debian's Cyrus says
// "3.0.8-Debian-3.0.8-6+deb10u4".
func Describe(text string) result.Service {
	s := result.Service{Name: "pop3"}
	service.DescribeProduct(&s, text, products, "-")
	return s
}
