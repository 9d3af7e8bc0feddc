package raw

import "golang.org/x/net/bpf"

// Filter is the classic BPF program for the raw engine's socket on an
// Ethernet link. It lets through what the engine and the neighbour
// resolver read, and nothing else, so the kernel drops the rest before it
// is copied: TCP segments to ports 61000 and up (the engine's source ports
// lie there), ICMP and ICMPv6 destination unreachable and echo replies,
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
		/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherIPv6, SkipTrue: 18},
		/* 3 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherARP, SkipTrue: 1},
		/* 4 */ bpf.RetConstant{Val: 0},
		/* 5 */ bpf.RetConstant{Val: accept}, // ARP: the resolver checks it is a reply for us
		// IPv4. Later fragments carry no transport header.
		/* 6 */ bpf.LoadAbsolute{Off: 20, Size: 2},
		/* 7 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 11},
		/* 8 */ bpf.LoadAbsolute{Off: 23, Size: 1},
		/* 9 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 6},
		/* 10 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 1, SkipTrue: 8},
		/* 11 */ bpf.LoadMemShift{Off: 14},
		/* 12 */ bpf.LoadIndirect{Off: 14, Size: 1}, // ICMP type
		/* 13 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 3, SkipTrue: 6}, // unreachable
		/* 14 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 0, SkipTrue: 5}, // echo reply
		/* 15 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 14, SkipTrue: 4, SkipFalse: 3}, // timestamp reply
		/* 16 */ bpf.LoadMemShift{Off: 14},
		/* 17 */ bpf.LoadIndirect{Off: 16, Size: 2}, // TCP destination port
		/* 18 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 19 */ bpf.RetConstant{Val: 0},
		/* 20 */ bpf.RetConstant{Val: accept},
		// IPv6, without extension headers.
		/* 21 */ bpf.LoadAbsolute{Off: 20, Size: 1},
		/* 22 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 6},
		/* 23 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 58, SkipTrue: 4},
		/* 24 */ bpf.LoadAbsolute{Off: 54, Size: 1}, // ICMPv6 type
		/* 25 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 1, SkipTrue: 6}, // unreachable
		/* 26 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 136, SkipTrue: 5}, // neighbour advertisement
		/* 27 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 129, SkipTrue: 4}, // echo reply
		/* 28 */ bpf.RetConstant{Val: 0},
		/* 29 */ bpf.LoadAbsolute{Off: 56, Size: 2}, // TCP destination port
		/* 30 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 31 */ bpf.RetConstant{Val: 0},
		/* 32 */ bpf.RetConstant{Val: accept},
	}
}
