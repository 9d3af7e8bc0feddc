package payload

import (
	"bytes"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxText bounds every string a recogniser keeps from a reply.
const maxText = 256

// clean turns bytes a server sent into a string fit for a report: at most
// max bytes, valid UTF-8, control characters replaced by '?', surrounding
// space trimmed. Output formats escape it further; this keeps a hostile
// reply from filling a report or a terminal with junk.
func clean(b []byte, max int) string {
	b = bytes.TrimSpace(b)
	var sb strings.Builder
	for len(b) > 0 && sb.Len() < max {
		r, n := utf8.DecodeRune(b)
		switch {
		case r == utf8.RuneError && n <= 1, r < 0x20, r == 0x7f, r >= 0x80 && r < 0xa0:
			sb.WriteByte('?')
		default:
			if sb.Len()+n > max {
				return strings.TrimSpace(sb.String())
			}
			sb.WriteRune(r)
		}
		b = b[n:]
	}
	return strings.TrimSpace(sb.String())
}

// splitProduct splits a software banner, as SIP Server headers, UPnP
// product tokens and STUN SOFTWARE attributes carry it, into a product and
// a version: "MiniUPnPd/2.1" ("MiniUPnPd", "2.1"), "Asterisk PBX 18.10.0",
// "Coturn-4.6.1 'Gorst'" ("Coturn", "4.6.1"), "Kamailio (5.6.4
// (x86_64/linux))" ("Kamailio", "5.6.4"). A banner with no recognisable
// version gives the whole banner as the product.
func splitProduct(s string) (product, version string) {
	s = strings.TrimSpace(s)
	head, paren := s, ""
	if i := strings.IndexByte(s, '('); i > 0 {
		head, paren = strings.TrimSpace(s[:i]), s[i+1:]
	}
	if i := strings.IndexByte(head, '/'); i > 0 {
		product, version = head[:i], head[i+1:]
		if j := strings.IndexAny(version, " ;,"); j >= 0 {
			version = version[:j]
		}
		return strings.TrimSpace(product), strings.TrimPrefix(version, "v")
	}
	words := strings.Fields(head)
	for i := len(words) - 1; i > 0; i-- {
		if isVersion(words[i]) {
			return strings.Join(words[:i], " "), strings.TrimPrefix(words[i], "v")
		}
	}
	if len(words) > 0 {
		// "Coturn-4.6.1", "dnsmasq-2.89"
		w := words[0]
		for i := 1; i < len(w)-1; i++ {
			if (w[i] == '-' || w[i] == '_') && isVersion(w[i+1:]) {
				return w[:i], w[i+1:]
			}
		}
	}
	if paren != "" {
		if f := strings.Fields(strings.TrimRight(paren, ")")); len(f) > 0 && isVersion(f[0]) {
			return head, f[0]
		}
	}
	return head, ""
}

// isVersion reports whether w looks like a version number: a digit (or a
// 'v' and a digit) first, and a dot or digits only.
func isVersion(w string) bool {
	w = strings.TrimPrefix(w, "v")
	if w == "" || w[0] < '0' || w[0] > '9' {
		return false
	}
	if strings.IndexByte(w, '.') > 0 {
		return true
	}
	_, err := strconv.Atoi(w)
	return err == nil
}

// eachHeader calls fn for each header line of an HTTP-like message (SSDP,
// SIP) after its first line, until the blank line or the end; fn returns
// false to stop. Header names are compared case-insensitively by callers.
func eachHeader(msg []byte, fn func(name, value []byte) bool) {
	i := bytes.IndexByte(msg, '\n')
	if i < 0 {
		return
	}
	msg = msg[i+1:]
	for len(msg) > 0 {
		line := msg
		if i := bytes.IndexByte(msg, '\n'); i >= 0 {
			line, msg = msg[:i], msg[i+1:]
		} else {
			msg = nil
		}
		line = bytes.TrimRight(line, "\r")
		if len(line) == 0 {
			return
		}
		name, value, ok := bytes.Cut(line, []byte{':'})
		if !ok {
			continue
		}
		if !fn(bytes.TrimSpace(name), bytes.TrimSpace(value)) {
			return
		}
	}
}

// hexString formats b as lower-case hexadecimal, for identifiers in
// Details.
func hexString(b []byte) string { return string(appendHex(nil, b)) }

// macString formats a 6-byte hardware address as Nmap does.
func macString(b []byte) string {
	const digits = "0123456789ABCDEF"
	out := make([]byte, 0, 17)
	for i, c := range b {
		if i > 0 {
			out = append(out, ':')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

func itoa(v int) string { return strconv.Itoa(v) }

// cpe returns a CPE 2.3 name for an application, with the version as is
// when it is a plain dotted number, or no version otherwise.
func cpe(vendor, product, version string) string {
	for _, c := range version {
		if (c < '0' || c > '9') && c != '.' {
			version = ""
			break
		}
	}
	if version == "" {
		version = "*"
	}
	return "cpe:2.3:a:" + vendor + ":" + product + ":" + version + ":*:*:*:*:*:*:*"
}
