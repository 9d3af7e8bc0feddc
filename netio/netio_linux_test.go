package netio

import (
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"os"
	"testing"
	"time"

	"golang.org/x/net/bpf"

	"github.com/picket-scanner/picket/internal/lab"
)

// udpFrame builds an Ethernet/IPv4/UDP frame by hand (UDP checksum 0 is
// allowed over IPv4), so this test does not lean on the codecs above it.
func udpFrame(dstMAC, srcMAC net.HardwareAddr, src, dst netip.AddrPort, payload []byte) []byte {
	f := make([]byte, 14+20+8+len(payload))
	copy(f[0:6], dstMAC)
	copy(f[6:12], srcMAC)
	binary.BigEndian.PutUint16(f[12:], 0x0800)
	ip := f[14:34]
	ip[0] = 0x45
	binary.BigEndian.PutUint16(ip[2:], uint16(20+8+len(payload)))
	ip[8], ip[9] = 64, 17
	s, d := src.Addr().As4(), dst.Addr().As4()
	copy(ip[12:16], s[:])
	copy(ip[16:20], d[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(ip[i:]))
	}
	for sum > 0xffff {
		sum = sum>>16 + sum&0xffff
	}
	binary.BigEndian.PutUint16(ip[10:], ^uint16(sum))
	udp := f[34:]
	binary.BigEndian.PutUint16(udp[0:], src.Port())
	binary.BigEndian.PutUint16(udp[2:], dst.Port())
	binary.BigEndian.PutUint16(udp[4:], uint16(8+len(payload)))
	copy(udp[8:], payload)
	return f
}

// udpFromPort accepts IPv4 UDP frames (without IP options) whose source
// port is port.
func udpFromPort(port uint16) []bpf.Instruction {
	return []bpf.Instruction{
		bpf.LoadAbsolute{Off: 12, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 0x0800, SkipTrue: 5},
		bpf.LoadAbsolute{Off: 23, Size: 1},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: 17, SkipTrue: 3},
		bpf.LoadAbsolute{Off: 34, Size: 2},
		bpf.JumpIf{Cond: bpf.JumpNotEqual, Val: uint32(port), SkipTrue: 1},
		bpf.RetConstant{Val: 0xffff},
		bpf.RetConstant{Val: 0},
	}
}

func TestBatchRoundTrip(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	tg := l.Targets[0]
	port, err := tg.ServeUDP(0, lab.UDPEcho())
	if err != nil {
		t.Fatal(err)
	}
	// A second service whose replies the filter must keep out.
	other, err := tg.ServeUDP(0, lab.UDPEcho())
	if err != nil {
		t.Fatal(err)
	}
	var c *Conn
	var srcMAC net.HardwareAddr
	err = l.Scanner.Do(func() error {
		ifi, err := net.InterfaceByName(tg.ScannerIface)
		if err != nil {
			return err
		}
		srcMAC = ifi.HardwareAddr
		c, err = Listen(tg.ScannerIface, Config{Filter: udpFromPort(port)})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if c.Link != LinkEthernet {
		t.Errorf("link type %v on a veth, want Ethernet", c.Link)
	}

	const n = 16
	out := NewBatch(n, 1514)
	for i := range n {
		dst := port
		if i%2 == 1 {
			dst = other
		}
		src := netip.AddrPortFrom(tg.ScannerAddr, uint16(40000+i))
		f := udpFrame(tg.MAC, srcMAC, src, netip.AddrPortFrom(tg.Addr, dst), []byte{byte(i)})
		out.Bufs[i] = append(out.Bufs[i][:0], f...)
	}
	if sent, err := c.WriteBatch(out, n); sent != n || err != nil {
		t.Fatalf("WriteBatch: sent %d of %d: %v", sent, n, err)
	}

	in := NewBatch(8, 2048)
	got := map[byte]bool{}
	deadline := time.Now().Add(3 * time.Second)
	for len(got) < n/2 && time.Now().Before(deadline) {
		c.SetReadDeadline(deadline)
		k, err := c.ReadBatch(in)
		if err != nil {
			t.Fatalf("ReadBatch after %d replies: %v", len(got), err)
		}
		for i := 0; i < k; i++ {
			f := in.Bufs[i]
			if len(f) < 43 || binary.BigEndian.Uint16(f[34:]) != port {
				t.Fatalf("the filter let through a frame it should have dropped: % x", f)
			}
			got[f[42]] = true
		}
	}
	for i := 0; i < n; i += 2 {
		if !got[byte(i)] {
			t.Errorf("no echo of datagram %d", i)
		}
	}

	// Nothing else passes: the odd datagrams' echoes were filtered.
	c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if k, err := c.ReadBatch(in); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("after all echoes: read %d frames, err %v; want a deadline", k, err)
	}
	st, err := c.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Received < n/2 || st.Dropped != 0 {
		t.Errorf("stats %+v: want at least %d received, none dropped", st, n/2)
	}
}

func TestListenUnknownInterface(t *testing.T) {
	lab.Require(t)
	if _, err := Listen("no-such-if0", Config{}); err == nil {
		t.Fatal("Listen on a missing interface succeeded")
	}
}

func TestCloseUnblocksRead(t *testing.T) {
	l := lab.Start(t, lab.Config{})
	var c *Conn
	if err := l.Scanner.Do(func() error {
		var err error
		c, err = Listen(l.Targets[0].ScannerIface, Config{Filter: udpFromPort(1)})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.ReadBatch(NewBatch(1, 2048))
		done <- err
	}()
	time.AfterFunc(50*time.Millisecond, func() { c.Close() })
	select {
	case err := <-done:
		if !errors.Is(err, os.ErrClosed) {
			t.Errorf("read after Close: %v, want os.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadBatch still blocked 5s after Close")
	}
}
