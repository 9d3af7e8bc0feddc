package connect

import (
	"context"
	"net/netip"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
)

// Status is what unprivileged host discovery learned of one host.
type Status struct {
	Up     bool
	Reason result.Reason
	RTT    time.Duration
}

// DefaultDiscoveryPorts are the ports Nmap connects to when it may not send
// raw packets: a host that completes or refuses a connection is up.
var DefaultDiscoveryPorts = []uint16{80, 443}

// Discover finds which hosts are up without raw sockets, as Nmap does for
// unprivileged users: by connecting to ports (DefaultDiscoveryPorts when
// nil).
func (s *Scanner) Discover(ctx context.Context, hosts []netip.Addr, ports []uint16) ([]Status, error) {
	if ports == nil {
		ports = DefaultDiscoveryPorts
	}
	tab, _, err := s.Scan(ctx, hosts, ports)
	if err != nil {
		return nil, err
	}
	out := make([]Status, len(hosts))
	for i := range hosts {
		out[i] = Status{Reason: result.ReasonNoResponse}
		for j := range ports {
			switch tab.Outcome[i*len(ports)+j] {
			case scan.Connected:
				out[i] = Status{Up: true, Reason: result.ReasonSynAck, RTT: tab.RTT[i].First}
			case scan.Refused:
				if !out[i].Up {
					out[i] = Status{Up: true, Reason: result.ReasonConnRefused, RTT: tab.RTT[i].First}
				}
			}
		}
	}
	return out, nil
}
