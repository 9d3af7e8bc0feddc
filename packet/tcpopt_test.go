package packet

import (
	"bytes"
	"errors"
	"slices"
	"testing"
)

func TestTCPOptionsParse(t *testing.T) {
	tests := []struct {
		name        string
		raw         string
		err         error // nil, ErrTruncated or ErrMalformed
		kinds       []uint8
		fingerprint string
		check       func(t *testing.T, o *TCPOptions)
	}{
		{
			name:        "linux syn-ack",
			raw:         "020405b4 0402 080a 9c2e5a11 0001e240 01 030307",
			kinds:       []uint8{2, 4, 8, 1, 3},
			fingerprint: "M5B4ST11NW7",
			check: func(t *testing.T, o *TCPOptions) {
				if !o.HasMSS || o.MSS != 1460 || !o.SACKPermitted || !o.HasWScale || o.WScale != 7 ||
					!o.HasTimestamps || o.TSVal != 0x9c2e5a11 || o.TSEcr != 0x1e240 || o.EOL {
					t.Errorf("parsed %+v", o)
				}
			},
		},
		{
			name:        "nmap os probe 1 order",
			raw:         "03030a 01 020405b4 080a ffffffff 00000000 0402",
			kinds:       []uint8{3, 1, 2, 8, 4},
			fingerprint: "WANM5B4T10S",
		},
		{
			name:        "windows syn-ack with nops and eol",
			raw:         "020405b4 01 030308 01 01 0402 00 000000",
			kinds:       []uint8{2, 1, 3, 1, 1, 4, 0},
			fingerprint: "M5B4NW8NNSL",
			check: func(t *testing.T, o *TCPOptions) {
				if !o.EOL {
					t.Error("EOL not reported")
				}
			},
		},
		{name: "empty", raw: "", kinds: []uint8{}, fingerprint: ""},
		{
			name:        "bytes after eol are padding",
			raw:         "00 020405b4 ffff",
			kinds:       []uint8{0},
			fingerprint: "L",
			check: func(t *testing.T, o *TCPOptions) {
				if o.HasMSS {
					t.Error("MSS parsed after EOL")
				}
			},
		},
		{name: "forty nops", raw: string(bytes.Repeat([]byte("01"), 40)), kinds: slices.Repeat([]uint8{1}, 40),
			fingerprint: string(bytes.Repeat([]byte("N"), 40))},
		{name: "truncated mss", raw: "0204 05", err: ErrTruncated, kinds: []uint8{}},
		{name: "kind without length", raw: "01 02", err: ErrTruncated, kinds: []uint8{1}, fingerprint: "N"},
		{name: "length 0 would loop forever", raw: "0402 0800 01", err: ErrMalformed, kinds: []uint8{4}, fingerprint: "S"},
		{name: "length 1", raw: "0301 07 01", err: ErrMalformed, kinds: []uint8{}},
		{name: "length past the options", raw: "080a 00000001", err: ErrTruncated, kinds: []uint8{}},
		{
			name: "wrong length for mss is skipped", raw: "020305 01", kinds: []uint8{2, 1}, fingerprint: "N",
			check: func(t *testing.T, o *TCPOptions) {
				if o.HasMSS {
					t.Error("3-byte MSS accepted")
				}
			},
		},
		{
			name: "repeated option: the last counts", raw: "020405b4 02040218", kinds: []uint8{2, 2}, fingerprint: "M5B4M218",
			check: func(t *testing.T, o *TCPOptions) {
				if o.MSS != 0x218 {
					t.Errorf("MSS = %d, want 536", o.MSS)
				}
			},
		},
		{
			name: "sack blocks", raw: "0101 050a 00000001 00000002", kinds: []uint8{1, 1, 5}, fingerprint: "NN",
			check: func(t *testing.T, o *TCPOptions) {
				if got := o.SACK(); len(got) != 1 || got[0] != (SACKBlock{1, 2}) {
					t.Errorf("SACK = %v", got)
				}
			},
		},
		{
			name: "sack with a partial block is skipped", raw: "0507 0000000100", kinds: []uint8{5},
			check: func(t *testing.T, o *TCPOptions) {
				if len(o.SACK()) != 0 {
					t.Errorf("SACK = %v", o.SACK())
				}
			},
		},
		{name: "unknown kinds are kept in order", raw: "1e04 0000 fe02 01", kinds: []uint8{30, 254, 1}, fingerprint: "N"},
		{name: "timestamps with zero tsval", raw: "080a 00000000 00000005", kinds: []uint8{8}, fingerprint: "T01"},
		{name: "large window scale", raw: "0303ff", kinds: []uint8{3}, fingerprint: "WFF"},
		{name: "mss 0", raw: "02040000", kinds: []uint8{2}, fingerprint: "M0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			raw := unhex(t, tt.raw)
			var o TCPOptions
			err := o.Parse(raw)
			if !errors.Is(err, tt.err) || (tt.err == nil && err != nil) {
				t.Errorf("Parse error = %v, want %v", err, tt.err)
			}
			if err != o.Err {
				t.Errorf("returned %v but Err is %v", err, o.Err)
			}
			if !bytes.Equal(o.Raw, raw) {
				t.Errorf("Raw = % x, want % x", o.Raw, raw)
			}
			if got := o.Kinds(); !slices.Equal(got, tt.kinds) {
				t.Errorf("Kinds = %v, want %v", got, tt.kinds)
			}
			if got := string(o.AppendFingerprint(nil)); got != tt.fingerprint {
				t.Errorf("fingerprint = %q, want %q", got, tt.fingerprint)
			}
			if tt.check != nil {
				tt.check(t, &o)
			}
		})
	}
}

