package http

import (
	"bytes"
	"errors"
	"strconv"
	"strings"
)

// Response is a parsed HTTP response, or as much of one as was read. It
// is a value, safe for concurrent use once returned.
type Response struct {
	Proto      string // "HTTP/1.1", as sent
	StatusCode int
	Reason     string
	// Header holds the fields in the order sent, names as sent.
	Header []Field
	// Body is the start of the body, de-chunked, at most MaxBody bytes.
	Body []byte
	// Truncated is set when the headers or the declared body were cut
	// short by the read bounds or the server.
	Truncated bool
}

// Field is one header field, a value safe for concurrent use.
type Field struct{ Name, Value string }

// Get returns the value of the first field named name (case-insensitive),
// or "".
func (r *Response) Get(name string) string {
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Values returns the values of every field named name, in order.
func (r *Response) Values(name string) []string {
	var vs []string
	for _, f := range r.Header {
		if strings.EqualFold(f.Name, name) {
			vs = append(vs, f.Value)
		}
	}
	return vs
}

// maxFields bounds how many header fields are kept.
const maxFields = 200

// Parse parses a response read from a server. It returns an error
// wrapping service.ErrNoMatch unless b starts with an HTTP status line.
// Interim (1xx) responses before the final one are skipped.
func Parse(b []byte) (*Response, error) {
	for range maxInterim {
		r, rest, err := parseOne(b)
		if err != nil {
			return nil, err
		}
		if !r.interim() || !maybeHTTP(rest) || len(rest) == 0 {
			return r, nil
		}
		b = rest
	}
	r, _, err := parseOne(b)
	return r, err
}

func (r *Response) interim() bool { return r.StatusCode/100 == 1 && r.StatusCode != 101 }

// parseOne parses the response at the start of b and returns what
// follows its body, when the body's end is known.
func parseOne(b []byte) (*Response, []byte, error) {
	line, rest, full := bytes.Cut(b, []byte("\n"))
	proto, code, reason, ok := statusLine(line)
	if !ok {
		if !full && maybeStatus(line) {
			return nil, nil, errCut
		}
		return nil, nil, errNotHTTP
	}
	r := &Response{Proto: proto, StatusCode: code, Reason: reason}
	h := head{length: -1, status: code}
	done := false
	for len(rest) > 0 {
		var l []byte
		l, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			break // a partial line: the header was cut
		}
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) == 0 {
			done = true
			break
		}
		if l[0] == ' ' || l[0] == '\t' { // obsolete line folding
			if n := len(r.Header); n > 0 {
				r.Header[n-1].Value = strings.TrimSpace(r.Header[n-1].Value + " " + string(bytes.TrimSpace(l)))
			}
			continue
		}
		name, value, ok := bytes.Cut(l, []byte(":"))
		name = bytes.TrimSpace(name)
		if !ok || len(name) == 0 || bytes.ContainsAny(name, " \t") || len(r.Header) >= maxFields {
			continue
		}
		f := Field{Name: string(name), Value: string(bytes.TrimSpace(value))}
		h.field(f)
		r.Header = append(r.Header, f)
	}
	if !done {
		r.Truncated = true
		return r, nil, nil
	}
	if !h.hasBody() {
		return r, rest, nil
	}
	var next []byte
	switch {
	case h.chunked:
		r.Body, next, r.Truncated = dechunk(rest)
	case h.length >= 0:
		n := min(len(rest), h.length)
		r.Body, next, r.Truncated = rest[:n], rest[n:], n < h.length
	default:
		r.Body = rest
	}
	if len(r.Body) > MaxBody {
		r.Body, r.Truncated = r.Body[:MaxBody], true
	}
	return r, next, nil
}

// statusLine parses "HTTP/1.1 200 OK", leniently: any case, bare LF, no
// reason, several spaces.
func statusLine(l []byte) (proto string, code int, reason string, ok bool) {
	l = bytes.TrimSuffix(l, []byte("\r"))
	if len(l) < 5 || !bytes.EqualFold(l[:5], []byte("HTTP/")) {
		return "", 0, "", false
	}
	p, rest, _ := bytes.Cut(l, []byte(" "))
	major, minor, dot := bytes.Cut(p[5:], []byte("."))
	if !digits(major, 1) || dot && !digits(minor, 1) {
		return "", 0, "", false
	}
	rest = bytes.TrimLeft(rest, " ")
	if len(rest) < 3 || !digits(rest[:3], 3) || len(rest) > 3 && rest[3] != ' ' {
		return "", 0, "", false
	}
	code, _ = strconv.Atoi(string(rest[:3]))
	return string(p), code, string(bytes.TrimSpace(rest[3:])), true
}

