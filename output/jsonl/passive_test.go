package jsonl

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

func TestPassiveOS(t *testing.T) {
	sc := fixture.Basic()
	sc.Name = "passive"
	sc.Hosts[0].OSPassive = &result.PassiveOS{Family: "windows", Name: "Windows", Confidence: 95,
		Evidence: []string{"TTL 128", "window 8192", "DF", "IP ID incremental"}}
	out := render(t, sc)
	fixture.Golden(t, "passive.jsonl", out)
	var found bool
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var rec struct {
			Type      string `json:"type"`
			OSPassive *struct {
				Family     string   `json:"family"`
				Name       string   `json:"name"`
				Confidence int      `json:"confidence"`
				Evidence   []string `json:"evidence"`
			} `json:"os_passive"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type != "host" {
			continue
		}
		found = true
		g := rec.OSPassive
		if g == nil || g.Family != "windows" || g.Name != "Windows" || g.Confidence != 95 || !slices.Equal(g.Evidence, sc.Hosts[0].OSPassive.Evidence) {
			t.Errorf("os_passive = %+v", g)
		}
	}
	if !found {
		t.Fatal("no host record")
	}
	// Without a guess the key is absent.
	if strings.Contains(string(render(t, fixture.Basic())), "os_passive") {
		t.Error("os_passive written for a host without a guess")
	}
}
