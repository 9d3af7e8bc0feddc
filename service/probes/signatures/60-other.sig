# Everything else: name servers, TLS, remote access, news, chat, version
# control, telephony, and the UDP services.

# --- DNS: the version.bind TXT string. BIND's carries the distribution's
# package revision.

probe tcp dns-version

match domain (?s)^..%{vbind}.(9\.\d+\.\d+)-([\w.~+]+)-(Debian|Ubuntu)
    product ISC BIND
    version $1-$2
    info    $3 Linux
    os      Linux
    cpe     cpe:2.3:a:isc:bind:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match domain (?s)^..%{vbind}.(9\.\d+\.\d+(?:-[PS]\d+)?)
    product ISC BIND
    version $1
    cpe     cpe:2.3:a:isc:bind:$1

match domain (?s)^..%{vbind}.dnsmasq-([\w.]+)
    product dnsmasq
    version $1
    cpe     cpe:2.3:a:thekelleys:dnsmasq:$1

match domain (?s)^..%{vbind}.PowerDNS Authoritative Server ([\w.]+)
    product PowerDNS Authoritative Server
    version $1
    cpe     cpe:2.3:a:powerdns:authoritative:$1

match domain (?s)^..%{vbind}.PowerDNS Recursor ([\w.]+)
    product PowerDNS Recursor
    version $1
    cpe     cpe:2.3:a:powerdns:recursor:$1

match domain (?s)^..%{vbind}.unbound ([\w.]+)
    product Unbound
    version $1
    cpe     cpe:2.3:a:nlnetlabs:unbound:$1

match domain (?s)^..%{vbind}.Knot DNS ([\w.]+)
    product Knot DNS
    version $1
    cpe     cpe:2.3:a:nic:knot_dns:$1

match domain (?s)^..%{vbind}.NSD ([\w.]+)
    product NLnet Labs NSD
    version $1
    cpe     cpe:2.3:a:nlnetlabs:nsd:$1

# Any answer to the query: a name server that keeps its version hidden.
match domain (?s)^..pi[\x80-\x87]

probe udp dns-version

match domain (?s)^%{vbind}.(9\.\d+\.\d+)-([\w.~+]+)-(Debian|Ubuntu)
    product ISC BIND
    version $1-$2
    info    $3 Linux
    os      Linux
    cpe     cpe:2.3:a:isc:bind:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match domain (?s)^%{vbind}.(9\.\d+\.\d+(?:-[PS]\d+)?)
    product ISC BIND
    version $1
    cpe     cpe:2.3:a:isc:bind:$1

match domain (?s)^%{vbind}.dnsmasq-([\w.]+)
    product dnsmasq
    version $1
    cpe     cpe:2.3:a:thekelleys:dnsmasq:$1

match domain (?s)^%{vbind}.PowerDNS Authoritative Server ([\w.]+)
    product PowerDNS Authoritative Server
    version $1
    cpe     cpe:2.3:a:powerdns:authoritative:$1

match domain (?s)^%{vbind}.PowerDNS Recursor ([\w.]+)
    product PowerDNS Recursor
    version $1
    cpe     cpe:2.3:a:powerdns:recursor:$1

match domain (?s)^%{vbind}.unbound ([\w.]+)
    product Unbound
    version $1
    cpe     cpe:2.3:a:nlnetlabs:unbound:$1

match domain (?s)^pi[\x80-\x87]

# --- TLS: a ServerHello (handshake record, message type 2) or an alert.

probe tcp tls-hello

match ssl (?s)^\x16\x03[\x00-\x04]..\x02
    info TLS handshake

match ssl (?s)^\x15\x03[\x00-\x04]\x00\x02[\x01\x02].
    info TLS alert

# --- Remote access

probe tcp null

match vnc ^RFB 003\.889\n
    product Apple remote desktop vnc
    os      Mac OS X
    cpe     cpe:2.3:o:apple:mac_os_x

match vnc ^RFB 00(\d)\.00(\d)\n
    product VNC
    info    protocol $1.$2

match telnet (?s)^\xff[\xfb-\xfe].*Debian GNU/Linux (\d+)
    product Linux telnetd
    info    Debian $1
    os      Linux
    cpe     cpe:2.3:o:linux:linux_kernel

match telnet (?s)^(?:\xff[\xfb-\xfe].)*[\r\n]*User Access Verification\r\n\r\n(?:Username|Password):
    product Cisco router telnetd
    os      IOS
    device  router
    cpe     cpe:2.3:o:cisco:ios

soft telnet (?s)^\xff[\xfb-\xfe].

probe tcp rdp-negotiate

