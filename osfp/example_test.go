package osfp_test

import (
	"fmt"
	"strings"

	"github.com/picket-scanner/picket/osfp"
)

// An engine sends the probes, collects the replies into a Responses, and
// matches the fingerprint against a database: here picket's own, and a
// fingerprint given as text.
func Example() {
	for _, p := range osfp.Probes()[:2] {
		fmt.Printf("%s: window %d, options %s, %v after the previous one\n",
			p.Name, p.Window, osfp.OptionString(p.Options), p.Delay)
	}
	// ... send, decode the replies into an osfp.Responses r, then:
	//   a := osfp.Analyze(&r); fp := a.Fingerprint

	fp, _ := osfp.ParseFingerprint(`OPS(O1=M5B4ST11NW7%O2=M5B4ST11NW7%O3=M5B4NNT11NW7%O4=M5B4ST11NW7%O5=M5B4ST11NW7%O6=M5B4ST11)
ECN(R=Y%DF=Y%T=40%W=FAF0%O=M5B4NNSNW7%CC=Y%Q=)
T1(R=Y%DF=Y%T=40%S=O%A=S+%F=AS%RD=0%Q=)
U1(R=Y%DF=N%T=40%IPL=164%UN=0%RIPL=G%RID=G%RIPCK=G%RUCK=G%RUD=G)
IE(R=Y%DFI=N%T=40%CD=S)`)
	db, err := osfp.Own()
	if err != nil {
		panic(err)
	}
	s := osfp.Summarize(db.Match(fp, 10), true)
	for _, m := range s.Details {
		fmt.Printf("OS details: %s (%s)\n", m.Entry.Name, strings.Join(m.Entry.Classes[0].CPE, " "))
	}
	fmt.Println("Running:", s.Running())
	// Output:
	// SEQ1: window 1, options WANM5B4T10S, 0s after the previous one
	// SEQ2: window 63, options M578W0ST10L, 100ms after the previous one
	// OS details: Linux 4.19 - 6.x (cpe:/o:linux:linux_kernel:4)
	// Running: Linux 4.X|5.X|6.X|2.6.X|3.X
}
