package lab

import (
	"context"
	"crypto/des"
	"os"
)

// More daemons, for the breadth of version detection: a cache, a broker,
// a file server, directory and file sharing, remote desktops and shells,
// more web servers, and proxies. Each runs from its Debian
// package in the foreground, configured as a default install would be
// except where the lab needs it (open to the lab's addresses, paths in the
// run directory, a port of its own when the default is taken).
const (
	DaemonMemcached DaemonKind = "memcached" // memcached, no SASL
	DaemonMosquitto DaemonKind = "mosquitto" // Eclipse Mosquitto MQTT, anonymous
	DaemonRsync     DaemonKind = "rsync"     // rsync --daemon, one public module
	DaemonDropbear  DaemonKind = "dropbear"  // Dropbear SSH on 2222
	DaemonSlapd     DaemonKind = "slapd"     // OpenLDAP slapd, one mdb database
	DaemonSamba     DaemonKind = "samba"     // Samba smbd, standalone, a guest share
	DaemonTigerVNC  DaemonKind = "tigervnc"  // TigerVNC's Xvnc, VNC password
	DaemonTelnetd   DaemonKind = "telnetd"   // GNU inetutils telnetd under inetutils-inetd
	DaemonApache    DaemonKind = "apache2"   // Apache httpd on 8080
	DaemonLighttpd  DaemonKind = "lighttpd"  // lighttpd on 8081
	DaemonSquid     DaemonKind = "squid"     // Squid HTTP proxy
	DaemonTinyproxy DaemonKind = "tinyproxy" // tinyproxy HTTP proxy
)

// moreDaemons are the kinds of this file, in the order AllDaemons lists
// them.
var moreDaemons = []DaemonKind{
	DaemonMemcached, DaemonMosquitto, DaemonRsync, DaemonDropbear, DaemonSlapd,
	DaemonSamba, DaemonTigerVNC, DaemonTelnetd, DaemonApache, DaemonLighttpd,
	DaemonSquid, DaemonTinyproxy,
}

// moreSpec returns the spec of a kind of this file.
func moreSpec(kind DaemonKind) (daemonSpec, bool) {
	switch kind {
	case DaemonMemcached:
		return memcachedSpec, true
	case DaemonMosquitto:
		return mosquittoSpec, true
	case DaemonRsync:
		return rsyncSpec, true
	case DaemonDropbear:
		return dropbearSpec, true
	case DaemonSlapd:
		return slapdSpec, true
	case DaemonSamba:
		return sambaSpec, true
	case DaemonTigerVNC:
		return tigervncSpec, true
	case DaemonTelnetd:
		return telnetdSpec, true
	case DaemonApache:
		return apacheSpec, true
	case DaemonLighttpd:
		return lighttpdSpec, true
	case DaemonSquid:
		return squidSpec, true
	case DaemonTinyproxy:
		return tinyproxySpec, true
	}
	return daemonSpec{}, false
}

// memcached: Debian's memcached.conf (64 MB, 1024 connections) on every
// address instead of 127.0.0.1, UDP off as upstream has it since 1.5.6.
var memcachedSpec = daemonSpec{
	pkg:   "memcached",
	needs: []string{"/usr/bin/memcached"},
	ports: []ServicePort{tcp(11211, "memcache")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		return []string{"/usr/bin/memcached", "-u", "memcache", "-m", "64", "-c", "1024",
			"-p", "11211", "-U", "0", "-P", s.path("memcached.pid")}, nil
	},
}

