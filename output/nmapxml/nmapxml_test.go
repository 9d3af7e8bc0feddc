package nmapxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/netip"
	"strings"
	"testing"

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
			fixture.Golden(t, sc.Name+".xml", render(t, sc))
		})
	}
}

// doc mirrors what strict Go consumers (nmap-formatter) unmarshal, with
// the attributes they type as integers, so a non-numeric value fails.
type doc struct {
	Start    int64 `xml:"start,attr"`
	ScanInfo []struct {
		NumServices int `xml:"numservices,attr"`
	} `xml:"scaninfo"`
	Hosts []struct {
		StartTime int64 `xml:"starttime,attr"`
		EndTime   int64 `xml:"endtime,attr"`
		Status    struct {
			State     string `xml:"state,attr"`
			ReasonTTL int    `xml:"reason_ttl,attr"`
		} `xml:"status"`
		Addresses []struct {
			Addr   string `xml:"addr,attr"`
			Type   string `xml:"addrtype,attr"`
			Vendor string `xml:"vendor,attr"`
		} `xml:"address"`
		Hostnames []struct {
			Name string `xml:"name,attr"`
			Type string `xml:"type,attr"`
		} `xml:"hostnames>hostname"`
		Extra []struct {
			Count int `xml:"count,attr"`
		} `xml:"ports>extraports"`
		Ports []struct {
			PortID int `xml:"portid,attr"`
			State  struct {
				ReasonTTL int `xml:"reason_ttl,attr"`
			} `xml:"state"`
			Service struct {
				Name      string   `xml:"name,attr"`
				Product   string   `xml:"product,attr"`
				Version   string   `xml:"version,attr"`
				ExtraInfo string   `xml:"extrainfo,attr"`
				Conf      int      `xml:"conf,attr"`
				FP        string   `xml:"servicefp,attr"`
				CPE       []string `xml:"cpe"`
			} `xml:"service"`
		} `xml:"ports>port"`
		Times *struct {
			SRTT int `xml:"srtt,attr"`
			To   int `xml:"to,attr"`
		} `xml:"times"`
	} `xml:"host"`
	Post []struct {
		ID     string `xml:"id,attr"`
		Output string `xml:"output,attr"`
		Elems  []struct {
			Key   string `xml:"key,attr"`
			Value string `xml:",chardata"`
		} `xml:"elem"`
	} `xml:"postscript>script"`
	Finished struct {
		Time     int64   `xml:"time,attr"`
		Elapsed  float64 `xml:"elapsed,attr"`
		Exit     string  `xml:"exit,attr"`
		ErrorMsg string  `xml:"errormsg,attr"`
	} `xml:"runstats>finished"`
	Total struct {
		Up    int `xml:"up,attr"`
		Down  int `xml:"down,attr"`
		Total int `xml:"total,attr"`
	} `xml:"runstats>hosts"`
}

func decode(t *testing.T, b []byte) doc {
	t.Helper()
	var d doc
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = true
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("not well-formed for encoding/xml: %v\n%s", err, b)
	}
	return d
}

// TestWellFormed reads every scenario back with Go's strict decoder,
// which rejects illegal characters and character references.
func TestWellFormed(t *testing.T) {
	for _, sc := range fixture.All() {
		t.Run(sc.Name, func(t *testing.T) {
			d := decode(t, render(t, sc))
			if d.Total.Total != sc.End.HostsUp+sc.End.HostsDown {
				t.Errorf("hosts total = %d", d.Total.Total)
			}
			if len(d.Post) != 1 || d.Post[0].ID != CompletenessID || len(d.Post[0].Elems) != 6 {
				t.Errorf("completeness postscript = %+v", d.Post)
			}
		})
	}
}

func TestHostileRoundTrip(t *testing.T) {
	sc := fixture.Hostile()
	out := render(t, sc)
	d := decode(t, out)
	h := d.Hosts[0]
	svc := h.Ports[0].Service
	for _, tc := range []struct{ name, got, want string }{
		{"hostname", h.Hostnames[0].Name, `evil\x1b[31m.example</hostname><script>`},
		{"vendor", h.Addresses[1].Vendor, `Vendor & <Co> "quoted"`},
		{"name", svc.Name, `ftp\x1b[2J`},
		{"product", svc.Product, `Evil\x00FTPd ]]> <script>alert(1)</script>`},
		{"version", svc.Version, `1.0\xff\xfe\xc0\xaf`},
		{"extrainfo", svc.ExtraInfo, `a"b'c&d\x0d\x0aHost: 198.18.0.99 ()\x09Status: Up`},
		{"servicefp", svc.FP, `220 \x00\x01\x02\x1b]0;owned\x07 ]]>`},
		{"cpe", svc.CPE[0], `cpe:/a:evil:<x>&\x01`},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %q, want %q", tc.name, tc.got, tc.want)
		}
	}
	for _, bad := range []string{"<script>", "]]>", "&#x", "\x00", "\x1b"} {
		if bytes.Contains(out, []byte(bad)) {
			t.Errorf("output holds %q unescaped", bad)
		}
	}
	_, comment, _ := strings.Cut(string(out), "<!-- ")
	comment, _, _ = strings.Cut(comment, " -->")
	if strings.Contains(comment, "--") {
		t.Errorf(`"--" left inside the comment: %s`, comment)
	}
}

