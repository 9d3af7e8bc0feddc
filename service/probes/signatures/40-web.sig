# HTTP: the answer to GET / names the server in its Server header
# (RFC 9110 §10.2.4) or in headers of its own. Matches that name the OS
# come before the general ones for the same server.

probe tcp http-get

# --- nginx and relatives ---

match http %{server}nginx/([\d.]+) \((Ubuntu|Debian)\)\r\n
    product nginx
    version $1
    info    $2
    os      Linux
    cpe     cpe:2.3:a:f5:nginx:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match http %{server}nginx/([\d.]+)
    product nginx
    version $1
    cpe     cpe:2.3:a:f5:nginx:$1

match http %{server}nginx\r\n
    product nginx
    cpe     cpe:2.3:a:f5:nginx

match http %{server}openresty/([\d.]+)
    product OpenResty web app server
    version $1
    cpe     cpe:2.3:a:openresty:openresty:$1

match http %{server}openresty\r\n
    product OpenResty web app server
    cpe     cpe:2.3:a:openresty:openresty

match http %{server}Tengine/([\d.]+)
    product Tengine httpd
    version $1

match http %{server}Tengine\r\n
    product Tengine httpd

# --- Apache httpd ---

match http %{server}Apache/(\d[\w.]*) \(((?:Debian|Ubuntu|Raspbian|Red Hat|Red Hat Enterprise Linux|CentOS|Fedora|Rocky Linux|AlmaLinux|SUSE|Amazon)[^)\r\n]*)\)
    product Apache httpd
    version $1
    info    ($2)
    os      Linux
    cpe     cpe:2.3:a:apache:http_server:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match http %{server}Apache/(\d[\w.]*) \((Win32|Win64)\)
    product Apache httpd
    version $1
    info    ($2)
    os      Windows
    cpe     cpe:2.3:a:apache:http_server:$1
    cpe     cpe:2.3:o:microsoft:windows

match http %{server}Apache/(\d[\w.]*) \((FreeBSD)\)
    product Apache httpd
    version $1
    info    ($2)
    os      FreeBSD
    cpe     cpe:2.3:a:apache:http_server:$1
    cpe     cpe:2.3:o:freebsd:freebsd

match http %{server}Apache/(\d[\w.]*) \(([^)\r\n]*)\)
    product Apache httpd
    version $1
    info    ($2)
    cpe     cpe:2.3:a:apache:http_server:$1

match http %{server}Apache/(\d[\w.]*)
    product Apache httpd
    version $1
    cpe     cpe:2.3:a:apache:http_server:$1

match http %{server}Apache\r\n
    product Apache httpd
    cpe     cpe:2.3:a:apache:http_server

# --- other general-purpose servers ---

match http %{server}lighttpd/([\d.]+)
    product lighttpd
    version $1
    cpe     cpe:2.3:a:lighttpd:lighttpd:$1

match http %{server}lighttpd\r\n
    product lighttpd
    cpe     cpe:2.3:a:lighttpd:lighttpd

match http %{server}Microsoft-IIS/([\d.]+)
    product Microsoft IIS httpd
    version $1
    os      Windows
    cpe     cpe:2.3:a:microsoft:internet_information_services:$1
    cpe     cpe:2.3:o:microsoft:windows

match http %{server}Microsoft-HTTPAPI/([\d.]+)
    product Microsoft HTTPAPI httpd
    version $1
    os      Windows
    cpe     cpe:2.3:o:microsoft:windows

match http %{server}Caddy\r\n
    product Caddy httpd
    cpe     cpe:2.3:a:caddyserver:caddy

match http %{server}LiteSpeed\r\n
    product LiteSpeed httpd
    cpe     cpe:2.3:a:litespeedtech:litespeed_web_server

match http %{server}h2o/([\w.-]+)
    product H2O http server
    version $1
    cpe     cpe:2.3:a:dena:h2o:$1

match http %{server}Hiawatha v([\d.]+)
    product Hiawatha httpd
    version $1
    cpe     cpe:2.3:a:hiawatha-webserver:hiawatha:$1

match http %{server}Cherokee/([\d.]+)
    product Cherokee httpd
    version $1
    cpe     cpe:2.3:a:cherokee-project:cherokee:$1

match http %{server}thttpd/([\w.]+)
    product thttpd
    version $1
    cpe     cpe:2.3:a:acme:thttpd:$1

match http %{server}mini_httpd/([\w.]+)
    product mini_httpd
    version $1
    cpe     cpe:2.3:a:acme:mini_httpd:$1

match http %{server}Boa/([\w.]+)
    product Boa httpd
    version $1
    cpe     cpe:2.3:a:boa:boa:$1

match http %{server}GoAhead-(?:Webs|http)
    product GoAhead WebServer
    cpe     cpe:2.3:a:embedthis:goahead

match http %{server}Allegro-Software-RomPager/([\w.]+)
    product Allegro RomPager
    version $1
    cpe     cpe:2.3:a:allegrosoft:rompager:$1

match http %{server}Mongoose/([\d.]+)
    product Mongoose httpd
    version $1
    cpe     cpe:2.3:a:cesanta:mongoose:$1

match http %{server}envoy\r\n
    product Envoy proxy
    cpe     cpe:2.3:a:envoyproxy:envoy

match http %{server}cloudflare\r\n
    product Cloudflare http proxy

match http %{server}AmazonS3\r\n
    product Amazon S3

