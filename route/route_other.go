//go:build !linux

package route

import (
	"net"
	"net/netip"
)

func lookup(netip.Addr) (Route, error) { return Route{}, ErrNotSupported }

func neighbor(int, netip.Addr) (net.HardwareAddr, bool, error) { return nil, false, ErrNotSupported }
