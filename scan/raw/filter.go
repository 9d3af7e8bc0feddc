package raw

import "golang.org/x/net/bpf"

// Filter is the classic BPF program for the raw engine's socket on an
// Ethernet link. It lets through what the engine and the neighbour
// resolver read, and nothing else, so the kernel drops the rest before it
// is copied: TCP segments and UDP datagrams to ports 61000 and up (the
// engine's source ports lie there), ICMP and ICMPv6 destination
// unreachable and echo replies,
// ICMP timestamp replies, ARP replies and neighbour advertisements. IPv6 segments behind extension
// headers are not matched; replies to port scans do not carry them.
func Filter() []bpf.Instruction {
	const (
		accept    = 0xffff
		etherIPv4 = 0x0800
		etherIPv6 = 0x86dd
		etherARP  = 0x0806
		minPort   = 61000
	)
	// Jump offsets count instructions from the one after the jump.
	return []bpf.Instruction{
		/* 0 */ bpf.LoadAbsolute{Off: 12, Size: 2},
		/* 1 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherIPv4, SkipTrue: 4},
		/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherIPv6, SkipTrue: 19},
		/* 3 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherARP, SkipTrue: 1},
		/* 4 */ bpf.RetConstant{Val: 0},
		/* 5 */ bpf.RetConstant{Val: accept}, // ARP: the resolver checks it is a reply for us
		// IPv4. Later fragments carry no transport header.
		/* 6 */ bpf.LoadAbsolute{Off: 20, Size: 2},
		/* 7 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 12},
		/* 8 */ bpf.LoadAbsolute{Off: 23, Size: 1},
		/* 9 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 7}, // TCP
		/* 10 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipTrue: 6}, // UDP
		/* 11 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 1, SkipTrue: 8},
		/* 12 */ bpf.LoadMemShift{Off: 14},
		/* 13 */ bpf.LoadIndirect{Off: 14, Size: 1}, // ICMP type
		/* 14 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 3, SkipTrue: 6}, // unreachable
		/* 15 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipTrue: 5}, // echo reply
		/* 16 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 14, SkipTrue: 4, SkipFalse: 3}, // timestamp reply
		/* 17 */ bpf.LoadMemShift{Off: 14},
		/* 18 */ bpf.LoadIndirect{Off: 16, Size: 2}, // TCP or UDP destination port
		/* 19 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 20 */ bpf.RetConstant{Val: 0},
		/* 21 */ bpf.RetConstant{Val: accept},
		// IPv6, without extension headers.
		/* 22 */ bpf.LoadAbsolute{Off: 20, Size: 1},
		/* 23 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 7},
		/* 24 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 17, SkipTrue: 6},
		/* 25 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 58, SkipTrue: 4},
		/* 26 */ bpf.LoadAbsolute{Off: 54, Size: 1}, // ICMPv6 type
		/* 27 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 1, SkipTrue: 6}, // unreachable
		/* 28 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 136, SkipTrue: 5}, // neighbour advertisement
		/* 29 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 129, SkipTrue: 4}, // echo reply
		/* 30 */ bpf.RetConstant{Val: 0},
		/* 31 */ bpf.LoadAbsolute{Off: 56, Size: 2}, // TCP or UDP destination port
		/* 32 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 33 */ bpf.RetConstant{Val: 0},
		/* 34 */ bpf.RetConstant{Val: accept},
	}
}
