//go:build !linux

package persona

import (
	"errors"
	"fmt"
	"net"
)

// Host is a persona on a TAP device; only Linux has them.
type Host struct{}

// Start returns an error wrapping errors.ErrUnsupported: TAP devices and
// network namespaces are Linux's.
func Start(nsName, ifName string, cfg Config) (*Host, error) {
	return nil, fmt.Errorf("persona: %w on this system", errors.ErrUnsupported)
}

// MAC returns nil.
func (h *Host) MAC() net.HardwareAddr { return nil }

// Stats returns zero counters.
func (h *Host) Stats() Stats { return Stats{} }

// Close does nothing.
func (h *Host) Close() error { return nil }
