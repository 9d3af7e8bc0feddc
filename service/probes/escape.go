package probes

import "fmt"

// unescape reads the C-style escapes of probe payloads and quoted strings:
// \0 \a \b \f \n \r \t \v \\ and \xHH (two hex digits). \0 is a single NUL
// even when digits follow, as Nmap reads its payloads ("/\09" is '/', NUL,
// '9'): there are no octal escapes. Any other escaped byte stands for
// itself (\| \" \').
func unescape(s string) ([]byte, error) {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			out = append(out, c)
			continue
		}
		i++
		if i >= len(s) {
			return nil, fmt.Errorf("a lone '\\' at the end")
		}
		switch c = s[i]; c {
		case '0':
			c = 0
		case 'a':
			c = '\a'
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		case 'v':
			c = '\v'
		case 'x':
			if i+2 >= len(s) {
				return nil, fmt.Errorf(`\x wants two hex digits`)
			}
			hi, ok1 := hexVal(s[i+1])
			lo, ok2 := hexVal(s[i+2])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf(`\x wants two hex digits, not %q`, s[i+1:i+3])
			}
			c = hi<<4 | lo
			i += 2
		}
		out = append(out, c)
	}
	return out, nil
}

func hexVal(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}
