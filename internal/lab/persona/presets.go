package persona

import "time"

// The stacks below are built from their documented behaviour: the Nmap
// book's description of each OS detection test and the values it gives as
// typical, RFCs 793, 1122, 6528 and 6864, the stacks' own documentation and
// sources (FreeBSD's tcp_output.c and ip_icmp.c, lwIP's tcp_out.c and
// opt.h, Linux's tcp_output.c and icmp.c), and Microsoft's TCP/IP
// parameter documentation. None is copied from a fingerprint database.

// rfcSynClosed is a reset to a SYN on a closed port: RST|ACK, sequence 0,
// acknowledging the SYN.
var rfcSynClosed = Reset{Send: true, ACK: true, Seq: SeqZero, Ack: AckProbeNext}

// rfcAck is RFC 793's reset to a segment carrying ACK: RST alone, its
// sequence number taken from the acknowledgment.
var rfcAck = Reset{Send: true, Seq: SeqProbeAck, Ack: AckZero}

// Windows is a Windows 10 / Server 2016-like stack: TTL 128, an 8,192-byte
// window with scale 8, options MSS, NOP, window scale, SACK permitted,
// timestamps (ticking at 1 kHz); random ISNs; one IP ID counter for
// everything it sends, incremented per packet, with DF on TCP only. It
// answers every T2-T7 probe with a reset, whose acknowledgment field is
// filled even when ACK is not set, and echo replies carry code 0.
func Windows() Personality {
	return Personality{
		Name: "windows",
		TTL:  128,
		TCP: TCP{
			DF: true, MSS: 1460, Window: 8192, WScale: 8,
			SACK: true, Timestamps: true, TSHz: 1000,
			Layout: LayoutWindows, ECN: ECNIgnore,
			ISN: ISN{Kind: ISNRandom},
		},
		Resets: Resets{
			NullOpen:    Reset{Send: true, ACK: true, Seq: SeqZero, Ack: AckProbeSeq},
			SynFinOpen:  Reset{Send: true, ACK: true, Seq: SeqZero, Ack: AckProbeNext},
			AckOpen:     Reset{Send: true, Seq: SeqProbeAck, Ack: AckProbeAck},
			SynClosed:   rfcSynClosed,
			AckClosed:   Reset{Send: true, Seq: SeqProbeAck, Ack: AckProbeAck},
			OtherClosed: Reset{Send: true, ACK: true, Seq: SeqZero, Ack: AckProbeNext},
		},
		IPID: IPIDs{SynAck: IPIDIncrement, Reset: IPIDIncrement, Echo: IPIDIncrement, Unreach: IPIDIncrement},
		Echo: Echo{DF: DFNever, ZeroCode: true},
		Unreach: Unreach{
			MaxLen: 576,
			Limit:  Limit{Burst: 0},
		},
	}
}

// FreeBSD is a FreeBSD 12/13-like stack: TTL 64, DF on TCP, a 65,535-byte
// window with scale 6, options MSS, NOP, window scale, SACK permitted,
// timestamps (1 kHz, a random offset per connection), end-of-list padding;
// random ISNs; IP ID 0 on packets with DF (RFC 6864) and random increments
// otherwise. Segments without ACK or SYN to any port, and NULL or SYN|FIN
// to an open one, are dropped. Echo replies keep the request's DF and
// code; port unreachables quote the whole datagram, unchanged (FreeBSD 10
// stopped turning the header's fields to host order, which used to clear
// the quoted checksum).
func FreeBSD() Personality {
	return Personality{
		Name: "freebsd",
		TTL:  64,
		TCP: TCP{
			DF: true, MSS: 1460, Window: 65535, WScale: 6,
			SACK: true, Timestamps: true, TSHz: 1000, TSPerConnection: true,
			Layout: LayoutBSD, ECN: ECNAccept,
			ISN: ISN{Kind: ISNRandom},
		},
		Resets: Resets{
			AckOpen:   rfcAck,
			SynClosed: rfcSynClosed,
			AckClosed: rfcAck,
		},
		IPID: IPIDs{SynAck: IPIDZero, Reset: IPIDZero, Echo: IPIDRandomIncrement, Unreach: IPIDRandomIncrement},
		Echo: Echo{DF: DFCopy},
		Unreach: Unreach{
			MaxLen: 576,
			Limit:  Limit{Burst: 200, Interval: 5 * time.Millisecond},
		},
	}
}

