package http

import (
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Identify names the server behind a response: Nmap's "http" service, the
// product and version of its Server header, and the facts of the response
// as Details (status, server, x-powered-by, title, redirect, auth,
// framework, generator, note).
func Identify(r *Response) service.Match {
	m := service.Match{Service: result.Service{Name: "http"}}
	add := func(k, v string) {
		if v != "" {
			m.Details = append(m.Details, service.Detail{Key: k, Value: v})
		}
	}
	add("status", text(strconv.Itoa(r.StatusCode)+" "+r.Reason))
	server := text(r.Get("Server"))
	powered := text(strings.Join(r.Values("X-Powered-By"), ", "))
	if p, ok := parseServer(server); ok {
		p.apply(&m.Service)
	} else if p, ok := poweredBy(powered); ok {
		p.apply(&m.Service)
	}
	add("server", server)
	add("x-powered-by", powered)
	title := Title(r.Body)
	add("title", title)
	if r.StatusCode/100 == 3 {
		add("redirect", text(r.Get("Location")))
	}
	if r.StatusCode == 401 || r.StatusCode == 407 {
		add("auth", text(strings.Join(append(r.Values("WWW-Authenticate"), r.Values("Proxy-Authenticate")...), ", ")))
	}
	gen := Generator(r.Body)
	add("framework", strings.Join(frameworks(r, powered, gen), ", "))
	add("generator", gen)
	if wantsTLS(r.StatusCode, title, r.Body) {
		add("note", "the server expects TLS on this port")
		m.WantsTLS = true
	}
	return m
}

// product is what a Server header says of the software.
type product struct {
	name, version, extra, os, cpe string
	proxy                         bool
}

func (p product) apply(s *result.Service) {
	s.Product, s.Version, s.ExtraInfo, s.OSType = p.name, p.version, p.extra, p.os
	if p.proxy {
		s.Name = "http-proxy"
	}
	if p.cpe != "" {
		v := "*"
		if p.version != "" {
			v = cpeEscape(p.version)
		}
		s.CPE = []string{"cpe:2.3:a:" + p.cpe + ":" + v + ":*:*:*:*:*:*:*"}
	}
}

// known maps a Server header's product token (lower case) to the name
// Nmap prints and the NVD vendor:product. Left out are names whose NVD
// entry is uncertain: no CPE beats a wrong one.
var known = map[string]struct {
	name, cpe, os string
	proxy         bool
}{
	"nginx":             {name: "nginx", cpe: "f5:nginx"},
	"apache":            {name: "Apache httpd", cpe: "apache:http_server"},
	"microsoft-iis":     {name: "Microsoft IIS httpd", cpe: "microsoft:internet_information_services", os: "Windows"},
	"microsoft-httpapi": {name: "Microsoft HTTPAPI httpd", os: "Windows"},
	"lighttpd":          {name: "lighttpd", cpe: "lighttpd:lighttpd"},
	"caddy":             {name: "Caddy httpd", cpe: "caddyserver:caddy"},
	"jetty":             {name: "Jetty", cpe: "eclipse:jetty"},
	"werkzeug":          {name: "Werkzeug httpd", cpe: "palletsprojects:werkzeug"},
	"gunicorn":          {name: "Gunicorn", cpe: "gunicorn:gunicorn"},
	"uvicorn":           {name: "Uvicorn", cpe: "encode:uvicorn"},
	"waitress":          {name: "Waitress httpd", cpe: "agendaless:waitress"},
	"tornadoserver":     {name: "Tornado httpd", cpe: "tornadoweb:tornado"},
	"cherrypy":          {name: "CherryPy httpd"},
	"simplehttp":        {name: "SimpleHTTPServer"},
	"basehttp":          {name: "BaseHTTPServer"},
	"webrick":           {name: "WEBrick httpd", cpe: "ruby-lang:webrick"},
	"openresty":         {name: "OpenResty web app server", cpe: "openresty:openresty"},
	"apache-coyote":     {name: "Apache Tomcat/Coyote JSP engine"},
	"ats":               {name: "Apache Traffic Server", cpe: "apache:traffic_server"},
	"litespeed":         {name: "LiteSpeed httpd"},
	"tengine":           {name: "Tengine httpd"},
	"kestrel":           {name: "Microsoft Kestrel httpd"},
	"envoy":             {name: "Envoy proxy", cpe: "envoyproxy:envoy"},
	"thttpd":            {name: "thttpd", cpe: "acme:thttpd"},
	"mini_httpd":        {name: "mini_httpd", cpe: "acme:mini_httpd"},
	"boa":               {name: "Boa HTTPd", cpe: "boa:boa"},
	"goahead-webs":      {name: "GoAhead WebServer", cpe: "embedthis:goahead"},
	"mongoose":          {name: "Mongoose httpd", cpe: "cesanta:mongoose"},
	"rompager":          {name: "Allegro RomPager", cpe: "allegrosoft:rompager"},
	"miniserv":          {name: "MiniServ"},
	"glassfish":         {name: "GlassFish", cpe: "oracle:glassfish_server"},
	"resin":             {name: "Caucho Resin", cpe: "caucho:resin"},
	"ibm_http_server":   {name: "IBM HTTP Server", cpe: "ibm:http_server"},
	"squid":             {name: "Squid http proxy", cpe: "squid-cache:squid", proxy: true},
	"tinyproxy":         {name: "tinyproxy", cpe: "tinyproxy_project:tinyproxy", proxy: true},
	"privoxy":           {name: "Privoxy http proxy", cpe: "privoxy:privoxy", proxy: true},
	"cloudflare":        {name: "cloudflare"},
	"amazons3":          {name: "Amazon S3"},
	"awselb":            {name: "Amazon Elastic Load Balancing"},
}

// runtimes, when they follow the server's token, are shown as Nmap
// shows them in the extra info: "Python 3.11.2", not "Python/3.11.2".
var runtimes = map[string]bool{"python": true, "cpython": true, "ruby": true, "php": true, "perl": true}

// element is one part of a Server header: a product token
// ("nginx/1.22.1", "Jetty(9.4.z)") or a comment ("(Debian)").
type element struct {
	name, version, comment string
}

// maxElements bounds how much of a Server header is parsed.
const maxElements = 16

// elements splits a Server header (RFC 9110 §10.2.4, leniently).
func elements(h string) []element {
	var es []element
	for h = strings.TrimSpace(h); h != "" && len(es) < maxElements; h = strings.TrimSpace(h) {
		if h[0] == '(' {
			c, rest := comment(h)
			es = append(es, element{comment: c})
			h = rest
			continue
		}
		end := strings.IndexAny(h, " \t(")
		if end < 0 {
			end = len(h)
		}
		name, version, _ := strings.Cut(h[:end], "/")
		h = h[end:]
		e := element{name: name, version: version}
		// Jetty writes its version as a comment glued to the name.
		if version == "" && strings.HasPrefix(h, "(") {
			c, rest := comment(h)
			if looksVersion(c) {
				e.version, h = c, rest
			}
		}
		es = append(es, e)
	}
	return es
}

// comment splits a parenthesised comment, which may nest, from what
// follows it; an unclosed one runs to the end.
func comment(h string) (c, rest string) {
	depth := 0
	for i := 0; i < len(h); i++ {
		switch h[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return h[1:i], h[i+1:]
			}
		}
	}
	return h[1:], ""
}

