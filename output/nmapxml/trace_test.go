package nmapxml

import (
	"encoding/xml"
	"fmt"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestTrace checks the <trace> elements: as Nmap writes them, every hop
// that answered (shared ones too) with its RTT in milliseconds and its
// name, silent TTLs left out, and valid against Nmap's DTD.
func TestTrace(t *testing.T) {
	sc := fixture.Traced()
	out := render(t, sc)
	fixture.Golden(t, "traced.xml", out)
	var doc struct {
		Hosts []struct {
			Trace *struct {
				Port  *string `xml:"port,attr"`
				Proto *string `xml:"proto,attr"`
				Hops  []struct {
					TTL  string `xml:"ttl,attr"`
					Addr string `xml:"ipaddr,attr"`
					RTT  string `xml:"rtt,attr"`
					Host string `xml:"host,attr"`
				} `xml:"hop"`
			} `xml:"trace"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 4 {
		t.Fatalf("%d hosts", len(doc.Hosts))
	}
	str := func(p *string) string {
		if p == nil {
			return "none"
		}
		return *p
	}
	for i, want := range []string{
		"113 tcp [{1 198.18.0.129 0.31 gw.lab.example} {4 198.18.0.145 1.25 } {5 198.18.0.153 12.50 } {7 198.18.0.2 14.00 www.lab.example}]",
		"113 tcp [{1 198.18.0.129 0.31 gw.lab.example} {4 198.18.0.145 1.25 } {5 198.18.0.153 12.50 } {7 198.18.0.3 15.00 www.lab.example}]",
		"113 tcp [{1 198.18.0.129 0.31 gw.lab.example} {2 198.18.0.161 0.70 } {3 198.18.0.66 0.90 }]",
		"none none [{1 fd00:0:1::2 0.04 } {2 fd00:0:2::2 0.06 } {3 fd00::2 0.08 }]",
	} {
		tr := doc.Hosts[i].Trace
		if tr == nil {
			t.Errorf("host %d: no trace", i)
			continue
		}
		if got := fmt.Sprintf("%s %s %v", str(tr.Port), str(tr.Proto), tr.Hops); got != want {
			t.Errorf("host %d: trace %s\nwant %s", i, got, want)
		}
	}
	xmllint(t, picketDTD(t), writeFile(t, "traced.xml", out))
	if r := libnmap(t, writeFile(t, "traced.xml", out), false); len(r.Hosts) != 4 {
		t.Errorf("libnmap read %+v", r)
	}
}
