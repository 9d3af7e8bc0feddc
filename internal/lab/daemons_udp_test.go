package lab

import (
	"bytes"
	"encoding/binary"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"
)

// udpDaemonChecks speak the UDP daemons' protocols from the scanner, as
// daemonChecks do for the others.
var udpDaemonChecks = map[DaemonKind]func(t *testing.T, r daemonReach){
	DaemonSNMPD: func(t *testing.T, r daemonReach) {
		// GetRequest sysDescr.0, SNMPv1, community public.
		req := []byte{
			0x30, 0x29, 0x02, 0x01, 0x00, 0x04, 0x06, 'p', 'u', 'b', 'l', 'i', 'c',
			0xa0, 0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
			0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 6, 1, 2, 1, 1, 1, 0, 0x05, 0x00,
		}
		for _, a := range r.addrs() {
			reply := r.askUDP(t, a, 161, req)
			if !bytes.Contains(reply, []byte(SNMPSysDescr)) {
				t.Errorf("sysDescr.0 from %s: %q; want %q", a, reply, SNMPSysDescr)
			}
			t.Logf("%s: %d bytes, sysDescr %q", a, len(reply), SNMPSysDescr)
		}
	},
	DaemonNTPsec: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			req := make([]byte, 48)
			req[0] = 4<<3 | 3
			binary.BigEndian.PutUint64(req[40:], 0x0102030405060708)
			reply := r.askUDP(t, a, 123, req)
			if len(reply) < 48 || reply[0]&7 != 4 || binary.BigEndian.Uint64(reply[24:]) != 0x0102030405060708 {
				t.Errorf("client request to %s: answer % x", a, reply)
			}
			// Mode 6 READVAR of the system variable "version".
			q := append([]byte{0x16, 0x02, 0x00, 0x07, 0, 0, 0, 0, 0, 0, 0, 7}, "version\x00"...)
			reply = r.askUDP(t, a, 123, q)
			want := `version="ntpd ntpsec-` + r.d.Upstream()
			if !strings.Contains(string(reply), want) {
				t.Errorf("readvar version from %s: %q; want %s", a, reply, want)
			}
			t.Logf("%s: mode 6 %q", a, reply[min(len(reply), 12):])
		}
	},
}

// askUDP sends one datagram from the scanner's namespace and returns the
// first answer.
func (r daemonReach) askUDP(t *testing.T, addr netip.Addr, port uint16, req []byte) []byte {
	t.Helper()
	var c net.Conn
	err := r.l.Scanner.Do(func() error {
		var err error
		c, err = net.Dial("udp", netip.AddrPortFrom(addr, port).String())
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	buf := make([]byte, 4096)
	for try := 0; try < 3; try++ {
		if _, err := c.Write(req); err != nil {
			t.Fatalf("%s: send to %s port %d: %v", r.d.Kind, addr, port, err)
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		if n, err := c.Read(buf); err == nil {
			return buf[:n]
		}
	}
	t.Fatalf("%s: no answer from %s port %d to % x\n%s", r.d.Kind, addr, port, req[:min(len(req), 16)], r.d.tail())
	return nil
}

// TestDaemonsUDP starts the UDP daemons alone, for a quick run of their
// checks (TestDaemons runs them among all the others).
func TestDaemonsUDP(t *testing.T) {
	t.Parallel()
	for _, k := range udpDaemons {
		spec, _ := specFor(k)
		RequireCommand(t, spec.needs...)
	}
	l := Start(t, Config{})
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(t.Context(), udpDaemons...)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range ds {
		t.Run(string(d.Kind), func(t *testing.T) {
			t.Logf("%s %s, ready in %v", d.Package, d.Version, d.startup.Round(time.Millisecond))
			udpDaemonChecks[d.Kind](t, daemonReach{l: l, tg: tg, d: d})
		})
	}
}
