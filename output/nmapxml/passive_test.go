package nmapxml

import (
	"encoding/xml"
	"slices"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

func passiveScenario() fixture.Scenario {
	sc := fixture.Basic()
	sc.Name = "passive"
	sc.Hosts[0].OSPassive = &result.PassiveOS{Family: "bsd", Name: "BSD/macOS", Confidence: 88,
		Evidence: []string{"TTL 64", "window 65535", "MSS 1460 only", "DF", "IP ID zero", "reset window 0"}}
	return sc
}

// TestPassiveOS checks the passive guess's host script: where it is, what
// it holds, and that Nmap's DTD accepts it.
func TestPassiveOS(t *testing.T) {
	sc := passiveScenario()
	out := render(t, sc)
	fixture.Golden(t, "passive.xml", out)
	var doc struct {
		Hosts []struct {
			Scripts []struct {
				ID     string `xml:"id,attr"`
				Output string `xml:"output,attr"`
				Elems  []struct {
					Key   string `xml:"key,attr"`
					Value string `xml:",chardata"`
				} `xml:"elem"`
				Evidence []string `xml:"table>elem"`
			} `xml:"hostscript>script"`
		} `xml:"host"`
	}
	if err := xml.Unmarshal(out, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Hosts) != 1 || len(doc.Hosts[0].Scripts) != 1 {
		t.Fatalf("hosts %+v", doc.Hosts)
	}
	s := doc.Hosts[0].Scripts[0]
	g := sc.Hosts[0].OSPassive
	if s.ID != PassiveOSID || s.Output != g.String() || !slices.Equal(s.Evidence, g.Evidence) {
		t.Errorf("script = %+v", s)
	}
	want := map[string]string{"family": "bsd", "name": "BSD/macOS", "confidence": "88"}
	for _, e := range s.Elems {
		if want[e.Key] != e.Value {
			t.Errorf("elem %s = %q, want %q", e.Key, e.Value, want[e.Key])
		}
		delete(want, e.Key)
	}
	if len(want) > 0 {
		t.Errorf("elems missing: %v", want)
	}
	xmllint(t, picketDTD(t), writeFile(t, "passive.xml", out))
	// python-libnmap reads the file, hosts and ports as ever.
	if r := libnmap(t, writeFile(t, "passive.xml", out), false); len(r.Hosts) != 1 || len(r.Hosts[0].Services) != 4 {
		t.Errorf("libnmap read %+v", r)
	}
}
