package persona_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
)

// prober sends hand-made frames from the scanner namespace to one target
// and reads what comes back, as a scanner's raw engine would.
type prober struct {
	t       *testing.T
	conn    *netio.Conn
	fr      packet.Frame
	batch   *netio.Batch
	out     *netio.Batch
	pending []*packet.Decoded
}

func newProber(t *testing.T, l *lab.Lab, tg *lab.Target) *prober {
	t.Helper()
	p := &prober{t: t, batch: netio.NewBatch(16, 2048), out: netio.NewBatch(1, 2048)}
	var mac net.HardwareAddr
	err := l.Scanner.Do(func() error {
		ifi, err := net.InterfaceByName(tg.ScannerIface)
		if err != nil {
			return err
		}
		mac = ifi.HardwareAddr
		p.conn, err = netio.Listen(tg.ScannerIface, netio.Config{ReadBuffer: 1 << 20, WriteBuffer: 1 << 20})
		return err
	})
	if err != nil {
		t.Fatalf("raw socket on %s: %v", tg.ScannerIface, err)
	}
	t.Cleanup(func() { p.conn.Close() })
	p.fr = packet.Frame{
		SrcMAC: packet.MAC(mac), DstMAC: packet.MAC(tg.MAC),
		Src: tg.ScannerAddr, Dst: tg.Addr, TTL: 64,
	}
	return p
}

// send sends one frame built by build.
func (p *prober) send(build func(f *packet.Frame, b []byte) ([]byte, error)) {
	p.t.Helper()
	b, err := build(&p.fr, p.out.Bufs[0][:0])
	if err != nil {
		p.t.Fatalf("build probe: %v", err)
	}
	p.out.Bufs[0] = b
	if n, err := p.conn.WriteBatch(p.out, 1); n != 1 {
		p.t.Fatalf("send probe: %d sent, %v", n, err)
	}
	p.out.Bufs[0] = p.out.Bufs[0][:0:cap(p.out.Bufs[0])]
}

// await returns the first frame from the target that match accepts, or
// nil after wait. Frames read but not matched are kept for later calls.
func (p *prober) await(wait time.Duration, match func(d *packet.Decoded) bool) *packet.Decoded {
	p.t.Helper()
	deadline := time.Now().Add(wait)
	for {
		for i, d := range p.pending {
			if match(d) {
				p.pending = append(p.pending[:i], p.pending[i+1:]...)
				return d
			}
		}
		if err := p.conn.SetReadDeadline(deadline); err != nil {
			p.t.Fatal(err)
		}
		n, err := p.conn.ReadBatch(p.batch)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			return nil
		}
		if err != nil {
			p.t.Fatalf("read: %v", err)
		}
		for i := 0; i < n; i++ {
			d := &packet.Decoded{}
			if d.Decode(bytes.Clone(p.batch.Bufs[i]), packet.LinkEthernet) == nil && d.IP.Src == p.fr.Dst {
				p.pending = append(p.pending, d)
			}
		}
		if len(p.pending) > 256 {
			p.pending = p.pending[len(p.pending)-256:]
		}
	}
}

// tcp sends a TCP segment and returns the target's answer to it (a
// segment to its source port), or nil.
func (p *prober) tcp(sport, dport uint16, flags packet.TCPFlags, seq, ack uint32, win uint16, opts []byte, df bool, wait time.Duration) *packet.Decoded {
	p.t.Helper()
	p.fr.DF = df
	defer func() { p.fr.DF = false }()
	p.send(func(f *packet.Frame, b []byte) ([]byte, error) {
		return f.AppendTCP(b, &packet.TCP{SrcPort: sport, DstPort: dport, Seq: seq, Ack: ack, Flags: flags, Window: win,
			Options: packet.TCPOptions{Raw: opts}}, nil)
	})
	return p.await(wait, func(d *packet.Decoded) bool {
		return d.Transport == packet.TransportTCP && d.TCP.DstPort == sport && d.TCP.SrcPort == dport
	})
}

// Nmap's first and third SEQ probes' options: every option offered, and
// everything but SACK.
var (
	optsAll  = []byte{3, 3, 10, 1, 2, 4, 5, 0xb4, 8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 4, 2}
	optsNoSS = []byte{8, 10, 0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0, 1, 1, 3, 3, 5, 1, 2, 4, 2, 0x80}
	optsECN  = []byte{3, 3, 10, 1, 2, 4, 5, 0xb4, 4, 2, 1, 1}
)

// optString writes options in the notation of Nmap's O tests, as Nmap
// does: every option in order, padding included.
func optString(d *packet.Decoded) string {
	raw := d.TCP.Options.Raw
	var b []byte
	for i := 0; i < len(raw); {
		kind := raw[i]
		if kind == 0 || kind == 1 {
			b = append(b, "LN"[kind])
			i++
			continue
		}
		if i+1 >= len(raw) || raw[i+1] < 2 || i+int(raw[i+1]) > len(raw) {
			return string(b) + "?"
		}
		v := raw[i+2 : i+int(raw[i+1])]
		switch {
		case kind == 2 && len(v) == 2:
			b = fmt.Appendf(b, "M%X", binary.BigEndian.Uint16(v))
		case kind == 3 && len(v) == 1:
			b = fmt.Appendf(b, "W%X", v[0])
		case kind == 4:
			b = append(b, 'S')
		case kind == 8 && len(v) == 8:
			b = fmt.Appendf(b, "T%d%d", min(1, binary.BigEndian.Uint32(v)), min(1, binary.BigEndian.Uint32(v[4:])))
		}
		i += len(v) + 2
	}
	return string(b)
}

func ipID(d *packet.Decoded) uint16 { return uint16(d.IP.ID) }

func be16(b []byte, at int) uint16 {
	if len(b) < at+2 {
		return 0
	}
	return binary.BigEndian.Uint16(b[at:])
}
