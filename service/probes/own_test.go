package probes

import (
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/picket-scanner/picket/result"
)

// TestOwn checks picket's embedded signatures: they load without a
// problem, every pattern compiles, and every probe has patterns.
func TestOwn(t *testing.T) {
	db := ownDB(t)
	st := db.Stats()
	t.Logf("%s: %+v", db.Source(), st)
	if st.Matches+st.SoftMatches < 150 {
		t.Errorf("only %d signatures", st.Matches+st.SoftMatches)
	}
	for _, err := range db.CompileAll() {
		t.Error(err)
	}
	for _, p := range db.probes {
		if len(p.matches) == 0 {
			t.Errorf("probe %s has no patterns", p)
		}
		if p.Proto == result.UDP && len(p.Payload) == 0 {
			t.Errorf("UDP probe %s sends nothing", p)
		}
	}
	null := db.Null()
	if null == nil || null.Name != "null" || null.TotalWait != 5*time.Second || null.TCPWrapped != 3*time.Second {
		t.Errorf("null probe %+v", null)
	}
	if !db.Excluded(result.TCP, 9100) || db.Excluded(result.TCP, 80) {
		t.Error("printer ports not excluded")
	}
	get := db.Lookup(result.TCP, "http-get")
	if get == nil || !get.OnPort(8080, false) || !get.OnPort(443, true) || get.OnPort(443, false) {
		t.Errorf("http-get %+v", get)
	}
	// Without a soft match, a web port tries null, then http-get.
	if got := names(db.Probes(80, result.TCP, false, DefaultIntensity)); len(got) < 3 || got[0] != "null" || got[1] != "http-get" {
		t.Errorf("Probes(80) = %v", got)
	}
}

// TestOwnPayloads checks the binary probes' length fields, written by
// hand in the signature files.
func TestOwnPayloads(t *testing.T) {
	db := ownDB(t)
	payload := func(proto result.Protocol, name string) []byte {
		t.Helper()
		p := db.Lookup(proto, name)
		if p == nil {
			t.Fatalf("no probe %s", name)
		}
		return p.Payload
	}
	t.Run("tls-hello", func(t *testing.T) {
		b := payload(result.TCP, "tls-hello")
		if b[0] != 0x16 || int(binary.BigEndian.Uint16(b[3:5])) != len(b)-5 {
			t.Fatalf("record length %d for %d bytes", binary.BigEndian.Uint16(b[3:5]), len(b)-5)
		}
		hs := b[5:]
		if hs[0] != 1 || int(hs[1])<<16|int(hs[2])<<8|int(hs[3]) != len(hs)-4 {
			t.Fatal("handshake length")
		}
		body := hs[4:]
		i := 2 + 32
		i += 1 + int(body[i])                           // session id
		i += 2 + int(binary.BigEndian.Uint16(body[i:])) // cipher suites
		i += 1 + int(body[i])                           // compression
		if ext := int(binary.BigEndian.Uint16(body[i:])); i+2+ext != len(body) {
			t.Fatalf("extensions end at %d of %d", i+2+ext, len(body))
		}
	})
	t.Run("dns-version", func(t *testing.T) {
		tcp, udp := payload(result.TCP, "dns-version"), payload(result.UDP, "dns-version")
		if int(binary.BigEndian.Uint16(tcp)) != len(tcp)-2 || string(tcp[2:]) != string(udp) {
			t.Fatal("the TCP query is not the UDP one with its length")
		}
	})
	t.Run("snmp-sysdescr", func(t *testing.T) {
		b := payload(result.UDP, "snmp-sysdescr")
		if b[0] != 0x30 || int(b[1]) != len(b)-2 {
			t.Fatal("message length")
		}
	})
	t.Run("mqtt-connect", func(t *testing.T) {
		b := payload(result.TCP, "mqtt-connect")
		if b[0] != 0x10 || int(b[1]) >= len(b)-2 {
			t.Fatal("CONNECT remaining length")
		}
		sub := b[2+int(b[1]):]
		if sub[0] != 0x82 || int(sub[1]) != len(sub)-2 || int(binary.BigEndian.Uint16(sub[4:])) != len(sub)-7 {
			t.Fatal("SUBSCRIBE remaining length or topic length")
		}
	})
	t.Run("ldap-rootdse", func(t *testing.T) {
		b := payload(result.TCP, "ldap-rootdse")
		if b[0] != 0x30 || int(b[1]) != len(b)-2 || b[5] != 0x63 || int(b[6]) != len(b)-7 {
			t.Fatal("LDAPMessage or SearchRequest length")
		}
	})
	t.Run("smb-negotiate", func(t *testing.T) {
		b := payload(result.TCP, "smb-negotiate")
		if int(binary.BigEndian.Uint32(b)) != len(b)-4 || int(binary.LittleEndian.Uint16(b[4+33:])) != len(b)-4-35 {
			t.Fatal("NetBIOS or byte count length")
		}
	})
	t.Run("rdp-negotiate", func(t *testing.T) {
		b := payload(result.TCP, "rdp-negotiate")
		if int(binary.BigEndian.Uint16(b[2:])) != len(b) || int(b[4]) != len(b)-5 {
			t.Fatal("TPKT or X.224 length")
		}
	})
	t.Run("pg-startup", func(t *testing.T) {
		b := payload(result.TCP, "pg-startup")
		if int(binary.BigEndian.Uint32(b)) != len(b) {
			t.Fatal("message length")
		}
	})
}

