package jsonl

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

func render(t *testing.T, sc fixture.Scenario) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fixture.Play(New(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestGolden(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			fixture.Golden(t, sc.Name+".jsonl", render(t, sc))
		})
	}
}

// required lists, per record type, the keys FORMAT.md promises in every
// record of that type, and for nested objects the path to them.
var required = map[string][]string{
	TypeRunStart: {"type", "schema_version", "scanner", "version", "args", "scan_info", "verbose", "debugging"},
	TypeHost: {"type", "schema_version", "addr", "addr_type", "state", "reason", "reason_ttl", "hostnames",
		"timed_out", "latency_s", "ports", "extra_ports"},
	TypeRunEnd: {"type", "schema_version", "elapsed_s", "hosts_up", "hosts_down", "hosts_total", "exit",
		"interrupted", "stats"},
	"port":        {"protocol", "port", "state", "reason", "reason_ttl"},
	"service":     {"name", "method", "conf"},
	"extra_ports": {"state", "count", "reasons"},
	"stats":       {"probes_sent", "replies", "retransmissions", "loss_ratio", "peak_rate_pps", "no_reply_states"},
	"scan_info":   {"type", "protocol", "ports", "num_services"},
}

func hasKeys(t *testing.T, what string, obj map[string]any) {
	t.Helper()
	for _, k := range required[what] {
		if _, ok := obj[k]; !ok {
			t.Errorf("%s record lacks %q: %v", what, k, obj)
		}
	}
	for k := range obj {
		if k != strings.ToLower(k) || strings.ContainsAny(k, "- ") {
			t.Errorf("%s key %q is not snake_case", what, k)
		}
	}
}

// TestRecords decodes every line on its own and checks type, schema
// version, the keys every record must have, RFC 3339 times and the
// order run_start, host..., run_end.
func TestRecords(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			sc2 := bufio.NewScanner(bytes.NewReader(render(t, sc)))
			var types []string
			for sc2.Scan() {
				var rec map[string]any
				dec := json.NewDecoder(strings.NewReader(sc2.Text()))
				dec.UseNumber()
				if err := dec.Decode(&rec); err != nil {
					t.Fatalf("line %q: %v", sc2.Text(), err)
				}
				typ, _ := rec["type"].(string)
				types = append(types, typ)
				if v, _ := rec["schema_version"].(json.Number); v != "1" {
					t.Errorf("schema_version = %v", rec["schema_version"])
				}
				hasKeys(t, typ, rec)
				for _, k := range []string{"start", "end"} {
					if s, ok := rec[k].(string); ok {
						if _, err := time.Parse(time.RFC3339Nano, s); err != nil || !strings.Contains(s, ".") {
							t.Errorf("%s = %q is not RFC 3339 with a fraction", k, s)
						}
					}
				}
				switch typ {
				case TypeRunStart:
					for _, si := range rec["scan_info"].([]any) {
						hasKeys(t, "scan_info", si.(map[string]any))
					}
				case TypeHost:
					for _, p := range rec["ports"].([]any) {
						pm := p.(map[string]any)
						hasKeys(t, "port", pm)
						if s, ok := pm["service"]; ok {
							hasKeys(t, "service", s.(map[string]any))
						}
					}
					for _, e := range rec["extra_ports"].([]any) {
						hasKeys(t, "extra_ports", e.(map[string]any))
					}
				case TypeRunEnd:
					hasKeys(t, "stats", rec["stats"].(map[string]any))
				}
			}
			if len(types) < 2 || types[0] != TypeRunStart || types[len(types)-1] != TypeRunEnd {
				t.Errorf("record order %v", types)
			}
			for _, typ := range types[1 : len(types)-1] {
				if typ != TypeHost {
					t.Errorf("record order %v", types)
				}
			}
		})
	}
}

// TestDownHostsAlways: unlike Nmap's formats, JSON carries down hosts
// without -v.
func TestDownHostsAlways(t *testing.T) {
	sc := fixture.Down()
	sc.Begin.Verbose = 0
	if n := bytes.Count(render(t, sc), []byte(`"type":"host"`)); n != 2 {
		t.Errorf("%d host records, want 2", n)
	}
}

func TestHostileIsText(t *testing.T) {
	out := render(t, fixture.Hostile())
	var rec struct {
		Hostnames []struct{ Name string }
		Ports     []struct {
			Service struct{ Product, Version string }
		}
	}
	line := bytes.Split(out, []byte("\n"))[1]
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatal(err)
	}
	// jq -r prints strings raw: an escape sequence must arrive as text.
	if got := rec.Hostnames[0].Name; got != `evil\x1b[31m.example</hostname><script>` {
		t.Errorf("hostname = %q", got)
	}
	if got := rec.Ports[0].Service.Version; got != `1.0\xff\xfe\xc0\xaf` {
		t.Errorf("version = %q", got)
	}
}

func TestNaN(t *testing.T) {
	r := result.Run{Stats: result.Stats{ProbesSent: 1, Loss: math.NaN(), Rate: math.Inf(1)}}
	var buf bytes.Buffer
	if err := New(&buf, output.Options{}).End(&r); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte(`"loss_ratio":0,"peak_rate_pps":0`)) {
		t.Errorf("NaN not replaced: %s", buf.Bytes())
	}
}
