package raw

import (
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/internal/lab/persona"
	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

var updatePassive = flag.Bool("update-passive", false, "rewrite osfp/testdata/passive from the lab's replies")

// passiveCase is one lab target and the family the passive guess must
// name.
type passiveCase struct {
	name  string
	cfg   lab.TargetConfig
	want  osfp.Stack
	serve bool // the target's own kernel: open its ports with listeners
}

func passiveCases() []passiveCase {
	open := []uint16{22, 80}
	p := func(pers persona.Personality) *persona.Config {
		return &persona.Config{Personality: pers, OpenTCP: open, Seed: 1}
	}
	return []passiveCase{
		{name: "windows", cfg: lab.TargetConfig{Persona: p(persona.Windows())}, want: osfp.StackWindows},
		{name: "freebsd", cfg: lab.TargetConfig{Persona: p(persona.FreeBSD())}, want: osfp.StackBSD},
		{name: "lwip", cfg: lab.TargetConfig{Persona: p(persona.LwIP())}, want: osfp.StackEmbedded},
		{name: "linux-persona", cfg: lab.TargetConfig{Persona: p(persona.Linux())}, want: osfp.StackLinux},
		{name: "linux", serve: true, want: osfp.StackLinux},
		// The lab's kernel with its timestamps and window scaling off
		// still sizes its window in whole segments.
		{name: "linux-nots", serve: true, want: osfp.StackLinux, cfg: lab.TargetConfig{Sysctls: map[string]string{
			"net.ipv4.tcp_timestamps": "0", "net.ipv4.tcp_window_scaling": "0", "net.ipv4.tcp_sack": "0",
		}}},
	}
}

// TestPassiveLab SYN-scans each lab stack over IPv4 and IPv6 and checks
// that the replies the scan kept name the right family. With
// -update-passive it also writes the replies it captured, as frames, to
// osfp/testdata/passive for osfp's unit tests.
func TestPassiveLab(t *testing.T) {
	lab.Require(t)
	cases := passiveCases()
	var cfgs []lab.TargetConfig
	for _, c := range cases {
		cfgs = append(cfgs, c.cfg)
	}
	l := lab.Start(t, lab.Config{Targets: cfgs})
	ports := []uint16{21, 22, 23, 80, 443, 8080}
	for i, c := range cases {
		tg := l.Targets[i]
		if c.serve {
			for _, p := range []uint16{22, 80} {
				if _, err := tg.ServeTCP(p, lab.Silent()); err != nil {
					t.Fatal(err)
				}
			}
		}
		for _, a := range []netip.Addr{tg.Addr, tg.Addr6} {
			fam := "v4"
			if a.Is6() {
				fam = "v6"
			}
			t.Run(c.name+"-"+fam, func(t *testing.T) {
				capt := captureOn(t, l, tg)
				tab, _ := scanLab(t, l, tg, scan.SYN, []netip.Addr{a}, ports)
				for h := range tab.Hosts {
					for _, p := range tab.Host(h, nil) {
						want := scan.Reset
						if p.Number == 22 || p.Number == 80 {
							want = scan.SynAck
						}
						if p.Outcome != want {
							t.Errorf("port %d: outcome %v, want %v", p.Number, p.Outcome, want)
						}
					}
				}
				if tab.Passive == nil || len(tab.Passive[0]) == 0 {
					t.Fatal("no samples kept")
				}
				g := osfp.Passive(tab.Passive[0])
				t.Logf("%s %s: %v", c.name, a, g)
				if g.Stack != c.want {
					t.Errorf("passive guess %v, want %v", g, c.want)
				}
				if g.SynAcks != 2 || g.Resets != 2 {
					t.Errorf("guess rests on %d SYN-ACKs and %d resets, want 2 and 2", g.SynAcks, g.Resets)
				}
				if *updatePassive {
					writePassive(t, c.name+"-"+fam, a, capt.frames(t, a))
				}
			})
		}
	}
}

// capture reads a copy of what arrives on the scanner's link to a target.
type capture struct {
	conn *netio.Conn
}

func captureOn(t *testing.T, l *lab.Lab, tg *lab.Target) *capture {
	t.Helper()
	c := &capture{}
	err := l.Scanner.Do(func() error {
		if _, err := net.InterfaceByName(tg.ScannerIface); err != nil {
			return err
		}
		var err error
		c.conn, err = netio.Listen(tg.ScannerIface, netio.Config{Filter: Filter(), ReadBuffer: 1 << 20})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.conn.Close() })
	return c
}

// frames returns the SYN-ACKs and resets from src that the capture holds,
// in arrival order, as many of each as the engine keeps.
func (c *capture) frames(t *testing.T, src netip.Addr) [][]byte {
	t.Helper()
	b := netio.NewBatch(64, 2048)
	var d packet.Decoded
	var out [][]byte
	synAcks, resets := 0, 0
	for range 1000 {
		c.conn.SetReadDeadline(time.Now().Add(100 * time.Millisecond))
		n, err := c.conn.ReadBatch(b)
		if errors.Is(err, os.ErrDeadlineExceeded) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < n; i++ {
			f := b.Bufs[i]
			if d.Decode(f, packet.LinkEthernet) != nil || d.Transport != packet.TransportTCP || d.IP.Src != src {
				continue
			}
			switch {
			case d.TCP.Flags.Has(packet.FlagSYN|packet.FlagACK) && synAcks < passiveSynAcks:
				synAcks++
			case d.TCP.Flags.Has(packet.FlagRST) && resets < passiveResets:
				resets++
			default:
				continue
			}
			out = append(out, append([]byte(nil), f...))
		}
	}
	return out
}

// writePassive writes frames to osfp/testdata/passive/name.txt, one hex
// frame a line.
func writePassive(t *testing.T, name string, a netip.Addr, frames [][]byte) {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "# The lab's %s target (%s) answering a picket SYN scan (MSS 1460 offered)\n", name, a)
	b.WriteString("# of ports 21, 22, 23, 80, 443, 8080 (22 and 80 open): Ethernet frames, in arrival order.\n")
	for _, f := range frames {
		b.WriteString(hex.EncodeToString(f))
		b.WriteByte('\n')
	}
	dir := filepath.Join("..", "..", "osfp", "testdata", "passive")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".txt"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPassiveLabAllPorts scans every port of stacks with one IP ID
// counter for everything: thousands of resets move the counter between
// the samples kept, and it must still read as a counter.
func TestPassiveLabAllPorts(t *testing.T) {
	lab.Require(t)
	open := []uint16{22, 80, 3389, 40000, 60000}
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{
		{Persona: &persona.Config{Personality: persona.Windows(), OpenTCP: open, Seed: 1}},
		{Persona: &persona.Config{Personality: persona.LwIP(), OpenTCP: open, Seed: 1}},
	}})
	for i, want := range []osfp.Stack{osfp.StackWindows, osfp.StackEmbedded} {
		tg := l.Targets[i]
		tab, _ := scanLab(t, l, tg, scan.SYN, []netip.Addr{tg.Addr}, allPorts())
		g := osfp.Passive(tab.Passive[0])
		t.Logf("%s: %v", tg.Addr, g)
		if g.Stack != want || !slices.Contains(g.Evidence, "IP ID incremental") {
			t.Errorf("%s: passive guess %v, want %v with an incremental IP ID; samples %+v", tg.Addr, g, want, tab.Passive[0])
		}
	}
}
