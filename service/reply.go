package service

import (
	"bytes"
	"strings"
)

// CodeReply is a reply in the format FTP (RFC 959 §4.2) and SMTP (RFC
// 5321 §4.2) share: a three-digit code and its lines of text.
type CodeReply struct {
	Code int
	// Lines hold each line's text, without the code and the separator
	// where a line starts with them (lines inside a multi-line reply may
	// be free text in FTP, as FEAT's " EPRT"; SMTP repeats the code on
	// each), and without the line end.
	Lines []string
}

// Text is the reply's lines joined by spaces.
func (r CodeReply) Text() string { return strings.Join(r.Lines, " ") }

// CodeReplyLen reports the length of the whole reply at the start of b, 0
// if b holds only part of one, -1 if b does not start with a reply. A
// multi-line reply ("220-...") ends at a line that starts with the same
// code and a space.
func CodeReplyLen(b []byte) int {
	if !CodeReplyStart(b) {
		return -1
	}
	nl := bytes.IndexByte(b, '\n')
	if nl < 0 || len(b) < 4 {
		return 0
	}
	if b[3] != '-' {
		return nl + 1
	}
	for off := nl + 1; ; {
		next := bytes.IndexByte(b[off:], '\n')
		if next < 0 {
			return 0
		}
		line := b[off : off+next+1]
		off += next + 1
		if len(line) >= 4 && bytes.Equal(line[:3], b[:3]) && strings.IndexByte(" \r\n", line[3]) >= 0 {
			return off
		}
	}
}

// CodeReplyStart reports whether b starts like a reply, or is a prefix of
// one: a code whose first digit is 1-5 and second 0-5, then a space, a
// dash or the line end.
func CodeReplyStart(b []byte) bool {
	for i, c := range b[:min(len(b), 4)] {
		var ok bool
		switch i {
		case 0:
			ok = c >= '1' && c <= '5'
		case 1:
			ok = c >= '0' && c <= '5'
		case 2:
			ok = c >= '0' && c <= '9'
		case 3:
			ok = c == ' ' || c == '-' || c == '\r' || c == '\n'
		}
		if !ok {
			return false
		}
	}
	return true
}

// ParseCodeReply decodes a whole reply as CodeReplyLen delimits it.
func ParseCodeReply(b []byte) (CodeReply, bool) {
	n := CodeReplyLen(b)
	if n <= 0 {
		return CodeReply{}, false
	}
	code := b[:3]
	r := CodeReply{Code: int(code[0]-'0')*100 + int(code[1]-'0')*10 + int(code[2]-'0')}
	for _, line := range strings.SplitAfter(string(b[:n]), "\n") {
		line = strings.TrimRight(line, "\r\n")
		if line == "" && len(r.Lines) > 0 {
			continue // what follows the last line end
		}
		if strings.HasPrefix(line, string(code)) && (len(line) == 3 || line[3] == ' ' || line[3] == '-') {
			line = line[min(len(line), 4):]
		}
		r.Lines = append(r.Lines, line)
	}
	return r, true
}
