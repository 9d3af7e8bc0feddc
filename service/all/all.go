// Package all is the one ordered list of picket's protocol handshakes, and
// the glue that puts them and TLS into a service.Detector. Adding a
// handshake is adding it here; the engine never names protocols.
package all

import (
	"context"
	"net"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/dns"
	"github.com/picket-scanner/picket/service/ftp"
	"github.com/picket-scanner/picket/service/http"
	"github.com/picket-scanner/picket/service/httpproxy"
	"github.com/picket-scanner/picket/service/imap"
	"github.com/picket-scanner/picket/service/ldap"
	"github.com/picket-scanner/picket/service/memcached"
	"github.com/picket-scanner/picket/service/mongodb"
	"github.com/picket-scanner/picket/service/mqtt"
	"github.com/picket-scanner/picket/service/mysql"
	"github.com/picket-scanner/picket/service/pop3"
	"github.com/picket-scanner/picket/service/postgresql"
	"github.com/picket-scanner/picket/service/rdp"
	"github.com/picket-scanner/picket/service/redis"
	"github.com/picket-scanner/picket/service/rsync"
	"github.com/picket-scanner/picket/service/smb"
	"github.com/picket-scanner/picket/service/smtp"
	"github.com/picket-scanner/picket/service/ssh"
	"github.com/picket-scanner/picket/service/telnet"
	"github.com/picket-scanner/picket/service/tls"
	"github.com/picket-scanner/picket/service/vnc"
)

// Handshakes returns the handshakes in the order they are tried where
// neither the port nor the banner says otherwise: the most common
// services first.
func Handshakes() []service.Handshake {
	return []service.Handshake{
		// Server speaks first.
		ssh.Handshake,
		ftp.Handshake,
		smtp.Handshake,
		pop3.Handshake,
		imap.Handshake,
		mysql.Handshake,
		vnc.Handshake,
		rsync.Handshake,
		// Telnet last: it also claims plain text ending in a login prompt.
		telnet.Handshake,
		// Client speaks first.
		http.Handshake,
		redis.Handshake,
		postgresql.Handshake,
		memcached.Handshake,
		mongodb.Handshake,
		rdp.Handshake,
		mqtt.Handshake,
		dns.Handshake,
		httpproxy.Handshake,
		smb.Handshake,
		ldap.Handshake,
	}
}

// TLSPorts are the ports where TLS is tried first.
func TLSPorts() []uint16 { return tls.Handshake.Ports }

// TLS wraps a connection in TLS for the detector, offering only HTTP/1.1
// by ALPN: a server that chose HTTP/2 would expect frames the HTTP
// handshake does not speak.
func TLS(ctx context.Context, c net.Conn) (net.Conn, service.Match, error) {
	tc, info, err := tls.Client(ctx, c, "", "http/1.1")
	if err != nil {
		return nil, service.Match{}, err
	}
	return tc, info.Match(), nil
}
