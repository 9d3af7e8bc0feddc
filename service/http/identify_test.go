package http

import (
	"slices"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

func TestParseServer(t *testing.T) {
	tests := []struct {
		header string
		want   result.Service // Product, Version, ExtraInfo, OSType, CPE, and Name when not "http"
	}{
		{"nginx/1.22.1", result.Service{Product: "nginx", Version: "1.22.1", CPE: []string{"cpe:2.3:a:f5:nginx:1.22.1:*:*:*:*:*:*:*"}}},
		{"nginx", result.Service{Product: "nginx", CPE: []string{"cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}}},
		{"Apache/2.4.57 (Debian)", result.Service{Product: "Apache httpd", Version: "2.4.57", ExtraInfo: "(Debian)", OSType: "Linux",
			CPE: []string{"cpe:2.3:a:apache:http_server:2.4.57:*:*:*:*:*:*:*"}}},
		{"Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/5.4.16", result.Service{Product: "Apache httpd", Version: "2.4.6",
			ExtraInfo: "(CentOS) OpenSSL/1.0.2k-fips PHP 5.4.16", OSType: "Linux", CPE: []string{"cpe:2.3:a:apache:http_server:2.4.6:*:*:*:*:*:*:*"}}},
		{"Apache/2.4.58 (Win64) OpenSSL/3.1.3", result.Service{Product: "Apache httpd", Version: "2.4.58", ExtraInfo: "(Win64) OpenSSL/3.1.3", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:apache:http_server:2.4.58:*:*:*:*:*:*:*"}}},
		{"Apache", result.Service{Product: "Apache httpd", CPE: []string{"cpe:2.3:a:apache:http_server:*:*:*:*:*:*:*:*"}}},
		{"Apache/2.4.41 (Unix)", result.Service{Product: "Apache httpd", Version: "2.4.41", ExtraInfo: "(Unix)",
			CPE: []string{"cpe:2.3:a:apache:http_server:2.4.41:*:*:*:*:*:*:*"}}},
		{"Microsoft-IIS/10.0", result.Service{Product: "Microsoft IIS httpd", Version: "10.0", OSType: "Windows",
			CPE: []string{"cpe:2.3:a:microsoft:internet_information_services:10.0:*:*:*:*:*:*:*"}}},
		{"Microsoft-HTTPAPI/2.0", result.Service{Product: "Microsoft HTTPAPI httpd", Version: "2.0", OSType: "Windows"}},
		{"lighttpd/1.4.69", result.Service{Product: "lighttpd", Version: "1.4.69", CPE: []string{"cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*"}}},
		{"Caddy", result.Service{Product: "Caddy httpd", CPE: []string{"cpe:2.3:a:caddyserver:caddy:*:*:*:*:*:*:*:*"}}},
		{"Jetty(9.4.50.v20221201)", result.Service{Product: "Jetty", Version: "9.4.50.v20221201", CPE: []string{"cpe:2.3:a:eclipse:jetty:9.4.50.v20221201:*:*:*:*:*:*:*"}}},
		{"Werkzeug/2.2.2 Python/3.11.2", result.Service{Product: "Werkzeug httpd", Version: "2.2.2", ExtraInfo: "Python 3.11.2",
			CPE: []string{"cpe:2.3:a:palletsprojects:werkzeug:2.2.2:*:*:*:*:*:*:*"}}},
		{"gunicorn", result.Service{Product: "Gunicorn", CPE: []string{"cpe:2.3:a:gunicorn:gunicorn:*:*:*:*:*:*:*:*"}}},
		{"gunicorn/20.1.0", result.Service{Product: "Gunicorn", Version: "20.1.0", CPE: []string{"cpe:2.3:a:gunicorn:gunicorn:20.1.0:*:*:*:*:*:*:*"}}},
		{"SimpleHTTP/0.6 Python/3.11.2", result.Service{Product: "SimpleHTTPServer", Version: "0.6", ExtraInfo: "Python 3.11.2"}},
		{"Python/3.11 aiohttp/3.8.4", result.Service{Product: "aiohttp", Version: "3.8.4", ExtraInfo: "Python 3.11"}},
		{"WEBrick/1.7.0 (Ruby/3.1.2/2022-04-12)", result.Service{Product: "WEBrick httpd", Version: "1.7.0", ExtraInfo: "(Ruby/3.1.2/2022-04-12)",
			CPE: []string{"cpe:2.3:a:ruby-lang:webrick:1.7.0:*:*:*:*:*:*:*"}}},
		{"mini_httpd/1.30 26Oct2018", result.Service{Product: "mini_httpd", Version: "1.30", ExtraInfo: "26Oct2018", CPE: []string{"cpe:2.3:a:acme:mini_httpd:1.30:*:*:*:*:*:*:*"}}},
		{"squid/5.7", result.Service{Name: "http-proxy", Product: "Squid http proxy", Version: "5.7", CPE: []string{"cpe:2.3:a:squid-cache:squid:5.7:*:*:*:*:*:*:*"}}},
		{"openresty/1.21.4.1", result.Service{Product: "OpenResty web app server", Version: "1.21.4.1", CPE: []string{"cpe:2.3:a:openresty:openresty:1.21.4.1:*:*:*:*:*:*:*"}}},
		{"Apache-Coyote/1.1", result.Service{Product: "Apache Tomcat/Coyote JSP engine", Version: "1.1"}},
		{"MyServer/3.1 (FreeBSD)", result.Service{Product: "MyServer", Version: "3.1", ExtraInfo: "(FreeBSD)", OSType: "FreeBSD"}},
		{"thing/not a version", result.Service{Product: "thing", ExtraInfo: "a version"}},
		{"nginx/1.2+dfsg:x", result.Service{Product: "nginx", CPE: []string{"cpe:2.3:a:f5:nginx:*:*:*:*:*:*:*:*"}}},
		{"Foo/2.0+dfsg", result.Service{Product: "Foo", Version: "2.0+dfsg"}},
		{"(unclosed comment", result.Service{}},
	}
	for _, tt := range tests {
		t.Run(tt.header, func(t *testing.T) {
			var got result.Service
			if p, ok := parseServer(tt.header); ok {
				p.apply(&got)
			}
			if got.Product != tt.want.Product || got.Version != tt.want.Version || got.ExtraInfo != tt.want.ExtraInfo ||
				got.OSType != tt.want.OSType || got.Name != tt.want.Name || !slices.Equal(got.CPE, tt.want.CPE) {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func FuzzServer(f *testing.F) {
	f.Add("Apache/2.4.6 (CentOS) OpenSSL/1.0.2k-fips PHP/5.4.16")
	f.Add("Jetty(9.4.50.v20221201) (a (b) c")
	f.Add("Python/3.11 aiohttp/3.8.4")
	f.Fuzz(func(t *testing.T, h string) {
		if p, ok := parseServer(h); ok {
			var s result.Service
			p.apply(&s)
			if s.Product == "" {
				t.Fatalf("%q: a match without a product", h)
			}
		}
	})
}

func TestCPEEscape(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"1.22.1", "1.22.1"},
		{"2.0+dfsg", `2.0\+dfsg`},
		{"9.4.50.V2022", "9.4.50.v2022"},
		{"a:b*c", `a\:b\*c`},
	} {
		if got := cpeEscape(tt.in); got != tt.want {
			t.Errorf("cpeEscape(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestIdentify(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    result.Service    // Name, Product, Version, OSType
		details map[string]string // "" means absent
	}{
		{
			name: "nginx default page", in: string(readTestdata(t, "nginx-200.txt")),
			want:    result.Service{Name: "http", Product: "nginx", Version: "1.22.1"},
			details: map[string]string{"status": "200 OK", "server": "nginx/1.22.1", "title": "Welcome to nginx!", "redirect": "", "note": "", "framework": ""},
		},
		{
			name: "nginx 404", in: string(readTestdata(t, "nginx-404.txt")),
			want:    result.Service{Name: "http", Product: "nginx", Version: "1.22.1"},
			details: map[string]string{"status": "404 Not Found", "title": "404 Not Found"},
		},
		{
			name: "nginx, plain HTTP to the TLS port", in: string(readTestdata(t, "nginx-plain-to-tls.txt")),
			want:    result.Service{Name: "http", Product: "nginx", Version: "1.22.1"},
			details: map[string]string{"status": "400 Bad Request", "note": "the server expects TLS on this port"},
		},
		{
			name: "redirect", in: "HTTP/1.1 301 Moved Permanently\r\nServer: Apache/2.4.57 (Debian)\r\nLocation: https://example.org/\r\n\r\n",
			want:    result.Service{Name: "http", Product: "Apache httpd", Version: "2.4.57", OSType: "Linux"},
			details: map[string]string{"status": "301 Moved Permanently", "redirect": "https://example.org/", "title": ""},
		},
		{
			name: "Location outside a redirect is not one", in: "HTTP/1.1 201 Created\r\nLocation: /new\r\n\r\n",
			want:    result.Service{Name: "http"},
			details: map[string]string{"redirect": ""},
		},
		{
			name: "authentication, no Server header", in: "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"Router\"\r\n\r\n",
			want:    result.Service{Name: "http"},
			details: map[string]string{"auth": `Basic realm="Router"`, "server": ""},
		},
		{
			name: "PHP and WordPress behind nginx",
			in: "HTTP/1.1 200 OK\r\nServer: nginx\r\nX-Powered-By: PHP/8.2.7\r\nSet-Cookie: PHPSESSID=abc; path=/\r\n" +
				"Set-Cookie: wordpress_test_cookie=1\r\nLink: <https://x/wp-json/>; rel=\"https://api.w.org/\"\r\n\r\n" +
				"<meta name=\"generator\" content=\"WordPress 6.4.2\">",
			want:    result.Service{Name: "http", Product: "nginx"},
			details: map[string]string{"x-powered-by": "PHP/8.2.7", "framework": "PHP 8.2.7, WordPress", "generator": "WordPress 6.4.2"},
		},
		{
			name: "IIS and ASP.NET",
			in: "HTTP/1.1 200 OK\r\nServer: Microsoft-IIS/10.0\r\nX-Powered-By: ASP.NET\r\nX-AspNet-Version: 4.0.30319\r\n" +
				"Set-Cookie: ASP.NET_SessionId=x\r\n\r\n",
			want:    result.Service{Name: "http", Product: "Microsoft IIS httpd", Version: "10.0", OSType: "Windows"},
			details: map[string]string{"framework": "ASP.NET 4.0.30319"},
		},
		{
			name: "Express without a Server header", in: "HTTP/1.1 200 OK\r\nX-Powered-By: Express\r\nSet-Cookie: connect.sid=s%3A\r\n\r\n",
			want:    result.Service{Name: "http", Product: "Node.js Express framework"},
			details: map[string]string{"framework": "Express", "x-powered-by": "Express"},
		},
		{
			name: "Drupal from its cookie and cache header",
			in:   "HTTP/1.1 200 OK\r\nX-Drupal-Cache: HIT\r\nSet-Cookie: SESS0123456789abcdef0123456789abcdef=x\r\n\r\n",
			want: result.Service{Name: "http"}, details: map[string]string{"framework": "Drupal"},
		},
		{
			name: "squid is a proxy", in: "HTTP/1.1 400 Bad Request\r\nServer: squid/5.7\r\nX-Squid-Error: ERR_INVALID_URL 0\r\n\r\n",
			want: result.Service{Name: "http-proxy", Product: "Squid http proxy", Version: "5.7"},
		},
		{
			name: "hostile header values are made printable", in: "HTTP/1.1 200 \x1b[31mOK\r\nServer: evil\x00/1.0\x07\r\n\r\n<title>\x1b]0;pwned\x07</title>",
			want:    result.Service{Name: "http", Product: "evil?"},
			details: map[string]string{"status": "200 ?[31mOK", "server": "evil?/1.0?", "title": "?]0;pwned?"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, d := details(t, tt.in)
			if s.Name != tt.want.Name || s.Product != tt.want.Product || s.Version != tt.want.Version || s.OSType != tt.want.OSType {
				t.Errorf("service %+v, want %+v", s, tt.want)
			}
			for k, want := range tt.details {
				if d[k] != want {
					t.Errorf("%s = %q, want %q", k, d[k], want)
				}
			}
		})
	}
}

func details(t *testing.T, in string) (result.Service, map[string]string) {
	t.Helper()
	r, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	m := Identify(r)
	d := map[string]string{}
	for _, x := range m.Details {
		if _, dup := d[x.Key]; dup {
			t.Errorf("key %q twice", x.Key)
		}
		if x.Key != strings.ToLower(x.Key) {
			t.Errorf("key %q not lower case", x.Key)
		}
		d[x.Key] = x.Value
	}
	return m.Service, d
}
