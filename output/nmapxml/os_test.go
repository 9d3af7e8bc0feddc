package nmapxml

import (
	"encoding/xml"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestOS checks the OS detection elements: <os> with its ports, matches,
// classes and fingerprint, then uptime, distance and the sequences, valid
// against Nmap's DTD.
func TestOS(t *testing.T) {
	sc := fixture.OSDetected()
	out := render(t, sc)
	fixture.Golden(t, "os.xml", out)
	var doc struct {
		Hosts []struct {
			OS struct {
				Used []struct {
					State string `xml:"state,attr"`
					Proto string `xml:"proto,attr"`
					Port  int    `xml:"portid,attr"`
				} `xml:"portused"`
				Matches []struct {
					Name     string `xml:"name,attr"`
					Accuracy int    `xml:"accuracy,attr"`
					Line     int    `xml:"line,attr"`
					Classes  []struct {
						Gen string   `xml:"osgen,attr"`
						CPE []string `xml:"cpe"`
					} `xml:"osclass"`
				} `xml:"osmatch"`
				FP []struct {
					Text string `xml:"fingerprint,attr"`
				} `xml:"osfingerprint"`
			} `xml:"os"`
			Uptime *struct {
				Seconds int `xml:"seconds,attr"`
			} `xml:"uptime"`
			Distance struct {
				Value int `xml:"value,attr"`
			} `xml:"distance"`
			Seq *struct {
				Index  int    `xml:"index,attr"`
				Values string `xml:"values,attr"`
			} `xml:"tcpsequence"`
			IPID struct {
				Class string `xml:"class,attr"`
			} `xml:"ipidsequence"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 3 {
		t.Fatalf("%d hosts", len(doc.Hosts))
	}
	h := doc.Hosts[0]
	if len(h.OS.Used) != 3 || h.OS.Used[2].Proto != "udp" || len(h.OS.Matches) != 1 || h.OS.Matches[0].Line != 43 ||
		len(h.OS.Matches[0].Classes) != 2 || h.OS.Matches[0].Classes[1].CPE[0] != "cpe:/o:linux:linux_kernel:6" || len(h.OS.FP) != 0 {
		t.Errorf("exact host: %+v", h.OS)
	}
	if h.Uptime == nil || h.Uptime.Seconds != 36*3600 || h.Distance.Value != 1 || h.Seq == nil || h.Seq.Index != 261 || h.IPID.Class != "All zeros" {
		t.Errorf("exact host's side results: %+v %+v %+v %+v", h.Uptime, h.Distance, h.Seq, h.IPID)
	}
	if g := doc.Hosts[1]; len(g.OS.FP) != 1 || !strings.HasPrefix(g.OS.FP[0].Text, "OS:SCAN(") || !strings.Contains(g.OS.FP[0].Text, "\nOS:") {
		t.Errorf("guessed host's fingerprint: %+v", g.OS.FP)
	}
	if n := doc.Hosts[2]; len(n.OS.Matches) != 0 || n.Seq != nil || n.Distance.Value != 2 {
		t.Errorf("host without a match: %+v", n)
	}
	xmllint(t, picketDTD(t), writeFile(t, "os.xml", out))
}
