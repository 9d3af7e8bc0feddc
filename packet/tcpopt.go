package packet

import "encoding/binary"

// TCP option kinds this package parses.
const (
	TCPOptEOL           = 0
	TCPOptNOP           = 1
	TCPOptMSS           = 2
	TCPOptWindowScale   = 3
	TCPOptSACKPermitted = 4
	TCPOptSACK          = 5
	TCPOptTimestamps    = 8
)

// MaxTCPOptionBytes is the most option bytes a TCP header holds (a data
// offset of 15), and so also the most options.
const MaxTCPOptionBytes = 40

// SACKBlock is one block of a SACK option.
type SACKBlock struct{ Left, Right uint32 }

// TCPOptions are the options of a TCP header, parsed without allocation.
// Raw keeps the bytes, and Kinds their order, since OS fingerprinting needs
// the exact sequence. It is a plain value, not safe for concurrent mutation.
type TCPOptions struct {
	// Raw are the option bytes, padding included: a view into the decoded
	// header, or the options to encode.
	Raw []byte

	MSS           uint16
	HasMSS        bool
	WScale        uint8 // the shift as sent; RFC 7323 caps its use at 14
	HasWScale     bool
	SACKPermitted bool
	TSVal, TSEcr  uint32
	HasTimestamps bool
	// EOL reports an End of Option List; the bytes after it are padding.
	EOL bool

	// Err says why parsing stopped before the end of Raw: nil, or an
	// *Error wrapping ErrTruncated (an option runs past the header) or
	// ErrMalformed (an option length below 2). What came before it is
	// parsed.
	Err error

	sack   [4]SACKBlock
	nsack  uint8
	kinds  [MaxTCPOptionBytes]uint8
	nkinds uint8
}

// Kinds returns the kinds of the options in the order they appear, NOP and
// EOL included, up to a malformed one. The slice aliases o.
func (o *TCPOptions) Kinds() []uint8 { return o.kinds[:o.nkinds] }

// SACK returns the blocks of the last SACK option. The slice aliases o.
func (o *TCPOptions) SACK() []SACKBlock { return o.sack[:o.nsack] }

// nextTCPOption reads the option at raw[i]. For EOL and NOP data is nil. It
// returns the offset of the next option, or an error that ends the list.
func nextTCPOption(raw []byte, i int) (kind uint8, data []byte, next int, err error) {
	kind = raw[i]
	if kind == TCPOptEOL || kind == TCPOptNOP {
		return kind, nil, i + 1, nil
	}
	if i+1 >= len(raw) {
		return kind, nil, 0, errTCPOpt.truncated
	}
	n := int(raw[i+1])
	if n < 2 {
		return kind, nil, 0, errTCPOpt.malformed
	}
	if n > len(raw)-i {
		return kind, nil, 0, errTCPOpt.truncated
	}
	return kind, raw[i+2 : i+n : i+n], i + n, nil
}

// Parse parses raw, which o keeps as Raw, and returns o.Err. An option whose
// length is wrong for its kind is skipped, as Linux skips it, but it stays
// in Kinds. When an option repeats, the last one counts.
func (o *TCPOptions) Parse(raw []byte) error {
	*o = TCPOptions{Raw: raw}
	for i := 0; i < len(raw); {
		kind, data, next, err := nextTCPOption(raw, i)
		if err != nil {
			o.Err = err
			return err
		}
		if int(o.nkinds) < len(o.kinds) {
			o.kinds[o.nkinds] = kind
			o.nkinds++
		}
		switch {
		case kind == TCPOptEOL:
			o.EOL = true
			return nil
		case kind == TCPOptMSS && len(data) == 2:
			o.MSS, o.HasMSS = binary.BigEndian.Uint16(data), true
		case kind == TCPOptWindowScale && len(data) == 1:
			o.WScale, o.HasWScale = data[0], true
		case kind == TCPOptSACKPermitted && len(data) == 0:
			o.SACKPermitted = true
		case kind == TCPOptTimestamps && len(data) == 8:
			o.TSVal = binary.BigEndian.Uint32(data[0:4])
			o.TSEcr = binary.BigEndian.Uint32(data[4:8])
			o.HasTimestamps = true
		case kind == TCPOptSACK && len(data) > 0 && len(data)%8 == 0 && len(data) <= 8*len(o.sack):
			o.nsack = 0
			for ; len(data) > 0; data = data[8:] {
				o.sack[o.nsack] = SACKBlock{binary.BigEndian.Uint32(data[0:4]), binary.BigEndian.Uint32(data[4:8])}
				o.nsack++
			}
		}
		i = next
	}
	return nil
}

