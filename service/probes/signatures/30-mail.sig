# Mail: SMTP's 220 greeting (RFC 5321 §4.2), POP3's +OK greeting
# (RFC 1939), IMAP's untagged OK (RFC 9051 §7.1). Postfix and Dovecot keep
# their versions to themselves by default; only the product is known.

probe tcp null

# --- SMTP ---

match smtp ^220[- ](\S+) ESMTP Postfix \((Debian/GNU|Ubuntu)\)\r?\n
    product Postfix smtpd
    host    $1
    os      Linux
    cpe     cpe:2.3:a:postfix:postfix
    cpe     cpe:2.3:o:linux:linux_kernel

match smtp ^220[- ](\S+) ESMTP Postfix
    product Postfix smtpd
    host    $1
    cpe     cpe:2.3:a:postfix:postfix

match smtp ^220[- ](\S+) ESMTP Exim (\d[\w.]*) Ubuntu
    product Exim smtpd
    version $2
    host    $1
    os      Linux
    cpe     cpe:2.3:a:exim:exim:$2
    cpe     cpe:2.3:o:linux:linux_kernel

match smtp ^220[- ](\S+) ESMTP Exim (\d[\w.]*)
    product Exim smtpd
    version $2
    host    $1
    cpe     cpe:2.3:a:exim:exim:$2

match smtp ^220[- ](\S+) ESMTP Sendmail (\d[\w.]*)/[\w.]+;
    product Sendmail
    version $2
    host    $1
    cpe     cpe:2.3:a:sendmail:sendmail:$2

match smtp ^220[- ](\S+) ESMTP Sendmail
    product Sendmail
    host    $1
    cpe     cpe:2.3:a:sendmail:sendmail

match smtp ^220[- ](\S+) Microsoft ESMTP MAIL Service ready at
    product Microsoft Exchange smtpd
    host    $1
    os      Windows
    cpe     cpe:2.3:a:microsoft:exchange_server
    cpe     cpe:2.3:o:microsoft:windows

match smtp ^220[- ](\S+) Microsoft ESMTP MAIL Service, Version: ([\d.]+) ready
    product Microsoft ESMTP
    version $2
    host    $1
    os      Windows
    cpe     cpe:2.3:a:microsoft:internet_information_services
    cpe     cpe:2.3:o:microsoft:windows

match smtp ^220[- ](\S+) ESMTP OpenSMTPD
    product OpenSMTPD
    host    $1
    cpe     cpe:2.3:a:openbsd:opensmtpd

match smtp ^220[- ](\S+) ESMTP Haraka[/ ]([\d.]+) ready
    product Haraka smtpd
    version $2
    host    $1

match smtp ^220[- ](\S+) ESMTP MDaemon ([\d.]+);
    product MDaemon smtpd
    version $2
    host    $1
    os      Windows
    cpe     cpe:2.3:o:microsoft:windows

match smtp ^220 (\S+) Kerio Connect ([\d.]+(?: patch \d+)?) ESMTP ready
    product Kerio Connect smtpd
    version $2
    host    $1
    cpe     cpe:2.3:a:kerio:connect:$2

match smtp ^220 (\S+) ESMTP Service \(Lotus Domino Release ([\w.]+)\) ready
    product Lotus Domino smtpd
    version $2
    host    $1
    cpe     cpe:2.3:a:ibm:lotus_domino:$2

match smtp ^220 (\S+) ESMTP MailEnable Service, Version: ([\w.-]+) ready
    product MailEnable smtpd
    version $2
    host    $1
    os      Windows
    cpe     cpe:2.3:a:mailenable:mailenable:$2
    cpe     cpe:2.3:o:microsoft:windows

match smtp ^220[- ](\S+) ESMTP CommuniGate Pro ([\d.]+)
    product CommuniGate Pro smtpd
    version $2
    host    $1
    cpe     cpe:2.3:a:stalker:communigate_pro:$2

match smtp ^220 (\S+) Axigen ESMTP ready
    product Axigen smtpd
    host    $1
    cpe     cpe:2.3:a:axigen:axigen_mail_server

match smtp ^220 mx\.google\.com ESMTP
    product Google gsmtp
    host    mx.google.com

match smtp ^220[- ](\S+) ESMTP Courier
    product Courier smtpd
    host    $1

