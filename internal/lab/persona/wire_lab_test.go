package persona_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/packet"
)

// wantOpts are the SYN-ACK option strings, in Nmap's notation, answering
// optsAll, optsNoSS and optsECN.
var wantOpts = map[string][3]string{
	"windows": {"M5B4NW8ST11", "M5B4NW8NNT11", "M5B4NW8NNS"},
	"freebsd": {"M5B4NW6ST11", "M5B4NW6NNT11", "M5B4NW6SLL"},
	"lwip":    {"M5B4", "M5B4", "M5B4"},
	"linux":   {"M5B4ST11NW7", "M5B4NNT11NW7", "M5B4NNSNW7"},
}

const wait = 2 * time.Second

func TestSynAck(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg, p := l.Targets[k], c.p
			pr := newProber(t, l, tg)
			for i, opts := range [][]byte{optsAll, optsNoSS, optsECN} {
				flags := packet.FlagSYN
				if i == 2 {
					flags |= packet.FlagECE | packet.FlagCWR
				}
				seq := uint32(1000 + i)
				d := pr.tcp(uint16(40000+i), openPorts[0], flags, seq, 0, 1024, opts, false, wait)
				if d == nil {
					t.Fatalf("probe %d: no answer", i)
				}
				if d.TCP.Flags&(packet.FlagSYN|packet.FlagACK|packet.FlagRST) != packet.FlagSYN|packet.FlagACK || d.TCP.Ack != seq+1 {
					t.Errorf("probe %d: flags %v ack %d, want SYN-ACK acking %d", i, d.TCP.Flags, d.TCP.Ack, seq+1)
				}
				if d.IP.TTL != p.TTL || d.IP.DF != p.TCP.DF {
					t.Errorf("probe %d: TTL %d DF %v, want %d %v", i, d.IP.TTL, d.IP.DF, p.TTL, p.TCP.DF)
				}
				win := p.TCP.Window
				if i == 2 && p.TCP.WindowNoTS != 0 {
					win = p.TCP.WindowNoTS
				}
				if d.TCP.Window != win {
					t.Errorf("probe %d: window %d, want %d", i, d.TCP.Window, win)
				}
				if got := optString(d); got != wantOpts[c.name][i] {
					t.Errorf("probe %d: options %s, want %s", i, got, wantOpts[c.name][i])
				}
				ece := d.TCP.Flags.Has(packet.FlagECE)
				if i == 2 && ece != (p.TCP.ECN != persona.ECNIgnore) {
					t.Errorf("ECN probe: ECE %v with ECN reply %d", ece, p.TCP.ECN)
				}
			}
		})
	}
}

// TestSequences sends six SYNs, 20 ms apart, as Nmap's SEQ test does, and
// checks the ISN and IP ID generators.
func TestSequences(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg, p := l.Targets[k], c.p
			pr := newProber(t, l, tg)
			var isns []uint32
			var ids []uint16
			for i := range 6 {
				d := pr.tcp(uint16(41000+i), openPorts[1], packet.FlagSYN, 5000, 0, 1024, optsAll, false, wait)
				if d == nil {
					t.Fatalf("SYN %d: no answer", i)
				}
				isns = append(isns, d.TCP.Seq)
				ids = append(ids, ipID(d))
				time.Sleep(20 * time.Millisecond) // pacing, as Nmap's 100 ms, shortened
			}
			switch p.TCP.ISN.Kind {
			case persona.ISNStep:
				for i := 1; i < 6; i++ {
					if isns[i]-isns[i-1] != p.TCP.ISN.Step {
						t.Errorf("ISNs %v: want steps of %d", isns, p.TCP.ISN.Step)
						break
					}
				}
			case persona.ISNRandom:
				small := 0
				for i := 1; i < 6; i++ {
					if d := isns[i] - isns[i-1]; d < 1<<20 || d > 0xffffffff-1<<20 {
						small++
					}
				}
				if small > 1 {
					t.Errorf("ISNs %v: random ones should differ by more", isns)
				}
			}
			checkIDs(t, "SYN-ACK", p.IPID.SynAck, ids)
		})
	}
}

