package lab

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"time"
)

// Daemons that serve UDP: what -sU and UDP version detection are measured
// against.
const (
	DaemonSNMPD  DaemonKind = "snmpd"  // net-snmp's agent, read-only community SNMPCommunity
	DaemonNTPsec DaemonKind = "ntpsec" // NTPsec ntpd, unsynchronized, answering mode 6 queries
)

// udpDaemons are the kinds of this file, in the order AllDaemons lists
// them.
var udpDaemons = []DaemonKind{DaemonSNMPD, DaemonNTPsec}

// udpSpec returns the spec of a kind of this file.
func udpSpec(kind DaemonKind) (daemonSpec, bool) {
	switch kind {
	case DaemonSNMPD:
		return snmpdSpec, true
	case DaemonNTPsec:
		return ntpsecSpec, true
	}
	return daemonSpec{}, false
}

// SNMPCommunity is the read-only community snmpd answers, and SNMPSysDescr
// the sysDescr.0 it reports: uname-like, as an agent's default is, with the
// target's DNS name as the host.
const (
	SNMPCommunity = "public"
	SNMPSysDescr  = "Linux " + PTRTarget + " 6.1.0-picket-lab #1 SMP x86_64"
)

func udp(port uint16, service string) ServicePort {
	return ServicePort{Proto: "udp", Port: port, Service: service}
}

// snmpd: net-snmp's agent with a read-only community for every source
// (v1 and v2c, IPv4 and IPv6) and a fixed sysDescr; its persistent state
// (the engine's boots counter) lives in the run directory. It runs in the
// foreground as root, logging to stdout, without Debian's default config
// (-C).
var snmpdSpec = daemonSpec{
	pkg:   "snmpd",
	needs: []string{"/usr/sbin/snmpd"},
	ports: []ServicePort{udp(161, "snmp")},
	udpProbe: map[uint16]func(net.Conn) error{
		161: snmpReady,
	},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.mkdirs("state"); err != nil {
			return nil, err
		}
		if err := s.write("snmpd.conf", snmpdConfig, 0o600); err != nil {
			return nil, err
		}
		// Debian's options leave out the modules that need a running
		// system's services (smux, the trigger MIB).
		return []string{"/usr/sbin/snmpd", "-f", "-Lo", "-C", "-c", s.path("snmpd.conf"),
			"-p", s.path("snmpd.pid"), "-I", "-smux,mteTrigger,mteTriggerConf",
			"udp:161,udp6:161"}, nil
	},
}

const snmpdConfig = `[snmp] persistentDir {{.Dir}}/state
rocommunity ` + SNMPCommunity + ` default
rocommunity6 ` + SNMPCommunity + ` default
sysDescr ` + SNMPSysDescr + `
sysLocation picket lab
sysContact lab@` + ZoneName + `
sysServices 72
`

// snmpReady asks sysUpTime.0 with the lab's community, so the agent is
// known to answer before the tests speak to it.
func snmpReady(c net.Conn) error {
	req := []byte{
		0x30, 0x29, 0x02, 0x01, 0x00, // SNMPv1
		0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
		0xa0, 0x1c, 0x02, 0x04, 0x70, 0x69, 0x63, 0x6b, // GetRequest, request-id
		0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
		0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 3, 0, 0x05, 0x00, // sysUpTime.0
	}
	return udpAsk(c, req, func(r []byte) bool {
		return len(r) > 0 && r[0] == 0x30 && bytes.Contains(r, []byte{0x02, 0x04, 'p', 'i', 'c', 'k'})
	})
}

// ntpsec: ntpd with no upstream servers (so unsynchronized), answering
// clients (mode 3) and, for the lab's prefixes, mode 6 control queries such
// as ntpq's readvar: Debian's default "restrict default ... noquery" stays
// for everyone else, as an administrator opens queries to a management
// network. (A flagless "restrict default" does not open mode 6 in NTPsec
// 1.2.2; an address and mask do.) The clock is the host's:
// the discipline and the kernel loop are off and ntpd runs without
// CAP_SYS_TIME, so it cannot step, slew or retune the machine's clock.
var ntpsecSpec = daemonSpec{
	pkg:   "ntpsec",
	needs: []string{"/usr/sbin/ntpd", "setpriv"},
	ports: []ServicePort{udp(123, "ntp")},
	udpProbe: map[uint16]func(net.Conn) error{
		123: ntpReady,
	},
	setup: func(ctx context.Context, s *setup) ([]string, error) {
		if err := s.write("ntp.conf", ntpsecConfig, 0o644); err != nil {
			return nil, err
		}
		return []string{"setpriv", "--bounding-set=-sys_time", "--inh-caps=-sys_time", "--",
			"/usr/sbin/ntpd", "-n", "-c", s.path("ntp.conf"), "-p", s.path("ntpd.pid")}, nil
	},
}

const ntpsecConfig = `# No servers: the daemon answers as an unsynchronized server.
restrict default kod nomodify nopeer noquery limited
restrict 198.18.0.0 mask 255.254.0.0 nomodify
restrict fd00:: mask ff00:: nomodify
restrict 127.0.0.1
restrict ::1
disable ntp
disable kernel
disable stats
`

// ntpReady sends a client request (mode 3) and waits for the server's
// answer: ntpd opens a socket per address after it starts, and drops what
// reaches its wildcard socket until then.
func ntpReady(c net.Conn) error {
	req := make([]byte, 48)
	req[0] = 4<<3 | 3
	binary.BigEndian.PutUint64(req[40:], 0x7069636b65746c62)
	return udpAsk(c, req, func(r []byte) bool {
		return len(r) >= 48 && r[0]&7 == 4 && binary.BigEndian.Uint64(r[24:]) == 0x7069636b65746c62
	})
}

// udpAsk sends req on a connected UDP socket and waits briefly for a
// datagram that ok accepts.
func udpAsk(c net.Conn, req []byte, ok func([]byte) bool) error {
	if _, err := c.Write(req); err != nil {
		return err
	}
	c.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	buf := make([]byte, 2048)
	for range 8 {
		n, err := c.Read(buf)
		if err != nil {
			return err
		}
		if ok(buf[:n]) {
			return nil
		}
	}
	return errors.New("no answer to the readiness probe")
}

// udpReady runs a UDP readiness probe from inside the namespace.
func udpReady(ctx context.Context, ns *Namespace, c readyCheck) error {
	var conn net.Conn
	err := ns.Do(func() error {
		var err error
		conn, err = net.Dial("udp", c.addr.String())
		return err
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := c.probe(conn); err != nil {
		return fmt.Errorf("udp %s: %w", c.addr, err)
	}
	return nil
}
