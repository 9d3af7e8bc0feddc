//go:build !linux

package connect

func defaultProber() Prober { return dialProber(dial) }
