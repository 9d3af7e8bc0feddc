# picket's own signatures: directory, file sharing, brokers, remote shells.
#
# Written for picket from the protocols' specifications and the bytes
# Debian 12's servers send in picket's lab (internal/lab); nothing here is
# taken from Nmap's nmap-service-probes.

# --- LDAP: an anonymous search of the root DSE (RFC 4511 4.5.1: base "",
# scope base, filter (objectClass=*)), asking for objectClass, vendorName
# and vendorVersion (RFC 3045). Servers answer it without a bind.

probe tcp ldap-rootdse
    send      "\x30\x4d\x02\x01\x01\x63\x48\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x00\x01\x01\x00\x87\x0bobjectClass\x30\x28\x04\x0bobjectClass\x04\x0avendorName\x04\x0dvendorVersion"
    ports     389,3268
    tls-ports 636,3269
    rarity    6

# The searchResEntry (0x64) of message 1: the root DSE's own object class
# names the server.
match ldap (?s)^\x30%{berlen}\x02\x01\x01\x64.*\x04\x0fOpenLDAProotDSE
    product OpenLDAP
    cpe     cpe:2.3:a:openldap:openldap

match ldap (?s)^\x30%{berlen}\x02\x01\x01\x64.*\x04\x0avendorName1%{berlen}\x04\x0aSamba Team.*\x04\x0dvendorVersion1%{berlen}\x04.(\d[\w.]*)-Debian
    product Samba AD DC
    version $1
    os      Linux
    cpe     cpe:2.3:a:samba:samba:$1

match ldap (?s)^\x30%{berlen}\x02\x01\x01\x64.*\x04\x0avendorName1%{berlen}\x04\x0aSamba Team.*\x04\x0dvendorVersion1%{berlen}\x04.(\d[\w.]*)
    product Samba AD DC
    version $1
    cpe     cpe:2.3:a:samba:samba:$1

# Any LDAP answer to message 1: an entry, or a searchResDone refusing it.
soft ldap (?s)^\x30%{berlen}\x02\x01\x01[\x64\x65]

# --- SMB: an SMB1 NEGOTIATE offering NT LM 0.12, SMB 2.002 and SMB 2.???,
# as Windows clients open ([MS-SMB2] 3.3.5.3.1): an SMB2 server answers in
# SMB2, an SMB1-only server in SMB1.

probe tcp smb-negotiate
    send   "\x00\x00\x00\x45\xffSMBr\x00\x00\x00\x00\x18\x01\xc0\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\xff\xfe\x00\x00\x00\x00\x00\x22\x00\x02NT LM 0.12\x00\x02SMB 2.002\x00\x02SMB 2.???\x00"
    ports  445
    rarity 6

# Samba's SMB2 NEGOTIATE response carries, as its server GUID, its NetBIOS
# name in lower case padded with zeros (Windows sends a random GUID).
match microsoft-ds (?s)^\x00..[\x00-\xff]\xfeSMB\x40\x00.{58}\x41\x00[\x00-\x03]\x00.[\x02\x03]..[a-z0-9][a-z0-9._-]{0,14}\x00
    product Samba smbd
    cpe     cpe:2.3:a:samba:samba

soft microsoft-ds (?s)^\x00..[\x00-\xff]\xfeSMB\x40\x00
soft microsoft-ds (?s)^\x00..[\x00-\xff]\xffSMBr

# --- Telnet: each implementation opens its option negotiation in its own
# order (RFC 854/855); the banner, where one follows, can say more.

probe tcp null

# GNU inetutils telnetd: WILL AUTHENTICATION, WILL ENCRYPT, then DO TTYPE,
# TSPEED, XDISPLOC, NEW-ENVIRON.
match telnet (?s)^\xff\xfb\x25\xff\xfb\x26\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27
    product GNU inetutils telnetd
    cpe     cpe:2.3:a:gnu:inetutils

# netkit telnetd (Debian's telnetd before inetutils): DO TTYPE, TSPEED,
# XDISPLOC, NEW-ENVIRON without the authentication offers.
match telnet (?s)^\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27
    product Linux telnetd
    os      Linux
    cpe     cpe:2.3:o:linux:linux_kernel
