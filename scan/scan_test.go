package scan

import (
	"testing"

	"github.com/picket-scanner/picket/result"
)

func TestClassify(t *testing.T) {
	tests := []struct {
		t      Technique
		o      Outcome
		state  result.State
		reason result.Reason
	}{
		{SYN, SynAck, result.Open, "syn-ack"},
		{SYN, Reset, result.Closed, "reset"},
		{SYN, None, result.Filtered, "no-response"},
		{SYN, AdminProhibited, result.Filtered, "admin-prohibited"},
		{SYN, PortUnreach, result.Filtered, "port-unreach"},
		{SYN, HostUnreach, result.Filtered, "host-unreach"},
		{Connect, Connected, result.Open, "syn-ack"},
		{Connect, Refused, result.Closed, "conn-refused"},
		{Connect, None, result.Filtered, "no-response"},
		{Connect, HostUnreach, result.Filtered, "host-unreach"},
		{ACK, Reset, result.Unfiltered, "reset"},
		{ACK, None, result.Filtered, "no-response"},
		{ACK, AdminProhibited, result.Filtered, "admin-prohibited"},
		{FIN, Reset, result.Closed, "reset"},
		{NULL, None, result.OpenFiltered, "no-response"},
		{Xmas, HostProhibited, result.Filtered, "host-prohibited"},
		{UDP, UDPResponse, result.Open, "udp-response"},
		{UDP, PortUnreach, result.Closed, "port-unreach"},
		{UDP, AdminProhibited, result.Filtered, "admin-prohibited"},
		{UDP, None, result.OpenFiltered, "no-response"},
	}
	for _, tt := range tests {
		s, r := tt.t.Classify(tt.o)
		if s != tt.state || r != tt.reason {
			t.Errorf("%s outcome %d = %s (%s), want %s (%s)", tt.t.Name(), tt.o, s, r, tt.state, tt.reason)
		}
	}
}

func TestICMPCodes(t *testing.T) {
	v4 := map[uint8]Outcome{0: NetUnreach, 1: HostUnreach, 2: ProtoUnreach, 3: PortUnreach, 9: NetProhibited, 10: HostProhibited, 13: AdminProhibited, 4: OtherUnreach}
	for code, want := range v4 {
		if got := ICMPv4Unreach(code); got != want {
			t.Errorf("ICMPv4Unreach(%d) = %d, want %d", code, got, want)
		}
	}
	v6 := map[uint8]Outcome{0: NetUnreach, 1: AdminProhibited, 3: HostUnreach, 4: PortUnreach, 2: OtherUnreach}
	for code, want := range v6 {
		if got := ICMPv6Unreach(code); got != want {
			t.Errorf("ICMPv6Unreach(%d) = %d, want %d", code, got, want)
		}
	}
}

func hostPorts(dropped int) []PortResult {
	var ports []PortResult
	for p := uint16(1); p <= 1000; p++ {
		o := Reset
		switch {
		case p == 22 || p == 80:
			o = SynAck
		case p >= 100 && p < 100+uint16(dropped):
			o = None
		case p >= 200 && p < 205:
			o = AdminProhibited
		}
		ports = append(ports, PortResult{Number: p, Outcome: o, TTL: 64})
	}
	return ports
}

func TestFold(t *testing.T) {
	t.Run("few filtered are listed", func(t *testing.T) {
		var h result.Host
		Fold(&h, SYN, hostPorts(10))
		if len(h.Ports) != 17 {
			t.Fatalf("listed %d ports, want 17 (2 open, 15 filtered)", len(h.Ports))
		}
		if h.Ports[0].Number != 22 || h.Ports[0].State != result.Open || h.Ports[0].ReasonTTL != 64 {
			t.Errorf("first listed port %+v, want 22 open ttl 64", h.Ports[0])
		}
		if h.Ports[2].Number != 100 || h.Ports[2].Reason != "no-response" {
			t.Errorf("third listed port %+v, want 100 filtered no-response", h.Ports[2])
		}
		if len(h.Extra) != 1 || h.Extra[0].State != result.Closed || h.Extra[0].Count != 983 {
			t.Fatalf("extra ports %+v, want 983 closed", h.Extra)
		}
		if r := h.Extra[0].Reasons; len(r) != 1 || r[0].Reason != "reset" || r[0].Count != 983 {
			t.Errorf("closed reasons %+v", r)
		}
	})
	t.Run("many filtered are counted by reason", func(t *testing.T) {
		var h result.Host
		Fold(&h, SYN, hostPorts(30))
		if len(h.Ports) != 2 {
			t.Fatalf("listed %d ports, want the 2 open", len(h.Ports))
		}
		if len(h.Extra) != 2 || h.Extra[0].State != result.Closed || h.Extra[0].Count != 963 ||
			h.Extra[1].State != result.Filtered || h.Extra[1].Count != 35 {
			t.Fatalf("extra ports %+v, want 963 closed then 35 filtered", h.Extra)
		}
		r := h.Extra[1].Reasons
		if len(r) != 2 || r[0].Reason != "no-response" || r[0].Count != 30 || r[1].Reason != "admin-prohibited" || r[1].Count != 5 {
			t.Errorf("filtered reasons %+v, want 30 no-response then 5 admin-prohibited", r)
		}
	})
}
