package lab

import (
	"context"
	"os"
)

// defaultPage copies a page a package installs as its default site, or
// writes a stand-in when it is absent.
func (s *setup) defaultPage(dst, src, title string) error {
	page, err := os.ReadFile(src)
	if err != nil {
		page = []byte("<!DOCTYPE html>\n<html><head><title>" + title + "</title></head><body><h1>" + title + "</h1></body></html>\n")
	}
	return os.WriteFile(s.path(dst), page, 0o644)
}

// apache2: Debian's apache2.conf reduced to the modules a default install
// enables for a static site, ServerTokens OS as security.conf sets it,
// Debian's default page, on 8080 (nginx has 80), as www-data.
var apacheSpec = daemonSpec{
	pkg:   "apache2-bin",
	needs: []string{"/usr/sbin/apache2"},
	ports: []ServicePort{tcp(8080, "http-proxy")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("html", "run", "logs"); err != nil {
			return nil, err
		}
		if err := s.defaultPage("html/index.html", "/var/www/html/index.html", "Apache2 Debian Default Page: It works"); err != nil {
			return nil, err
		}
		if err := s.write("apache2.conf", apacheConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/apache2", "-DFOREGROUND", "-d", s.dir, "-f", s.path("apache2.conf")}, nil
	},
}

const apacheConfig = `# Debian's apache2.conf, its default modules and site, paths in the run directory.
ServerName ` + ZoneName + `
DefaultRuntimeDir {{.Dir}}/run
PidFile {{.Dir}}/run/apache2.pid
Mutex file:{{.Dir}}/run default
Timeout 300
KeepAlive On
User www-data
Group www-data
HostnameLookups Off
ErrorLog {{.Dir}}/logs/error.log
LogLevel warn
LoadModule mpm_event_module /usr/lib/apache2/modules/mod_mpm_event.so
LoadModule authz_core_module /usr/lib/apache2/modules/mod_authz_core.so
LoadModule authz_host_module /usr/lib/apache2/modules/mod_authz_host.so
LoadModule alias_module /usr/lib/apache2/modules/mod_alias.so
LoadModule dir_module /usr/lib/apache2/modules/mod_dir.so
LoadModule mime_module /usr/lib/apache2/modules/mod_mime.so
LoadModule filter_module /usr/lib/apache2/modules/mod_filter.so
LoadModule deflate_module /usr/lib/apache2/modules/mod_deflate.so
LoadModule reqtimeout_module /usr/lib/apache2/modules/mod_reqtimeout.so
LoadModule status_module /usr/lib/apache2/modules/mod_status.so
LoadModule autoindex_module /usr/lib/apache2/modules/mod_autoindex.so
LoadModule env_module /usr/lib/apache2/modules/mod_env.so
LoadModule setenvif_module /usr/lib/apache2/modules/mod_setenvif.so
LoadModule negotiation_module /usr/lib/apache2/modules/mod_negotiation.so
TypesConfig /etc/mime.types
Listen 8080
ServerTokens OS
ServerSignature On
TraceEnable Off
<Directory />
	Options FollowSymLinks
	AllowOverride None
	Require all denied
</Directory>
<Directory {{.Dir}}/html>
	Options Indexes FollowSymLinks
	AllowOverride None
	Require all granted
</Directory>
<VirtualHost *:8080>
	DocumentRoot {{.Dir}}/html
	DirectoryIndex index.html
	CustomLog {{.Dir}}/logs/access.log combined
	LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined
</VirtualHost>
`

// lighttpd: Debian's lighttpd.conf, its default page, on 8081, IPv6 as
// use-ipv6.pl adds it, as www-data, in the foreground (-D).
var lighttpdSpec = daemonSpec{
	pkg:   "lighttpd",
	needs: []string{"/usr/sbin/lighttpd"},
	ports: []ServicePort{tcp(8081, "blackice-icecap")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("html", "uploads", "logs"); err != nil {
			return nil, err
		}
		if err := s.defaultPage("html/index.html", "/var/www/html/index.lighttpd.html", "Placeholder page"); err != nil {
			return nil, err
		}
		if err := s.chown("www-data", "uploads", "logs"); err != nil {
			return nil, err
		}
		if err := s.write("lighttpd.conf", lighttpdConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/lighttpd", "-D", "-f", s.path("lighttpd.conf")}, nil
	},
}

const lighttpdConfig = `# Debian's lighttpd.conf, paths in the run directory, on 8081.
server.modules = ( "mod_indexfile", "mod_access", "mod_alias", "mod_redirect", "mod_dirlisting", "mod_staticfile" )
server.document-root = "{{.Dir}}/html"
server.upload-dirs = ( "{{.Dir}}/uploads" )
server.errorlog = "{{.Dir}}/logs/error.log"
server.pid-file = "{{.Dir}}/lighttpd.pid"
server.username = "www-data"
server.groupname = "www-data"
server.port = 8081
server.feature-flags += ("server.h2proto" => "enable")
server.feature-flags += ("server.h2c" => "enable")
server.feature-flags += ("server.graceful-shutdown-timeout" => 5)
index-file.names = ( "index.php", "index.html" )
url.access-deny = ( "~", ".inc" )
static-file.exclude-extensions = ( ".php", ".pl", ".fcgi" )
$SERVER["socket"] == "[::]:8081" { }
mimetype.assign = ( ".html" => "text/html", ".txt" => "text/plain" )
`

// squid: Debian's squid.conf (its ACLs, memory cache only, no disk cache
// as by default), with the lab's prefixes allowed as localnet, in the
// foreground (-N).
var squidSpec = daemonSpec{
	pkg:   "squid",
	needs: []string{"/usr/sbin/squid"},
	ports: []ServicePort{tcp(3128, "squid-http")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("run"); err != nil {
			return nil, err
		}
		if err := s.chown("proxy", "run"); err != nil {
			return nil, err
		}
		if err := s.write("squid.conf", squidConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/squid", "-N", "-f", s.path("squid.conf")}, nil
	},
}

const squidConfig = `# Debian's squid.conf, the lab's prefixes as localnet, paths in the run directory.
acl localnet src 198.18.0.0/15
acl localnet src fd00::/8
acl SSL_ports port 443
acl Safe_ports port 80
acl Safe_ports port 21
acl Safe_ports port 443
acl Safe_ports port 1025-65535
http_access deny !Safe_ports
http_access deny CONNECT !SSL_ports
http_access allow localhost manager
http_access deny manager
http_access allow localhost
http_access allow localnet
http_access deny all
http_port 3128
visible_hostname ` + ZoneName + `
shutdown_lifetime 1 seconds
pid_filename {{.Dir}}/run/squid.pid
cache_log {{.Dir}}/run/cache.log
access_log stdio:{{.Dir}}/run/access.log
cache_store_log none
netdb_filename none
coredump_dir {{.Dir}}/run
cache_effective_user proxy
dns_nameservers 127.0.0.1
refresh_pattern . 0 20% 4320
`

// tinyproxy: Debian's tinyproxy.conf with the lab's prefixes allowed
// (the default allows only localhost), in the foreground (-d).
var tinyproxySpec = daemonSpec{
	pkg:   "tinyproxy-bin",
	needs: []string{"/usr/bin/tinyproxy"},
	ports: []ServicePort{tcp(8888, "sun-answerbook")},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.write("tinyproxy.conf", tinyproxyConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/bin/tinyproxy", "-d", "-c", s.path("tinyproxy.conf")}, nil
	},
}

const tinyproxyConfig = `# Debian's tinyproxy.conf, open to the lab, paths in the run directory.
User tinyproxy
Group tinyproxy
Port 8888
Timeout 600
DefaultErrorFile "/usr/share/tinyproxy/default.html"
StatFile "/usr/share/tinyproxy/stats.html"
LogLevel Info
MaxClients 100
Allow 127.0.0.1
Allow ::1
Allow 198.18.0.0/15
Allow fd00::/8
ViaProxyName "tinyproxy"
`
