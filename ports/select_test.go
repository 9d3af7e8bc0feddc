package ports

import (
	"errors"
	"strings"
	"testing"

	"github.com/picket-scanner/picket/result"
)

func TestSelect(t *testing.T) {
	small := smallTable(t)
	nmapish := sampleNmapTable(t)
	tcpUDP := []result.Protocol{result.TCP, result.UDP}
	tests := []struct {
		name  string
		tab   *Table
		sel   Selection
		want  string
		warns string // the warnings joined by "|"
	}{
		{name: "default is the top 1000 of TCP", tab: small, sel: Selection{}, want: "T:22,53,80,443,5060,8080,8443"},
		{name: "default per protocol scanned", tab: small, sel: Selection{Protocols: tcpUDP}, want: "T:22,53,80,443,5060,8080,8443,U:53,80,161-162,5060"},
		{name: "fast", tab: small, sel: Selection{Fast: true, Protocols: []result.Protocol{result.SCTP}}, want: "S:2905,5060"},
		{name: "top ports", tab: small, sel: Selection{Top: 2, Protocols: tcpUDP}, want: "T:80,443,U:53,161"},
		{name: "top ports beat -F", tab: small, sel: Selection{Top: 1, Fast: true}, want: "T:80", warns: "-F ignored: --top-ports or --port-ratio chooses the ports"},
		{name: "explicit ports", tab: small, sel: Selection{Ports: "1-5,http"}, want: "T:1-5,80"},
		{name: "explicit ports for each protocol scanned", tab: small, sel: Selection{Ports: "53", Protocols: tcpUDP}, want: "T:53,U:53"},
		{name: "top ports among explicit ports", tab: small, sel: Selection{Ports: "1-1000", Top: 2}, want: "T:80,443"},
		{name: "exclusion before the top is taken", tab: small, sel: Selection{Top: 2, Exclude: "80"}, want: "T:22,443"},
		{name: "exclusion by protocol", tab: small, sel: Selection{Top: 2, Exclude: "U:53", Protocols: tcpUDP}, want: "T:80,443,U:161-162"},
		{name: "exclusion from explicit ports", tab: small, sel: Selection{Ports: "20-25", Exclude: "22-23"}, want: "T:20-21,24-25"},
		{name: "exclusion with top among explicit", tab: small, sel: Selection{Ports: "1-1000", Exclude: "443", Top: 2}, want: "T:22,80"},
		{name: "unscanned prefix dropped", tab: small, sel: Selection{Ports: "T:22,U:53"}, want: "T:22", warns: "ports given with U: are ignored: no UDP scan was requested"},
		{name: "a protocol left with no ports", tab: small, sel: Selection{Ports: "T:22", Protocols: tcpUDP}, want: "T:22", warns: "a UDP scan was requested, but no udp ports were specified; skipping it"},
		{name: "duplicate warning passes through", tab: small, sel: Selection{Ports: "22,22"}, want: "T:22", warns: "duplicate port number(s) specified"},
		{name: "port ratio", tab: nmapish, sel: Selection{Ratio: 0.25, Protocols: tcpUDP}, want: "T:23,80,U:53,161"},
		{name: "port ratio among explicit ports", tab: nmapish, sel: Selection{Ports: "1-30", Ratio: 0.2}, want: "T:21-23"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.tab.Select(tt.sel)
			if err != nil {
				t.Fatalf("Select: %v", err)
			}
			if s := got.String(); s != tt.want {
				t.Errorf("Select = %q, want %q", s, tt.want)
			}
			if w := strings.Join(got.Warnings, "|"); w != tt.warns {
				t.Errorf("warnings %q, want %q", w, tt.warns)
			}
		})
	}
}

func TestSelectDefaultTable(t *testing.T) {
	tests := []struct {
		name string
		sel  Selection
		want map[result.Protocol]int
	}{
		{"default", Selection{Protocols: []result.Protocol{result.TCP, result.UDP}}, map[result.Protocol]int{result.TCP: 1000, result.UDP: 1000}},
		{"fast", Selection{Fast: true}, map[result.Protocol]int{result.TCP: 100}},
		{"all ports", Selection{Ports: "-"}, map[result.Protocol]int{result.TCP: 65535}},
		{"exclusion keeps the count", Selection{Top: 10, Exclude: "80,443"}, map[result.Protocol]int{result.TCP: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Default().Select(tt.sel)
			if err != nil {
				t.Fatal(err)
			}
			for p, n := range tt.want {
				if got.For(p).Len() != n {
					t.Errorf("%v: %d ports, want %d", p, got.For(p).Len(), n)
				}
			}
			if got.Len() != func() (n int) {
				for _, v := range tt.want {
					n += v
				}
				return n
			}() {
				t.Errorf("ports of unscanned protocols selected: %d in all", got.Len())
			}
		})
	}
}

func TestSelectErrors(t *testing.T) {
	small := smallTable(t)
	tests := []struct {
		name string
		sel  Selection
		is   error
		msg  string
	}{
		{name: "-F with -p", sel: Selection{Fast: true, Ports: "22"}, msg: "-F (fast scan) cannot be combined with -p"},
		{name: "negative top", sel: Selection{Top: -1}, msg: "--top-ports -1"},
		{name: "top and ratio", sel: Selection{Top: 5, Ratio: 0.1}, msg: "give one of them"},
		{name: "ratio out of range", sel: Selection{Ratio: 2}, msg: "--port-ratio 2 out of range"},
		{name: "ratio without frequencies", sel: Selection{Ratio: 0.1}, is: ErrNoFrequencies},
		{name: "bad ports", sel: Selection{Ports: "70000"}, msg: `"70000" out of range`},
		{name: "exclusion of every port from 1", sel: Selection{Exclude: "1-"}, is: ErrNoPorts},
		{name: "bad exclusion", sel: Selection{Exclude: "x]"}, msg: `ports: --exclude-ports: no service named "x"`},
		{name: "everything excluded", sel: Selection{Ports: "22", Exclude: "22"}, is: ErrNoPorts},
		{name: "only an unscanned protocol", sel: Selection{Ports: "U:53"}, is: ErrNoPorts},
		{name: "unknown protocol", sel: Selection{Protocols: []result.Protocol{9}}, msg: "cannot select ports"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := small.Select(tt.sel)
			if err == nil {
				t.Fatalf("Select = %q, want an error", got.String())
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Errorf("error %v, want %v", err, tt.is)
			}
			if !strings.Contains(err.Error(), tt.msg) || !strings.HasPrefix(err.Error(), "ports: ") {
				t.Errorf("error %q, want it to contain %q", err, tt.msg)
			}
		})
	}
}