func TestTCPOptionAppenders(t *testing.T) {
	var raw []byte
	raw = AppendMSSOption(raw, 1460)
	raw = AppendSACKPermittedOption(raw)
	raw = AppendTimestampsOption(raw, 0x01020304, 0)
	raw = AppendNOPOption(raw)
	raw = AppendWindowScaleOption(raw, 7)
	if want := unhex(t, "020405b4 0402 080a 01020304 00000000 01 030307"); !bytes.Equal(raw, want) {
		t.Fatalf("options = % x, want % x", raw, want)
	}
	raw = AppendSACKOption(raw[:0], SACKBlock{1, 2}, SACKBlock{3, 4}, SACKBlock{5, 6}, SACKBlock{7, 8}, SACKBlock{9, 10})
	raw = AppendEOLOption(raw)
	var o TCPOptions
	if err := o.Parse(raw); err != nil {
		t.Fatal(err)
	}
	if got := o.SACK(); len(got) != 4 || got[3] != (SACKBlock{7, 8}) || !o.EOL {
		t.Errorf("SACK = %v, EOL %v: want 4 blocks and EOL", got, o.EOL)
	}
}

func FuzzTCPOptions(f *testing.F) {
	for _, s := range []string{
		"020405b4 0402 080a 9c2e5a11 0001e240 01 030307",
		"03030a 01 020405b4 080a ffffffff 00000000 0402",
		"0204 05", "0100", "0301", "050a 00000001 00000002", "00",
	} {
		f.Add(unhex(f, s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var o TCPOptions
		err := o.Parse(raw)
		if err != nil && !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrMalformed) {
			t.Fatalf("unexpected error %v", err)
		}
		if len(o.Kinds()) > min(len(raw), MaxTCPOptionBytes) {
			t.Fatalf("%d kinds from %d bytes", len(o.Kinds()), len(raw))
		}
		fp := o.AppendFingerprint(nil)
		// Every option the parse accepted is encodable, and re-parsing
		// that encoding yields the same values.
		var enc []byte
		if o.HasMSS {
			enc = AppendMSSOption(enc, o.MSS)
		}
		if o.HasWScale {
			enc = AppendWindowScaleOption(enc, o.WScale)
		}
		if o.SACKPermitted {
			enc = AppendSACKPermittedOption(enc)
		}
		if o.HasTimestamps {
			enc = AppendTimestampsOption(enc, o.TSVal, o.TSEcr)
		}
		if len(o.SACK()) > 0 {
			enc = AppendSACKOption(enc, o.SACK()...)
		}
		var o2 TCPOptions
		if err := o2.Parse(enc); err != nil {
			t.Fatalf("re-parse of % x: %v", enc, err)
		}
		if o2.MSS != o.MSS || o2.HasMSS != o.HasMSS || o2.WScale != o.WScale || o2.SACKPermitted != o.SACKPermitted ||
			o2.TSVal != o.TSVal || o2.TSEcr != o.TSEcr || !slices.Equal(o2.SACK(), o.SACK()) {
			t.Fatalf("re-parse differs: %+v vs %+v", o2, o)
		}
		// Parsing is a pure function of the bytes.
		var o3 TCPOptions
		o3.Parse(raw)
		if !slices.Equal(o3.Kinds(), o.Kinds()) || !bytes.Equal(o3.AppendFingerprint(nil), fp) {
			t.Fatal("parse is not deterministic")
		}
	})
}
