package lab

import (
	"context"
	"os"
)

// postfixMaster is Postfix's master daemon. "postfix start-fg" runs it in
// the foreground only as pid 1; run directly with -s it stays there.
const postfixMaster = "/usr/lib/postfix/sbin/master"

// postfix: Debian's main.cf and master.cf as a "local only" install
// leaves them, answering on every address, with no chroot (the init
// script that would copy files into it does not run) and the mail log on
// stdout (a maillog_file makes the master wait for postlogd and exit).
var postfixSpec = daemonSpec{
	pkg:   "postfix",
	needs: []string{postfixMaster, "openssl"},
	ports: []ServicePort{tcp(25, "smtp")},
	// The master makes itself a session leader, or exits without a word
	// (its log is not open yet).
	setsid: true,
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("etc", "data", "spool/pid"); err != nil {
			return nil, err
		}
		// The queue as "postfix post-install" lays it out.
		uid, _, err := lookupUser("postfix")
		if err != nil {
			return nil, err
		}
		postdrop, err := lookupGroup("postdrop")
		if err != nil {
			return nil, err
		}
		queue := []struct {
			name string
			gid  int
			mode os.FileMode
		}{
			{"active", 0, 0o700}, {"bounce", 0, 0o700}, {"corrupt", 0, 0o700},
			{"defer", 0, 0o700}, {"deferred", 0, 0o700}, {"flush", 0, 0o700},
			{"hold", 0, 0o700}, {"incoming", 0, 0o700}, {"private", 0, 0o700},
			{"saved", 0, 0o700}, {"trace", 0, 0o700},
			{"maildrop", postdrop, 0o730}, {"public", postdrop, 0o710},
		}
		for _, q := range queue {
			p := s.path("spool", q.name)
			if err := os.Mkdir(p, q.mode); err != nil {
				return nil, err
			}
			if err := os.Chown(p, uid, q.gid); err != nil {
				return nil, err
			}
			if err := os.Chmod(p, q.mode); err != nil { // past the umask
				return nil, err
			}
		}
		if err := s.chown("postfix", "data"); err != nil {
			return nil, err
		}
		if err := s.cert(ctx); err != nil {
			return nil, err
		}
		if err := s.write("etc/main.cf", postfixMain, 0o644); err != nil {
			return nil, err
		}
		if err := s.write("etc/master.cf", postfixMasterCf, 0o644); err != nil {
			return nil, err
		}
		return []string{postfixMaster, "-s", "-c", s.path("etc")}, nil
	},
}

const postfixMain = `# Debian's main.cf for a "local only" install, open on every address.
smtpd_banner = $myhostname ESMTP $mail_name (Debian/GNU)
biff = no
append_dot_mydomain = no
readme_directory = no
compatibility_level = 3.6

smtpd_tls_cert_file = {{.Dir}}/cert.pem
smtpd_tls_key_file = {{.Dir}}/key.pem
smtpd_tls_security_level = may
smtp_tls_CApath = /etc/ssl/certs
smtp_tls_security_level = may
smtp_tls_session_cache_database = btree:${data_directory}/smtp_scache

smtpd_relay_restrictions = permit_mynetworks permit_sasl_authenticated defer_unauth_destination
myhostname = mail.` + ZoneName + `
mydomain = ` + ZoneName + `
myorigin = $mydomain
mydestination = $myhostname, ` + ZoneName + `, localhost.localdomain, localhost
alias_maps =
alias_database =
relayhost =
mynetworks = 127.0.0.0/8 [::ffff:127.0.0.0]/104 [::1]/128
mailbox_size_limit = 0
recipient_delimiter = +
inet_interfaces = all
inet_protocols = all
default_transport = error
relay_transport = error

queue_directory = {{.Dir}}/spool
data_directory = {{.Dir}}/data
maillog_file = /dev/stdout
`

const postfixMasterCf = `# Debian's master.cf without the chroot and the pipe transports.
smtp      inet  n       -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
        -o syslog_name=postfix/$service_name
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
lmtp      unix  -       -       n       -       -       lmtp
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
`

// dovecot: IMAP and POP3 with Debian's TLS settings (993 and 995 as
// well as STARTTLS) and one user, DaemonUser, in a passwd-file.
var dovecotSpec = daemonSpec{
	pkg:   "dovecot-core",
	needs: []string{"/usr/sbin/dovecot", "openssl"},
	ports: []ServicePort{tcp(143, "imap"), tcp(110, "pop3"), tcp(993, "imaps"), tcp(995, "pop3s")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		// Dovecot makes base_dir (run) itself, with the owners it wants.
		if err := s.mkdirs("lib", "mail/"+DaemonUser); err != nil {
			return nil, err
		}
		if err := s.chown("nobody", "mail"); err != nil {
			return nil, err
		}
		if err := s.cert(ctx); err != nil {
			return nil, err
		}
		if err := s.write("users", dovecotUsers, 0o644); err != nil {
			return nil, err
		}
		if err := s.write("dovecot.conf", dovecotConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/dovecot", "-F", "-c", s.path("dovecot.conf")}, nil
	},
}

// dovecotUsers maps the user to nobody: mail is never delivered.
const dovecotUsers = DaemonUser + `:{PLAIN}` + DaemonPassword + `:65534:65534::{{.Dir}}/mail/` + DaemonUser + `::
`

const dovecotConfig = `# Debian's dovecot.conf and conf.d, a passwd-file for auth, paths in the run directory.
protocols = imap pop3
listen = *, ::
base_dir = {{.Dir}}/run
state_dir = {{.Dir}}/lib
log_path = /dev/stderr

ssl = yes
ssl_cert = <{{.Dir}}/cert.pem
ssl_key = <{{.Dir}}/key.pem
ssl_client_ca_dir = /etc/ssl/certs
ssl_dh = </usr/share/dovecot/dh.pem

auth_mechanisms = plain
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {{.Dir}}/users
}
userdb {
  driver = passwd-file
  args = username_format=%u {{.Dir}}/users
}

mail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
}
`
