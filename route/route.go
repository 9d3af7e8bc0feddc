// Package route answers the questions a raw scanner asks the kernel before
// it sends: which interface and source address reach a target, through
// which gateway, and which hardware address the next hop has, if known.
//
// On Linux it asks over rtnetlink, the way "ip route get" does, so the
// answer honours policy routing and the namespace the process runs in.
// Elsewhere it returns ErrNotSupported.
//
// The functions are safe for concurrent use.
package route

import (
	"errors"
	"net"
	"net/netip"
)

// ErrNotSupported is returned where routes cannot be read.
var ErrNotSupported = errors.New("route: not supported on this system")

// ErrNoRoute is returned when the kernel has no route to the address.
var ErrNoRoute = errors.New("route: no route to host")

// Route is how the kernel reaches one destination.
type Route struct {
	Dst     netip.Addr
	Src     netip.Addr // the source address the kernel would pick
	Gateway netip.Addr // invalid when the destination is on the link
	Iface   *net.Interface
	// Local is set when the destination is an address of this host.
	Local bool
}

// NextHop is the address whose hardware address frames to Dst carry: the
// gateway, or Dst itself on the link.
func (r Route) NextHop() netip.Addr {
	if r.Gateway.IsValid() {
		return r.Gateway
	}
	return r.Dst
}

// Lookup asks the kernel how it would send to dst.
func Lookup(dst netip.Addr) (Route, error) { return lookup(dst) }

// Neighbor returns the hardware address the kernel's neighbour table holds
// for addr on interface index ifindex, if it has a usable one.
func Neighbor(ifindex int, addr netip.Addr) (net.HardwareAddr, bool, error) {
	return neighbor(ifindex, addr)
}
