package normal

import "github.com/picket-scanner/picket/result"

// appendPassiveOS writes the passive OS guess in one line, saying where it
// comes from so that nobody takes it for -O's result.
func appendPassiveOS(b []byte, h *result.Host) []byte {
	if h.OSPassive == nil {
		return b
	}
	b = append(b, "OS guess (passive, from the scan's replies): "...)
	b = append(b, h.OSPassive.String()...)
	return append(b, '\n')
}
