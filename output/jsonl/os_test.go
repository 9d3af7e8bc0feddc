package jsonl

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestOS checks the "os" object of each host as FORMAT.md describes it.
func TestOS(t *testing.T) {
	sc := fixture.OSDetected()
	var buf bytes.Buffer
	if err := fixture.Play(New(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	fixture.Golden(t, "os.jsonl", buf.Bytes())
	var oses []map[string]any
	for line := range strings.Lines(buf.String()) {
		var rec struct {
			Type string         `json:"type"`
			OS   map[string]any `json:"os"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type == "host" {
			oses = append(oses, rec.OS)
		}
	}
	if len(oses) != 3 {
		t.Fatalf("%d hosts", len(oses))
	}
	if oses[0]["exact"] != true || oses[0]["uptime_s"] != float64(36*3600) || oses[0]["distance"] != float64(1) {
		t.Errorf("exact host: %v", oses[0])
	}
	if fp, _ := oses[1]["fingerprint"].(string); !strings.HasPrefix(fp, "OS:SCAN(") {
		t.Errorf("guessed host's fingerprint: %v", oses[1]["fingerprint"])
	}
	if m, _ := oses[2]["matches"].([]any); m == nil || len(m) != 0 {
		t.Errorf("host without a match: matches %v", oses[2]["matches"])
	}
}