func looksVersion(v string) bool {
	if v == "" || len(v) > 40 || v[0] < '0' || v[0] > '9' {
		return false
	}
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || strings.ContainsRune(".-_+~", c)) {
			return false
		}
	}
	return true
}

// parseServer reads a Server header. The first element naming a known
// product wins (in "Python/3.11 aiohttp/3.8" the server is not Python);
// failing that, the first product token is reported as sent.
func parseServer(h string) (product, bool) {
	es := elements(h)
	main := -1
	for i, e := range es {
		if _, ok := known[strings.ToLower(e.name)]; ok && e.name != "" {
			main = i
			break
		}
	}
	if main < 0 {
		for i, e := range es {
			if e.name != "" && !runtimes[strings.ToLower(e.name)] {
				main = i
				break
			}
		}
	}
	if main < 0 {
		return product{}, false
	}
	e := es[main]
	p := product{name: e.name}
	if looksVersion(e.version) {
		p.version = e.version
	}
	if k, ok := known[strings.ToLower(e.name)]; ok {
		p.name, p.cpe, p.os, p.proxy = k.name, k.cpe, k.os, k.proxy
	}
	var extra []string
	for i, x := range es {
		switch {
		case i == main:
		case x.comment != "":
			extra = append(extra, "("+x.comment+")")
		case runtimes[strings.ToLower(x.name)] && x.version != "":
			extra = append(extra, x.name+" "+x.version)
		case x.version != "":
			extra = append(extra, x.name+"/"+x.version)
		default:
			extra = append(extra, x.name)
		}
		if p.os == "" {
			p.os = osFrom(x.comment)
		}
	}
	// Comments stay as sent: Nmap shows "Apache httpd 2.4.57 ((Debian))".
	p.extra = strings.Join(extra, " ")
	return p, true
}

// osFrom names the operating system a Server comment reveals, as Nmap's
// OSType names it.
func osFrom(c string) string {
	l := strings.ToLower(c)
	switch {
	case l == "":
		return ""
	case strings.Contains(l, "win32"), strings.Contains(l, "win64"), strings.Contains(l, "windows"):
		return "Windows"
	case strings.Contains(l, "freebsd"):
		return "FreeBSD"
	case strings.Contains(l, "openbsd"):
		return "OpenBSD"
	case strings.Contains(l, "netbsd"):
		return "NetBSD"
	}
	for _, d := range []string{"debian", "ubuntu", "raspbian", "centos", "red hat", "redhat", "fedora", "suse",
		"gentoo", "mageia", "mandriva", "alpine", "amazon linux", "rocky", "almalinux", "oracle linux", "linux"} {
		if strings.Contains(l, d) {
			return "Linux"
		}
	}
	return ""
}

