package normal

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/output"
	"github.com/picket-scanner/picket/output/internal/fixture"
	"github.com/picket-scanner/picket/result"
)

func TestGolden(t *testing.T) {
	for _, sc := range fixture.All() {
		for _, mode := range []struct {
			suffix string
			new    func(*bytes.Buffer, output.Options) output.Writer
		}{
			{"out", func(b *bytes.Buffer, o output.Options) output.Writer { return NewTerminal(b, o) }},
			{"nmap", func(b *bytes.Buffer, o output.Options) output.Writer { return NewFile(b, o) }},
		} {
			t.Run(sc.Name+"."+mode.suffix, func(t *testing.T) {
				var buf bytes.Buffer
				if err := fixture.Play(mode.new(&buf, sc.Opts), sc); err != nil {
					t.Fatal(err)
				}
				fixture.Golden(t, sc.Name+"."+mode.suffix, buf.Bytes())
			})
		}
	}
}

// TestHostile checks what the golden file shows by eye: nothing from the
// target reaches the terminal as a control character, and no banner
// forges a line of the report.
func TestHostile(t *testing.T) {
	sc := fixture.Hostile()
	var buf bytes.Buffer
	if err := fixture.Play(NewTerminal(&buf, sc.Opts), sc); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for i, r := range out {
		if r < 0x20 && r != '\n' || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x202e || r == 0xfffd {
			t.Errorf("control or replacement rune %U at byte %d", r, i)
		}
	}
	if strings.Contains(out, "\nHost: 198.18.0.99") {
		t.Error("a banner forged a line")
	}
}

func TestSigDigits(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   time.Duration
		want string
	}{
		{"sub-millisecond", 200 * time.Microsecond, "0.00020"},
		{"tens of milliseconds", 170 * time.Millisecond, "0.17"},
		{"seconds", 1500 * time.Millisecond, "1.5"},
		{"tens of seconds", 12300 * time.Millisecond, "12"},
		{"microseconds", 7 * time.Microsecond, "0.0000070"},
		{"zero", 0, "0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := sigDigits(tc.in.Seconds(), 2); got != tc.want {
				t.Errorf("sigDigits(%v) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestNotShown(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []result.ExtraPorts
		want  string
	}{
		{"one reason", []result.ExtraPorts{{State: result.Closed, Count: 995, Reasons: []result.ReasonCount{
			{Reason: result.ReasonReset, Protocol: result.TCP, Count: 995}}}},
			"995 closed tcp ports (reset)"},
		{"singular", []result.ExtraPorts{{State: result.Filtered, Count: 1, Reasons: []result.ReasonCount{
			{Reason: result.ReasonNoResponse, Protocol: result.TCP, Count: 1}}}},
			"1 filtered tcp port (no-response)"},
		{"largest first, per reason", []result.ExtraPorts{
			{State: result.Closed, Count: 133, Reasons: []result.ReasonCount{{Reason: result.ReasonReset, Protocol: result.TCP, Count: 133}}},
			{State: result.Filtered, Count: 866, Reasons: []result.ReasonCount{
				{Reason: result.ReasonAdminProhibited, Protocol: result.TCP, Count: 16},
				{Reason: result.ReasonNoResponse, Protocol: result.TCP, Count: 850}}}},
			"850 filtered tcp ports (no-response), 133 closed tcp ports (reset), 16 filtered tcp ports (admin-prohibited)"},
		{"two protocols", []result.ExtraPorts{{State: result.Closed, Count: 1990, Reasons: []result.ReasonCount{
			{Reason: result.ReasonReset, Protocol: result.TCP, Count: 995},
			{Reason: result.ReasonPortUnreach, Protocol: result.UDP, Count: 995}}}},
			"995 closed tcp ports (reset), 995 closed udp ports (port-unreach)"},
		{"no reasons", []result.ExtraPorts{{State: result.Closed, Count: 10}}, "10 closed ports"},
		{"reasons short of the count", []result.ExtraPorts{{State: result.Closed, Count: 10, Reasons: []result.ReasonCount{
			{Reason: result.ReasonConnRefused, Protocol: result.TCP, Count: 7}}}},
			"7 closed tcp ports (conn-refused), 3 closed ports"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := notShown(tc.extra); got != tc.want {
				t.Errorf("notShown = %q\nwant        %q", got, tc.want)
			}
		})
	}
}

func TestEndWithoutBegin(t *testing.T) {
	var buf bytes.Buffer
	r := result.Run{Scanner: "picket", Version: "0.1.0", Start: fixture.T0, End: fixture.T0, Interrupted: true}
	if err := NewTerminal(&buf, output.Options{}).End(&r); err != nil {
		t.Fatal(err)
	}
	want := "Starting picket 0.1.0 ( https://github.com/picket-scanner/picket ) at 2026-11-28 01:02 UTC\n" +
		"Scan interrupted (stopped before the end): only the hosts reported above were finished.\n" +
		"picket done: 0 IP addresses (0 hosts up) scanned in 0.00 seconds\n"
	if buf.String() != want {
		t.Errorf("got\n%s\nwant\n%s", buf.String(), want)
	}
}
