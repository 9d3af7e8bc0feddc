package payload

import (
	"bytes"
	"encoding/binary"

	"github.com/picket-scanner/picket/result"
)

// SQL Server Resolution Protocol ([MC-SQLR] sections 2.2.2 and 2.2.5): a
// CLNT_UCAST_EX request, one byte 0x03, asking the SQL Server Browser for
// every instance on the host. The SVR_RESP names each instance, its
// version and its TCP port, as "key;value;" pairs with ";;" after each
// instance.

func buildMSSQL(dst []byte, _ uint32) []byte { return append(dst, 0x03) }

func recognizeMSSQL(reply []byte, _ uint32) (Match, bool) {
	if len(reply) < 3 || reply[0] != 0x05 {
		return Match{}, false
	}
	n := int(binary.LittleEndian.Uint16(reply[1:]))
	if n == 0 || 3+n > len(reply) {
		return Match{}, false
	}
	data := reply[3 : 3+n]
	m := Match{Service: result.Service{Name: "ms-sql-m", Product: "Microsoft SQL Server", OSType: "Windows"}}
	instances := 0
	for inst := range bytes.SplitSeq(data, []byte(";;")) {
		if len(inst) == 0 || instances >= 16 {
			continue
		}
		instances++
		f := bytes.Split(inst, []byte(";"))
		var name, port, version string
		for i := 0; i+1 < len(f); i += 2 {
			v := clean(f[i+1], 64)
			switch string(f[i]) {
			case "ServerName":
				if m.Service.Hostname == "" {
					m.Service.Hostname = v
				}
			case "InstanceName":
				name = v
			case "Version":
				version = v
			case "tcp":
				port = v
			}
		}
		if instances == 1 {
			m.Service.Version = version
			if m.Service.Hostname != "" {
				m.Service.ExtraInfo = "ServerName: " + m.Service.Hostname
				if port != "" {
					m.Service.ExtraInfo += "; TCPPort: " + port
				}
			}
		}
		d := name + " " + version
		if port != "" {
			d += " tcp/" + port
		}
		m.add("instance", d)
	}
	if instances == 0 {
		return Match{}, false
	}
	return m, true
}
