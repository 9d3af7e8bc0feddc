package probes

import (
	"fmt"
	"strings"
)

// cpeTemplate is a CPE name with substitutions, held as the eleven
// attributes of a CPE 2.3 formatted string: part, vendor, product, version,
// update, edition, language, sw_edition, target_sw, target_hw, other.
// Literal text is stored already escaped for the formatted string; text
// substituted from a reply is escaped when rendered.
type cpeTemplate [11]template

// parseCPE22 reads the value of an Nmap cpe:/.../ field: a CPE 2.2 URI
// without its "cpe:/" prefix ("a:openbsd:openssh:$2"), percent-encoded.
// An edition packing the 2.3 extended attributes ("~a~b~c~d~e") is kept as
// one escaped value: Nmap 7.93's file has none.
func parseCPE22(s string) (cpeTemplate, error) {
	t, err := parseTemplate(s)
	if err != nil {
		return cpeTemplate{}, err
	}
	attrs, err := splitAttrs(t, 7, func(lit string) (string, error) {
		dec, err := percentDecode(lit)
		if err != nil {
			return "", err
		}
		if dec == "-" {
			return "-", nil
		}
		return string(fsEscape(nil, []byte(dec), true)), nil
	})
	if err != nil {
		return cpeTemplate{}, err
	}
	var c cpeTemplate
	copy(c[:], attrs)
	renameCPE(&c)
	return c, checkPart(c)
}

// renamed maps vendor:product pairs that Nmap's file still uses to the
// names NVD lists current versions under, so that CPEs from either
// database match vulnerability data the same way.
var renamed = map[[2]string][2]string{
	{"igor_sysoev", "nginx"}:                     {"f5", "nginx"},
	{"nginx", "nginx"}:                           {"f5", "nginx"},
	{"vsftpd", "vsftpd"}:                         {"beasts", "vsftpd"},
	{"redislabs", "redis"}:                       {"redis", "redis"},
	{"elasticsearch", "elasticsearch"}:           {"elastic", "elasticsearch"},
	{"mysql", "mysql"}:                           {"oracle", "mysql"},
	{"microsoft", "iis"}:                         {"microsoft", "internet_information_services"},
	{"microsoft", "internet_information_server"}: {"microsoft", "internet_information_services"},
}

func renameCPE(c *cpeTemplate) {
	lit := func(t template) (string, bool) {
		if len(t) == 1 && t[0].kind == segLiteral {
			return t[0].text, true
		}
		return "", false
	}
	v, ok1 := lit(c[1])
	p, ok2 := lit(c[2])
	if !ok1 || !ok2 {
		return
	}
	if to, ok := renamed[[2]string{v, p}]; ok {
		c[1] = template{{kind: segLiteral, text: to[0]}}
		c[2] = template{{kind: segLiteral, text: to[1]}}
	}
}

// parseCPE23 reads a CPE 2.3 formatted string with substitutions, as
// picket's own database writes it: "cpe:2.3:a:openbsd:openssh:$2".
// Attributes left out are ANY.
func parseCPE23(s string) (cpeTemplate, error) {
	rest, ok := strings.CutPrefix(s, "cpe:2.3:")
	if !ok {
		return cpeTemplate{}, fmt.Errorf("a CPE must start with cpe:2.3:")
	}
	t, err := parseTemplate(rest)
	if err != nil {
		return cpeTemplate{}, err
	}
	attrs, err := splitAttrs(t, 11, func(lit string) (string, error) {
		for i := 0; i < len(lit); i++ {
			c := lit[i]
			if c == '\\' {
				i++
				continue
			}
			if !isFSPlain(c) && c != '*' && c != '?' {
				return "", fmt.Errorf("%q must be escaped in a CPE 2.3 attribute", c)
			}
		}
		return strings.ToLower(lit), nil
	})
	if err != nil {
		return cpeTemplate{}, err
	}
	var c cpeTemplate
	copy(c[:], attrs)
	return c, checkPart(c)
}

// splitAttrs splits t at the unescaped colons of its literal text into at
// most max attributes, passing each literal piece through conv.
func splitAttrs(t template, max int, conv func(string) (string, error)) ([]template, error) {
	attrs := []template{nil}
	addLit := func(s string) error {
		if s == "" {
			return nil
		}
		v, err := conv(s)
		if err != nil {
			return err
		}
		cur := &attrs[len(attrs)-1]
		*cur = append(*cur, segment{kind: segLiteral, text: v})
		return nil
	}
	for _, seg := range t {
		if seg.kind != segLiteral {
			attrs[len(attrs)-1] = append(attrs[len(attrs)-1], seg)
			continue
		}
		s, start := seg.text, 0
		for i := 0; i < len(s); i++ {
			switch s[i] {
			case '\\':
				i++
			case ':':
				if err := addLit(s[start:i]); err != nil {
					return nil, err
				}
				start = i + 1
				attrs = append(attrs, nil)
				if len(attrs) > max {
					return nil, fmt.Errorf("more than %d attributes", max)
				}
			}
		}
		if err := addLit(s[start:]); err != nil {
			return nil, err
		}
	}
	return attrs, nil
}

func checkPart(c cpeTemplate) error {
	if len(c[0]) != 1 || c[0][0].kind != segLiteral || len(c[0][0].text) != 1 || !strings.Contains("aho", c[0][0].text) {
		return fmt.Errorf("the CPE part must be a, h or o")
	}
	if len(c[1]) == 0 {
		return fmt.Errorf("a CPE needs a vendor")
	}
	return nil
}

// render builds the CPE 2.3 formatted string for one match, or "" when
// substitution left the vendor empty.
func (c *cpeTemplate) render(reply []byte, g *groups) string {
	b := make([]byte, 0, 64)
	b = append(b, "cpe:2.3"...)
	var tmp []byte
	for i := range c {
		b = append(b, ':')
		start := len(b)
		for _, s := range c[i] {
			if s.kind == segLiteral {
				b = append(b, s.text...)
				continue
			}
			tmp = template{s}.render(tmp[:0], reply, g)
			b = fsEscape(b, tmp, false)
		}
		if len(b) == start {
			if i == 1 {
				return ""
			}
			b = append(b, '*')
		}
		if len(b) > 4*maxField {
			return ""
		}
	}
	return string(b)
}

// fsEscape appends v as a CPE 2.3 formatted-string value: lower case,
// letters, digits, '_', '.' and '-' as they are, white space as '_',
// other printable ASCII escaped with '\', anything else dropped. A value of
// exactly "-" from a reply is escaped, as a bare "-" means "not
// applicable".
func fsEscape(dst, v []byte, literal bool) []byte {
	if !literal && len(v) == 1 && v[0] == '-' {
		return append(dst, `\-`...)
	}
	for _, c := range v {
		switch {
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		case isFSPlain(c):
			dst = append(dst, c)
		case c == ' ' || c == '\t':
			dst = append(dst, '_')
		case c > 0x20 && c < 0x7f:
			dst = append(dst, '\\', c)
		}
	}
	return dst
}

func isFSPlain(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '.' || c == '-'
}

func percentDecode(s string) (string, error) {
	if !strings.Contains(s, "%") {
		return s, nil
	}
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b = append(b, s[i])
			continue
		}
		if i+2 >= len(s) {
			return "", fmt.Errorf("a truncated %%-escape")
		}
		hi, ok1 := hexVal(s[i+1])
		lo, ok2 := hexVal(s[i+2])
		if !ok1 || !ok2 {
			return "", fmt.Errorf("bad %%-escape %q", s[i:i+3])
		}
		b = append(b, hi<<4|lo)
		i += 2
	}
	return string(b), nil
}
