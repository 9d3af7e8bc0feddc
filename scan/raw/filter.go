package raw

import "golang.org/x/net/bpf"

// Filter is the classic BPF program for the raw engine's socket on an
// Ethernet link. It lets through what the engine and the neighbour
// resolver read, and nothing else, so the kernel drops the rest before it
// is copied: TCP segments to ports 61000 and up (the engine's source ports
// lie there), ICMP destination unreachable, ICMPv6 destination unreachable,
// ARP replies and neighbour advertisements. IPv6 segments behind extension
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
		/* 2 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherIPv6, SkipTrue: 16},
		/* 3 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: etherARP, SkipTrue: 1},
		/* 4 */ bpf.RetConstant{Val: 0},
		/* 5 */ bpf.RetConstant{Val: accept}, // ARP: the resolver checks it is a reply for us
		// IPv4. Later fragments carry no transport header.
		/* 6 */ bpf.LoadAbsolute{Off: 20, Size: 2},
		/* 7 */ bpf.JumpIf{Cond: bpf.JumpBitsSet, Val: 0x1fff, SkipTrue: 9},
		/* 8 */ bpf.LoadAbsolute{Off: 23, Size: 1},
		/* 9 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 4},
		/* 10 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 1, SkipTrue: 6},
		/* 11 */ bpf.LoadMemShift{Off: 14},
		/* 12 */ bpf.LoadIndirect{Off: 14, Size: 1}, // ICMP type
		/* 13 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 3, SkipTrue: 4, SkipFalse: 3},
		/* 14 */ bpf.LoadMemShift{Off: 14},
		/* 15 */ bpf.LoadIndirect{Off: 16, Size: 2}, // TCP destination port
		/* 16 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 17 */ bpf.RetConstant{Val: 0},
		/* 18 */ bpf.RetConstant{Val: accept},
		// IPv6, without extension headers.
		/* 19 */ bpf.LoadAbsolute{Off: 20, Size: 1},
		/* 20 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 6, SkipTrue: 5},
		/* 21 */ bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 58, SkipTrue: 3},
		/* 22 */ bpf.LoadAbsolute{Off: 54, Size: 1}, // ICMPv6 type
		/* 23 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 1, SkipTrue: 5},
		/* 24 */ bpf.JumpIf{Cond: bpf.JumpEqual, Val: 136, SkipTrue: 4},
		/* 25 */ bpf.RetConstant{Val: 0},
		/* 26 */ bpf.LoadAbsolute{Off: 56, Size: 2}, // TCP destination port
		/* 27 */ bpf.JumpIf{Cond: bpf.JumpGreaterOrEqual, Val: minPort, SkipTrue: 1},
		/* 28 */ bpf.RetConstant{Val: 0},
		/* 29 */ bpf.RetConstant{Val: accept},
	}
}
