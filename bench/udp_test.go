package main

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"
)

// TestUDPFormat judges listed ports one by one and folded ones by count.
func TestUDPFormat(t *testing.T) {
	a := netip.MustParseAddr("198.18.0.2")
	truth := map[netip.AddrPort]string{}
	for p, s := range map[uint16]string{53: "open", 1000: "open|filtered", 2000: "filtered", 20000: "closed", 20001: "closed", 20002: "closed"} {
		truth[netip.AddrPortFrom(a, p)] = s
	}
	// 1000 wrongly closed, and one closed port too few among the folded.
	doc := `<nmaprun><host><address addr="198.18.0.2" addrtype="ipv4"/><ports>
<extraports state="closed" count="2"/>
<port protocol="udp" portid="53"><state state="open"/></port>
<port protocol="udp" portid="1000"><state state="closed"/></port>
<port protocol="udp" portid="2000"><state state="filtered"/></port>
</ports></host></nmaprun>`
	path := filepath.Join(t.TempDir(), "out.xml")
	if err := os.WriteFile(path, []byte(doc), 0o644); err != nil {
		t.Fatal(err)
	}
	found, _, err := udpFormat(truth).parse(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(found) != 4 || found[netip.AddrPortFrom(a, 1000)] {
		t.Errorf("right: %v; want 53, 2000 and two of the three closed ports", found)
	}
}
