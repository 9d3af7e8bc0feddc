package udp

import (
	"slices"

	"github.com/picket-scanner/picket/payload"
)

// versionPayloads are sent to a port beside its own payloads, by version
// detection only: they ask more than whether the port is open, which is
// all the port scan needs.
var versionPayloads = map[uint16][]string{
	// Mode 6 names the daemon and its version where queries are allowed;
	// the client request (the port's own) answers everywhere else.
	123: {"ntp-readvar"},
	// An agent that takes only v2c answers this one.
	161: {"snmp-v2c-public"},
}

// generic are the payloads of common services sent to a port with no
// payload of its own, rarest last: a port gets those whose rarity is at
// most the intensity. Each is a well-formed request its protocol answers
// on any port.
var generic = []struct {
	name   string
	rarity int
}{
	{"dns-version-bind", 1},
	{"snmp-v1-public", 2},
	{"ntp-client", 3},
	{"sip-options", 4},
	{"stun-binding", 5},
	{"rpcbind-null", 6},
	{"memcached-version", 6},
	{"coap-well-known-core", 7},
	{"snmp-v3-discovery", 7},
	{"mdns-services", 8},
	{"dtls-client-hello", 8},
	{"quic-version-negotiation", 8},
	{"openvpn-hard-reset", 9},
	{"ike-v2-sa-init", 9},
	{"tftp-rrq", 9},
}

// plan returns the payloads to send to port, in order of preference: the
// port's own (the table's, then picket's version-only ones), or for a
// port with none the empty datagram and the generic payloads the
// intensity allows. A payload comes at most once, and at most maxProbes
// of them.
func (u *Identifier) plan(port uint16) []*payload.Payload {
	table := u.Payloads
	if table == nil {
		table = payload.Builtin()
	}
	own := table.ForPort(port)
	var plan []*payload.Payload
	add := func(p *payload.Payload) {
		if p != nil && len(plan) < maxProbes && !slices.Contains(plan, p) {
			plan = append(plan, p)
		}
	}
	for _, p := range own {
		add(p)
	}
	builtin := payload.Builtin()
	for _, name := range versionPayloads[port] {
		p, _ := builtin.Lookup(name)
		add(p)
	}
	if len(own) != 1 || own[0] != payload.Empty {
		return plan
	}
	for _, g := range generic {
		if g.rarity > u.Intensity {
			continue
		}
		p, _ := builtin.Lookup(g.name)
		add(p)
	}
	return plan
}
