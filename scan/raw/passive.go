package raw

import (
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/scan"
)

// synOffer is what the SYN template offers the target (an MSS, nothing
// else): a SYN-ACK that carries more offered it unasked.
const synOffer = osfp.OfferMSS

// How many replies of each kind a host keeps for the passive OS guess:
// enough to see how its IP IDs move, few enough that the copy is cheap
// and the memory a couple of hundred bytes a host.
const (
	passiveSynAcks = 3
	passiveResets  = 2
	passiveMax     = passiveSynAcks + passiveResets
)

// passiveRec is one kept reply, with its options copied out of the frame
// buffer, which the receiver reuses.
type passiveRec struct {
	version, ttl, optLen uint8
	df, toSYN            bool
	flags                packet.TCPFlags
	id, win, port        uint16
	order                uint32
	opts                 [40]byte
}

// passiveSlot is one host's kept replies, in arrival order. Only the
// receiver writes it, and the table is built after the receiver stops, so
// it needs no lock.
type passiveSlot struct {
	n, synAcks, resets uint8
	// replies counts every TCP reply from the host, kept or not: how
	// far its IP ID counter, if it has one, must have moved.
	replies uint32
	rec     [passiveMax]passiveRec
}

func isTCP(t scan.Technique) bool {
	switch t {
	case scan.SYN, scan.ACK, scan.FIN, scan.NULL, scan.Xmas:
		return true
	}
	return false
}

// keep copies a validated reply of outcome o to a probe of technique t,
// while the host has room for its kind. It allocates nothing.
func (p *passiveSlot) keep(d *packet.Decoded, o scan.Outcome, t scan.Technique) {
	p.replies++
	switch {
	case o == scan.SynAck && p.synAcks < passiveSynAcks:
		p.synAcks++
	case o == scan.Reset && p.resets < passiveResets:
		p.resets++
	default:
		return
	}
	r := &p.rec[p.n]
	p.n++
	*r = passiveRec{
		version: d.IP.Version, ttl: d.IP.TTL, df: d.IP.DF, toSYN: t == scan.SYN,
		flags: d.TCP.Flags, id: uint16(d.IP.ID), win: d.TCP.Window, port: d.TCP.SrcPort,
		order: p.replies,
	}
	r.optLen = uint8(copy(r.opts[:], d.TCP.Options.Raw))
}

// passiveSamples returns every host's kept replies as osfp samples; nil
// when none were kept.
func (e *engine) passiveSamples() [][]osfp.Sample {
	if e.passive == nil {
		return nil
	}
	out := make([][]osfp.Sample, len(e.passive))
	for h := range e.passive {
		p := &e.passive[h]
		if p.n == 0 {
			continue
		}
		ss := make([]osfp.Sample, p.n)
		for i := range ss {
			r := &p.rec[i]
			ss[i] = osfp.Sample{
				Version: r.version, TTL: r.ttl, DF: r.df, IPID: r.id,
				Flags: r.flags, Window: r.win, Port: r.port,
				Options: append([]byte(nil), r.opts[:r.optLen]...),
				ToSYN:   r.toSYN, Order: r.order,
			}
			if r.toSYN {
				ss[i].Offered = synOffer
			}
		}
		out[h] = ss
	}
	return out
}