// checkIDs checks a sequence of IP IDs against the generator's class, as
// Nmap's TI, CI and II tests tell them apart.
func checkIDs(t *testing.T, what string, kind persona.IPIDKind, ids []uint16) {
	t.Helper()
	for i := 1; i < len(ids); i++ {
		diff := ids[i] - ids[i-1]
		ok := true
		switch kind {
		case persona.IPIDZero:
			ok = ids[i] == 0 && ids[i-1] == 0
		case persona.IPIDIncrement, persona.IPIDPerHost:
			ok = diff == 1
		case persona.IPIDRandomIncrement:
			ok = diff > 1000 && diff < 20000 && diff%256 != 0
		}
		if !ok {
			t.Errorf("%s IP IDs %v do not fit generator %d", what, ids, kind)
			return
		}
	}
}

// TestResets sends Nmap's T2-T7 probes and checks each answer against the
// personality's rule.
func TestResets(t *testing.T) {
	l := personaLab(t)
	const seq, ack = 0x1234_5678, 0x0abc_def0
	probes := []struct {
		name  string
		port  uint16
		flags packet.TCPFlags
		df    bool
		rule  func(r *persona.Resets) persona.Reset
	}{
		{"T2", openPorts[0], 0, true, func(r *persona.Resets) persona.Reset { return r.NullOpen }},
		{"T3", openPorts[0], packet.FlagSYN | packet.FlagFIN | packet.FlagURG | packet.FlagPSH, false, func(r *persona.Resets) persona.Reset { return r.SynFinOpen }},
		{"T4", openPorts[0], packet.FlagACK, true, func(r *persona.Resets) persona.Reset { return r.AckOpen }},
		{"T5", closedPort, packet.FlagSYN, false, func(r *persona.Resets) persona.Reset { return r.SynClosed }},
		{"T6", closedPort, packet.FlagACK, true, func(r *persona.Resets) persona.Reset { return r.AckClosed }},
		{"T7", closedPort, packet.FlagFIN | packet.FlagPSH | packet.FlagURG, false, func(r *persona.Resets) persona.Reset { return r.OtherClosed }},
	}
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg, p := l.Targets[k], c.p
			pr := newProber(t, l, tg)
			var ids []uint16
			for i, pb := range probes {
				rule := pb.rule(&p.Resets)
				synAck := pb.name == "T3" && p.Resets.SynFinAccept
				silent := !rule.Send && !synAck
				w := wait
				if silent {
					w = 300 * time.Millisecond
				}
				d := pr.tcp(uint16(42000+i), pb.port, pb.flags, seq, ack, 128, optsAll[:8], pb.df, w)
				switch {
				case silent && d != nil:
					t.Errorf("%s: answered %v, want silence", pb.name, d.TCP.Flags)
					continue
				case silent:
					continue
				case d == nil:
					t.Errorf("%s: no answer", pb.name)
					continue
				case synAck:
					if d.TCP.Flags != packet.FlagSYN|packet.FlagACK {
						t.Errorf("%s: flags %v, want a SYN-ACK", pb.name, d.TCP.Flags)
					}
					continue
				}
				wantFlags := packet.FlagRST
				if rule.ACK {
					wantFlags |= packet.FlagACK
				}
				if d.TCP.Flags != wantFlags || d.TCP.Window != rule.Window || d.IP.TTL != p.TTL || d.IP.DF != p.TCP.DF {
					t.Errorf("%s: flags %v window %d TTL %d DF %v, want %v %d %d %v", pb.name,
						d.TCP.Flags, d.TCP.Window, d.IP.TTL, d.IP.DF, wantFlags, rule.Window, p.TTL, p.TCP.DF)
				}
				next := seq + 1*uint32(bit(pb.flags.Has(packet.FlagSYN))) + uint32(bit(pb.flags.Has(packet.FlagFIN)))
				wantSeq := map[persona.SeqRule]uint32{persona.SeqZero: 0, persona.SeqProbeAck: ack, persona.SeqProbeAck1: ack + 1, persona.SeqProbeOther: seq + 1000}[rule.Seq]
				wantAck := map[persona.AckRule]uint32{persona.AckZero: 0, persona.AckProbeSeq: seq, persona.AckProbeNext: next, persona.AckProbeAck: ack}[rule.Ack]
				if d.TCP.Seq != wantSeq || d.TCP.Ack != wantAck {
					t.Errorf("%s: seq %#x ack %#x, want %#x %#x", pb.name, d.TCP.Seq, d.TCP.Ack, wantSeq, wantAck)
				}
				if !bytes.Equal(d.Payload, rule.Data) {
					t.Errorf("%s: data %q, want %q", pb.name, d.Payload, rule.Data)
				}
				if pb.port == closedPort {
					ids = append(ids, ipID(d))
				}
			}
			checkIDs(t, "reset", p.IPID.Reset, ids)
		})
	}
}