// AppendFingerprint appends the options in the notation of Nmap's O test,
// such as "M5B4ST11NW7" for a Linux SYN-ACK: L for EOL, N for NOP, M and W
// with the MSS and window scale in hexadecimal, S for SACK permitted, T and
// two digits telling whether TSval and TSecr are nonzero. Other kinds are
// left out. It stops after EOL or at a malformed option.
func (o *TCPOptions) AppendFingerprint(b []byte) []byte {
	raw := o.Raw
	for i := 0; i < len(raw); {
		kind, data, next, err := nextTCPOption(raw, i)
		if err != nil {
			return b
		}
		switch {
		case kind == TCPOptEOL:
			return append(b, 'L')
		case kind == TCPOptNOP:
			b = append(b, 'N')
		case kind == TCPOptMSS && len(data) == 2:
			b = appendHex(append(b, 'M'), uint32(binary.BigEndian.Uint16(data)))
		case kind == TCPOptWindowScale && len(data) == 1:
			b = appendHex(append(b, 'W'), uint32(data[0]))
		case kind == TCPOptSACKPermitted && len(data) == 0:
			b = append(b, 'S')
		case kind == TCPOptTimestamps && len(data) == 8:
			b = append(b, 'T', bit(binary.BigEndian.Uint32(data[0:4]) != 0), bit(binary.BigEndian.Uint32(data[4:8]) != 0))
		}
		i = next
	}
	return b
}

func bit(v bool) byte {
	if v {
		return '1'
	}
	return '0'
}

// appendHex appends v in upper-case hexadecimal without leading zeros.
func appendHex(b []byte, v uint32) []byte {
	const hex = "0123456789ABCDEF"
	started := false
	for shift := 28; shift >= 0; shift -= 4 {
		d := v >> uint(shift) & 0xf
		if d != 0 || started || shift == 0 {
			b = append(b, hex[d])
			started = true
		}
	}
	return b
}

// AppendNOPOption appends a No-Operation option.
func AppendNOPOption(b []byte) []byte { return append(b, TCPOptNOP) }

// AppendEOLOption appends an End of Option List.
func AppendEOLOption(b []byte) []byte { return append(b, TCPOptEOL) }

// AppendMSSOption appends a Maximum Segment Size option.
func AppendMSSOption(b []byte, mss uint16) []byte {
	return binary.BigEndian.AppendUint16(append(b, TCPOptMSS, 4), mss)
}

// AppendWindowScaleOption appends a Window Scale option.
func AppendWindowScaleOption(b []byte, shift uint8) []byte {
	return append(b, TCPOptWindowScale, 3, shift)
}

// AppendSACKPermittedOption appends a SACK-Permitted option.
func AppendSACKPermittedOption(b []byte) []byte { return append(b, TCPOptSACKPermitted, 2) }

// AppendTimestampsOption appends a Timestamps option.
func AppendTimestampsOption(b []byte, val, ecr uint32) []byte {
	b = append(b, TCPOptTimestamps, 10)
	b = binary.BigEndian.AppendUint32(b, val)
	return binary.BigEndian.AppendUint32(b, ecr)
}

// AppendSACKOption appends a SACK option with up to four blocks; further
// blocks are left out, since no header has room for them.
func AppendSACKOption(b []byte, blocks ...SACKBlock) []byte {
	blocks = blocks[:min(len(blocks), 4)]
	b = append(b, TCPOptSACK, byte(2+8*len(blocks)))
	for _, s := range blocks {
		b = binary.BigEndian.AppendUint32(b, s.Left)
		b = binary.BigEndian.AppendUint32(b, s.Right)
	}
	return b
}
