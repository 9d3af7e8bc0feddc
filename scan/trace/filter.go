package trace

import "golang.org/x/net/bpf"

// filter is the classic BPF program of a trace's socket on an Ethernet
// link: ARP replies and neighbour advertisements for resolving next hops,
// ICMP and ICMPv6 (time exceeded, unreachable and echo replies are told
// apart in Go), and TCP and UDP to the run's block of source ports
// [base, base+portSpan). IPv6 with extension headers before TCP or UDP is
// not matched; answers to probes do not carry them.
func filter(base uint16) []bpf.Instruction {
	const (
		etherIPv4 = 0x0800
		etherIPv6 = 0x86dd
		etherARP  = 0x0806
	)
	// Jumps name their targets; offsets are counted at the end.
	type step struct {
		label  string
		ins    bpf.Instruction
		jt, jf string // for conditional jumps: where to go, "" for the next
	}
	jeq := func(v uint32, to string) step {
		return step{ins: bpf.JumpIf{Cond: bpf.JumpEqual, Val: v}, jt: to}
	}
	prog := []step{
		{ins: bpf.LoadAbsolute{Off: 12, Size: 2}},
		jeq(etherIPv4, "v4"),
		jeq(etherIPv6, "v6"),
		jeq(etherARP, "accept"),
		{ins: bpf.RetConstant{Val: 0}},

		// IPv4; a later fragment has no transport header.
		{label: "v4", ins: bpf.LoadAbsolute{Off: 20, Size: 2}},
		{ins: bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff}, jt: "drop"},
		{ins: bpf.LoadAbsolute{Off: 23, Size: 1}},
		jeq(1, "accept"),
		jeq(6, "ports4"),
		jeq(17, "ports4"),
		{ins: bpf.RetConstant{Val: 0}},
		{label: "ports4", ins: bpf.LoadMemShift{Off: 14}},
		{ins: bpf.LoadIndirect{Off: 14 + 2, Size: 2}, jt: ""},
		{ins: bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: uint32(base)}, jt: "", jf: "drop"},
		{ins: bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: uint32(base) + portSpan}, jt: "drop", jf: "accept"},

		// IPv6, without extension headers.
		{label: "v6", ins: bpf.LoadAbsolute{Off: 20, Size: 1}},
		jeq(58, "accept"),
		jeq(6, "ports6"),
		jeq(17, "ports6"),
		{ins: bpf.RetConstant{Val: 0}},
		{label: "ports6", ins: bpf.LoadAbsolute{Off: 14 + 40 + 2, Size: 2}},
		{ins: bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: uint32(base)}, jt: "", jf: "drop"},
		{ins: bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: uint32(base) + portSpan}, jt: "drop", jf: "accept"},

		{label: "drop", ins: bpf.RetConstant{Val: 0}},
		{label: "accept", ins: bpf.RetConstant{Val: 0xffff}},
	}
	at := map[string]int{}
	for i, s := range prog {
		if s.label != "" {
			at[s.label] = i
		}
	}
	skip := func(from int, label string) uint8 {
		if label == "" {
			return 0
		}
		return uint8(at[label] - from - 1)
	}
	out := make([]bpf.Instruction, len(prog))
	for i, s := range prog {
		if j, ok := s.ins.(bpf.JumpIf); ok {
			j.SkipTrue, j.SkipFalse = skip(i, s.jt), skip(i, s.jf)
			out[i] = j
			continue
		}
		out[i] = s.ins
	}
	return out
}
