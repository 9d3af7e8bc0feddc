package lab

import (
	"fmt"
	"net/netip"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/picket-scanner/picket/packet"
)

// TestKernelSysctls varies a kernel target's stack and checks its SYN-ACK
// shows it: TTL 128, and no options but the MSS once timestamps, window
// scaling and SACK are off; the defaults give all of them.
func TestKernelSysctls(t *testing.T) {
	l := Start(t, Config{Targets: []TargetConfig{
		{},
		{Sysctls: map[string]string{
			"net.ipv4.tcp_timestamps":     "0",
			"net.ipv4.tcp_window_scaling": "0",
			"net.ipv4.tcp_sack":           "0",
			"net.ipv4.ip_default_ttl":     "128",
			"net.ipv4.tcp_ecn":            "1",
		}},
	}})
	for k, want := range []struct {
		ttl  uint8
		opts string
	}{{64, "M5B4ST11NW"}, {128, "M5B4"}} {
		tg := l.Targets[k]
		port, err := tg.ServeTCP(0, Silent())
		if err != nil {
			t.Fatal(err)
		}
		var d *packet.Decoded
		err = l.Scanner.Do(func() error {
			var err error
			d, err = synProbe(tg.ScannerAddr, tg.Addr, 43210, port)
			return err
		})
		if err != nil {
			t.Fatalf("target %d: %v", k, err)
		}
		opts := d.TCP.Options
		if err := opts.Parse(opts.Raw); err != nil {
			t.Fatal(err)
		}
		// The window scale depends on the machine's memory: left out.
		got := string(opts.AppendFingerprint(nil))
		if len(got) > len(want.opts) && got[len(want.opts)-1] == 'W' {
			got = got[:len(want.opts)]
		}
		if d.IP.TTL != want.ttl || got != want.opts {
			t.Errorf("target %d: SYN-ACK with TTL %d options %s, want %d %s", k, d.IP.TTL, got, want.ttl, want.opts)
		}
	}
}

// synProbe sends one SYN offering every option (as Nmap's first SEQ
// probe) from a raw socket in the current namespace, and returns the
// SYN-ACK or reset that answers it, waiting at most 2 s.
func synProbe(src, dst netip.Addr, sport, dport uint16) (*packet.Decoded, error) {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.IPPROTO_TCP)
	if err != nil {
		return nil, fmt.Errorf("raw socket: %w", err)
	}
	defer unix.Close(fd)
	tv := unix.NsecToTimeval(int64(200 * time.Millisecond))
	if err := unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		return nil, err
	}
	opts := []byte{3, 3, 10, 1, 2, 4, 5, 0xb4, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 4, 2}
	f := packet.Frame{Link: packet.LinkRaw, Src: src, Dst: dst}
	b, err := f.AppendTCP(nil, &packet.TCP{SrcPort: sport, DstPort: dport, Seq: 1, Flags: packet.FlagSYN, Window: 1024,
		Options: packet.TCPOptions{Raw: opts}}, nil)
	if err != nil {
		return nil, err
	}
	// The kernel writes the IP header of a raw socket's packets.
	if err := unix.Sendto(fd, b[20:], 0, &unix.SockaddrInet4{Addr: dst.As4()}); err != nil {
		return nil, fmt.Errorf("send SYN: %w", err)
	}
	buf := make([]byte, 1500)
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			continue
		}
		d := &packet.Decoded{}
		if d.Decode(append([]byte(nil), buf[:n]...), packet.LinkRaw) != nil {
			continue
		}
		if d.IP.Src == dst && d.TCP.SrcPort == dport && d.TCP.DstPort == sport {
			return d, nil
		}
	}
	return nil, fmt.Errorf("no answer from %s:%d", dst, dport)
}
