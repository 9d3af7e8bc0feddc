# SSH: the identification string every server sends first (RFC 4253
# §4.2): SSH-protoversion-softwareversion SP comments CR LF. Distribution
# builds of OpenSSH put their package revision in the comment.

probe tcp null

match ssh ^SSH-([\d.]+)-OpenSSH_([\w.]+) Debian-(\S+)\r?\n
    product OpenSSH
    version $2 Debian $3
    info    protocol $1
    os      Linux
    cpe     cpe:2.3:a:openbsd:openssh:$2
    cpe     cpe:2.3:o:linux:linux_kernel

match ssh ^SSH-([\d.]+)-OpenSSH_([\w.]+) Ubuntu-(\S+)\r?\n
    product OpenSSH
    version $2 Ubuntu $3
    info    Ubuntu Linux; protocol $1
    os      Linux
    cpe     cpe:2.3:a:openbsd:openssh:$2
    cpe     cpe:2.3:o:linux:linux_kernel

match ssh ^SSH-([\d.]+)-OpenSSH_([\w.]+) Raspbian-(\S+)\r?\n
    product OpenSSH
    version $2 Raspbian $3
    info    protocol $1
    os      Linux
    cpe     cpe:2.3:a:openbsd:openssh:$2
    cpe     cpe:2.3:o:linux:linux_kernel

match ssh ^SSH-([\d.]+)-OpenSSH_([\w.]+) FreeBSD-(\d+)\r?\n
    product OpenSSH
    version $2
    info    FreeBSD $3; protocol $1
    os      FreeBSD
    cpe     cpe:2.3:a:openbsd:openssh:$2
    cpe     cpe:2.3:o:freebsd:freebsd

match ssh ^SSH-([\d.]+)-OpenSSH_for_Windows_([\w.]+)\r?\n
    product OpenSSH
    version for_Windows_$2
    info    protocol $1
    os      Windows
    cpe     cpe:2.3:a:openbsd:openssh:$2
    cpe     cpe:2.3:o:microsoft:windows

match ssh ^SSH-([\d.]+)-OpenSSH_([\w.]+)[ \r\n]
    product OpenSSH
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:openbsd:openssh:$2

match ssh ^SSH-([\d.]+)-dropbear_([\w.]+)\r?\n
    product Dropbear sshd
    version $2
    info    protocol $1
    os      Linux
    cpe     cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:$2
    cpe     cpe:2.3:o:linux:linux_kernel

match ssh ^SSH-([\d.]+)-dropbear\r?\n
    product Dropbear sshd
    info    protocol $1
    os      Linux
    cpe     cpe:2.3:a:dropbear_ssh_project:dropbear_ssh
    cpe     cpe:2.3:o:linux:linux_kernel

match ssh ^SSH-([\d.]+)-libssh[_-]([\w.]+)\r?\n
    product libssh
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:libssh:libssh:$2

match ssh ^SSH-([\d.]+)-Cisco-([\d.]+)\r?\n
    product Cisco SSH
    version $2
    info    protocol $1
    os      IOS
    cpe     cpe:2.3:o:cisco:ios

match ssh ^SSH-([\d.]+)-ROSSSH\r?\n
    product MikroTik RouterOS sshd
    info    protocol $1
    os      RouterOS
    device  router
    cpe     cpe:2.3:o:mikrotik:routeros

match ssh ^SSH-([\d.]+)-Go\r?\n
    product Golang x/crypto/ssh server
    info    protocol $1

match ssh ^SSH-([\d.]+)-paramiko_([\w.]+)\r?\n
    product Paramiko Python sshd
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:paramiko:paramiko:$2

match ssh ^SSH-([\d.]+)-AsyncSSH_([\w.]+)\r?\n
    product AsyncSSH sshd
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:asyncssh_project:asyncssh:$2

match ssh ^SSH-([\d.]+)-(?:SSHD-CORE|APACHE-SSHD)-([\w.-]+)\r?\n
    product Apache Mina sshd
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:apache:sshd:$2

match ssh ^SSH-([\d.]+)-WeOnlyDo(?:-wodFTPD)? ([\d.]+)\r?\n
    product WeOnlyDo sshd
    version $2
    info    protocol $1
    os      Windows
    cpe     cpe:2.3:o:microsoft:windows

match ssh ^SSH-([\d.]+)-[\d.]+ FlowSsh: Bitvise SSH Server \(WinSSHD\) ([\d.]+)
    product Bitvise WinSshd
    version $2
    info    protocol $1
    os      Windows
    cpe     cpe:2.3:a:bitvise:winsshd:$2
    cpe     cpe:2.3:o:microsoft:windows

match ssh ^SSH-([\d.]+)-([\d.]+) SSH Tectia Server
    product SSH Tectia Server
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:ssh:tectia_server:$2

match ssh ^SSH-([\d.]+)-HUAWEI-([\d.]+)\r?\n
    product Huawei VRP sshd
    info    protocol $1
    os      VRP
    cpe     cpe:2.3:o:huawei:vrp

match ssh ^SSH-([\d.]+)-Sun_SSH_([\d.]+)\r?\n
    product SunSSH
    version $2
    info    protocol $1
    os      Solaris
    cpe     cpe:2.3:a:sun:sunssh:$2
    cpe     cpe:2.3:o:sun:sunos

match ssh ^SSH-([\d.]+)-mpSSH_([\w.]+)\r?\n
    product HP Integrated Lights-Out mpSSH
    version $2
    info    protocol $1
    device  remote management

match ssh ^SSH-([\d.]+)-RomSShell_([\w.]+)\r?\n
    product Allegro RomSShell sshd
    version $2
    info    protocol $1

match ssh ^SSH-([\d.]+)-CrushFTPSSHD\r?\n
    product CrushFTP sftpd
    info    protocol $1
    cpe     cpe:2.3:a:crushftp:crushftp

match ssh ^SSH-([\d.]+)-Serv-U_([\d.]+)\r?\n
    product Serv-U SSH Server
    version $2
    info    protocol $1
    os      Windows
    cpe     cpe:2.3:a:solarwinds:serv-u:$2

match ssh ^SSH-([\d.]+)-Twisted_([\w.]+)\r?\n
    product Twisted sshd
    version $2
    info    protocol $1
    cpe     cpe:2.3:a:twistedmatrix:twisted:$2

match ssh ^SSH-([\d.]+)-Twisted\r?\n
    product Twisted sshd
    info    protocol $1
    cpe     cpe:2.3:a:twistedmatrix:twisted

# Any other implementation: the protocol is certain, the product is not.
soft ssh ^SSH-(\d\.\d+)-[\x21-\x2c\x2e-\x7e]
    info protocol $1
