package packet

import (
	"errors"
	"testing"
)

func FuzzDecode(f *testing.F) {
	for _, name := range fixtureNames(f) {
		frame := fixture(f, name)
		f.Add(frame, fixtureLink(name) == LinkRaw)
		if fixtureLink(name) == LinkEthernet && len(frame) > 14 {
			f.Add(frame[14:], true) // the same datagram as a raw link reads it
		}
	}
	f.Add([]byte{}, false)
	f.Add([]byte{0x45}, true)
	f.Add([]byte{0x60, 0, 0, 0, 0, 8, 0, 64}, true)

	f.Fuzz(func(t *testing.T, frame []byte, raw bool) {
		link := LinkEthernet
		if raw {
			link = LinkRaw
		}
		var d Decoded
		err := d.Decode(frame, link)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || !(errors.Is(err, ErrTruncated) || errors.Is(err, ErrMalformed) || errors.Is(err, ErrUnsupported)) {
				t.Fatalf("error %v is not a layer error wrapping a sentinel", err)
			}
			return
		}
		checkReencode(t, frame, &d)
		valid := d.ChecksumsValid()

		// A frame with right checksums makes a template, and every patch
		// keeps them right and reads back.
		switch {
		case d.Network != NetworkIPv4 && d.Network != NetworkIPv6, d.IP.Fragmented(), !valid:
			return
		case d.Transport != TransportTCP && d.Transport != TransportUDP &&
			d.Transport != TransportICMPv4 && d.Transport != TransportICMPv6:
			return
		}
		tmpl, err := NewTemplate(frame, link)
		if err != nil {
			t.Fatalf("NewTemplate of a valid frame: %v", err)
		}
		dst := addr("198.51.100.200")
		if d.Network == NetworkIPv6 {
			dst = addr("2001:db8::c8")
		}
		p := tmpl.Probe(nil)
		if err := p.SetDst(dst); err != nil {
			t.Fatal(err)
		}
		p.SetSrcPort(4242)
		p.SetDstPort(4343)
		p.SetSeq(0x01020304)
		p.SetAck(0x05060708)
		p.SetID(0x0a0b)
		p.SetTTL(3)
		p.SetEcho(0x0c0d, 0x0e0f)
		var d2 Decoded
		if err := d2.Decode(p.Bytes(), link); err != nil {
			t.Fatalf("patched frame does not decode: %v", err)
		}
		if !d2.ChecksumsValid() {
			t.Fatalf("patched frame has wrong checksums\n% x", p.Bytes())
		}
		if d2.IP.Dst != dst || d2.IP.TTL != 3 {
			t.Fatalf("patched dst %v ttl %d", d2.IP.Dst, d2.IP.TTL)
		}
		if d2.Transport == TransportTCP && (d2.TCP.SrcPort != 4242 || d2.TCP.Seq != 0x01020304) {
			t.Fatalf("patched tcp %+v", d2.TCP)
		}
	})
}