// LwIP is a small embedded stack in the manner of lwIP's defaults: TTL
// 255, no DF, the MSS as the only option, a 2,048-byte window (4 × a
// 512-byte segment) carried in resets too, ISNs that advance by a constant
// step per connection, one incrementing IP ID counter for its own packets
// and the request's ID reused in echo replies (it answers in the request's
// buffer). Every segment to a closed port gets RST|ACK, a SYN|FIN is taken
// for a SYN, and ICMP errors quote the header and 8 bytes.
func LwIP() Personality {
	rst := func(seq SeqRule, ack AckRule) Reset {
		return Reset{Send: true, ACK: true, Seq: seq, Ack: ack, Window: 2048}
	}
	return Personality{
		Name: "lwip",
		TTL:  255,
		TCP: TCP{
			MSS: 1460, Window: 2048, WScale: -1,
			Layout: LayoutMSSOnly, ECN: ECNIgnore,
			ISN: ISN{Kind: ISNStep, Step: 250},
		},
		Resets: Resets{
			SynFinAccept: true,
			// lwIP 1.4's listening socket answers a stray ACK with the
			// acknowledgment plus one; without a socket it takes it as is.
			AckOpen:     rst(SeqProbeAck1, AckProbeNext),
			SynClosed:   rst(SeqProbeAck, AckProbeNext),
			AckClosed:   rst(SeqProbeAck, AckProbeNext),
			OtherClosed: rst(SeqProbeAck, AckProbeNext),
		},
		IPID: IPIDs{SynAck: IPIDIncrement, Reset: IPIDIncrement, Echo: IPIDCopy, Unreach: IPIDIncrement},
		Echo: Echo{DF: DFCopy},
		Unreach: Unreach{
			HeaderOnly: true,
		},
	}
}

// Linux is a Linux 5.x-like stack, to compare with the lab's own kernel:
// TTL 64, DF on TCP, a window of 45 segments (65,160 bytes with
// timestamps, 64,240 without) with scale 7, options MSS, SACK permitted,
// timestamps (1 kHz, one offset per peer), NOP, window scale; random ISNs;
// IP ID 0 with DF and a counter per peer otherwise; echo replies without
// DF, with the request's code; port unreachables quoting up to 576 bytes,
// rate-limited per RFC 1812 as Linux does by default.
func Linux() Personality {
	return Personality{
		Name: "linux",
		TTL:  64,
		TCP: TCP{
			DF: true, MSS: 1460, Window: 65160, WindowNoTS: 64240, WScale: 7,
			SACK: true, Timestamps: true, TSHz: 1000,
			Layout: LayoutLinux, ECN: ECNAccept,
			ISN: ISN{Kind: ISNRandom},
		},
		Resets: Resets{
			AckOpen:     rfcAck,
			SynClosed:   rfcSynClosed,
			AckClosed:   rfcAck,
			OtherClosed: rfcSynClosed,
		},
		IPID: IPIDs{SynAck: IPIDZero, Reset: IPIDZero, Echo: IPIDPerHost, Unreach: IPIDPerHost},
		Echo: Echo{DF: DFNever},
		Unreach: Unreach{
			MaxLen: 576,
			Limit:  Limit{Burst: 6, Interval: time.Second},
		},
	}
}

// All returns every preset, by name.
func All() map[string]Personality {
	return map[string]Personality{
		"windows": Windows(),
		"freebsd": FreeBSD(),
		"lwip":    LwIP(),
		"linux":   Linux(),
	}
}
