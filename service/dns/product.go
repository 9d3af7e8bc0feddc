package dns

import (
	"strings"

	"github.com/picket-scanner/picket/result"
)

// distroTags are the suffixes distributions append to BIND's version
// ("9.18.49-1~deb12u3-Debian"): what follows the upstream version and the
// package revision.
var distroTags = []struct{ tag, extra, os string }{
	{"-Debian", "Debian Linux", "Linux"},
	{"-Ubuntu", "Ubuntu Linux", "Linux"},
	{"-RedHat-", "RedHat Linux", "Linux"}, // "9.11.4-P2-RedHat-9.11.4-26.P2.el7"
	{"-RH", "RedHat Linux", "Linux"},      // "9.16.23-RH"
	{"-FreeBSD", "FreeBSD", "FreeBSD"},
}

// others are products that answer version.bind with their name and
// version.
var others = []struct {
	prefix, product, cpe, os string
}{
	{"dnsmasq-", "dnsmasq", "thekelleys:dnsmasq", ""},
	{"unbound ", "Unbound", "nlnetlabs:unbound", ""},
	{"NSD ", "NLnet Labs NSD", "", ""},
	{"Knot DNS ", "Knot DNS", "", ""},
	{"PowerDNS Authoritative Server ", "PowerDNS Authoritative Server", "powerdns:authoritative_server", ""},
	{"PowerDNS Recursor ", "PowerDNS Recursor", "powerdns:recursor", ""},
	{"Microsoft DNS ", "Microsoft DNS", "", "Windows"},
}

// identify names the software behind a version.bind string. A string it
// does not know (administrators often set "none", "unknown" or a joke)
// names no product.
func identify(txt string) result.Service {
	s := result.Service{Name: "domain"}
	if isBIND(txt) {
		s.Product, s.Version = "ISC BIND", txt
		for _, d := range distroTags {
			if i := strings.Index(txt, d.tag); i > 0 {
				s.Version, s.ExtraInfo, s.OSType = txt[:i], d.extra, d.os
				break
			}
		}
		if v := numeric(txt); v != "" {
			s.CPE = []string{"cpe:2.3:a:isc:bind:" + v + ":" + bindUpdate(txt[len(v):]) + ":*:*:*:*:*:*"}
		}
		return s
	}
	for _, o := range others {
		v, ok := strings.CutPrefix(txt, o.prefix)
		if !ok {
			continue
		}
		s.Product, s.OSType = o.product, o.os
		// PowerDNS adds "(built ...)", Microsoft a build hash: the
		// version is the first word.
		v, _, _ = strings.Cut(v, " ")
		s.Version = v
		if n := numeric(v); n != "" && o.cpe != "" {
			s.CPE = []string{"cpe:2.3:a:" + o.cpe + ":" + n + ":*:*:*:*:*:*:*"}
		}
		return s
	}
	return s
}

// isBIND reports whether txt starts as BIND's versions do: 4, 8 or 9,
// then minor and patch numbers.
func isBIND(txt string) bool {
	if len(txt) < 5 || !strings.ContainsRune("489", rune(txt[0])) || txt[1] != '.' {
		return false
	}
	return strings.Count(numeric(txt), ".") >= 2
}

// bindUpdate returns the CPE update of what follows BIND's numeric
// version: "p2" for a patch release "-P2", "s1" for "-S1", "*" otherwise.
func bindUpdate(rest string) string {
	if len(rest) >= 3 && rest[0] == '-' && (rest[1] == 'P' || rest[1] == 'S') && isDigit(rest[2]) {
		i := 2
		for i < len(rest) && isDigit(rest[i]) {
			i++
		}
		return strings.ToLower(rest[1:i])
	}
	return "*"
}

// numeric returns the leading digits and dots of v.
func numeric(v string) string {
	i := 0
	for i < len(v) && (v[i] == '.' || isDigit(v[i])) {
		i++
	}
	return strings.TrimRight(v[:i], ".")
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
