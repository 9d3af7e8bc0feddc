package normal

import (
	"bytes"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

// passiveScenario is the basic scan with a passive OS guess on its host.
func passiveScenario() fixture.Scenario {
	sc := fixture.Basic()
	sc.Name = "passive"
	sc.Hosts[0].OSPassive = &result.PassiveOS{Family: "linux", Name: "Linux", Confidence: 95,
		Evidence: []string{"TTL 64", "window 64240 (44 segments of 1460)", "MSS 1460 only", "DF", "IP ID zero"}}
	return sc
}

func TestPassiveOS(t *testing.T) {
	sc := passiveScenario()
	var buf bytes.Buffer
	if err := fixture.Play(NewFile(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "passive.nmap", buf.Bytes())
	want := "OS guess (passive, from the scan's replies): Linux (confidence 95%): TTL 64, window 64240 (44 segments of 1460), MSS 1460 only, DF, IP ID zero\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("no line %q in\n%s", want, buf.Bytes())
	}

	sc.Hosts[0].OSPassive = &result.PassiveOS{Family: "unknown", Name: "unknown", Evidence: []string{"TTL 64", "window 5000"}}
	buf.Reset()
	if err := fixture.Play(NewFile(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	if want := "OS guess (passive, from the scan's replies): unknown: TTL 64, window 5000\n"; !strings.Contains(buf.String(), want) {
		t.Errorf("no line %q in\n%s", want, buf.Bytes())
	}
}
