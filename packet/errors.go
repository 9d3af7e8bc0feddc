package packet

import "errors"

// Sentinel errors. Compare with errors.Is; the errors returned by this
// package wrap one of these in an *Error naming the layer.
var (
	// ErrTruncated means the input ended before a header or a length
	// field said it would.
	ErrTruncated = errors.New("packet: truncated")
	// ErrMalformed means a field contradicts the layout, such as a TCP
	// data offset below 5 or an option of length 0.
	ErrMalformed = errors.New("packet: malformed")
	// ErrUnsupported means the input may be valid but is beyond what this
	// package decodes or builds, such as ARP for a non-Ethernet link.
	ErrUnsupported = errors.New("packet: unsupported")
	// ErrAddress means a builder was given an invalid address, or a
	// source and destination of different families.
	ErrAddress = errors.New("packet: bad address")
	// ErrTooLong means options or a payload do not fit their length field.
	ErrTooLong = errors.New("packet: too long")
)

// Error is an error of one layer: which layer, and which sentinel error.
// The package returns preallocated *Error values, so that failing to decode
// a hostile packet costs no allocation. Error values are immutable and safe
// for concurrent use.
type Error struct {
	Layer string // "ethernet", "ipv4", "tcp options", ...
	Err   error  // one of the sentinel errors
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	const prefix = "packet: "
	if len(msg) > len(prefix) && msg[:len(prefix)] == prefix {
		msg = msg[len(prefix):]
	}
	return prefix + e.Layer + ": " + msg
}

func (e *Error) Unwrap() error { return e.Err }

// layerErrors holds the preallocated errors of one layer.
type layerErrors struct {
	truncated, malformed, unsupported, address, tooLong *Error
}

func newLayerErrors(layer string) layerErrors {
	return layerErrors{
		truncated:   &Error{layer, ErrTruncated},
		malformed:   &Error{layer, ErrMalformed},
		unsupported: &Error{layer, ErrUnsupported},
		address:     &Error{layer, ErrAddress},
		tooLong:     &Error{layer, ErrTooLong},
	}
}

var (
	errEthernet = newLayerErrors("ethernet")
	errARP      = newLayerErrors("arp")
	errIP       = newLayerErrors("ip") // before the version is known
	errIPv4     = newLayerErrors("ipv4")
	errIPv6     = newLayerErrors("ipv6")
	errTCP      = newLayerErrors("tcp")
	errTCPOpt   = newLayerErrors("tcp options")
	errUDP      = newLayerErrors("udp")
	errICMP     = newLayerErrors("icmp")
	errNDP      = newLayerErrors("ndp")
	errLink     = newLayerErrors("link")
	errBuild    = newLayerErrors("build")
	errTemplate = newLayerErrors("template")
)
