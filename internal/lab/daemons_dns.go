package lab

import (
	"context"
)

// bind9: named with Debian's options (DNSSEC validation, recursion for
// local networks, version.bind left to answer), the localhost zones, and
// ZoneName served authoritatively with the target's addresses, and the
// reverse zone of the lab's links (18.198.in-addr.arpa) naming the target
// PTRTarget. It runs as root, in the foreground with logging to stderr.
var bind9Spec = daemonSpec{
	pkg:   "bind9",
	needs: []string{"/usr/sbin/named"},
	ports: []ServicePort{tcp(53, "domain"), {Proto: "udp", Port: 53, Service: "domain"}},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.write("db."+ZoneName, bind9Zone, 0o644); err != nil {
			return nil, err
		}
		if err := s.write("db.18.198", bind9Reverse, 0o644); err != nil {
			return nil, err
		}
		if err := s.write("named.conf", bind9Config, 0o644); err != nil {
			return nil, err
		}
		return []string{"/usr/sbin/named", "-g", "-c", s.path("named.conf")}, nil
	},
}

// bind9Config is Debian's named.conf.options with every path that
// defaults under /run or /var/cache moved to the run directory, and no
// control channel (it would need /etc/bind/rndc.key).
const bind9Config = `options {
	directory "{{.Dir}}";
	pid-file "{{.Dir}}/named.pid";
	lock-file "{{.Dir}}/named.lock";
	session-keyfile "{{.Dir}}/session.key";
	managed-keys-directory "{{.Dir}}";
	dnssec-validation auto;
	listen-on { any; };
	listen-on-v6 { any; };
};

controls { };

zone "localhost" {
	type master;
	file "/etc/bind/db.local";
};

zone "127.in-addr.arpa" {
	type master;
	file "/etc/bind/db.127";
};

zone "` + ZoneName + `" {
	type master;
	file "{{.Dir}}/db.` + ZoneName + `";
};

zone "18.198.in-addr.arpa" {
	type master;
	file "{{.Dir}}/db.18.198";
};
`

// PTRTarget is the name the lab's bind9 gives the target's address, and
// PTRAbsent the one it gives Target.AbsentAddr.
const (
	PTRTarget = "www." + ZoneName
	PTRAbsent = "gone." + ZoneName
)

const bind9Reverse = `$TTL 3600
@	IN	SOA	ns.` + ZoneName + `. hostmaster.` + ZoneName + `. 1 3600 900 604800 300
	IN	NS	ns.` + ZoneName + `.
{{.PTRName}}	IN	PTR	` + PTRTarget + `.
{{.PTRAbsent}}	IN	PTR	` + PTRAbsent + `.
`

const bind9Zone = `$TTL 3600
@	IN	SOA	ns.` + ZoneName + `. hostmaster.` + ZoneName + `. 1 3600 900 604800 300
	IN	NS	ns
	IN	MX	10 mail
	IN	A	{{.Addr}}
	IN	AAAA	{{.Addr6}}
ns	IN	A	{{.Addr}}
ns	IN	AAAA	{{.Addr6}}
www	IN	A	{{.Addr}}
www	IN	AAAA	{{.Addr6}}
mail	IN	A	{{.Addr}}
mail	IN	AAAA	{{.Addr6}}
`
