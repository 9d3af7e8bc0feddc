package output

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/picket-scanner/picket/result"
)

// CTime is the layout of Nmap's dates in comments, startstr and timestr
// ("Sat Nov 28 01:02:03 2026"), which parsers of those lines expect.
const CTime = "Mon Jan _2 15:04:05 2006"

// Text returns s safe to print on a terminal or in a line-oriented file.
// Banners, service fields and PTR names come from the target, so they
// may hold escape sequences (CWE-150), line breaks that forge extra
// report lines, bidirectional overrides that reorder what a reader sees,
// or bytes that are not UTF-8. Each such byte or rune becomes a visible
// escape, \xNN for bytes and \uNNNN for runes, the way Nmap shows binary
// data in service fingerprints; everything else is kept as is.
func Text(s string) string {
	clean := true
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if unsafeRune(r, n) {
			clean = false
			break
		}
		i += n
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case !unsafeRune(r, n):
			b.WriteString(s[i : i+n])
		case n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
		i += n
	}
	return b.String()
}

func unsafeRune(r rune, size int) bool {
	switch {
	case r == utf8.RuneError && size == 1: // not UTF-8
		return true
	case r < 0x20, r >= 0x7f && r < 0xa0: // C0, DEL, C1
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi overrides
		return true
	case r == 0x2028, r == 0x2029: // line and paragraph separators
		return true
	case r == 0xfffe, r == 0xffff: // noncharacters, illegal in XML
		return true
	}
	return false
}

// Name returns the scanner's name for headers: run.Scanner, or "picket".
func Name(run *result.Run) string {
	if run.Scanner == "" {
		return "picket"
	}
	return Text(run.Scanner)
}

// Elapsed returns the run's duration in seconds, 0 when its times are
// not both known.
func Elapsed(run *result.Run) float64 {
	if run.Start.IsZero() || run.End.IsZero() || run.End.Before(run.Start) {
		return 0
	}
	return run.End.Sub(run.Start).Seconds()
}

// Summary is the end of Nmap's closing line: "2 IP addresses (1 host up)
// scanned in 3.05 seconds".
func Summary(run *result.Run) string {
	total := run.HostsUp + run.HostsDown
	addrs := "IP addresses"
	if total == 1 {
		addrs = "IP address"
	}
	hosts := "hosts"
	if run.HostsUp == 1 {
		hosts = "host"
	}
	return fmt.Sprintf("%d %s (%d %s up) scanned in %.2f seconds", total, addrs, run.HostsUp, hosts, Elapsed(run))
}

// ExitMessage says why a run did not finish normally, or "" when it did.
func ExitMessage(run *result.Run) string {
	switch {
	case run.Interrupted && run.ErrorMsg != "":
		return "interrupted: " + run.ErrorMsg
	case run.Interrupted:
		return "interrupted"
	}
	return run.ErrorMsg
}

// Measured reports whether the run carries a completeness report; an
// engine that counts nothing (connect scan before it learns to) leaves
// Stats zero, and a block of zeros would claim what was not measured.
func Measured(s result.Stats) bool {
	return s.ProbesSent > 0
}

// Completeness returns the human form of the completeness report, one
// line each, without indentation.
func Completeness(s result.Stats) []string {
	return []string{
		fmt.Sprintf("%d probes sent, %d replies, %d retransmissions", s.ProbesSent, s.Replies, s.Retransmissions),
		fmt.Sprintf("loss measured %s%%, peak rate %.0f packets/s", strconv.FormatFloat(finite(s.Loss)*100, 'f', 2, 64), finite(s.Rate)),
		fmt.Sprintf("%d port states rest on no reply (filtered or open|filtered from silence)", s.NoReply),
	}
}

// finite keeps NaN and infinities out of reports: a loss computed as 0/0
// means nothing was measured.
func finite(x float64) float64 {
	if math.IsNaN(x) || math.IsInf(x, 0) {
		return 0
	}
	return x
}

