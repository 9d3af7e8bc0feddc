package raw

import (
	"slices"

	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/payload"
	"github.com/picket-scanner/picket/scan"
)

// slotPayloads returns the payloads of each UDP slot from t (picket's own
// when nil); nil for other slots and for ports that get an empty datagram.
func slotPayloads(t *payload.Table, slots []Slot) [][]*payload.Payload {
	if t == nil {
		t = payload.Builtin()
	}
	out := make([][]*payload.Payload, len(slots))
	for i, sl := range slots {
		if sl.Technique != scan.UDP {
			continue
		}
		if pl := t.ForPort(sl.Port); len(pl) > 0 && pl[0] != payload.Empty {
			out[i] = pl
		}
	}
	return out
}

// maxPayloadFrame is the longest frame a payload probe takes.
func (e *engine) maxPayloadFrame() int {
	n := 0
	var seen []*payload.Payload
	var scratch []byte
	for _, pl := range e.payloads {
		for _, p := range pl {
			if slices.Contains(seen, p) {
				continue
			}
			seen = append(seen, p)
			scratch = p.Build(scratch[:0], 0)
			n = max(n, len(scratch))
		}
	}
	if n == 0 {
		return 0
	}
	return 14 + 40 + 8 + n
}

// stampPayload writes a UDP probe carrying payload p into buf's storage.
// The payload is built in place, where the datagram's data goes, so the
// frame costs no allocation when buf has room for it.
func (e *engine) stampPayload(buf []byte, t *Target, port uint16, p *payload.Payload, sport uint16, fam int) []byte {
	c := e.cookie(t.Addr, port, sport)
	f := packet.Frame{Link: e.link, SrcMAC: e.cfg.SrcMAC, DstMAC: t.NextHop, Src: e.cfg.Src4, Dst: t.Addr, ID: uint16(c >> 8)}
	hdr := 20 + 8
	if fam == 1 {
		f.Src = e.cfg.Src6
		hdr = 40 + 8
	}
	if e.link == packet.LinkEthernet {
		hdr += 14
	}
	buf = buf[:0]
	var data []byte
	if cap(buf) >= hdr {
		data = p.Build(buf[hdr:hdr], c)
	} else {
		data = p.Build(nil, c)
	}
	out, err := f.AppendUDP(buf, sport, port, data)
	if err != nil {
		// Too long for a datagram: send it empty rather than not at all.
		out, _ = f.AppendUDP(buf[:0], sport, port, nil)
	}
	return out
}