match http %{server}MinIO\r\n
    product MinIO object storage
    cpe     cpe:2.3:a:minio:minio

# --- application servers and frameworks ---

match http %{server}Apache-Coyote/([\d.]+)
    product Apache Tomcat/Coyote JSP engine
    version $1
    cpe     cpe:2.3:a:apache:coyote_http_connector:$1

match http %{server}Jetty\(([\w.-]+)\)
    product Jetty
    version $1
    cpe     cpe:2.3:a:eclipse:jetty:$1

match http %{server}Kestrel\r\n
    product Microsoft Kestrel httpd

match http %{server}gunicorn/([\d.]+)
    product Gunicorn
    version $1
    cpe     cpe:2.3:a:gunicorn:gunicorn:$1

match http %{server}gunicorn\r\n
    product Gunicorn
    cpe     cpe:2.3:a:gunicorn:gunicorn

match http %{server}uvicorn\r\n
    product Uvicorn
    cpe     cpe:2.3:a:encode:uvicorn

match http %{server}Werkzeug/([\d.]+) Python/([\w.]+)
    product Werkzeug httpd
    version $1
    info    Python $2
    cpe     cpe:2.3:a:palletsprojects:werkzeug:$1
    cpe     cpe:2.3:a:python:python:$2

match http %{server}SimpleHTTP/([\d.]+) Python/([\w.]+)
    product SimpleHTTPServer
    version $1
    info    Python $2
    cpe     cpe:2.3:a:python:python:$2

match http %{server}BaseHTTP/([\d.]+) Python/([\w.]+)
    product BaseHTTPServer
    version $1
    info    Python $2
    cpe     cpe:2.3:a:python:python:$2

match http %{server}TornadoServer/([\d.]+)
    product Tornado httpd
    version $1
    cpe     cpe:2.3:a:tornadoweb:tornado:$1

match http %{server}CherryPy/([\d.]+)
    product CherryPy httpd
    version $1
    cpe     cpe:2.3:a:cherrypy:cherrypy:$1

match http %{server}TwistedWeb/([\w.]+)
    product Twisted Web httpd
    version $1
    cpe     cpe:2.3:a:twistedmatrix:twisted:$1

match http %{server}WEBrick/([\d.]+) \(Ruby/([\d.]+)
    product WEBrick httpd
    version $1
    info    Ruby $2
    cpe     cpe:2.3:a:ruby-lang:webrick:$1
    cpe     cpe:2.3:a:ruby-lang:ruby:$2

match http %{server}Cowboy\r\n
    product Cowboy httpd
    cpe     cpe:2.3:a:ninenines:cowboy

match http %{server}MiniServ/([\d.]+)
    product MiniServ
    version $1
    info    Webmin httpd
    cpe     cpe:2.3:a:webmin:webmin:$1

match http %{server}CouchDB/([\d.]+)
    product CouchDB httpd
    version $1
    cpe     cpe:2.3:a:apache:couchdb:$1

match http (?s)^HTTP/1\.[01] 200 .*?\r\n\r\n\{"couchdb":"Welcome","version":"([\d.]+)"
    product CouchDB httpd
    version $1
    cpe     cpe:2.3:a:apache:couchdb:$1

match http (?s)^HTTP/1\.[01] 200 .*?\r\n\r\n\{.*"number" ?: ?"([\d.]+)".*"tagline" ?: ?"You Know, for Search"
    product Elasticsearch REST API
    version $1
    cpe     cpe:2.3:a:elastic:elasticsearch:$1

match http %{http}(?i:x-elastic-product): Elasticsearch\r\n
    product Elasticsearch REST API
    cpe     cpe:2.3:a:elastic:elasticsearch

match http %{http}(?i:x-jenkins): ([\d.]+)\r\n
    product Jenkins
    version $1
    cpe     cpe:2.3:a:jenkins:jenkins:$1

match http %{http}(?i:x-influxdb-version): v?([\d.]+)\r\n
    product InfluxDB http admin
    version $1
    cpe     cpe:2.3:a:influxdata:influxdb:$1

match http %{server}Docker/([\d.]+) \(linux\)
    product Docker Engine API
    version $1
    os      Linux
    cpe     cpe:2.3:o:linux:linux_kernel

match http %{http}(?i:x-powered-by): Express\r\n
    product Node.js Express framework

# --- printing, proxies, caches ---

match ipp %{server}CUPS/([\d.]+) IPP/([\d.]+)
    product CUPS
    version $1
    info    IPP $2
    cpe     cpe:2.3:a:openprinting:cups:$1

match http-proxy %{server}squid/([\w.]+)
    product Squid http proxy
    version $1
    cpe     cpe:2.3:a:squid-cache:squid:$1

match http-proxy %{server}tinyproxy/([\w.]+)
    product tinyproxy
    version $1
    cpe     cpe:2.3:a:tinyproxy_project:tinyproxy:$1

match http %{http}(?i:x-varnish): \d
    product Varnish http accelerator
    cpe     cpe:2.3:a:varnish-software:varnish_cache

# --- not HTTP at all, answering a GET ---

match redis ^-ERR wrong number of arguments for 'get' command\r\n
    product Redis key-value store
    cpe     cpe:2.3:a:redis:redis

match rtsp ^RTSP/1\.0 \d\d\d

match sip ^SIP/2\.0 \d\d\d

soft http ^HTTP/1\.[01] \d\d\d
