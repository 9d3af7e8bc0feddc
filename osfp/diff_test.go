package osfp

import (
	"slices"
	"testing"
)

func TestDiffStable(t *testing.T) {
	a, err := ParseFingerprint("SEQ(SP=101%GCD=1%ISR=10A%TI=Z%CI=Z%II=I%TS=A)\nT3(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\nIE(R=Y%DFI=N%T=40%CD=S)")
	if err != nil {
		t.Fatal(err)
	}
	// Another scan of the same stack: the timing-made values differ.
	b, err := ParseFingerprint("SEQ(SP=F8%GCD=1%ISR=104%TI=Z%CI=Z%II=I%TS=A)\nT3(R=Y%DF=Y%T=40%W=0%S=Z%A=S+%F=AR%O=%RD=0%Q=)\nIE(R=Y%DFI=N%T=40%CD=S)")
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffStable(a, b); len(d) != 0 {
		t.Errorf("same stack: %q, want no difference", d)
	}
	c, err := ParseFingerprint("SEQ(SP=101%GCD=1%ISR=10A%TI=I%CI=I%II=I%SS=S%TS=A)\nT3(R=Y%DF=N%T=80%W=2000%S=Z%A=S+%F=AR%O=%RD=0%Q=)")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"IE: in only one", "SEQ.CI: Z against I", "SEQ.SS:  against S", "T3.DF: Y against N", "T3.T: 40 against 80", "T3.W: 0 against 2000"}
	if d := DiffStable(a, c); !slices.Equal(d, want) {
		t.Errorf("DiffStable = %q, want %q", d, want)
	}
}
