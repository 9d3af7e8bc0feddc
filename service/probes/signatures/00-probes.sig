# picket's own signatures: the probes.
#
# Written for picket from the protocols' specifications and from what the
# servers send; nothing here is taken from Nmap's nmap-service-probes. The
# format is described in own.go (ParseOwn). The files load in name order
# as one database: this one first, as it defines the probes and the
# pattern fragments the others use.

# Printers print whatever a probe sends them (PJL, LPD): leave them alone,
# unless the user asks for every port.
exclude T:9100-9107

# --- pattern fragments ---------------------------------------------------

# An HTTP response up to the header of interest: the status line, then
# header lines, never past the blank line that ends the header.
define http    ^HTTP/1\.[01] \d\d\d[^\r\n]*\r\n(?:[^\r\n]+\r\n)*?
# The value of a Server header, case-insensitive name.
define server  %{http}(?i:server):[ \t]*
# A DNS answer to the version.bind query below (ID "pi"), from its
# header to the TXT string, whose text the patterns capture. Binary
# patterns start with (?s), so that '.' matches any byte.
define vbind   pi[\x80-\x87].\x00\x01\x00\x01\x00.\x00.\x07(?i:version)\x04(?i:bind)\x00\x00\x10\x00\x03\xc0\x0c\x00\x10\x00\x03.{4}..
# A BER length, short or long form.
define berlen  (?:[\x00-\x7f]|\x81[\x80-\xff]|\x82..)

# --- TCP -----------------------------------------------------------------

# Listen only: most line-based services greet first.
probe tcp null
    wait    5s
    wrapped 3s

probe tcp http-get
    send      "GET / HTTP/1.0\r\n\r\n"
    ports     80,81,591,2080,2480,3000,3128,4567,5000,5104,5800,5984,5985,6060,7001,7080,7777,8000-8010,8060,8080-8090,8118,8123,8180,8181,8222,8443,8500,8834,8888,9000,9080,9090,9200,9443,9999,10000,11371
    tls-ports 443,4443,5986,8443,9443,10443
    rarity    1

# Two empty lines: line-based services answer with an error that names
# them; HTTP servers answer 400 with their Server header, hence the
# fallback.
probe tcp crlf
    send     "\r\n\r\n"
    ports    21,23,25,110,119,143,220,465,587,993,995,5222
    rarity   1
    fallback http-get

# A TLS 1.2 ClientHello (no SNI; ECDHE and RSA suites, x25519 and the NIST
# curves; a fixed random, as nothing is negotiated). Any TLS server answers
# with a ServerHello or an alert.
probe tcp tls-hello
    send      "\x16\x03\x01\x00\x71\x01\x00\x00\x6d\x03\x03\x00\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x1c\x1d\x1e\x1f\x00\x00\x18\xc0\x2b\xc0\x2f\xc0\x2c\xc0\x30\xcc\xa9\xcc\xa8\x00\x9c\x00\x9d\x00\x2f\x00\x35\x00\x0a\x00\xff\x01\x00\x00\x2c\x00\x0a\x00\x08\x00\x06\x00\x1d\x00\x17\x00\x18\x00\x0b\x00\x02\x01\x00\x00\x0d\x00\x16\x00\x14\x04\x03\x05\x03\x06\x03\x08\x04\x08\x05\x08\x06\x04\x01\x05\x01\x06\x01\x02\x01"
    ports     261,443,448,465,563,585,614,636,989,990,992-995,1311,2083,2087,2096,2376,3269,4443,5061,5986,6443,6679,6697,8443,8531,8883,9443,10443
    rarity    1

# DNS over TCP: the version.bind TXT query of class CHAOS that BIND,
# Unbound, Knot, NSD, PowerDNS and dnsmasq answer with their version.
probe tcp dns-version
    send     "\x00\x1epi\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04bind\x00\x00\x10\x00\x03"
    ports    53
    rarity   8

# Redis speaks RESP; an inline command is enough.
probe tcp redis-info
    send   "INFO server\r\n"
    ports  6379,6380,16379,26379
    rarity 8

probe tcp memcached-version
    send   "version\r\n"
    ports  11211
    rarity 8

# A PostgreSQL StartupMessage (protocol 3.0) with no user: the server
# refuses it with an ErrorResponse (SQLSTATE 28000) before any
# authentication is tried.
probe tcp pg-startup
    send   "\x00\x00\x00\x09\x00\x03\x00\x00\x00"
    ports  5432,5433
    rarity 8

# AMQP 0-9-1 protocol header: a broker answers with Connection.Start,
# whose server-properties name the product and version.
probe tcp amqp-header
    send   "AMQP\x00\x00\x09\x01"
    ports  5671,5672
    rarity 8

# MQTT 3.1.1 CONNECT, clean session, client id "picket", and a SUBSCRIBE
# to $SYS/broker/version, where Mosquitto keeps its version (retained).
probe tcp mqtt-connect
    send      "\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06picket\x82\x18\x00\x01\x00\x13$SYS/broker/version\x00"
    ports     1883
    tls-ports 8883
    rarity    8

# Apache JServ Protocol 1.3 CPing; a servlet container answers CPong.
probe tcp ajp-cping
    send   "\x12\x34\x00\x01\x0a"
    ports  8009
    rarity 8

# An X.224 Connection Request with an RDP Negotiation Request for TLS and
# CredSSP.
probe tcp rdp-negotiate
    send   "\x03\x00\x00\x13\x0e\xe0\x00\x00\x00\x00\x00\x01\x00\x08\x00\x03\x00\x00\x00"
    ports  3389
    rarity 8

# Java RMI JRMP header, stream protocol.
probe tcp jrmi
    send   "JRMI\x00\x02\x4b"
    ports  1098,1099,1199
    rarity 8

# ZooKeeper's "srvr" four-letter word, on its default allow list.
probe tcp zk-srvr
    send   "srvr"
    ports  2181
    rarity 8

# clamd's VERSION command, in its NUL-terminated form.
probe tcp clamd-version
    send   "zVERSION\x00"
    ports  3310
    rarity 8

# --- UDP -----------------------------------------------------------------

probe udp dns-version
    send   "pi\x01\x00\x00\x01\x00\x00\x00\x00\x00\x00\x07version\x04bind\x00\x00\x10\x00\x03"
    ports  53,5353
    rarity 1

# An NTPv4 client request (mode 3), all else zero.
probe udp ntp-client
    send   "\x23\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    ports  123
    rarity 3

# An NTP mode 6 READVAR of the system variables, which carry the daemon's
# version string where the server allows queries.
probe udp ntp-readvar
    send   "\x16\x02\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00"
    ports  123
    rarity 8

# SNMPv1 GetRequest for sysDescr.0 with the community "public".
probe udp snmp-sysdescr
    send   "\x30\x26\x02\x01\x00\x04\x06public\xa0\x19\x02\x01\x2a\x02\x01\x00\x02\x01\x00\x30\x0e\x30\x0c\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00\x05\x00"
    ports  161
    rarity 4

# SSDP discovery, answered by UPnP devices with their SERVER string.
probe udp ssdp-search
    send   "M-SEARCH * HTTP/1.1\r\nHOST: 239.255.255.250:1900\r\nMAN: \"ssdp:discover\"\r\nMX: 1\r\nST: ssdp:all\r\n\r\n"
    ports  1900
    rarity 6