// CountPorts returns how many ports a port list in Nmap's compact form
// ("1-1000,8080") names, and false when it is not of that form.
func CountPorts(spec string) (int, bool) {
	if spec == "" {
		return 0, true
	}
	n := 0
	for part := range strings.SplitSeq(spec, ",") {
		lo, hi, isRange := strings.Cut(part, "-")
		a, err := strconv.ParseUint(lo, 10, 16)
		if err != nil {
			return 0, false
		}
		b := a
		if isRange {
			if b, err = strconv.ParseUint(hi, 10, 16); err != nil || b < a {
				return 0, false
			}
		}
		n += int(b-a) + 1
	}
	return n, true
}

// ServiceName is the SERVICE column: the name, "ssl/" before it when the
// service speaks inside TLS, and "unknown" when nothing is known.
func ServiceName(s *result.Service) string {
	name := s.Name
	if name == "" {
		name = "unknown"
	}
	if s.Tunnel != "" {
		name = s.Tunnel + "/" + name
	}
	return Text(name)
}

// Version is the VERSION column: product, version and "(extra info)",
// those that are known, separated by spaces.
func Version(s *result.Service) string {
	parts := make([]string, 0, 3)
	if s.Product != "" {
		parts = append(parts, s.Product)
	}
	if s.Version != "" {
		parts = append(parts, s.Version)
	}
	if s.ExtraInfo != "" {
		parts = append(parts, "("+s.ExtraInfo+")")
	}
	return Text(strings.Join(parts, " "))
}

// HostnameType maps a name's origin onto the two Nmap knows, "PTR"
// (reverse DNS) and "user" (given on the command line), and always gives
// one: Faraday's importer fails on a hostname without a type.
func HostnameType(t string) string {
	if strings.EqualFold(t, "PTR") {
		return "PTR"
	}
	return "user"
}

// MAC formats a hardware address as Nmap does: upper-case hex pairs.
func MAC(b []byte) string {
	var sb strings.Builder
	for i, c := range b {
		if i > 0 {
			sb.WriteByte(':')
		}
		fmt.Fprintf(&sb, "%02X", c)
	}
	return sb.String()
}

// UnixSeconds formats t for Nmap's integer time attributes.
func UnixSeconds(t time.Time) string {
	return strconv.FormatInt(t.Unix(), 10)
}

// CPE22 returns a CPE name in the 2.2 URI form ("cpe:/a:openbsd:openssh:
// 8.9p1") that Nmap writes and its consumers parse (nmap.xsl builds NVD
// links from it). A CPE 2.3 formatted string is converted; anything else
// is returned unchanged.
func CPE22(s string) string {
	rest, ok := strings.CutPrefix(s, "cpe:2.3:")
	if !ok {
		return s
	}
	fields := splitFS(rest)
	// part, vendor, product, version, update, edition, language, then
	// sw_edition, target_sw, target_hw, other, which 2.2 packs into
	// edition as "~edition~sw_edition~target_sw~target_hw~other".
	comp := make([]string, 7)
	for i := 0; i < 7 && i < len(fields); i++ {
		comp[i] = uriValue(fields[i])
	}
	if len(fields) > 7 {
		ext := make([]string, 4)
		packed := false
		for i := range ext {
			if 7+i < len(fields) {
				ext[i] = uriValue(fields[7+i])
				packed = packed || ext[i] != ""
			}
		}
		if packed {
			comp[5] = "~" + comp[5] + "~" + strings.Join(ext, "~")
		}
	}
	for len(comp) > 1 && comp[len(comp)-1] == "" {
		comp = comp[:len(comp)-1]
	}
	return "cpe:/" + strings.Join(comp, ":")
}

// splitFS splits a CPE 2.3 formatted string at the colons that are not
// escaped with a backslash.
func splitFS(s string) []string {
	var out []string
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case ':':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// uriValue converts one formatted-string value to its URI form: "*" (ANY)
// is empty, "-" (NA) stays, and escaped punctuation is percent-encoded.
func uriValue(v string) string {
	if v == "*" {
		return ""
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == '\\' && i+1 < len(v) {
			i++
			c = v[i]
			if isAlnum(c) || c == '_' || c == '-' || c == '.' {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "%%%02x", c)
			}
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

func isAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}