soft smtp (?i)^220[- ][^\r\n]*smtp

# --- POP3 ---

match pop3 ^\+OK Dovecot \((Debian|Ubuntu)\) ready\.\r?\n
    product Dovecot pop3d
    os      Linux
    cpe     cpe:2.3:a:dovecot:dovecot
    cpe     cpe:2.3:o:linux:linux_kernel

match pop3 ^\+OK (?:\[[^\]\r\n]*\] )?Dovecot ready\.\r?\n
    product Dovecot pop3d
    cpe     cpe:2.3:a:dovecot:dovecot

match pop3 ^\+OK Hello there\.
    product Courier pop3d
    cpe     cpe:2.3:a:courier-mta:courier-imap

match pop3 ^\+OK (\S+) Cyrus POP3 (?:Murder )?v?(\d[\w.-]*) server ready
    product Cyrus pop3d
    version $2
    host    $1
    cpe     cpe:2.3:a:cmu:cyrus_imap_server:$2

match pop3 ^\+OK Qpopper \(version ([\w.]+)\) at (\S+) starting\.
    product Qpopper pop3d
    version $1
    host    $2
    cpe     cpe:2.3:a:qualcomm:qpopper:$1

match pop3 ^\+OK The Microsoft Exchange POP3 service is ready\.
    product Microsoft Exchange pop3d
    os      Windows
    cpe     cpe:2.3:a:microsoft:exchange_server
    cpe     cpe:2.3:o:microsoft:windows

match pop3 ^\+OK POP3 (\S+) v(\d[\w.]+) server ready
    product UW pop3d
    version $2
    host    $1

match pop3 ^\+OK (\S+) Zimbra POP3 server ready
    product Zimbra pop3d
    host    $1
    cpe     cpe:2.3:a:synacor:zimbra_collaboration_suite

match pop3 ^\+OK (\S+) POP MDaemon ([\w.]+) ready
    product MDaemon pop3d
    version $2
    host    $1
    os      Windows
    cpe     cpe:2.3:o:microsoft:windows

soft pop3 ^\+OK[ \r\n]

# --- IMAP ---

match imap ^\* OK (?:\[[^\]\r\n]*\] )?Dovecot \((Debian|Ubuntu)\) ready\.\r?\n
    product Dovecot imapd
    os      Linux
    cpe     cpe:2.3:a:dovecot:dovecot
    cpe     cpe:2.3:o:linux:linux_kernel

match imap ^\* OK (?:\[[^\]\r\n]*\] )?Dovecot ready\.\r?\n
    product Dovecot imapd
    cpe     cpe:2.3:a:dovecot:dovecot

match imap ^\* OK (?:\[[^\]\r\n]*\] )?Courier-IMAP ready\.
    product Courier Imapd
    cpe     cpe:2.3:a:courier-mta:courier-imap

match imap ^\* OK (?:\[[^\]\r\n]*\] )?(\S+) Cyrus IMAP (?:Murder )?v?(\d[\w.-]*) server ready
    product Cyrus imapd
    version $2
    host    $1
    cpe     cpe:2.3:a:cmu:cyrus_imap_server:$2

match imap ^\* OK (?:\[[^\]\r\n]*\] )?(\S+) IMAP4rev1 (20\d\d[\w.]+) at\x20
    product UW imapd
    version $2
    host    $1
    cpe     cpe:2.3:a:university_of_washington:imap:$2

match imap ^\* OK (?:\[[^\]\r\n]*\] )?The Microsoft Exchange IMAP4 service is ready\.
    product Microsoft Exchange imapd
    os      Windows
    cpe     cpe:2.3:a:microsoft:exchange_server
    cpe     cpe:2.3:o:microsoft:windows

match imap ^\* OK (?:\[[^\]\r\n]*\] )?(\S+) Zimbra IMAP4rev1 server ready
    product Zimbra imapd
    host    $1
    cpe     cpe:2.3:a:synacor:zimbra_collaboration_suite

match imap ^\* OK Gimap ready
    product Google Gmail imapd

soft imap ^\* OK[ \[]

# A CAPABILITY list in the greeting names IMAP even when the text is
# custom.
match imap ^\* OK \[CAPABILITY [^\]\r\n]*IMAP4rev1
