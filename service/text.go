package service

import "strings"

// CPE makes a CPE 2.3 name from part ("a", "o" or "h"), NVD's
// "vendor:product" and a version. A version with characters the formatted
// string would need to escape, or none, becomes "*": a wrong version is
// worse than none.
func CPE(part, vendorProduct, version string) string {
	if version == "" || strings.IndexFunc(version, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-')
	}) >= 0 {
		version = "*"
	}
	return "cpe:2.3:" + part + ":" + vendorProduct + ":" + version + ":*:*:*:*:*:*:*"
}

// Printable returns s with anything but printable ASCII replaced by '?',
// cut to at most n bytes: text from the wire goes into reports.
func Printable[T ~string | ~[]byte](s T, n int) string {
	if len(s) > n {
		s = s[:n]
	}
	out := make([]byte, len(s)) // a copy: s may be the caller's buffer
	copy(out, s)
	for i, c := range out {
		if c < 0x20 || c > 0x7e {
			out[i] = '?'
		}
	}
	return string(out)
}

// IsText reports whether s is printable ASCII.
func IsText[T ~string | ~[]byte](s T) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			return false
		}
	}
	return true
}

// NumericPrefix returns the leading digits and dots of v without the dots
// at either end: "7.0.15" of "7.0.15-debian".
func NumericPrefix(v string) string {
	i := 0
	for i < len(v) && (v[i] == '.' || '0' <= v[i] && v[i] <= '9') {
		i++
	}
	return strings.Trim(v[:i], ".")
}

// CutWord returns what follows keyword (in any case) and white space at
// the start of s, if s's first word is keyword: "PLAIN LOGIN" of
// "SASL PLAIN LOGIN" for "SASL".
func CutWord(s, keyword string) (string, bool) {
	word, rest, _ := strings.Cut(s, " ")
	if !strings.EqualFold(word, keyword) {
		return "", false
	}
	return strings.TrimSpace(rest), true
}
