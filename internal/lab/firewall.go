package lab

import (
	"context"
	"fmt"
	"strconv"
)

// Action is what a firewall rule does to matching inbound packets.
type Action int

// Firewall actions, each giving the scanner a different answer.
const (
	// Drop answers nothing: Nmap's "filtered (no-response)".
	Drop Action = iota + 1
	// RejectPortUnreach answers ICMP port unreachable (type 3 code 3;
	// ICMPv6 type 1 code 4).
	RejectPortUnreach
	// RejectAdminProhibited answers ICMP communication administratively
	// prohibited (type 3 code 13; ICMPv6 type 1 code 1).
	RejectAdminProhibited
	// RejectHostUnreach answers ICMP host unreachable (type 3 code 1;
	// ICMPv6 type 1 code 3).
	RejectHostUnreach
	// RejectTCPReset answers a TCP reset, as a closed port does.
	RejectTCPReset
)

// Rule matches inbound packets of one protocol to a port range.
type Rule struct {
	Proto    string // "tcp" or "udp"
	From, To uint16 // destination ports, inclusive; To 0 means From only
	Action   Action
}

func (r Rule) args(v6 bool) ([]string, error) {
	if r.Proto != "tcp" && r.Proto != "udp" {
		return nil, fmt.Errorf("lab: firewall rule: protocol %q: tcp or udp", r.Proto)
	}
	to := r.To
	if to == 0 {
		to = r.From
	}
	if to < r.From {
		return nil, fmt.Errorf("lab: firewall rule: ports %d-%d run backwards", r.From, to)
	}
	ports := strconv.Itoa(int(r.From))
	if to != r.From {
		ports += ":" + strconv.Itoa(int(to))
	}
	a := []string{"-A", "INPUT", "-p", r.Proto, "--dport", ports, "-j"}
	reject := func(v4, v6name string) []string {
		if v6 {
			return append(a, "REJECT", "--reject-with", v6name)
		}
		return append(a, "REJECT", "--reject-with", v4)
	}
	switch r.Action {
	case Drop:
		return append(a, "DROP"), nil
	case RejectPortUnreach:
		return reject("icmp-port-unreachable", "icmp6-port-unreachable"), nil
	case RejectAdminProhibited:
		return reject("icmp-admin-prohibited", "icmp6-adm-prohibited"), nil
	case RejectHostUnreach:
		return reject("icmp-host-unreachable", "icmp6-addr-unreachable"), nil
	case RejectTCPReset:
		if r.Proto != "tcp" {
			return nil, fmt.Errorf("lab: firewall rule: a TCP reset answers tcp only")
		}
		return reject("tcp-reset", "tcp-reset"), nil
	}
	return nil, fmt.Errorf("lab: firewall rule: unknown action %d", r.Action)
}

// Firewall appends rules to the target's inbound filter, for IPv4 and
// IPv6 alike. Rules apply to every address of the target.
func (t *Target) Firewall(rules ...Rule) error {
	for _, r := range rules {
		for _, tool := range []string{"iptables", "ip6tables"} {
			args, err := r.args(tool == "ip6tables")
			if err != nil {
				return err
			}
			if _, err := t.NS.Exec(context.Background(), tool, append([]string{"-w"}, args...)...); err != nil {
				return err
			}
		}
	}
	return nil
}

// InboundLoss drops each inbound packet with probability p, at random
// (iptables' statistic match): loss on the target's side, without delay.
func (t *Target) InboundLoss(p float64) error {
	if p <= 0 || p >= 1 {
		return fmt.Errorf("lab: inbound loss %v: a probability in (0, 1)", p)
	}
	prob := strconv.FormatFloat(p, 'f', 6, 64)
	for _, tool := range []string{"iptables", "ip6tables"} {
		// Inserted first, so loss applies before any other rule.
		_, err := t.NS.Exec(context.Background(), tool, "-w", "-I", "INPUT", "1",
			"-m", "statistic", "--mode", "random", "--probability", prob, "-j", "DROP")
		if err != nil {
			return err
		}
	}
	return nil
}

// NoICMPRateLimit lifts the target kernel's limit on ICMP errors, which
// otherwise answers only a burst and then about one per second.
func (t *Target) NoICMPRateLimit() error {
	if err := t.NS.Sysctl("net.ipv4.icmp_ratelimit", "0"); err != nil {
		return err
	}
	return t.NS.Sysctl("net.ipv6.icmp.ratelimit", "0")
}

// LimitResets lets the target send at most perSecond TCP resets a second
// (after a burst of burst), dropping the rest, as macOS and the BSDs limit
// the resets their closed ports send.
func (t *Target) LimitResets(perSecond, burst int) error {
	for _, tool := range []string{"iptables", "ip6tables"} {
		for _, args := range [][]string{
			{"-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "RST", "RST", "-m", "limit",
				"--limit", strconv.Itoa(perSecond) + "/s", "--limit-burst", strconv.Itoa(burst), "-j", "ACCEPT"},
			{"-A", "OUTPUT", "-p", "tcp", "--tcp-flags", "RST", "RST", "-j", "DROP"},
		} {
			if _, err := t.NS.Exec(context.Background(), tool, append([]string{"-w"}, args...)...); err != nil {
				return err
			}
		}
	}
	return nil
}
