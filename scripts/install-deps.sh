#!/usr/bin/env bash
# Installs the Debian packages that picket's tests, lab and benchmarks need.
# Safe to run again: apt-get skips what is present. Needs root.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (the lab needs network namespaces and the packages need apt)" >&2
	exit 1
fi

packages=(
	# the lab: namespaces, veth, firewall rules, captures
	iproute2 iptables tcpdump procps
	# real servers the lab starts inside namespaces
	openssh-server nginx-light vsftpd redis-server postgresql mariadb-server
	postfix dovecot-imapd dovecot-pop3d bind9 openssl
	# UDP servers: an SNMP agent, an NTP server (ntpd's clock discipline
	# stays off in the lab; see internal/lab/daemons_udp.go)
	snmpd ntpsec
	memcached mosquitto rsync dropbear-bin slapd samba tigervnc-standalone-server
	inetutils-inetd inetutils-telnetd apache2 lighttpd squid tinyproxy
	# consumers of picket's output and peers for benchmarks
	nmap ndiff masscan libxml2-utils xsltproc python3-libnmap
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

# Daemons must not start in the root namespace when installed: the lab starts
# its own copies inside namespaces. policy-rc.d answering 101 forbids it.
policy=/usr/sbin/policy-rc.d
made_policy=0
if [ ! -e "$policy" ]; then
	printf '#!/bin/sh\nexit 101\n' >"$policy"
	chmod 755 "$policy"
	made_policy=1
fi
trap '[ "$made_policy" = 1 ] && rm -f "$policy"' EXIT

export DEBIAN_FRONTEND=noninteractive
echo "postfix postfix/main_mailer_type select Local only" | debconf-set-selections
echo "postfix postfix/mailname string lab.picket.test" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