// mosquitto: Debian's mosquitto.conf with a listener on every address and
// anonymous clients allowed, as a broker on a trusted LAN is often run. It
// drops root for the mosquitto user itself.
var mosquittoSpec = daemonSpec{
	pkg:   "mosquitto",
	needs: []string{"/usr/sbin/mosquitto"},
	ports: []ServicePort{tcp(1883, "mqtt")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.write("mosquitto.conf", mosquittoConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/mosquitto", "-c", s.path("mosquitto.conf")}, nil
	},
}

const mosquittoConfig = `# Debian's mosquitto.conf, a listener for the lab, no persistence files.
persistence false
log_dest stderr
listener 1883
allow_anonymous true
`

// rsync: the daemon with one read-only module, as rsyncd.conf(5)'s
// example, in the foreground.
var rsyncSpec = daemonSpec{
	pkg:   "rsync",
	needs: []string{"/usr/bin/rsync"},
	ports: []ServicePort{tcp(873, "rsync")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("pub"); err != nil {
			return nil, err
		}
		if err := s.write("rsyncd.conf", rsyncConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/bin/rsync", "--daemon", "--no-detach", "--config=" + s.path("rsyncd.conf")}, nil
	},
}

const rsyncConfig = `# One public module, paths in the run directory.
pid file = {{.Dir}}/rsyncd.pid
log file = {{.Dir}}/rsyncd.log
use chroot = no

[pub]
	path = {{.Dir}}/pub
	comment = picket lab files
	read only = yes
`

// dropbear: host keys made as the package's postinst makes them
// (dropbearkey), on 2222 since sshd has 22, in the foreground with its log
// on stderr.
var dropbearSpec = daemonSpec{
	pkg:   "dropbear-bin",
	needs: []string{"/usr/sbin/dropbear", "dropbearkey"},
	ports: []ServicePort{tcp(2222, "EtherNetIP-1")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		argv := []string{"/usr/sbin/dropbear", "-F", "-E", "-p", "2222", "-P", s.path("dropbear.pid")}
		for _, k := range []string{"rsa", "ecdsa", "ed25519"} {
			f := s.path("dropbear_" + k + "_host_key")
			if err := s.runHere(ctx, "dropbearkey", "-t", k, "-f", f); err != nil {
				return nil, err
			}
			argv = append(argv, "-r", f)
		}
		return argv, nil
	},
}

// slapd: an mdb database for the lab's zone with the schemas Debian's
// postinst loads, anonymous reads of the root DSE as by default, and no
// monitor database (Debian enables none). It runs as openldap; -d keeps it
// in the foreground.
var slapdSpec = daemonSpec{
	pkg:   "slapd",
	needs: []string{"/usr/sbin/slapd"},
	ports: []ServicePort{tcp(389, "ldap")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("data"); err != nil {
			return nil, err
		}
		if err := s.chown("openldap", "."); err != nil {
			return nil, err
		}
		if err := s.write("slapd.conf", slapdConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/slapd", "-d", "0", "-h", "ldap:///", "-u", "openldap", "-g", "openldap",
			"-f", s.path("slapd.conf")}, nil
	},
}

// LDAPSuffix is the naming context of the lab's slapd.
const LDAPSuffix = "dc=lab,dc=picket,dc=test"

const slapdConfig = `# Debian's schemas and backend, one database for the lab.
include /etc/ldap/schema/core.schema
include /etc/ldap/schema/cosine.schema
include /etc/ldap/schema/nis.schema
include /etc/ldap/schema/inetorgperson.schema
pidfile {{.Dir}}/slapd.pid
argsfile {{.Dir}}/slapd.args
modulepath /usr/lib/ldap
moduleload back_mdb
database mdb
maxsize 16777216
suffix "` + LDAPSuffix + `"
rootdn "cn=admin,` + LDAPSuffix + `"
rootpw ` + DaemonPassword + `
directory {{.Dir}}/data
`

// samba: smbd as a standalone server with Debian's smb.conf settings and
// a read-only guest share, on 445 only (NetBIOS off: nmbd does not run),
// every state directory in the run directory. --no-process-group keeps it
// and its helpers in the group the lab kills.
var sambaSpec = daemonSpec{
	pkg:   "samba",
	needs: []string{"/usr/sbin/smbd"},
	ports: []ServicePort{tcp(445, "microsoft-ds")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("lock", "state", "cache", "private", "run", "ncalrpc", "bind-dns", "share"); err != nil {
			return nil, err
		}
		if err := s.write("smb.conf", sambaConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/smbd", "--foreground", "--no-process-group", "--debug-stdout",
			"--configfile=" + s.path("smb.conf")}, nil
	},
}

// SambaName is the NetBIOS name of the lab's smbd.
const SambaName = "LABSMB"

const sambaConfig = `# Debian's smb.conf for a standalone server, paths in the run directory.
[global]
	workgroup = WORKGROUP
	netbios name = ` + SambaName + `
	server string = %h server (Samba, Debian)
	server role = standalone server
	map to guest = bad user
	obey pam restrictions = yes
	unix password sync = no
	usershare allow guests = yes
	smb ports = 445
	disable netbios = yes
	load printers = no
	printcap name = /dev/null
	disable spoolss = yes
	lock directory = {{.Dir}}/lock
	state directory = {{.Dir}}/state
	cache directory = {{.Dir}}/cache
	private dir = {{.Dir}}/private
	pid directory = {{.Dir}}/run
	ncalrpc dir = {{.Dir}}/ncalrpc
	binddns dir = {{.Dir}}/bind-dns
	usershare path =
	log level = 1

[public]
	path = {{.Dir}}/share
	guest ok = yes
	read only = yes
`

// tigervnc: Xvnc (Xtigervnc) as vncserver starts it, with its default
// security types (TLSVnc, VncAuth) and a password file, on 5901. The X
// display number is whichever is free (-displayfd), since X lock files in
// /tmp are shared by every namespace. The blacklist is off: after five
// connections that do not authenticate from one address (a scanner's
// probes, run after run from the lab's one scanner address) Xvnc would
// refuse that address for a while, and a benchmark's later runs would
// meet a refusal the first never saw.
var tigervncSpec = daemonSpec{
	pkg:   "tigervnc-standalone-server",
	needs: []string{"/usr/bin/Xtigervnc"},
	ports: []ServicePort{tcp(5901, "vnc-1")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := os.WriteFile(s.path("passwd"), vncPassword(DaemonPassword), 0o600); err != nil {
			return nil, err
		}
		return []string{"/usr/bin/Xtigervnc", "-displayfd", "1", "-rfbport", "5901", "-localhost=0",
			"-nolisten", "tcp", "-desktop", "picket lab", "-geometry", "1024x768", "-depth", "24",
			"-PasswordFile", s.path("passwd"), "-UseBlacklist=0"}, nil
	},
}

// vncPassword is a VNC password file's content: the password's first 8
// bytes, zero-padded, DES-encrypted with VNC's fixed key (bits of each byte
// reversed, as VNC's DES takes them).
func vncPassword(password string) []byte {
	key := []byte{23, 82, 107, 6, 35, 78, 88, 7}
	for i, b := range key {
		var r byte
		for j := range 8 {
			r |= (b >> j & 1) << (7 - j)
		}
		key[i] = r
	}
	block, _ := des.NewCipher(key) // 8 bytes: cannot fail
	var plain, out [8]byte
	copy(plain[:], password)
	block.Encrypt(out[:], plain[:])
	return out[:]
}

// telnetd: GNU inetutils telnetd as Debian's postinst registers it in
// inetd.conf (through tcpd), under inetutils-inetd in the foreground.
var telnetdSpec = daemonSpec{
	pkg:   "inetutils-telnetd",
	needs: []string{"/usr/sbin/inetutils-inetd", "/usr/sbin/telnetd", "/usr/sbin/tcpd"},
	ports: []ServicePort{tcp(23, "telnet")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.write("inetd.conf", inetdConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/inetutils-inetd", "-d", "--pidfile=" + s.path("inetd.pid"), s.path("inetd.conf")}, nil
	},
}

// inetdConfig is the line update-inetd adds for inetutils-telnetd, on
// tcp6: a socket that takes IPv4 too (a tcp4 line beside it could not
// bind).
const inetdConfig = `telnet	stream	tcp6	nowait	root	/usr/sbin/tcpd	/usr/sbin/telnetd
`
