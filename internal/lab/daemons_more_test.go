package lab

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"io"
	"net/http"
	"strings"
	"testing"
)

// httpServer asks GET / and checks the Server header.
func httpServer(port uint16, want func(r daemonReach) string) func(t *testing.T, r daemonReach) {
	return func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, port)
			io.WriteString(c, "GET / HTTP/1.0\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(c), nil)
			if err != nil {
				t.Fatalf("HTTP on %s:%d: %v", a, port, err)
			}
			resp.Body.Close()
			server := resp.Header.Get("Server")
			if w := want(r); !strings.HasPrefix(server, w) {
				t.Errorf("GET / on %s:%d: %s, Server %q; want %s", a, port, resp.Status, server, w)
			}
			t.Logf("%s:%d: %s, Server: %s", a, port, resp.Status, server)
		}
	}
}

// greeting reads what a server-first service says and checks its start.
func greeting(port uint16, want func(r daemonReach) string) func(t *testing.T, r daemonReach) {
	return func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, port)
			w := want(r)
			b := make([]byte, len(w))
			if _, err := io.ReadFull(c, b); err != nil || string(b) != w {
				t.Fatalf("greeting on %s:%d: %q, %v; want %q", a, port, b, err, w)
			}
			t.Logf("%s:%d: %q", a, port, b)
		}
	}
}

func fixed(s string) func(daemonReach) string { return func(daemonReach) string { return s } }

// smb2Negotiate is an SMB2 NEGOTIATE offering 2.0.2, 2.1 and 3.0, in its
// NetBIOS session frame.
func smb2Negotiate() []byte {
	hdr := make([]byte, 64)
	copy(hdr, "\xfeSMB")
	binary.LittleEndian.PutUint16(hdr[4:], 64) // structure size
	binary.LittleEndian.PutUint16(hdr[14:], 1) // credits
	body := make([]byte, 36)
	binary.LittleEndian.PutUint16(body[0:], 36)
	binary.LittleEndian.PutUint16(body[2:], 3) // dialect count
	binary.LittleEndian.PutUint16(body[4:], 1) // signing enabled
	copy(body[12:28], "picket-lab-guid!")
	for _, d := range []uint16{0x0202, 0x0210, 0x0300} {
		body = binary.LittleEndian.AppendUint16(body, d)
	}
	msg := append(hdr, body...)
	return append(binary.BigEndian.AppendUint32(nil, uint32(len(msg))), msg...)
}

var moreChecks = map[DaemonKind]func(t *testing.T, r daemonReach){
	DaemonMemcached: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 11211)
			io.WriteString(c, "version\r\n")
			line, err := bufio.NewReader(c).ReadString('\n')
			if want := "VERSION " + r.d.Upstream() + "\r\n"; err != nil || line != want {
				t.Fatalf("version on %s: %q, %v; want %q", a, line, err, want)
			}
			t.Logf("%s: %q", a, line)
		}
	},
	DaemonMosquitto: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 1883)
			// CONNECT, MQTT 3.1.1, clean session, client id "lab".
			c.Write([]byte("\x10\x0f\x00\x04MQTT\x04\x02\x00\x3c\x00\x03lab"))
			var ack [4]byte
			if _, err := io.ReadFull(c, ack[:]); err != nil || ack != [4]byte{0x20, 2, 0, 0} {
				t.Fatalf("CONNACK on %s: % x, %v; want 20 02 00 00 (accepted)", a, ack, err)
			}
			// SUBSCRIBE $SYS/broker/version, which Mosquitto keeps retained.
			topic := "$SYS/broker/version"
			sub := append([]byte{0x82, byte(2 + 2 + len(topic) + 1), 0, 1, 0, byte(len(topic))}, topic...)
			c.Write(append(sub, 0))
			br := bufio.NewReader(c)
			var version string
			for version == "" {
				h, err := br.ReadByte()
				if err != nil {
					t.Fatalf("on %s: %v", a, err)
				}
				n, _ := binary.ReadUvarint(br) // MQTT's length is the same base-128 form
				body := make([]byte, n)
				if _, err := io.ReadFull(br, body); err != nil {
					t.Fatal(err)
				}
				if h>>4 == 3 && len(body) > 2+len(topic) {
					version = string(body[2+len(topic):])
				}
			}
			if want := "mosquitto version " + r.d.Upstream(); version != want {
				t.Errorf("%s on %s: %q, want %q", topic, a, version, want)
			}
			t.Logf("%s: CONNACK accepted, %s: %s", a, topic, version)
		}
	},
	DaemonRsync:    greeting(873, fixed("@RSYNCD: ")),
	DaemonDropbear: greeting(2222, func(r daemonReach) string { return "SSH-2.0-dropbear_" + r.d.Upstream() + "\r\n" }),
	DaemonSlapd: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 389)
			// An anonymous simple bind, LDAPv3, message 1.
			c.Write([]byte{0x30, 0x0c, 0x02, 0x01, 0x01, 0x60, 0x07, 0x02, 0x01, 0x03, 0x04, 0x00, 0x80, 0x00})
			var b [14]byte
			if _, err := io.ReadFull(c, b[:]); err != nil || b[5] != 0x61 || b[9] != 0 {
				t.Fatalf("bind on %s: % x, %v; want a bindResponse, success", a, b, err)
			}
			t.Logf("%s: anonymous bind: success", a)
		}
	},
	DaemonSamba: func(t *testing.T, r daemonReach) {
		for _, a := range r.addrs() {
			c := r.dial(t, a, 445)
			c.Write(smb2Negotiate())
			b := make([]byte, 4+64+6)
			if _, err := io.ReadFull(c, b); err != nil || !bytes.Equal(b[4:8], []byte("\xfeSMB")) {
				t.Fatalf("SMB2 NEGOTIATE on %s: % x, %v", a, b, err)
			}
			dialect := binary.LittleEndian.Uint16(b[4+64+4:])
			if dialect != 0x0300 {
				t.Errorf("SMB2 NEGOTIATE on %s: dialect %#x, want 0x300", a, dialect)
			}
			t.Logf("%s: SMB dialect %#x", a, dialect)
		}
	},
	DaemonTigerVNC: greeting(5901, fixed("RFB 003.008\n")),
	DaemonTelnetd:  greeting(23, fixed("\xff")),
	DaemonApache:   httpServer(8080, func(r daemonReach) string { return "Apache/" + r.d.Upstream() + " (Debian)" }),
	DaemonLighttpd: httpServer(8081, func(r daemonReach) string { return "lighttpd/" + r.d.Upstream() }),
	DaemonSquid:    httpServer(3128, func(r daemonReach) string { return "squid/" + r.d.Upstream() }),
	DaemonTinyproxy: httpServer(8888, func(r daemonReach) string {
		return "tinyproxy/" + r.d.Upstream()
	}),
}