func TestInterruptedRunstats(t *testing.T) {
	d := decode(t, render(t, fixture.Interrupted()))
	if d.Finished.Exit != "error" || d.Finished.ErrorMsg != "interrupted: received SIGINT" {
		t.Errorf("finished = %+v", d.Finished)
	}
	if len(d.Hosts) != 2 {
		t.Errorf("%d hosts, want 2", len(d.Hosts))
	}
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct {
		name   string
		in     string
		inAttr bool
		want   string
	}{
		{"markup", `<a href="x">&'`, false, `&lt;a href="x"&gt;&amp;'`},
		{"markup in attribute", `<a href="x">&'`, true, `&lt;a href=&quot;x&quot;&gt;&amp;&apos;`},
		{"cdata end", "]]>", false, "]]&gt;"},
		{"whitespace in text", "a\tb\nc\rd", false, "a\tb\nc&#13;d"},
		{"whitespace in attribute", "a\tb\nc\rd", true, "a&#9;b&#10;c&#13;d"},
		{"NUL and ESC", "\x00\x1b", true, `\x00\x1b`},
		{"invalid UTF-8", "\xff\xc3", false, `\xff\xc3`},
		{"encoded surrogate", "\xed\xa0\x80", false, `\xed\xa0\x80`},
		{"noncharacter", "\uffff", false, `\uffff`},
		{"UTF-8 kept", "Grüße ✓", true, "Grüße ✓"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(escape(nil, tc.in, tc.inAttr)); got != tc.want {
				t.Errorf("escape(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

type failWriter struct{ n int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestWriteErrorSticks(t *testing.T) {
	w := New(&failWriter{n: 1}, output.Options{})
	sc := fixture.Basic()
	if err := w.Begin(&sc.Begin); err != nil {
		t.Fatal(err)
	}
	err := w.WriteHost(&sc.Hosts[0])
	if err == nil || !strings.HasPrefix(err.Error(), "nmapxml: write host 198.18.0.1: ") {
		t.Fatalf("WriteHost error = %v", err)
	}
	if err2 := w.End(&sc.End); !errors.Is(err2, err) && err2 != err {
		t.Errorf("End after a failed write = %v, want %v", err2, err)
	}
}

func TestOrder(t *testing.T) {
	w := New(io.Discard, output.Options{})
	h := result.Host{Addr: netip.MustParseAddr("198.18.0.1"), State: result.HostUp}
	if err := w.WriteHost(&h); !errors.Is(err, output.ErrOrder) {
		t.Errorf("WriteHost before Begin = %v", err)
	}
	r := result.Run{}
	if err := w.End(&r); err != nil {
		t.Fatal(err)
	}
	if err := w.End(&r); !errors.Is(err, output.ErrOrder) {
		t.Errorf("second End = %v", err)
	}
}

// FuzzHostileService puts arbitrary bytes into every field a target
// controls; the document must stay well-formed.
func FuzzHostileService(f *testing.F) {
	for _, s := range []string{"", "]]>", "\x00", "\xff\xfe", "<!--", "&#x1;", "\ufffe", "\u202e"} {
		f.Add(s, s+"x")
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		sc := fixture.Hostile()
		h := &sc.Hosts[0]
		h.Hostnames[0].Name = a
		h.MACVendor = b
		s := &h.Ports[0].Service
		s.Name, s.Product, s.Version, s.ExtraInfo, s.Fingerprint = a, b, a+b, b+a, a
		s.CPE = []string{a, "cpe:2.3:" + b}
		sc.Begin.Args = a
		sc.End.ErrorMsg = b
		var buf bytes.Buffer
		if err := fixture.Play(New(&buf, output.Options{Stylesheet: b}), sc); err != nil {
			t.Fatal(err)
		}
		dec := xml.NewDecoder(&buf)
		for {
			_, err := dec.Token()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("ill-formed: %v", err)
			}
		}
	})
}