// TestOwnBanners matches replies of the forms well-known servers send
// (written from their documentation and source) against picket's
// signatures, one or more per family.
func TestOwnBanners(t *testing.T) {
	db := ownDB(t)
	tests := []struct {
		name, probe, reply string
		want               want
	}{
		// SSH
		{"OpenSSH Ubuntu", "null", "SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.6\r\n",
			want{name: "ssh", product: "OpenSSH", version: "8.9p1 Ubuntu 3ubuntu0.6", os: "Linux", cpe: "cpe:2.3:a:openbsd:openssh:8.9p1:*:*:*:*:*:*:*"}},
		{"OpenSSH FreeBSD", "null", "SSH-2.0-OpenSSH_9.3 FreeBSD-20230719\r\n",
			want{name: "ssh", product: "OpenSSH", version: "9.3", info: "FreeBSD 20230719; protocol 2.0", os: "FreeBSD"}},
		{"OpenSSH for Windows", "null", "SSH-2.0-OpenSSH_for_Windows_8.1\r\n",
			want{name: "ssh", product: "OpenSSH", version: "for_Windows_8.1", os: "Windows", cpe: "cpe:2.3:a:openbsd:openssh:8.1:*:*:*:*:*:*:*"}},
		{"OpenSSH plain", "null", "SSH-2.0-OpenSSH_9.6\r\n", want{name: "ssh", product: "OpenSSH", version: "9.6", info: "protocol 2.0"}},
		{"Dropbear", "null", "SSH-2.0-dropbear_2022.83\r\n", want{name: "ssh", product: "Dropbear sshd", version: "2022.83", os: "Linux"}},
		// Captured from Debian 12's servers in the lab (internal/lab).
		{"slapd root DSE", "ldap-rootdse", "00\x02\x01\x01d+\x04\x000'0%\x04\x0bobjectClass1\x16\x04\x03top\x04\x0fOpenLDAProotDSE0\x0c\x02\x01\x01e\x07\n\x01\x00\x04\x00\x04\x00",
			want{name: "ldap", product: "OpenLDAP", noVersion: true, cpe: "cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*"}},
		{"LDAP refusal", "ldap-rootdse", "0\x0c\x02\x01\x01e\x07\n\x012\x04\x00\x04\x00", want{name: "ldap", soft: true}},
		{"Samba SMB2", "smb-negotiate", "\x00\x00\x00\xca\xfe\x53\x4d\x42\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x41\x00\x01\x00\xff\x02\x00\x00\x6c\x61\x62\x73\x6d\x62\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x07\x00\x00\x00\x00\x00\x80\x00\x00\x00\x80\x00\x00\x00\x80\x00\xc4\x16\xb5\x90\xe5\x7e\xdd\x01\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x4a\x00\x00\x00\x00\x00\x60\x48\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x3e\x30\x3c\xa0\x0e\x30\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a\xa3\x2a\x30\x28\xa0\x26\x1b\x24\x6e\x6f\x74\x5f\x64\x65\x66\x69\x6e\x65\x64\x5f\x69\x6e\x5f\x52\x46\x43\x34\x31\x37\x38\x40\x70\x6c\x65\x61\x73\x65\x5f\x69\x67\x6e\x6f\x72\x65",
			want{name: "microsoft-ds", product: "Samba smbd", noVersion: true}},
		{"SMB2 random GUID", "smb-negotiate", "\x00\x00\x00\xca\xfe\x53\x4d\x42\x40\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x41\x00\x01\x00\xff\x02\x00\x00\x8f\x13\xa2\x04\xd2\xc9\x4b\x1e\x9a\x0e\x55\xc3\xb7\xe1\xf0\xaa\x07\x00\x00\x00\x00\x00\x80\x00\x00\x00\x80\x00\x00\x00\x80\x00\xc4\x16\xb5\x90\xe5\x7e\xdd\x01\x00\x00\x00\x00\x00\x00\x00\x00\x80\x00\x4a\x00\x00\x00\x00\x00\x60\x48\x06\x06\x2b\x06\x01\x05\x05\x02\xa0\x3e\x30\x3c\xa0\x0e\x30\x0c\x06\x0a\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a\xa3\x2a\x30\x28\xa0\x26\x1b\x24\x6e\x6f\x74\x5f\x64\x65\x66\x69\x6e\x65\x64\x5f\x69\x6e\x5f\x52\x46\x43\x34\x31\x37\x38\x40\x70\x6c\x65\x61\x73\x65\x5f\x69\x67\x6e\x6f\x72\x65",
			want{name: "microsoft-ds", soft: true}},
		{"Mosquitto", "mqtt-connect", " \x02\x00\x00\x90\x03\x00\x01\x001-\x00\x13$SYS/broker/versionmosquitto version 2.0.11",
			want{name: "mqtt", product: "Eclipse Mosquitto", version: "2.0.11", cpe: "cpe:2.3:a:eclipse:mosquitto:2.0.11:*:*:*:*:*:*:*"}},
		{"inetutils telnetd", "null", "\xff\xfb%\xff\xfb&\xff\xfd\x18\xff\xfd \xff\xfd#\xff\xfd'\xff\xfd$",
			want{name: "telnet", product: "GNU inetutils telnetd", noVersion: true}},
		{"TigerVNC", "null", "RFB 003.008\n", want{name: "vnc", product: "VNC", info: "protocol 3.8", noVersion: true}},
		{"libssh", "null", "SSH-2.0-libssh_0.10.6\r\n", want{name: "ssh", product: "libssh", version: "0.10.6"}},
		{"Cisco", "null", "SSH-2.0-Cisco-1.25\r\n", want{name: "ssh", product: "Cisco SSH", version: "1.25", os: "IOS"}},
		{"MikroTik", "null", "SSH-2.0-ROSSSH\r\n", want{name: "ssh", product: "MikroTik RouterOS sshd", device: "router"}},
		{"Go", "null", "SSH-2.0-Go\r\n", want{name: "ssh", product: "Golang x/crypto/ssh server"}},
		{"paramiko", "null", "SSH-2.0-paramiko_3.4.0\r\n", want{name: "ssh", product: "Paramiko Python sshd", version: "3.4.0"}},
		{"Apache MINA", "null", "SSH-2.0-APACHE-SSHD-2.12.0\r\n", want{name: "ssh", product: "Apache Mina sshd", version: "2.12.0"}},
		{"unknown SSH", "null", "SSH-2.0-SomethingElse_1.0\r\n", want{name: "ssh", info: "protocol 2.0", soft: true}},
		// FTP
		{"ProFTPD Debian", "null", "220 ProFTPD 1.3.8 Server (Debian) [::ffff:192.0.2.1]\r\n",
			want{name: "ftp", product: "ProFTPD", version: "1.3.8", os: "Linux", cpe: "cpe:2.3:a:proftpd:proftpd:1.3.8:*:*:*:*:*:*:*"}},
		{"ProFTPD hidden version", "null", "220 ProFTPD Server (ProFTPD Default Installation) [192.0.2.1]\r\n",
			want{name: "ftp", product: "ProFTPD", info: "ProFTPD Default Installation", noVersion: true}},
		{"Pure-FTPd", "null", "220---------- Welcome to Pure-FTPd [privsep] [TLS] ----------\r\n220-You are user number 1 of 50 allowed.\r\n",
			want{name: "ftp", product: "Pure-FTPd"}},
		{"FileZilla Server 1.x", "null", "220-FileZilla Server 1.8.0\r\n220 Please visit https://filezilla-project.org/\r\n",
			want{name: "ftp", product: "FileZilla ftpd", version: "1.8.0", os: "Windows"}},
		{"FileZilla Server 0.9", "null", "220-FileZilla Server version 0.9.60 beta\r\n", want{name: "ftp", product: "FileZilla ftpd", version: "0.9.60"}},
		{"Microsoft FTP", "null", "220 Microsoft FTP Service\r\n", want{name: "ftp", product: "Microsoft ftpd", os: "Windows"}},
		{"GNU inetutils", "null", "220 host.example FTP server (GNU inetutils 2.4) ready.\r\n",
			want{name: "ftp", product: "GNU Inetutils FTPd", version: "2.4", host: "host.example"}},
		{"MikroTik FTP", "null", "220 gw FTP server (MikroTik 6.49.7) ready\r\n", want{name: "ftp", product: "MikroTik router ftpd", version: "6.49.7", os: "RouterOS"}},
		{"unknown FTP", "null", "220 Welcome to the FTP archive\r\n", want{name: "ftp", soft: true}},
		// SMTP
		{"Exim", "null", "220 mx.example.org ESMTP Exim 4.96 Thu, 01 Feb 2024 10:00:00 +0000\r\n",
			want{name: "smtp", product: "Exim smtpd", version: "4.96", host: "mx.example.org", cpe: "cpe:2.3:a:exim:exim:4.96:*:*:*:*:*:*:*"}},
		{"Exim Ubuntu", "null", "220 mx ESMTP Exim 4.95 Ubuntu Thu, 01 Feb 2024 10:00:00 +0000\r\n", want{name: "smtp", product: "Exim smtpd", version: "4.95", os: "Linux"}},
		{"Sendmail", "null", "220 mail.example.com ESMTP Sendmail 8.15.2/8.15.2; Thu, 1 Feb 2024 10:00:00 GMT\r\n",
			want{name: "smtp", product: "Sendmail", version: "8.15.2", host: "mail.example.com"}},
		{"Exchange", "null", "220 EX01.corp.example Microsoft ESMTP MAIL Service ready at Thu, 1 Feb 2024 10:00:00 +0000\r\n",
			want{name: "smtp", product: "Microsoft Exchange smtpd", os: "Windows", host: "EX01.corp.example"}},
		{"OpenSMTPD", "null", "220 mail.example.net ESMTP OpenSMTPD\r\n", want{name: "smtp", product: "OpenSMTPD"}},
		{"Postfix elsewhere", "null", "220 mx1.example ESMTP Postfix\r\n", want{name: "smtp", product: "Postfix smtpd", noVersion: true}},
		{"unknown SMTP", "null", "220 mx.example ESMTP ready\r\n", want{name: "smtp", soft: true}},
		// POP3 and IMAP
		{"Cyrus POP3", "null", "+OK mail.example Cyrus POP3 v2.4.17 server ready <1@mail.example>\r\n", want{name: "pop3", product: "Cyrus pop3d", version: "2.4.17"}},
		{"Exchange POP3", "null", "+OK The Microsoft Exchange POP3 service is ready.\r\n", want{name: "pop3", product: "Microsoft Exchange pop3d"}},
		{"Courier POP3", "null", "+OK Hello there.\r\n", want{name: "pop3", product: "Courier pop3d"}},
		{"unknown POP3", "null", "+OK POP3 ready\r\n", want{name: "pop3", soft: true}},
		{"Courier IMAP", "null", "* OK [CAPABILITY IMAP4rev1 UIDPLUS CHILDREN NAMESPACE] Courier-IMAP ready. Copyright 1998-2018 Double Precision, Inc.\r\n",
			want{name: "imap", product: "Courier Imapd"}},
		{"Cyrus IMAP", "null", "* OK [CAPABILITY IMAP4rev1 LITERAL+ ID ENABLE] imap.example Cyrus IMAP 3.6.1 server ready\r\n",
			want{name: "imap", product: "Cyrus imapd", version: "3.6.1", host: "imap.example"}},
		{"Exchange IMAP", "null", "* OK The Microsoft Exchange IMAP4 service is ready.\r\n", want{name: "imap", product: "Microsoft Exchange imapd"}},
		{"IMAP by its capabilities", "null", "* OK [CAPABILITY IMAP4rev1 STARTTLS] Welcome\r\n", want{name: "imap"}},
		// Databases and others speaking first
		{"MySQL", "null", "J\x00\x00\x00\x0a8.0.36\x00\x08\x00\x00\x00abcdefgh\x00", want{name: "mysql", product: "MySQL", version: "8.0.36", cpe: "cpe:2.3:a:oracle:mysql:8.0.36:*:*:*:*:*:*:*"}},
		{"MySQL Ubuntu", "null", "J\x00\x00\x00\x0a8.0.36-0ubuntu0.22.04.1\x00\x08\x00", want{name: "mysql", product: "MySQL", version: "8.0.36", info: "0ubuntu0.22.04.1", os: "Linux"}},
		{"MariaDB refusing the host", "null", "F\x00\x00\x00\xff\x6a\x04Host '198.18.0.1' is not allowed to connect to this MariaDB server",
			want{name: "mysql", product: "MariaDB", info: "unauthorized"}},
		{"NATS", "null", "INFO {\"server_id\":\"NABC\",\"server_name\":\"n1\",\"version\":\"2.10.7\",\"proto\":1}\r\n", want{name: "nats", product: "NATS server", version: "2.10.7"}},
		{"VNC", "null", "RFB 003.008\n", want{name: "vnc", info: "protocol 3.8"}},
		{"Apple Remote Desktop", "null", "RFB 003.889\n", want{name: "vnc", product: "Apple remote desktop vnc", os: "Mac OS X"}},
		{"rsync", "null", "@RSYNCD: 31.0 sha512 sha256 sha1 md5 md4\n", want{name: "rsync", info: "protocol version 31"}},
		{"Debian telnetd", "null", "\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27\r\nDebian GNU/Linux 12\r\n", want{name: "telnet", product: "Linux telnetd", info: "Debian 12", os: "Linux"}},
		{"Cisco telnet", "null", "\xff\xfb\x01\xff\xfb\x03\xff\xfd\x18\xff\xfd\x1f\r\n\r\nUser Access Verification\r\n\r\nUsername: ", want{name: "telnet", product: "Cisco router telnetd"}},
		{"INN", "null", "200 news.example InterNetNews server INN 2.7.1 ready (transit mode)\r\n", want{name: "nntp", product: "INN", version: "2.7.1"}},
		{"Subversion", "null", "( success ( 2 2 ( ) ( edit-pipeline svndiff1 accepts-svndiff2 absent-entries depth mergeinfo log-revprops ) ) )\n", want{name: "svn", product: "Subversion"}},
		{"Asterisk", "null", "Asterisk Call Manager/7.0.3\r\n", want{name: "asterisk", product: "Asterisk Call Manager", version: "7.0.3"}},
		// HTTP
		{"nginx Ubuntu", "http-get", "HTTP/1.1 404 Not Found\r\nServer: nginx/1.18.0 (Ubuntu)\r\nDate: x\r\n\r\n", want{name: "http", product: "nginx", version: "1.18.0", os: "Linux"}},
		{"nginx hiding its version", "http-get", "HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n", want{name: "http", product: "nginx", noVersion: true}},
		{"Apache Debian", "http-get", "HTTP/1.1 200 OK\r\nDate: Thu, 01 Feb 2024 10:00:00 GMT\r\nServer: Apache/2.4.62 (Debian)\r\nLast-Modified: x\r\n\r\n<html>",
			want{name: "http", product: "Apache httpd", version: "2.4.62", info: "(Debian)", os: "Linux", cpe: "cpe:2.3:a:apache:http_server:2.4.62:*:*:*:*:*:*:*"}},
		{"Apache Win64", "http-get", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.58 (Win64) OpenSSL/3.1.3 PHP/8.2.12\r\n\r\n", want{name: "http", product: "Apache httpd", version: "2.4.58", os: "Windows"}},
		{"Apache Unix", "http-get", "HTTP/1.1 200 OK\r\nServer: Apache/2.4.57 (Unix)\r\n\r\n", want{name: "http", product: "Apache httpd", version: "2.4.57", info: "(Unix)"}},
		{"Apache terse", "http-get", "HTTP/1.0 403 Forbidden\r\nServer: Apache\r\n\r\n", want{name: "http", product: "Apache httpd", noVersion: true}},
		{"lower-case header name", "http-get", "HTTP/1.1 200 OK\r\nserver: lighttpd/1.4.69\r\n\r\n", want{name: "http", product: "lighttpd", version: "1.4.69"}},
		{"IIS", "http-get", "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\n\r\n",
			want{name: "http", product: "Microsoft IIS httpd", version: "10.0", os: "Windows"}},
		{"Server header in the body does not count", "http-get", "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nServer: nginx/1.0\r\n", want{name: "http", soft: true}},
		{"Python", "http-get", "HTTP/1.0 200 OK\r\nServer: SimpleHTTP/0.6 Python/3.11.2\r\n\r\n", want{name: "http", product: "SimpleHTTPServer", version: "0.6", info: "Python 3.11.2"}},
		{"Werkzeug", "http-get", "HTTP/1.1 404 NOT FOUND\r\nServer: Werkzeug/2.2.2 Python/3.11.2\r\n\r\n", want{name: "http", product: "Werkzeug httpd", version: "2.2.2"}},
		{"Jetty", "http-get", "HTTP/1.1 200 OK\r\nServer: Jetty(9.4.53.v20231009)\r\n\r\n", want{name: "http", product: "Jetty", version: "9.4.53.v20231009"}},
		{"Squid", "http-get", "HTTP/1.1 400 Bad Request\r\nServer: squid/5.7\r\nMime-Version: 1.0\r\n\r\n", want{name: "http-proxy", product: "Squid http proxy", version: "5.7"}},
		{"CUPS", "http-get", "HTTP/1.1 200 OK\r\nServer: CUPS/2.4 IPP/2.1\r\n\r\n", want{name: "ipp", product: "CUPS", version: "2.4", info: "IPP 2.1"}},
		{"Elasticsearch", "http-get", "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{\n  \"name\" : \"n1\",\n  \"version\" : {\n    \"number\" : \"7.17.18\"\n  },\n  \"tagline\" : \"You Know, for Search\"\n}\n",
			want{name: "http", product: "Elasticsearch REST API", version: "7.17.18", cpe: "cpe:2.3:a:elastic:elasticsearch:7.17.18:*:*:*:*:*:*:*"}},
		{"Jenkins", "http-get", "HTTP/1.1 403 Forbidden\r\nX-Jenkins: 2.426.3\r\n\r\n", want{name: "http", product: "Jenkins", version: "2.426.3"}},
		{"Redis answering GET", "http-get", "-ERR wrong number of arguments for 'get' command\r\n", want{name: "redis", product: "Redis key-value store"}},
		{"unknown HTTP", "http-get", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", want{name: "http", soft: true}},
		{"SSH answering GET", "http-get", "SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10\r\nInvalid SSH identification string.\r\n", want{name: "ssh", product: "OpenSSH"}},
		// Probes of their own
		{"TLS alert", "tls-hello", "\x15\x03\x03\x00\x02\x02\x28", want{name: "ssl", tls: true, info: "TLS alert"}},
		{"Redis protected", "redis-info", "-DENIED Redis is running in protected mode because protected mode is enabled\r\n", want{name: "redis", info: "protected mode"}},
		{"Redis with a password", "redis-info", "-NOAUTH Authentication required.\r\n", want{name: "redis", info: "authentication required"}},
		{"Memcached", "memcached-version", "VERSION 1.6.18\r\n", want{name: "memcached", product: "Memcached", version: "1.6.18"}},
		{"RabbitMQ", "amqp-header", "\x01\x00\x00\x00\x00\x01\x00\x00\x0a\x00\x0a\x00\x09\x00\x00\x00\x00\x00\x0c\x0ccapabilitiesF\x00\x00\x00\x00\x07productS\x00\x00\x00\x08RabbitMQ\x07versionS\x00\x00\x00\x0612.1.1\xce",
			want{name: "amqp", product: "RabbitMQ", version: "12.1.1"}},
		{"AMQP 1.0 broker", "amqp-header", "AMQP\x03\x01\x00\x00", want{name: "amqp", info: "AMQP 1.0"}},
		{"MQTT", "mqtt-connect", "\x20\x02\x00\x00", want{name: "mqtt", info: "connection accepted"}},
		{"ZooKeeper", "zk-srvr", "Zookeeper version: 3.8.3-6ad6d364c7c0bcf0de452d54ebefa3058098ab56, built on 2023-10-05 10:34 UTC\nLatency min/avg/max: 0/0.0/0\n",
			want{name: "zookeeper", product: "Zookeeper", version: "3.8.3"}},
		{"AJP", "ajp-cping", "AB\x00\x01\x09", want{name: "ajp13", product: "Apache Jserv"}},
		{"RDP", "rdp-negotiate", "\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x1f\x08\x00\x02\x00\x00\x00", want{name: "ms-wbt-server", info: "negotiation accepted"}},
		{"ClamAV", "clamd-version", "ClamAV 1.0.5/27186/Thu Feb  1 09:00:00 2024\x00", want{name: "clamav", product: "ClamAV", version: "1.0.5"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMatch(t, db, db.Lookup(result.TCP, tt.probe), []byte(tt.reply), tt.want)
		})
	}
}

func TestOwnUDP(t *testing.T) {
	db := ownDB(t)
	ntp := "\x24\x02\x03\xe8" + strings.Repeat("\x00", 44)
	tests := []struct {
		name, probe, reply string
		want               want
	}{
		{"NTP v4", "ntp-client", ntp, want{name: "ntp", info: "NTP v4"}},
		{"ntpd version", "ntp-readvar", "\x16\x82\x00\x01\x06\x15\x00\x00\x00\x00\x00\x40version=\"ntpd 4.2.8p15@1.3728-o Wed Sep 23 11:46:38 UTC 2020 (1)\", processor=\"x86_64\"",
			want{name: "ntp", product: "NTP", version: "4.2.8p15"}},
		{"NTPsec", "ntp-readvar", "\x16\x82\x00\x01\x06\x15\x00\x00\x00\x00\x00\x40version=\"ntpd ntpsec-1.2.2 2023-01-01T00:00:00Z\"", want{name: "ntp", product: "NTPsec", version: "1.2.2"}},
		{"SNMP Linux", "snmp-sysdescr", snmpReply("Linux gw 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"),
			want{name: "snmp", product: "SNMPv1 server", os: "Linux", info: "Linux gw 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1 (2024-02-01) x86_64"}},
		{"SNMP long sysDescr", "snmp-sysdescr", snmpReply("Cisco IOS Software, C2960 Software (C2960-LANBASEK9-M), Version 15.0(2)SE11, RELEASE SOFTWARE (fc3)" + strings.Repeat(" ", 60)),
			want{name: "snmp", os: "IOS"}},
		{"MiniUPnP", "ssdp-search", "HTTP/1.1 200 OK\r\nCACHE-CONTROL: max-age=120\r\nST: upnp:rootdevice\r\nSERVER: OpenWRT/OpenWrt UPnP/1.1 MiniUPnPd/2.3.3\r\n\r\n",
			want{name: "upnp", product: "MiniUPnP", version: "2.3.3", info: "OpenWRT/OpenWrt; UPnP 1.1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkMatch(t, db, db.Lookup(result.UDP, tt.probe), []byte(tt.reply), tt.want)
		})
	}
}

// snmpReply builds an SNMPv1 GetResponse to the snmp-sysdescr probe.
func snmpReply(descr string) string {
	ber := func(tag byte, content string) string {
		n := len(content)
		switch {
		case n < 0x80:
			return string([]byte{tag, byte(n)}) + content
		case n < 0x100:
			return string([]byte{tag, 0x81, byte(n)}) + content
		}
		return string([]byte{tag, 0x82, byte(n >> 8), byte(n)}) + content
	}
	oid := "\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00"
	vb := ber(0x30, ber(0x30, oid+ber(0x04, descr)))
	pdu := ber(0xa2, "\x02\x01\x2a\x02\x01\x00\x02\x01\x00"+vb)
	return ber(0x30, "\x02\x01\x00"+ber(0x04, "public")+pdu)
}

func TestParseOwnLines(t *testing.T) {
	tests := []struct {
		name, text, warn string
		line             int
	}{
		{"minimal", "probe tcp a\nmatch x ^y\n  product P\n", "", 0},
		{"unknown keyword", "frob 1\n", `unknown keyword "frob"`, 1},
		{"setting outside a probe", "rarity 3\n", "outside a probe", 1},
		{"setting after patterns", "probe tcp a\nmatch x ^y\nrarity 3\n", "settings first", 3},
		{"setting twice", "probe tcp a\nrarity 3\nrarity 4\n", "twice", 3},
		{"setting twice across a reopening", "probe tcp a\nrarity 3\nprobe tcp a\nrarity 4\n", "twice", 4},
		{"bad protocol", "probe sctp a\n", "tcp or udp", 1},
		{"probe name with blanks", "probe tcp a b\n", "a protocol and a name", 1},
		{"send unquoted", "probe tcp a\nsend GET\n", "quoted", 2},
		{"send with trailing text", "probe tcp a\nsend \"x\" y\n", "unexpected", 2},
		{"bad duration", "probe tcp a\nwait 5\n", "duration", 2},
		{"negative duration", "probe tcp a\nwait -5s\n", "duration", 2},
		{"match outside a probe", "match x ^y\n", "before any probe", 1},
		{"match without pattern", "probe tcp a\nmatch x\n", "service name and a pattern", 2},
		{"field outside a match", "probe tcp a\nproduct P\n", "outside a match", 2},
		{"field twice", "probe tcp a\nmatch x ^y\nproduct P\nproduct Q\n", "twice", 4},
		{"bad helper", "probe tcp a\nmatch x ^y\nversion $I(1)\n", "version", 3},
		{"bad cpe", "probe tcp a\nmatch x ^y\ncpe cpe:/a:x:y\n", "cpe:2.3:", 3},
		{"cpe outside a match", "probe tcp a\ncpe cpe:2.3:a:x:y\n", "outside a match", 2},
		{"define and use", "define d ab+\nprobe tcp a\nmatch x ^%{d}c\n", "", 0},
		{"undefined fragment", "probe tcp a\nmatch x ^%{nope}\n", "not defined", 2},
		{"unterminated fragment", "probe tcp a\nmatch x ^%{nope\n", "without its }", 2},
		{"define twice", "define d a\ndefine d b\n", "twice", 2},
		{"bad define", "define d\n", "define wants", 1},
		{"unknown fallback", "probe tcp a\nfallback b\n", `no probe "b"`, 1},
		{"comments and indentation", "# c\n   # c\n\nprobe tcp a\n    send \"x\"\n", "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db, warnings, err := ParseOwn(strings.NewReader(tt.text), "t")
			if err != nil || db == nil {
				t.Fatalf("ParseOwn: %v", err)
			}
			if tt.warn == "" {
				if len(warnings) > 0 {
					t.Fatalf("warnings %v", warnings)
				}
				return
			}
			if len(warnings) != 1 {
				t.Fatalf("warnings %v, want one with %q", warnings, tt.warn)
			}
			var le *LineError
			if !errors.As(warnings[0], &le) || le.Line != tt.line || !strings.Contains(le.Msg, tt.warn) {
				t.Errorf("warning %v, want line %d with %q", warnings[0], tt.line, tt.warn)
			}
		})
	}
}

// TestParseFS: files load in name order as one database; a later file
// reopens a probe of an earlier one, and problems name their file.
func TestParseFS(t *testing.T) {
	fsys := fstest.MapFS{
		"sig/a.sig":     {Data: []byte("define ver [\\d.]+\nprobe tcp banner\nmatch x ^X (%{ver})\n  version $1\n")},
		"sig/b.sig":     {Data: []byte("probe tcp banner\nmatch y ^Y\nbogus\n")},
		"sig/notes.txt": {Data: []byte("not a signature file")},
	}
	db, err := parseFS(fsys, "sig", "test signatures")
	var le *LineError
	if !errors.As(err, &le) || le.Source != "b.sig" || le.Line != 3 {
		t.Fatalf("error %v, want b.sig line 3", err)
	}
	if st := db.Stats(); st.Probes != 1 || st.Matches != 2 {
		t.Errorf("Stats %+v", st)
	}
	if m, _, ok := db.Match(db.Null(), []byte("X 1.2")); !ok || m.Service.Version != "1.2" {
		t.Errorf("match %+v %v", m.Service, ok)
	}
	if _, err := parseFS(fsys, "missing", "x"); err == nil {
		t.Error("a missing directory loaded")
	}
}
