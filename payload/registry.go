package payload

// payloads is the one ordered list of picket's payloads: a new protocol is
// a file of its own and a line here. Ports with several payloads get them
// in this order.
func payloads() []*Payload {
	return []*Payload{
		{Name: "echo", Service: "echo", Ports: []uint16{7}, Validates: true,
			Build: buildEcho, Recognize: recognizeEcho},
		{Name: "dns-version-bind", Service: "domain", Ports: []uint16{53}, Validates: true,
			Build: buildDNSVersion, Recognize: recognizeDNSVersion},
		{Name: "tftp-rrq", Service: "tftp", Ports: []uint16{69}, AnyReplyPort: true,
			Build: buildTFTP, Recognize: recognizeTFTP},
		{Name: "rpcbind-null", Service: "rpcbind", Ports: []uint16{111}, Validates: true,
			Build: buildRPCNull(rpcProgPortmap, 2), Recognize: recognizeRPC(rpcProgPortmap, 2, "rpcbind")},
		{Name: "ntp-client", Service: "ntp", Ports: []uint16{123}, Validates: true,
			Build: buildNTP, Recognize: recognizeNTP},
		// A control query names the daemon and its version. Version
		// detection sends it (service/udp); the port scan needs no more
		// than the client request.
		{Name: "ntp-readvar", Service: "ntp", Validates: true,
			Build: buildNTPReadVar, Recognize: recognizeNTPReadVar},
		{Name: "netbios-nbstat", Service: "netbios-ns", Ports: []uint16{137}, Validates: true,
			Build: buildNBSTAT, Recognize: recognizeNBSTAT},
		{Name: "snmp-v1-public", Service: "snmp", Ports: []uint16{161}, Validates: true,
			Build: buildSNMPCommunity(snmpV1), Recognize: recognizeSNMPCommunity(snmpV1)},
		{Name: "snmp-v3-discovery", Service: "snmp", Ports: []uint16{161}, Validates: true,
			Build: buildSNMPv3, Recognize: recognizeSNMPv3},
		// Agents that take v2c take v1 too, so v2c is not sent by default;
		// it is here for a caller that asks for it by name.
		{Name: "snmp-v2c-public", Service: "snmp", Validates: true,
			Build: buildSNMPCommunity(snmpV2c), Recognize: recognizeSNMPCommunity(snmpV2c)},
		{Name: "xdmcp-query", Service: "xdmcp", Ports: []uint16{177},
			Build: buildXDMCP, Recognize: recognizeXDMCP},
		{Name: "quic-version-negotiation", Service: "quic", Ports: []uint16{443, 853, 8443}, Validates: true,
			Build: buildQUIC, Recognize: recognizeQUIC},
		{Name: "dtls-client-hello", Service: "dtls", Ports: []uint16{443, 3391, 4433, 5349, 5684, 6514},
			Build: buildDTLS, Recognize: recognizeDTLS},
		{Name: "ike-v1-main-mode", Service: "isakmp", Ports: []uint16{500}, SourcePort: 500, Validates: true,
			Build: buildIKEv1, Recognize: recognizeIKE},
		{Name: "ike-v2-sa-init", Service: "isakmp", Ports: []uint16{500}, SourcePort: 500, Validates: true,
			Build: buildIKEv2, Recognize: recognizeIKE},
		{Name: "rip-v2-request", Service: "route", Ports: []uint16{520},
			Build: buildRIP, Recognize: recognizeRIP},
		{Name: "ripng-request", Service: "ripng", Ports: []uint16{521},
			Build: buildRIPng, Recognize: recognizeRIPng},
		{Name: "ipmi-channel-auth", Service: "asf-rmcp", Ports: []uint16{623}, Validates: true,
			Build: buildIPMI, Recognize: recognizeIPMI},
		{Name: "openvpn-hard-reset", Service: "openvpn", Ports: []uint16{1194}, Validates: true,
			Build: buildOpenVPN, Recognize: recognizeOpenVPN},
		{Name: "mssql-browser", Service: "ms-sql-m", Ports: []uint16{1434},
			Build: buildMSSQL, Recognize: recognizeMSSQL},
		{Name: "ssdp-msearch", Service: "upnp", Ports: []uint16{1900},
			Build: buildSSDP, Recognize: recognizeSSDP},
		{Name: "nfs-null", Service: "nfs", Ports: []uint16{2049}, Validates: true,
			Build: buildRPCNull(rpcProgNFS, 3), Recognize: recognizeRPC(rpcProgNFS, 3, "nfs")},
		{Name: "stun-binding", Service: "stun", Ports: []uint16{3478, 3479}, Validates: true,
			Build: buildSTUN, Recognize: recognizeSTUN},
		{Name: "ws-discovery-probe", Service: "ws-discovery", Ports: []uint16{3702}, Validates: true,
			Build: buildWSD, Recognize: recognizeWSD},
		{Name: "ike-v2-sa-init-natt", Service: "nat-t-ike", Ports: []uint16{4500}, SourcePort: 4500, Validates: true,
			Build: buildNATT(buildIKEv2), Recognize: recognizeNATT},
		{Name: "sip-options", Service: "sip", Ports: []uint16{5060}, Validates: true,
			Build: buildSIP, Recognize: recognizeSIP},
		{Name: "nat-pmp-external-address", Service: "nat-pmp", Ports: []uint16{5351},
			Build: buildNATPMP, Recognize: recognizeNATPMP},
		{Name: "mdns-services", Service: "mdns", Ports: []uint16{5353}, Validates: true,
			Build: buildMDNS, Recognize: recognizeMDNS},
		{Name: "coap-well-known-core", Service: "coap", Ports: []uint16{5683}, Validates: true,
			Build: buildCoAP, Recognize: recognizeCoAP},
		{Name: "memcached-version", Service: "memcached", Ports: []uint16{11211}, Validates: true,
			Build: buildMemcached, Recognize: recognizeMemcached},
	}
}