match ms-wbt-server (?s)^\x03\x00\x00\x13\x0e\xd0\x00\x00..\x00\x02.\x08\x00[\x00-\x0b]\x00\x00\x00
    info negotiation accepted

match ms-wbt-server (?s)^\x03\x00\x00\x13\x0e\xd0\x00\x00..\x00\x03\x00\x08\x00
    info negotiation refused

match ms-wbt-server (?s)^\x03\x00\x00\x0b\x06\xd0\x00\x00..\x00$
    info standard RDP security only

# --- Files, news, chat, version control, telephony, Java

probe tcp null

match rsync ^@RSYNCD: (\d+)(?:\.\d+)?[ \n]
    info protocol version $1

match nntp ^200 (\S+) InterNetNews server INN ([\d.]+) ready
    product INN
    version $2
    host    $1
    cpe     cpe:2.3:a:isc:inn:$2

match nntp ^20[01] Leafnode NNTP Daemon, version ([\w.]+)
    product Leafnode
    version $1

soft nntp (?i)^20[01] [^\r\n]*(?:nntp|news)

soft irc ^:[^ \r\n]+ NOTICE (?:\*|AUTH) :\*\*\*

match svn ^\( success \( \d \d \( [^)]*\) \( [\w -]*edit-pipeline
    product Subversion
    cpe     cpe:2.3:a:apache:subversion

match asterisk ^Asterisk Call Manager/([\d.]+)\r\n
    product Asterisk Call Manager
    version $1
    cpe     cpe:2.3:a:digium:asterisk

probe tcp ajp-cping

match ajp13 ^AB\x00\x01\x09$
    product Apache Jserv
    info    Protocol v1.3

probe tcp jrmi

match java-rmi (?s)^\x4e\x00[\x01-\x40][\x20-\x7e]{1,64}\x00\x00..
    product Java RMI

# --- UDP

probe udp ntp-client

# Mode 4 (server), version 4 or 3, a 48-byte packet.
match ntp (?s)^[\x24\x64\xa4\xe4].{47}$
    info NTP v4

match ntp (?s)^[\x1c\x5c\x9c\xdc].{47}$
    info NTP v3

probe udp ntp-readvar

match ntp (?s)^[\x16\x0e\x1e\x26][\x82\xc2].{10}.*version="ntpd ntpsec-([\w.]+)
    product NTPsec
    version $1
    cpe     cpe:2.3:a:ntpsec:ntpsec:$1

match ntp (?s)^[\x16\x0e\x1e\x26][\x82\xc2].{10}.*version="ntpd (\d[\w.]*)@
    product NTP
    version $1
    cpe     cpe:2.3:a:ntp:ntp:$1

probe udp snmp-sysdescr

match snmp (?s)^0%{berlen}\x02\x01\x00\x04\x06public\xa2%{berlen}\x02\x01\x2a\x02\x01\x00\x02\x01\x00.*\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x04%{berlen}(Linux [^\x00]*)
    product SNMPv1 server
    info    $P(1)
    os      Linux
    cpe     cpe:2.3:o:linux:linux_kernel

match snmp (?s)^0%{berlen}\x02\x01\x00\x04\x06public\xa2%{berlen}\x02\x01\x2a\x02\x01\x00\x02\x01\x00.*\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x04%{berlen}(Cisco IOS Software[^\x00]*)
    product SNMPv1 server
    info    $P(1)
    os      IOS
    cpe     cpe:2.3:o:cisco:ios

match snmp (?s)^0%{berlen}\x02\x01\x00\x04\x06public\xa2%{berlen}\x02\x01\x2a\x02\x01\x00\x02\x01\x00.*\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x04%{berlen}(Hardware: [^\x00]*Windows[^\x00]*)
    product SNMPv1 server
    info    $P(1)
    os      Windows
    cpe     cpe:2.3:o:microsoft:windows

match snmp (?s)^0%{berlen}\x02\x01\x00\x04\x06public\xa2%{berlen}\x02\x01\x2a\x02\x01\x00\x02\x01\x00
    product SNMPv1 server
    info    public

probe udp ssdp-search

match upnp (?s)^HTTP/1\.1 200 OK\r\n.*?(?i:server): ?([^\r\n]*?) ?UPnP/([\d.]+) MiniUPnPd/([\d.]+)\r\n
    product MiniUPnP
    version $3
    info    $1; UPnP $2
    cpe     cpe:2.3:a:miniupnp_project:miniupnpd:$3

match upnp (?s)^HTTP/1\.1 200 OK\r\n.*?(?i:server): ?([^\r\n]*UPnP/[\d.]+[^\r\n]*)\r\n
    info $1
