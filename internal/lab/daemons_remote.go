package lab

import (
	"context"
	"os"
)

// sshd: Debian's sshd_config, with host keys made as the package's
// postinst makes them (ssh-keygen -A), in the daemon's directory.
var sshSpec = daemonSpec{
	pkg:   "openssh-server",
	needs: []string{"/usr/sbin/sshd", "ssh-keygen"},
	ports: []ServicePort{tcp(22, "ssh")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		// The privilege separation directory is compiled in; systemd
		// would make it. Empty and root's, it is safe to share.
		if err := os.MkdirAll("/run/sshd", 0o755); err != nil {
			return nil, err
		}
		if err := s.mkdirs("etc/ssh"); err != nil {
			return nil, err
		}
		if err := s.runHere(ctx, "ssh-keygen", "-A", "-f", s.dir); err != nil {
			return nil, err
		}
		if err := s.write("sshd_config", sshdConfig, 0o644); err != nil {
			return nil, err
		}
		// An absolute path: sshd re-executes itself for each connection.
		return []string{"/usr/sbin/sshd", "-D", "-e", "-f", s.path("sshd_config")}, nil
	},
}

const sshdConfig = `# Debian's defaults; keys and pid file in the lab's run directory.
Port 22
ListenAddress 0.0.0.0
ListenAddress ::
HostKey {{.Dir}}/etc/ssh/ssh_host_rsa_key
HostKey {{.Dir}}/etc/ssh/ssh_host_ecdsa_key
HostKey {{.Dir}}/etc/ssh/ssh_host_ed25519_key
PidFile {{.Dir}}/sshd.pid
KbdInteractiveAuthentication no
UsePAM yes
X11Forwarding yes
PrintMotd no
AcceptEnv LANG LC_*
Subsystem sftp /usr/lib/openssh/sftp-server
`

// nginx: Debian's nginx.conf and default site, plus the same site on 443
// with a self-signed certificate. server_tokens stays on, as by default.
var nginxSpec = daemonSpec{
	pkg:   "nginx",
	needs: []string{"/usr/sbin/nginx", "openssl"},
	ports: []ServicePort{tcp(80, "http"), tcp(443, "https")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("html", "tmp"); err != nil {
			return nil, err
		}
		// The page Debian's postinst installs as the default site.
		page, err := os.ReadFile("/usr/share/nginx/html/index.html")
		if err != nil {
			page = []byte("<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head><body><h1>Welcome to nginx!</h1></body></html>\n")
		}
		if err := os.WriteFile(s.path("html", "index.nginx-debian.html"), page, 0o644); err != nil {
			return nil, err
		}
		if err := s.cert(ctx); err != nil {
			return nil, err
		}
		if err := s.write("nginx.conf", nginxConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/nginx", "-p", s.dir, "-c", s.path("nginx.conf"), "-g", "daemon off;"}, nil
	},
}

const nginxConfig = `# Debian's nginx.conf and sites-available/default, paths in the run directory.
user www-data;
worker_processes auto;
pid {{.Dir}}/nginx.pid;
error_log stderr;

events {
	worker_connections 768;
}

http {
	sendfile on;
	tcp_nopush on;
	types_hash_max_size 2048;

	include /etc/nginx/mime.types;
	default_type application/octet-stream;

	ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
	ssl_prefer_server_ciphers on;

	access_log {{.Dir}}/access.log;
	gzip on;

	client_body_temp_path {{.Dir}}/tmp/body;
	proxy_temp_path {{.Dir}}/tmp/proxy;
	fastcgi_temp_path {{.Dir}}/tmp/fastcgi;
	uwsgi_temp_path {{.Dir}}/tmp/uwsgi;
	scgi_temp_path {{.Dir}}/tmp/scgi;

	server {
		listen 80 default_server;
		listen [::]:80 default_server;
		listen 443 ssl default_server;
		listen [::]:443 ssl default_server;
		ssl_certificate {{.Dir}}/cert.pem;
		ssl_certificate_key {{.Dir}}/key.pem;

		root {{.Dir}}/html;
		index index.html index.htm index.nginx-debian.html;
		server_name _;

		location / {
			try_files $uri $uri/ =404;
		}
	}
}
`

// vsftpd: Debian's vsftpd.conf with anonymous login on, standalone in the
// foreground. listen_ipv6 (Debian's choice) takes IPv4 too.
var vsftpdSpec = daemonSpec{
	pkg:   "vsftpd",
	needs: []string{"/usr/sbin/vsftpd"},
	ports: []ServicePort{tcp(21, "ftp")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		// Both must be root's and not writable by the ftp user, or
		// vsftpd refuses to chroot into them.
		if err := s.mkdirs("empty", "ftp/pub"); err != nil {
			return nil, err
		}
		if err := s.write("vsftpd.conf", vsftpdConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/vsftpd", s.path("vsftpd.conf")}, nil
	},
}

const vsftpdConfig = `# Debian's vsftpd.conf, anonymous login enabled, paths in the run directory.
listen=NO
listen_ipv6=YES
background=NO
anonymous_enable=YES
anon_root={{.Dir}}/ftp
local_enable=YES
dirmessage_enable=YES
use_localtime=YES
xferlog_enable=YES
xferlog_file={{.Dir}}/xferlog
vsftpd_log_file={{.Dir}}/vsftpd.log
connect_from_port_20=YES
secure_chroot_dir={{.Dir}}/empty
pam_service_name=vsftpd
ssl_enable=NO
`
