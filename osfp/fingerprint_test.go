package osfp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func sampleInfo() ScanInfo {
	return ScanInfo{
		Version: "7.93", Engine: "4", Time: time.Unix(0x64F44123, 0).UTC(),
		OpenTCPPort: 22, ClosedTCPPort: 1, ClosedUDPPort: 40146, Private: true,
		Distance: 2, Method: DistanceTraceroute, Good: true, Platform: "x86_64-pc-linux-gnu",
	}
}

func TestScanInfo(t *testing.T) {
	cases := []struct {
		name string
		mod  func(*ScanInfo)
		want string
	}{
		{"full", func(*ScanInfo) {}, "SCAN(V=7.93%E=4%D=9/3%OT=22%CT=1%CU=40146%PV=Y%DS=2%DC=T%G=Y%TM=64F44123%P=x86_64-pc-linux-gnu)"},
		{"direct with MAC", func(s *ScanInfo) {
			s.Distance, s.Method, s.MAC = 1, DistanceDirect, []byte{0x00, 0x0c, 0x29, 0xaa, 0xbb, 0xcc}
		}, "SCAN(V=7.93%E=4%D=9/3%OT=22%CT=1%CU=40146%PV=Y%DS=1%DC=D%G=Y%M=000C29%TM=64F44123%P=x86_64-pc-linux-gnu)"},
		{"unknown", func(s *ScanInfo) {
			s.Distance, s.Method, s.ClosedUDPPort, s.Good, s.Private = -1, DistanceUnknown, 0, false, false
		}, "SCAN(V=7.93%E=4%D=9/3%OT=22%CT=1%CU=%PV=N%G=N%TM=64F44123%P=x86_64-pc-linux-gnu)"},
	}
	for _, c := range cases {
		s := sampleInfo()
		c.mod(&s)
		if got := s.Test().String(); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.name, got, c.want)
		}
	}
}

// TestSubmissionLayout checks the wrapped form against Nmap's layout: every
// line "OS:" and 72 characters, the last shorter, tests run together.
func TestSubmissionLayout(t *testing.T) {
	fp := Compute(linuxStack().respond(t))
	got := FormatSubmission(sampleInfo(), true, fp)
	lines := strings.Split(strings.TrimSuffix(got, "\n"), "\n")
	if lines[0] != "OS:SCAN(V=7.93%E=4%D=9/3%OT=22%CT=1%CU=40146%PV=Y%DS=2%DC=T%G=Y%TM=64F44123" {
		t.Errorf("first line %q", lines[0])
	}
	if !strings.HasPrefix(lines[1], "OS:%P=x86_64-pc-linux-gnu)SEQ(SP=") {
		t.Errorf("second line %q", lines[1])
	}
	for i, l := range lines {
		if !strings.HasPrefix(l, "OS:") || (i < len(lines)-1 && len(l) != 75) || len(l) > 75 {
			t.Errorf("line %d has %d bytes: %q", i, len(l), l)
		}
	}
	flat := ""
	for _, l := range lines {
		flat += l[3:]
	}
	want := sampleInfo().Test().String() + strings.ReplaceAll(fp.String(), "\n", "")
	if flat != want {
		t.Errorf("unwrapped\n%s\nwant\n%s", flat, want)
	}
	// It parses back, the SCAN test included.
	back, err := ParseFingerprint(got)
	if err != nil {
		t.Fatal(err)
	}
	if back.String() != sampleInfo().Test().String()+"\n"+fp.String() {
		t.Errorf("round trip:\n%s", back)
	}
}

func TestMergeTries(t *testing.T) {
	a := mustParse(t, "SEQ(SP=108%GCD=1%TI=Z%II=I)\nT2(R=N)\nT1(R=Y%DF=Y)\n")
	b := mustParse(t, "T2(R=Y%DF=Y)\nSEQ(SP=101%GCD=1%TI=Z%II=I)\nSEQ(SP=101%GCD=1%TI=Z)\nT1(R=Y%DF=N)\n")
	// Sorted by test, tries in order; a test with the same attribute names
	// as an earlier one of its name is dropped, whatever its values (Nmap
	// 7.93's test_match_literal).
	want := "SCAN(V=7.93%E=4%D=9/3%OT=22%CT=1%CU=40146%PV=Y%DS=2%DC=T%G=Y%TM=64F44123%P=x86_64-pc-linux-gnu)\n" +
		"SEQ(SP=108%GCD=1%TI=Z%II=I)\nSEQ(SP=101%GCD=1%TI=Z)\nT1(R=Y%DF=Y)\nT2(R=N)\nT2(R=Y%DF=Y)\n"
	if got := FormatSubmission(sampleInfo(), false, a, b); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if FormatSubmission(sampleInfo(), true) != "(None)" {
		t.Error("no fingerprints")
	}
	if FormatSubmission(sampleInfo(), true, make([]Fingerprint, 33)...) != "(Too many)" {
		t.Error("too many")
	}
}

func mustParse(t *testing.T, s string) Fingerprint {
	t.Helper()
	fp, err := ParseFingerprint(s)
	if err != nil {
		t.Fatal(err)
	}
	return fp
}

func TestParseFingerprint(t *testing.T) {
	ok := []struct {
		in, want string
	}{
		{"", ""},
		{"T2(R=N)", "T2(R=N)\n"},
		{"  SEQ(SP=1%GCD=1)\r\n\r\nT4(R=Y%O=%Q=)\n", "SEQ(SP=1%GCD=1)\nT4(R=Y%O=%Q=)\n"},
		{"OS:T2(R=N)T3(R\nOS:=Y%DF=Y)\n", "T2(R=N)\nT3(R=Y%DF=Y)\n"},
		{"X()", "X()\n"},
		{"T1(D=9/3%A=b=c)", "T1(D=9/3%A=b=c)\n"},
	}
	for _, c := range ok {
		fp, err := ParseFingerprint(c.in)
		if err != nil || fp.String() != c.want {
			t.Errorf("%q: %q, %v; want %q", c.in, fp.String(), err, c.want)
		}
	}
	bad := []string{"garbage", "T1(R=Y", "T1(R)", "T1(=Y)", "(R=Y)", "T-1(R=Y)", "T1(R=Y\nT2(R=N)", "T1(R=Y%%DF=N)",
		strings.Repeat("T1(R=Y)", MaxTests+1), "T1(" + strings.Repeat("A=1%", MaxAttrs) + "B=2)"}
	for _, s := range bad {
		if _, err := ParseFingerprint(s); !errors.Is(err, ErrSyntax) {
			t.Errorf("%q: err %v, want ErrSyntax", s, err)
		}
	}
}
