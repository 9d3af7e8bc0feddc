package cli

import (
	"strings"
	"testing"
	"time"
)

func TestParseOptions(t *testing.T) {
	tests := []struct {
		name  string
		args  string
		check func(t *testing.T, o *Options)
	}{
		{"syn all ports", "-sS -p- -T4 198.18.0.2", func(t *testing.T, o *Options) {
			if !o.SYN || o.Ports != "-" || o.Template != 4 || len(o.Targets) != 1 || o.Targets[0] != "198.18.0.2" {
				t.Errorf("%+v", o)
			}
		}},
		{"attached and separate port values", "-p22,80 -p 443 x", func(t *testing.T, o *Options) {
			if o.Ports != "443" {
				t.Errorf("the last -p wins, as in Nmap: got %q", o.Ports)
			}
		}},
		{"named template", "-T aggressive x", func(t *testing.T, o *Options) {
			if o.Template != 4 {
				t.Errorf("template %d", o.Template)
			}
		}},
		{"long options with = and space", "--min-rate=1000 --max-retries 2 --host-timeout 30m --initial-rtt-timeout 250ms x", func(t *testing.T, o *Options) {
			if o.MinRate != 1000 || o.MaxRetries != 2 || o.HostTimeout != 30*time.Minute || o.InitialRTT != 250*time.Millisecond {
				t.Errorf("%+v", o)
			}
		}},
		{"verbosity", "-v -vv -v2 -d x", func(t *testing.T, o *Options) {
			if o.Verbose != 5 || o.Debug != 1 {
				t.Errorf("verbose %d debug %d", o.Verbose, o.Debug)
			}
		}},
		{"outputs", "-oX a.xml -oG - -oA base -oJ j.jsonl --reason --open x", func(t *testing.T, o *Options) {
			if o.XML != "a.xml" || o.Grepable != "-" || o.AllFormats != "base" || o.JSON != "j.jsonl" || !o.Reason || !o.Open {
				t.Errorf("%+v", o)
			}
		}},
		{"discovery probes", "-PS -PA80,443 -PE -Pn x", func(t *testing.T, o *Options) {
			if o.PingSYN == nil || *o.PingSYN != "" || o.PingACK == nil || *o.PingACK != "80,443" || !o.PingEcho || !o.NoPing {
				t.Errorf("%+v", o)
			}
		}},
		{"targets and exclusions", "-iL list.txt --exclude 198.18.0.5,198.18.0.6 --exclude 198.18.1.0/24 -6 -n a b", func(t *testing.T, o *Options) {
			if o.InputList != "list.txt" || len(o.Exclude) != 3 || !o.IPv6 || !o.NoResolve || len(o.Targets) != 2 {
				t.Errorf("%+v", o)
			}
		}},
		{"os detection", "-O --osscan-limit --fuzzy --max-os-tries 3 x", func(t *testing.T, o *Options) {
			if !o.OS || !o.OSScanLimit || !o.OSScanGuess || o.MaxOSTries != 3 {
				t.Errorf("%+v", o)
			}
		}},
		{"shard and seed", "--shard 2/4 --seed 0x2a x", func(t *testing.T, o *Options) {
			if o.Shard != 2 || o.Shards != 4 || o.Seed != 42 || !o.SeedSet {
				t.Errorf("%+v", o)
			}
		}},
		{"udp and tcp together", "-sS -sU -p T:22,U:53 x", func(t *testing.T, o *Options) {
			if !o.SYN || !o.UDP || o.Ports != "T:22,U:53" {
				t.Errorf("%+v", o)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := ParseOptions(strings.Fields(tt.args))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, o)
		})
	}
}

func TestParseOptionsErrors(t *testing.T) {
	tests := []struct{ args, want string }{
		{"--bogus x", `unknown option "--bogus"`},
		{"-sS -sT x", "only one TCP scan type"},
		{"-T7 x", "timing template from 0 to 5"},
		{"--min-rate 500 --max-rate 100 x", "--min-rate 500 is above --max-rate 100"},
		{"--min-rate fast x", "packets per second"},
		{"--host-timeout soon x", "a time such as"},
		{"-p", "-p needs a value"},
		{"-F -p 22 x", "-F chooses"},
		{"-sn -Pn x", "would scan nothing"},
		{"--shard 5/4 x", "1 <= i <= n"},
		{"--open=yes x", "--open takes no value"},
	}
	for _, tt := range tests {
		_, err := ParseOptions(strings.Fields(tt.args))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("ParseOptions(%q) = %v, want an error containing %q", tt.args, err, tt.want)
		}
	}
}

func TestParseTime(t *testing.T) {
	tests := map[string]time.Duration{"2": 2 * time.Second, "500ms": 500 * time.Millisecond, "1.5m": 90 * time.Second, "1h": time.Hour, "0.25s": 250 * time.Millisecond}
	for in, want := range tests {
		if got, err := parseTime(in); err != nil || got != want {
			t.Errorf("parseTime(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
}
