package payload_test

import (
	"fmt"

	"github.com/picket-scanner/picket/payload"
)

// The engine sends every payload of a port, each built with the probe's
// cookie, and offers a reply to the same payloads' recognisers with the
// cookie it recomputes from the reply's addresses and ports.
func ExampleForPort() {
	const cookie = 0x5eed1e55 // the engine's keyed hash of the probe
	buf := make([]byte, 0, 1500)
	for _, p := range payload.ForPort(161) {
		buf = p.Build(buf[:0], cookie)
		fmt.Printf("%s: %d bytes, validates replies: %v\n", p.Name, len(buf), p.Validates)
	}
	fmt.Println(payload.ForPort(9)[0] == payload.Empty)
	// Output:
	// snmp-v1-public: 43 bytes, validates replies: true
	// snmp-v3-discovery: 64 bytes, validates replies: true
	// true
}
