// Package vnc identifies VNC servers (the RFB protocol, RFC 6143): the
// protocol version from the server's greeting, and the security types it
// offers once picket answers with a version of its own. A server that
// offers the "None" type lets anyone who reaches the port see and drive
// the desktop: that is reported. The handshake stops there, before any
// security type is chosen.
package vnc

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake speaks RFB up to the security types. It is safe for
// concurrent use.
var Handshake = service.Handshake{
	Name:        "vnc",
	Ports:       []uint16{5900, 5901, 5902, 5903},
	ServerFirst: true,
	Detect:      Detect,
	Run:         Run,
}

// Detect reports whether a banner starts like an RFB version message; a
// partial one ("RFB 00") is enough, Run reads the rest.
func Detect(banner []byte) bool {
	const prefix = "RFB 000.000\n"
	if len(banner) < 4 {
		return false
	}
	for i, c := range banner[:min(len(banner), versionLen)] {
		switch p := prefix[i]; {
		case p == '0' && (c < '0' || c > '9'), p != '0' && c != p:
			return false
		}
	}
	return true
}

// Run completes the version message, answers with picket's version and
// reads the security types. The version message alone identifies VNC: a
// server that then says nothing, or hangs up, is still reported.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })()
	buf := bytes.Clone(banner)
	if len(buf) < versionLen {
		if !Detect(buf) && len(buf) > 0 {
			return service.Match{}, service.ErrNoMatch
		}
		more, err := service.ReadAtMost(c, versionLen-len(buf), service.Deadline(ctx), nil)
		if err != nil {
			return service.Match{}, fmt.Errorf("vnc: read version: %w", err)
		}
		buf = append(buf, more...)
	}
	v, ok := ParseVersion(buf)
	if !ok {
		return service.Match{}, service.ErrNoMatch
	}
	rest := buf[versionLen:]
	m := Describe(v, nil)

	cv := clientVersion(v)
	c.SetWriteDeadline(service.Deadline(ctx))
	_, err := c.Write(cv.message())
	c.SetWriteDeadline(time.Time{})
	if err != nil {
		return m, nil
	}
	parsed := func(b []byte) bool {
		_, n, err := ParseSecurity(b, cv)
		return n > 0 || err != nil
	}
	if !parsed(rest) {
		more, err := service.ReadAtMost(c, maxSecurity-len(rest), service.Deadline(ctx), func(b []byte) bool {
			return parsed(append(rest[:len(rest):len(rest)], b...))
		})
		if err != nil {
			return m, nil
		}
		rest = append(rest, more...)
	}
	sec, n, err := ParseSecurity(rest, cv)
	if err != nil || n == 0 {
		return m, nil
	}
	return Describe(v, &sec), nil
}

// Describe reports what the version and, when read, the security message
// tell.
func Describe(v Version, sec *Security) service.Match {
	s := result.Service{Name: "vnc", Product: "VNC", ExtraInfo: "protocol " + v.String()}
	switch {
	case v.Major == 3 && (v.Minor == 889 || v.Minor == 888):
		// macOS Screen Sharing and Apple Remote Desktop.
		s.Product, s.ExtraInfo, s.OSType = "Apple remote desktop vnc", "", "Mac OS X"
		s.CPE = []string{"cpe:2.3:o:apple:macos:*:*:*:*:*:*:*:*"}
	case v.Major == 4 || v.Major == 5:
		// RealVNC's own versions: 4.0 and 4.1 for its 4.x editions,
		// 5.0 for VNC Server 5 and later.
		s.Product = "RealVNC"
		s.CPE = []string{"cpe:2.3:a:realvnc:vnc_server:*:*:*:*:*:*:*:*"}
	case v.Major == 0 && v.Minor == 0:
		// What UltraVNC's repeater sends before it knows where to
		// forward the viewer.
		s.Product, s.ExtraInfo = "UltraVNC repeater", ""
		s.CPE = []string{"cpe:2.3:a:uvnc:ultravnc_repeater:*:*:*:*:*:*:*:*"}
	}
	m := service.Match{Service: s}
	if sec == nil {
		return m
	}
	if s.Product == "VNC" {
		if p, cpe := productFromTypes(sec); p != "" {
			m.Service.Product, m.Service.CPE = p, []string{cpe}
		}
	}
	if strings.Contains(strings.ToLower(sec.Reason), "realvnc") {
		m.Service.Product = "RealVNC"
		m.Service.CPE = []string{"cpe:2.3:a:realvnc:vnc_server:*:*:*:*:*:*:*:*"}
	}
	add := func(k, v string) { m.Details = append(m.Details, service.Detail{Key: k, Value: v}) }
	if len(sec.Types) > 0 {
		names := make([]string, len(sec.Types))
		for i, t := range sec.Types {
			names[i] = TypeName(t)
		}
		key := "security types"
		if sec.Chosen {
			key = "security type"
		}
		add(key, strings.Join(names, ", "))
		if slices.Contains(sec.Types, 1) {
			add("authentication", "none")
		} else {
			add("authentication", "required")
		}
	}
	if sec.Failed {
		add("connection refused", sec.Reason)
	}
	return m
}

// productFromTypes names the server when its security types are its own:
// Tight (16) is TightVNC's (TurboVNC, its fork, offers it too); UltraVNC's
// are 17 and its 0x68-0x73 range, and 0xfffffffa in RFB 3.3.
func productFromTypes(sec *Security) (product, cpe string) {
	for _, t := range sec.Types {
		switch {
		case t == 17 || t >= 0x68 && t <= 0x73 || t == 0xfffffffa:
			return "UltraVNC", "cpe:2.3:a:uvnc:ultravnc:*:*:*:*:*:*:*:*"
		case t == 16:
			return "TightVNC", "cpe:2.3:a:tightvnc:tightvnc:*:*:*:*:*:*:*:*"
		}
	}
	return "", ""
}
