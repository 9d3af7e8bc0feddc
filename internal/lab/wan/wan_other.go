//go:build !linux

package wan

import (
	"errors"
	"fmt"
	"os"
)

// Link is an emulated link; only Linux has them.
type Link struct{}

// New returns an error wrapping errors.ErrUnsupported: TAP devices and
// network namespaces are Linux's.
func New(aNS, aIf, bNS, bIf string, cfg Config) (*Link, error) {
	return nil, fmt.Errorf("wan: %w on this system", errors.ErrUnsupported)
}

// SetConfig does nothing.
func (l *Link) SetConfig(cfg Config) {}

// Config returns the zero Config.
func (l *Link) Config() Config { return Config{} }

// Stats returns zero counters.
func (l *Link) Stats() Stats { return Stats{} }

// Close does nothing.
func (l *Link) Close() error { return nil }

// OpenTAP returns an error wrapping errors.ErrUnsupported: TAP devices in
// network namespaces are Linux's.
func OpenTAP(nsName, ifName string) (*os.File, error) {
	return nil, fmt.Errorf("wan: %w on this system", errors.ErrUnsupported)
}
