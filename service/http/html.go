package http

import (
	"bytes"
	"html"
	"strings"
	"unicode"
	"unicode/utf8"
)

// maxText bounds a value taken from the response, in bytes.
const maxText = 256

// lowerASCII lower-cases ASCII letters only, so that offsets in the
// result are offsets in b.
func lowerASCII(b []byte) []byte {
	l := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		l[i] = c
	}
	return l
}

// tagAt finds the next element named name (lower case) at or after off
// in lower, the lower-cased document, and returns the offsets of its
// attributes and of the end of its start tag; ok is false if none.
func tagAt(lower []byte, name string, off int) (attrs, end int, ok bool) {
	for off < len(lower) {
		i := bytes.Index(lower[off:], []byte("<"+name))
		if i < 0 {
			return 0, 0, false
		}
		at := off + i + 1 + len(name)
		if at < len(lower) && (lower[at] == '>' || lower[at] == '/' || isSpace(lower[at])) {
			j := bytes.IndexByte(lower[at:], '>')
			if j < 0 {
				return at, len(lower), true // the tag was cut
			}
			return at, at + j + 1, true
		}
		off = at
	}
	return 0, 0, false
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' }

// Title returns the text of the document's <title>, unescaped, with
// runs of white space collapsed, bounded; "" if there is none.
func Title(body []byte) string {
	lower := lowerASCII(body)
	_, start, ok := tagAt(lower, "title", 0)
	if !ok {
		return ""
	}
	end := len(body)
	if i := bytes.Index(lower[start:], []byte("</title")); i >= 0 {
		end = start + i
	}
	if end-start > 4*maxText {
		end = start + 4*maxText // entities and spaces shrink; more is noise
	}
	return text(html.UnescapeString(string(body[start:end])))
}

// Generator returns the content of <meta name="generator">, or "".
func Generator(body []byte) string {
	lower := lowerASCII(body)
	for off := 0; ; {
		attrs, end, ok := tagAt(lower, "meta", off)
		if !ok {
			return ""
		}
		if strings.EqualFold(attr(lower[attrs:end], body[attrs:end], "name"), "generator") {
			return text(html.UnescapeString(attr(lower[attrs:end], body[attrs:end], "content")))
		}
		off = end
	}
}

// attr returns the value of attribute key in a tag's attributes (lower:
// lower-cased copy of orig).
func attr(lower, orig []byte, key string) string {
	for off := 0; off < len(lower); {
		i := bytes.Index(lower[off:], []byte(key))
		if i < 0 {
			return ""
		}
		at := off + i
		off = at + len(key)
		if at > 0 && !isSpace(lower[at-1]) && lower[at-1] != '"' && lower[at-1] != '\'' {
			continue // part of a longer name
		}
		p := off
		for p < len(lower) && isSpace(lower[p]) {
			p++
		}
		if p >= len(lower) || lower[p] != '=' {
			continue
		}
		p++
		for p < len(lower) && isSpace(lower[p]) {
			p++
		}
		if p >= len(lower) {
			return ""
		}
		if q := lower[p]; q == '"' || q == '\'' {
			j := bytes.IndexByte(lower[p+1:], q)
			if j < 0 {
				return string(orig[p+1:])
			}
			return string(orig[p+1 : p+1+j])
		}
		j := p
		for j < len(lower) && !isSpace(lower[j]) && lower[j] != '>' {
			j++
		}
		return string(orig[p:j])
	}
	return ""
}

// text makes a value from the server printable and bounded: white space
// runs become one space, control characters and invalid UTF-8 '?'.
func text(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
	if len(s) > maxText {
		s = s[:maxText]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
	}
	return s
}