func bit(b bool) int {
	if b {
		return 1
	}
	return 0
}

// TestEcho sends Nmap's two echo requests (DF and code 9, then neither).
func TestEcho(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg, p := l.Targets[k], c.p
			pr := newProber(t, l, tg)
			data := bytes.Repeat([]byte{0}, 120)
			var ids []uint16
			for i, pb := range []struct {
				df   bool
				code uint8
				id   uint16
			}{{true, 9, 0x1111}, {false, 0, 0x2222}} {
				pr.fr.DF, pr.fr.ID = pb.df, pb.id
				pr.send(func(f *packet.Frame, b []byte) ([]byte, error) {
					return f.AppendICMP(b, &packet.ICMP{Type: 8, Code: pb.code, Rest: uint32(0x4242)<<16 | uint32(i), Body: data})
				})
				pr.fr.DF, pr.fr.ID = false, 0
				d := pr.await(wait, func(d *packet.Decoded) bool {
					return d.Transport == packet.TransportICMPv4 && d.ICMP.Type == 0 && d.ICMP.Seq() == uint16(i)
				})
				if d == nil {
					t.Fatalf("echo %d: no reply", i)
				}
				wantDF := p.Echo.DF == persona.DFAlways || p.Echo.DF == persona.DFCopy && pb.df
				wantCode := pb.code
				if p.Echo.ZeroCode {
					wantCode = 0
				}
				if d.IP.TTL != p.TTL || d.IP.DF != wantDF || d.ICMP.Code != wantCode || !bytes.Equal(d.ICMP.Body, data) {
					t.Errorf("echo %d: TTL %d DF %v code %d, want %d %v %d (data echoed: %v)", i, d.IP.TTL, d.IP.DF, d.ICMP.Code, p.TTL, wantDF, wantCode, bytes.Equal(d.ICMP.Body, data))
				}
				if p.IPID.Echo == persona.IPIDCopy && ipID(d) != pb.id {
					t.Errorf("echo %d: IP ID %#x, want the request's %#x", i, ipID(d), pb.id)
				}
				ids = append(ids, ipID(d))
			}
			if p.IPID.Echo != persona.IPIDCopy {
				checkIDs(t, "echo reply", p.IPID.Echo, ids)
			}
		})
	}
}

// TestPortUnreachable sends Nmap's U1 probe (300 bytes to a closed UDP
// port) and checks how the answer quotes it.
func TestPortUnreachable(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg, p := l.Targets[k], c.p
			pr := newProber(t, l, tg)
			payload := bytes.Repeat([]byte{'C'}, 300)
			pr.fr.ID = 0x4321
			var sent []byte
			pr.send(func(f *packet.Frame, b []byte) ([]byte, error) {
				b, err := f.AppendUDP(b, 45000, 31337, payload)
				sent = bytes.Clone(b[14:])
				return b, err
			})
			pr.fr.ID = 0
			d := pr.await(wait, func(d *packet.Decoded) bool {
				return d.Transport == packet.TransportICMPv4 && d.ICMP.Type == 3
			})
			if d == nil {
				t.Fatal("no port unreachable")
			}
			u := p.Unreach
			wantQuote := len(sent)
			if u.HeaderOnly {
				wantQuote = 28
			}
			maxLen := u.MaxLen
			if maxLen == 0 {
				maxLen = 1500
			}
			wantQuote = min(wantQuote, maxLen-28)
			q := d.ICMP.Body
			if d.ICMP.Code != 3 || d.IP.TTL != p.TTL || d.IP.DF != u.DF || int(d.IP.Length) != 28+wantQuote || d.ICMP.Rest != u.Unused {
				t.Errorf("code %d TTL %d DF %v length %d unused %#x, want 3 %d %v %d %#x", d.ICMP.Code, d.IP.TTL, d.IP.DF, d.IP.Length, d.ICMP.Rest, p.TTL, u.DF, 28+wantQuote, u.Unused)
			}
			if len(q) != wantQuote {
				t.Fatalf("quote of %d bytes, want %d", len(q), wantQuote)
			}
			wantSum := be16(sent, 10)
			if u.QuoteChecksum == persona.QuoteChecksumZero {
				wantSum = 0
			}
			if be16(q, 10) != wantSum || be16(q, 2) != be16(sent, 2) || be16(q, 4) != 0x4321 || !bytes.Equal(q[12:], sent[12:wantQuote]) {
				t.Errorf("quoted header %x, want %x with checksum %#x", q[:20], sent[:20], wantSum)
			}
		})
	}
}

