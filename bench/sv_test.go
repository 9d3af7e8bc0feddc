package main

import (
	"testing"

	"github.com/picket-scanner/picket/internal/lab"
)

func TestVerdict(t *testing.T) {
	d := func(k lab.DaemonKind, v string) *lab.Daemon { return &lab.Daemon{Kind: k, Version: v} }
	for _, tc := range []struct {
		name string
		d    *lab.Daemon
		a    svAnswer
		want string
	}{
		{"version on the wire", d(lab.DaemonApache, "2.4.71-1~deb12u1"), svAnswer{"http", "Apache httpd", "2.4.71"}, "right"},
		{"wrong version", d(lab.DaemonApache, "2.4.71-1~deb12u1"), svAnswer{"http", "Apache httpd", "2.4.62"}, "wrong version"},
		{"none where the wire has one", d(lab.DaemonSquid, "5.7-2+deb12u6"), svAnswer{"http-proxy", "Squid http proxy", ""}, "no version"},
		{"a false range is invented", d(lab.DaemonSlapd, "2.5.13+dfsg-5"), svAnswer{"ldap", "OpenLDAP", "2.2.X - 2.3.X"}, "invented version"},
		{"a true range with X", d(lab.DaemonSamba, "2:4.17.12+dfsg-0+deb12u4"), svAnswer{"netbios-ssn", "Samba smbd", "3.X - 4.X"}, "right"},
		{"a made-up version", d(lab.DaemonSamba, "2:4.17.12+dfsg-0+deb12u4"), svAnswer{"netbios-ssn", "Samba smbd", "4.6.2"}, "invented version"},
		{"no product where none is sent", d(lab.DaemonTelnetd, "2:2.4-2+deb12u3"), svAnswer{"telnet", "", ""}, "no answer"},
		{"the service alone for rsync", d(lab.DaemonRsync, "3.5.0+ds1-0+deb12u1"), svAnswer{"rsync", "", ""}, "right"},
		{"rsync misnamed", d(lab.DaemonRsync, "3.5.0+ds1-0+deb12u1"), svAnswer{"unknown", "", ""}, "wrong service"},
		{"version in the service name", d(lab.DaemonMosquitto, "2.0.11-1.2+deb12u2"), svAnswer{"mosquitto version 2.0.11", "", ""}, "right"},
		{"mqtt with no product", d(lab.DaemonMosquitto, "2.0.11-1.2+deb12u2"), svAnswer{"mqtt", "", ""}, "no answer"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := verdict(tc.d, tc.a); got != tc.want {
				t.Errorf("verdict(%s %s, %+v) = %q, want %q", tc.d.Kind, tc.d.Version, tc.a, got, tc.want)
			}
		})
	}
}
