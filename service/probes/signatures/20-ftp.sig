# FTP: the 220 greeting (RFC 959). Servers that hide their name in it can
# still be recognised by the text of their other replies.

probe tcp null

match ftp ^220 \(vsFTPd (\d[\w.]*)\)\r?\n
    product vsftpd
    version $1
    os      Unix
    cpe     cpe:2.3:a:beasts:vsftpd:$1

match ftp ^220 ProFTPD (\d[\w.]*) Server \((Debian|Ubuntu)\)
    product ProFTPD
    version $1
    info    $2
    os      Linux
    cpe     cpe:2.3:a:proftpd:proftpd:$1
    cpe     cpe:2.3:o:linux:linux_kernel

match ftp ^220 ProFTPD (\d[\w.]*) Server \(([^)\r\n]*)\)
    product ProFTPD
    version $1
    info    $2
    cpe     cpe:2.3:a:proftpd:proftpd:$1

match ftp ^220 ProFTPD Server \((Debian|Ubuntu)\)
    product ProFTPD
    info    $1
    os      Linux
    cpe     cpe:2.3:a:proftpd:proftpd
    cpe     cpe:2.3:o:linux:linux_kernel

match ftp ^220 ProFTPD Server \(([^)\r\n]*)\)
    product ProFTPD
    info    $1
    cpe     cpe:2.3:a:proftpd:proftpd

match ftp ^220-+ Welcome to Pure-FTPd
    product Pure-FTPd
    cpe     cpe:2.3:a:pureftpd:pure-ftpd

match ftp ^220-FileZilla Server (?:version )?(\d[\w.]*)
    product FileZilla ftpd
    version $1
    os      Windows
    cpe     cpe:2.3:a:filezilla-project:filezilla_server:$1
    cpe     cpe:2.3:o:microsoft:windows

match ftp ^220[- ]Microsoft FTP Service\r?\n
    product Microsoft ftpd
    os      Windows
    cpe     cpe:2.3:a:microsoft:internet_information_services
    cpe     cpe:2.3:o:microsoft:windows

match ftp ^220[- ]Serv-U FTP Server v(\d[\w.]*)\x20
    product Serv-U ftpd
    version $1
    os      Windows
    cpe     cpe:2.3:a:solarwinds:serv-u:$1
    cpe     cpe:2.3:o:microsoft:windows

match ftp ^220[- ](\S+) FTP server \(Version (wu-[\w.()-]+)
    product WU-FTPD
    version $2
    host    $1

match ftp ^220 (\S+) FTP server \(GNU inetutils ([\d.]+)\) ready\.
    product GNU Inetutils FTPd
    version $2
    host    $1
    cpe     cpe:2.3:a:gnu:inetutils:$2

match ftp ^220 bftpd (\d[\w.]*) at\x20
    product bftpd
    version $1
    cpe     cpe:2.3:a:bftpd_project:bftpd:$1

match ftp ^220 (\S+) FTP server \(MikroTik ([\w.]+)\) ready
    product MikroTik router ftpd
    version $2
    host    $1
    os      RouterOS
    device  router
    cpe     cpe:2.3:o:mikrotik:routeros:$2

match ftp ^220 pyftpdlib (\d[\w.]*) ready\.
    product pyftpdlib
    version $1
    cpe     cpe:2.3:a:pyftpdlib_project:pyftpdlib:$1

match ftp ^220[- ]Wing FTP Server
    product Wing FTP Server
    cpe     cpe:2.3:a:wftpserver:wing_ftp_server

match ftp ^220[- ]CrushFTP
    product CrushFTP ftpd
    cpe     cpe:2.3:a:crushftp:crushftp

match ftp ^220[- ]Xlight FTP Server
    product Xlight ftpd
    os      Windows

match ftp ^220[- ]Cerberus FTP Server
    product Cerberus ftpd
    os      Windows
    cpe     cpe:2.3:a:cerberusftp:ftp_server

match ftp ^220 Twisted (\d[\w.]*) FTP Server\r?\n
    product Twisted ftpd
    version $1
    cpe     cpe:2.3:a:twistedmatrix:twisted:$1

soft ftp (?i)^220[- ][^\r\n]*\bftp