// poweredBy identifies a server that sends no Server header from its
// X-Powered-By, where that names the server itself.
func poweredBy(v string) (product, bool) {
	first, _, _ := strings.Cut(v, ",")
	if strings.EqualFold(strings.TrimSpace(first), "Express") {
		return product{name: "Node.js Express framework", cpe: "expressjs:express"}, true
	}
	return product{}, false
}

// cpeEscape quotes a value for a CPE 2.3 formatted string: every
// character but letters, digits, '_', '-' and '.' takes a backslash.
func cpeEscape(v string) string {
	var b strings.Builder
	for _, c := range v {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || c == '_' || c == '-' || c == '.') {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return strings.ToLower(b.String())
}

// frameworks lists what the headers, cookies and generator betray of the
// software behind the server, each once.
func frameworks(r *Response, powered, generator string) []string {
	var fw []string
	// "PHP" from a cookie and "PHP 8.2.7" from X-Powered-By are one
	// framework: the more specific name is kept.
	add := func(s string) {
		for i, f := range fw {
			switch {
			case f == s, strings.HasPrefix(f, s+" "):
				return
			case strings.HasPrefix(s, f+" "):
				fw[i] = s
				return
			}
		}
		fw = append(fw, s)
	}
	for _, p := range strings.Split(powered, ",") {
		name, version, _ := strings.Cut(strings.TrimSpace(p), "/")
		switch strings.ToLower(name) {
		case "php":
			add(strings.TrimSpace("PHP " + version))
		case "asp.net":
			add("ASP.NET")
		case "express":
			add("Express")
		case "next.js":
			add(strings.TrimSpace("Next.js " + version))
		case "servlet":
			add(strings.TrimSpace("Java Servlet " + version))
		}
	}
	if v := r.Get("X-AspNet-Version"); v != "" {
		add("ASP.NET " + text(v))
	}
	if v := r.Get("X-AspNetMvc-Version"); v != "" {
		add("ASP.NET MVC " + text(v))
	}
	if v := r.Get("X-Jenkins"); v != "" {
		add("Jenkins " + text(v))
	}
	if r.Get("X-Drupal-Cache") != "" || r.Get("X-Drupal-Dynamic-Cache") != "" {
		add("Drupal")
	}
	for _, g := range []string{r.Get("X-Generator"), generator} {
		for _, name := range []string{"WordPress", "Drupal", "Joomla", "TYPO3", "MediaWiki", "Hugo", "Jekyll"} {
			if strings.HasPrefix(strings.ToLower(g), strings.ToLower(name)) {
				add(name)
			}
		}
	}
	for _, l := range r.Values("Link") {
		if strings.Contains(l, "api.w.org") {
			add("WordPress")
		}
	}
	for _, c := range r.Values("Set-Cookie") {
		name, _, _ := strings.Cut(c, "=")
		name = strings.TrimSpace(name)
		for _, ck := range cookies {
			if ck.prefix && strings.HasPrefix(name, ck.name) || name == ck.name {
				add(ck.framework)
			}
		}
		if len(name) == 36 && (strings.HasPrefix(name, "SESS") || strings.HasPrefix(name, "SSESS")) {
			add("Drupal")
		}
	}
	return fw
}

// cookies are session cookie names that frameworks set by default.
var cookies = []struct {
	name      string
	prefix    bool
	framework string
}{
	{name: "PHPSESSID", framework: "PHP"},
	{name: "JSESSIONID", framework: "Java Servlet"},
	{name: "ASP.NET_SessionId", framework: "ASP.NET"},
	{name: ".AspNetCore.", prefix: true, framework: "ASP.NET Core"},
	{name: "laravel_session", framework: "Laravel"},
	{name: "csrftoken", framework: "Django"},
	{name: "django_language", framework: "Django"},
	{name: "ci_session", framework: "CodeIgniter"},
	{name: "CAKEPHP", framework: "CakePHP"},
	{name: "connect.sid", framework: "Express"},
	{name: "wordpress_", prefix: true, framework: "WordPress"},
	{name: "wp-settings-", prefix: true, framework: "WordPress"},
	{name: "rack.session", framework: "Rack"},
	{name: "_gitlab_session", framework: "GitLab"},
	{name: "i_like_gitea", framework: "Gitea"},
	{name: "grafana_session", framework: "Grafana"},
	{name: "MoodleSession", framework: "Moodle"},
	{name: "roundcube_sessid", framework: "Roundcube"},
	{name: "phpMyAdmin", framework: "phpMyAdmin"},
}

// wantsTLS reports whether the server says, in its own words, that the
// port expects TLS (nginx and Apache answer plain HTTP with a 400 saying
// so).
func wantsTLS(status int, title string, body []byte) bool {
	if status != 400 {
		return false
	}
	return strings.Contains(title, "plain HTTP request was sent to HTTPS port") ||
		strings.Contains(string(body), "speaking plain HTTP to an SSL-enabled server port")
}
