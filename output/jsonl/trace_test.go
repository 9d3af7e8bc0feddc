package jsonl

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/output/internal/fixture"
)

// TestTrace checks the trace objects against FORMAT.md: every TTL listed,
// silent ones without an address, shared hops named.
func TestTrace(t *testing.T) {
	out := render(t, fixture.Traced())
	fixture.Golden(t, "traced.jsonl", out)
	type hop struct {
		TTL  int      `json:"ttl"`
		Addr string   `json:"addr"`
		RTTS *float64 `json:"rtt_s"`
		Host string   `json:"host"`
	}
	var traces []map[string]json.RawMessage
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		var rec struct {
			Type  string                     `json:"type"`
			Trace map[string]json.RawMessage `json:"trace"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		if rec.Type == "host" {
			traces = append(traces, rec.Trace)
		}
	}
	if len(traces) != 4 {
		t.Fatalf("%d host records", len(traces))
	}
	for i, want := range []map[string]string{
		{"protocol": `"tcp"`, "port": "113"},
		{"protocol": `"tcp"`, "port": "113", "shared_hops": "6", "same_as": `"198.18.0.2"`},
		{"protocol": `"tcp"`, "port": "113", "shared_hops": "1", "same_as": `"198.18.0.2"`},
		{"protocol": `"icmpv6"`},
	} {
		for _, k := range []string{"protocol", "port", "shared_hops", "same_as"} {
			if got := string(traces[i][k]); got != want[k] {
				t.Errorf("host %d: %s = %s, want %s", i, k, got, want[k])
			}
		}
	}
	var hops []hop
	if err := json.Unmarshal(traces[1]["hops"], &hops); err != nil {
		t.Fatal(err)
	}
	if len(hops) != 7 {
		t.Fatalf("%d hops: %+v", len(hops), hops)
	}
	for _, h := range hops {
		silent := h.TTL == 2 || h.TTL == 3 || h.TTL == 6
		if silent != (h.Addr == "") || silent != (h.RTTS == nil) {
			t.Errorf("hop %+v", h)
		}
	}
	if h := hops[6]; h.Addr != "198.18.0.3" || *h.RTTS != 0.015 || h.Host != "www.lab.example" {
		t.Errorf("last hop %+v", h)
	}
	if strings.Contains(string(render(t, fixture.Basic())), `"trace"`) {
		t.Error("trace written for a host not traced")
	}
}