// digits reports whether b is n ASCII digits, or 1 to 3 when n is 1.
func digits(b []byte, n int) bool {
	if len(b) != n && (n != 1 || len(b) == 0 || len(b) > 3) {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// errCut is returned for the start of a status line that never ended: a
// slow server, not a foreign one.
var errCut = errors.New("http: the status line was cut short")

// maybeStatus reports whether l, a line that did not end, could be the
// start of a status line.
func maybeStatus(l []byte) bool { return len(l) > 0 && len(l) < 64 && maybeHTTP(l) }

// maybeHTTP reports whether b could be the start of an HTTP response.
func maybeHTTP(b []byte) bool {
	n := min(len(b), 5)
	return bytes.EqualFold(b[:n], []byte("HTTP/")[:n])
}

// head is what framing needs of a response's head.
type head struct {
	end     int // offset of the body
	status  int
	length  int // Content-Length, or -1
	chunked bool
}

func (h *head) field(f Field) {
	switch {
	case strings.EqualFold(f.Name, "Content-Length"):
		n, err := strconv.Atoi(f.Value)
		if err != nil || n < 0 || h.length >= 0 && h.length != n {
			n = -1 // unusable: read until the bounds or the close
		}
		h.length = n
	case strings.EqualFold(f.Name, "Transfer-Encoding"):
		h.chunked = strings.Contains(strings.ToLower(f.Value), "chunked")
	}
}

func (h head) interim() bool { return h.status/100 == 1 && h.status != 101 }

func (h head) hasBody() bool {
	return h.status/100 != 1 && h.status != 204 && h.status != 304
}

// scanHead finds the end of the head at the start of b, and what framing
// needs of it; ok is false until the head is complete or when the status
// line is not HTTP's.
func scanHead(b []byte) (h head, ok bool) {
	line, rest, found := bytes.Cut(b, []byte("\n"))
	if !found {
		return h, false
	}
	_, code, _, valid := statusLine(line)
	if !valid {
		return h, false
	}
	h = head{length: -1, status: code}
	off := len(line) + 1
	for {
		l, r, found := bytes.Cut(rest, []byte("\n"))
		if !found {
			return h, false
		}
		off += len(l) + 1
		rest = r
		l = bytes.TrimSuffix(l, []byte("\r"))
		if len(l) == 0 {
			h.end = off
			return h, true
		}
		if name, value, ok := bytes.Cut(l, []byte(":")); ok {
			h.field(Field{Name: string(bytes.TrimSpace(name)), Value: string(bytes.TrimSpace(value))})
		}
	}
}

// dechunk decodes a chunked body as far as it was read. next is what
// follows the last chunk; truncated is set when the body was cut.
func dechunk(b []byte) (body, next []byte, truncated bool) {
	for len(body) < MaxBody {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return body, nil, true
		}
		size, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(size)), 16, 31)
		if err != nil {
			return body, nil, true
		}
		if n == 0 {
			// Trailers, then an empty line.
			for {
				l, r, ok := bytes.Cut(rest, []byte("\n"))
				if !ok {
					return body, nil, false
				}
				rest = r
				if len(bytes.TrimSpace(l)) == 0 {
					return body, rest, false
				}
			}
		}
		if uint64(len(rest)) < n {
			return append(body, rest...), nil, true
		}
		body = append(body, rest[:n]...)
		b = rest[n:]
		b = bytes.TrimPrefix(b, []byte("\r"))
		b = bytes.TrimPrefix(b, []byte("\n"))
	}
	return body, nil, true
}

// chunkedEnd reports whether a chunked body is complete, or cut at
// MaxBody, or malformed: in each case there is no point reading on.
func chunkedEnd(b []byte) bool {
	body, _, truncated := dechunk(b)
	return !truncated || len(body) >= MaxBody || malformedChunk(b)
}

// malformedChunk reports whether b's chunk framing is broken (as opposed
// to merely incomplete).
func malformedChunk(b []byte) bool {
	for {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return len(b) > 64 // a size line is short
		}
		size, _, _ := bytes.Cut(bytes.TrimSpace(line), []byte(";"))
		n, err := strconv.ParseUint(string(bytes.TrimSpace(size)), 16, 31)
		if err != nil {
			return true
		}
		if n == 0 || uint64(len(rest)) < n {
			return false
		}
		b = bytes.TrimPrefix(bytes.TrimPrefix(rest[n:], []byte("\r")), []byte("\n"))
	}
}
