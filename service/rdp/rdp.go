// Package rdp identifies Remote Desktop Protocol servers (MS-RDPBCGR): it
// sends an X.224 Connection Request offering TLS and CredSSP and reads
// the Connection Confirm, which says which security protocol the server
// chose, or why it refused. Where the server chose TLS or CredSSP, the
// TLS handshake that would follow is run too, for the certificate: on
// Windows its subject names the computer. The connection ends there,
// before any credential is asked for.
package rdp

import (
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/tls"
)

// Handshake negotiates RDP's security protocol. It is safe for concurrent
// use.
var Handshake = service.Handshake{
	Name:  "ms-wbt-server",
	Ports: []uint16{3389},
	Run:   Run,
}

// Run sends the connection request, reads the confirm and, if the server
// chose a protocol that runs over TLS, reads its certificate.
func Run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if len(banner) > 0 {
		return service.Match{}, service.ErrNoMatch // an RDP server never speaks first
	}
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	c.SetWriteDeadline(service.Deadline(ctx))
	_, err := c.Write(request)
	c.SetWriteDeadline(time.Time{})
	if err != nil {
		stop()
		return service.Match{}, fmt.Errorf("rdp: send connection request: %w", err)
	}
	b, err := service.ReadAtMost(c, maxTPKT, service.Deadline(ctx), func(b []byte) bool {
		n := tpktLen(b)
		return n < 0 || n > 0 && len(b) >= n
	})
	stop()
	if err != nil {
		return service.Match{}, fmt.Errorf("rdp: read connection confirm: %w", err)
	}
	if n := tpktLen(b); n == 0 || n > len(b) {
		return service.Match{}, errors.New("rdp: connection confirm cut short")
	}
	cc, err := ParseConfirm(b)
	if err != nil {
		return service.Match{}, err
	}
	m := Describe(cc)
	if cc.Negotiated && !cc.Failure && overTLS(cc.Protocol) {
		addTLS(ctx, c, &m)
	}
	return m, nil
}

// overTLS reports whether the protocol starts with a TLS handshake.
func overTLS(p uint32) bool {
	return p == protocolSSL || p == protocolHybrid || p == protocolHybridEx
}

// addTLS runs the TLS handshake and adds what it revealed: the
// certificate, and on Windows the computer name it carries.
func addTLS(ctx context.Context, c net.Conn, m *service.Match) {
	_, info, err := tls.Client(ctx, c, "")
	if err != nil && !info.Detected {
		return
	}
	m.Details = append(m.Details, info.Details()...)
	if m.Service.Product != microsoft || len(info.Certificates) == 0 {
		return
	}
	if cn := info.Certificates[0].Subject.CommonName; hostname.MatchString(cn) {
		m.Service.Hostname = cn
	}
}

var hostname = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]{0,62}(\.[A-Za-z0-9][A-Za-z0-9-]{0,62})*$`)

const microsoft = "Microsoft Terminal Services"

// Describe reports what the confirm tells.
//
// Windows and xrdp both send source reference 0x1234. xrdp's flags are
// fixed at "extended client data" alone, and it has no CredSSP, so it
// picks TLS or standard RDP security; Windows offers more flags since
// Windows 8, and picks CredSSP when offered it unless configured for
// the TLS layer alone, which then looks like xrdp. Windows before Vista,
// which knows no negotiation, answers with 0x1234 and no negotiation
// data; xrdp before 0.9 with references of 0. Other servers (FreeRDP's,
// GNOME's) are left unnamed.
func Describe(cc Confirm) service.Match {
	s := result.Service{Name: "ms-wbt-server"}
	switch {
	case cc.SrcRef == 0x1234 && cc.Negotiated && !cc.Failure && cc.Flags == 0x01 &&
		(cc.Protocol == protocolRDP || cc.Protocol == protocolSSL):
		s.Product = "xrdp"
		s.CPE = []string{"cpe:2.3:a:neutrinolabs:xrdp:*:*:*:*:*:*:*:*"}
	case cc.SrcRef == 0x1234:
		s.Product, s.OSType = microsoft, "Windows"
		s.CPE = []string{"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}
	case cc.SrcRef == 0 && !cc.Negotiated:
		s.Product = "xrdp"
		s.CPE = []string{"cpe:2.3:a:neutrinolabs:xrdp:*:*:*:*:*:*:*:*"}
	}
	m := service.Match{Service: s}
	add := func(k, v string) { m.Details = append(m.Details, service.Detail{Key: k, Value: v}) }
	switch {
	case !cc.Negotiated:
		add("security protocol", ProtocolName(protocolRDP)+" (no negotiation)")
	case cc.Failure:
		add("negotiation failure", FailureName(cc.Code))
	default:
		add("security protocol", ProtocolName(cc.Protocol))
		if f := FlagNames(cc.Flags); f != "" {
			add("server flags", f)
		}
	}
	if !cc.Failure && (!cc.Negotiated || cc.Protocol == protocolRDP) {
		// RDP's own encryption is weak and authenticates no server:
		// offered TLS and CredSSP, the server turned both down.
		add("tls", "not offered")
	}
	if cc.Negotiated && !cc.Failure && cc.Protocol != protocolHybrid && cc.Protocol != protocolHybridEx {
		add("nla", "not used")
	}
	return m
}