// TestUnreachableRateLimit sends 20 datagrams at once to the Linux-like
// persona, which answers its burst and stays silent on the rest.
func TestUnreachableRateLimit(t *testing.T) {
	l := personaLab(t)
	k := len(personaCases) - 1
	tg, p := l.Targets[k], personaCases[k].p
	if p.Unreach.Limit.Burst == 0 {
		t.Fatal("the Linux persona should rate-limit")
	}
	pr := newProber(t, l, tg)
	for i := range 20 {
		pr.send(func(f *packet.Frame, b []byte) ([]byte, error) {
			return f.AppendUDP(b, uint16(46000+i), 7, []byte("x"))
		})
	}
	got := 0
	for pr.await(500*time.Millisecond, func(d *packet.Decoded) bool {
		return d.Transport == packet.TransportICMPv4 && d.ICMP.Type == 3
	}) != nil {
		got++
	}
	// Earlier tests may have taken a token or two less than a second
	// ago; the bucket may refill by one while the probes go out.
	if got < p.Unreach.Limit.Burst-2 || got > p.Unreach.Limit.Burst+1 {
		t.Errorf("%d port unreachables for 20 datagrams, want the burst of %d", got, p.Unreach.Limit.Burst)
	}
}

// TestConnect opens and closes real connections from the scanner's kernel,
// over IPv4 and IPv6, to an open port, and is refused by a closed one.
func TestConnect(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg := l.Targets[k]
			for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
				err := l.Scanner.Do(func() error {
					d := net.Dialer{Timeout: 3 * time.Second}
					ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
					defer cancel()
					conn, err := d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, openPorts[0]).String())
					if err != nil {
						return fmt.Errorf("open port: %w", err)
					}
					conn.SetDeadline(time.Now().Add(3 * time.Second))
					if _, err := conn.Write([]byte("hello\r\n")); err != nil {
						return fmt.Errorf("write: %w", err)
					}
					conn.(*net.TCPConn).CloseWrite()
					// The persona sends no data: the read ends with
					// its FIN.
					if n, err := conn.Read(make([]byte, 16)); n != 0 || err == nil {
						return fmt.Errorf("read after FIN: %d bytes, %v", n, err)
					}
					conn.Close()
					_, err = d.DialContext(ctx, "tcp", netip.AddrPortFrom(a, closedPort).String())
					if !errors.Is(err, syscall.ECONNREFUSED) {
						return fmt.Errorf("closed port: %v, want connection refused", err)
					}
					return nil
				})
				if err != nil {
					t.Errorf("%s: %v", a, err)
				}
			}
			if st := tg.Persona.Stats(); st.Sent == 0 || st.Received < st.Sent || st.Errors != 0 {
				t.Errorf("host counters %+v", st)
			}
		})
	}
}

// TestEcho6 checks ICMPv6 echo replies carry the personality's TTL as
// hop limit. (TestConnect's IPv6 connections show neighbour discovery.)
func TestEcho6(t *testing.T) {
	l := personaLab(t)
	for k, c := range personaCases {
		t.Run(c.name, func(t *testing.T) {
			tg := l.Targets[k]
			pr := newProber(t, l, tg)
			pr.fr.Src, pr.fr.Dst = tg.ScannerAddr6, tg.Addr6
			data := []byte("persona echo")
			pr.send(func(f *packet.Frame, b []byte) ([]byte, error) { return f.AppendEcho(b, 0x6666, 1, data) })
			d := pr.await(wait, func(d *packet.Decoded) bool {
				return d.Transport == packet.TransportICMPv6 && d.ICMP.Type == 129 && d.ICMP.ID() == 0x6666
			})
			if d == nil {
				t.Fatal("no ICMPv6 echo reply")
			}
			if d.IP.TTL != c.p.TTL || !bytes.Equal(d.ICMP.Body, data) {
				t.Errorf("echo reply with hop limit %d, data %q; want %d, %q", d.IP.TTL, d.ICMP.Body, c.p.TTL, data)
			}
		})
	}
}
