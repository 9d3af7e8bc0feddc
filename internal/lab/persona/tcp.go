package persona

import "encoding/binary"

// tcp answers a TCP segment to one of our addresses.
func (r *Responder) tcp(f *frame) []byte {
	fl := f.flags
	if fl&flagRST != 0 {
		delete(r.conns, connKey{f.src, f.sport, f.dport})
		return nil
	}
	rs := &r.p.Resets
	syn, ack := fl&flagSYN != 0, fl&flagACK != 0
	if !r.open[f.dport] {
		switch {
		case syn && !ack:
			return r.reset(f, rs.SynClosed)
		case ack:
			return r.reset(f, rs.AckClosed)
		default:
			return r.reset(f, rs.OtherClosed)
		}
	}
	k := connKey{f.src, f.sport, f.dport}
	switch {
	case syn && !ack && fl&flagFIN == 0:
		return r.synAck(f, k)
	case syn && !ack:
		if rs.SynFinAccept {
			return r.synAck(f, k)
		}
		return r.reset(f, rs.SynFinOpen)
	case fl&(flagSYN|flagACK|flagFIN|flagPSH|flagURG) == 0:
		return r.reset(f, rs.NullOpen)
	case !ack:
		return nil // FIN, Xmas and the like on an open port: dropped, as RFC 793 says
	}
	c := r.conns[k]
	if c == nil || syn || (!c.est && f.ack != c.iss+1) {
		return r.reset(f, rs.AckOpen)
	}
	// A connection: take data and FIN in order, acknowledge them, and
	// close when the peer does. Nothing is ever sent but ACKs and a FIN.
	c.est = true
	if f.seq != c.rcvNext {
		return r.segment(f, c.sndNext, c.rcvNext, flagACK, r.p.IPID.SynAck)
	}
	c.rcvNext += uint32(len(f.payload))
	if fl&flagFIN != 0 {
		c.rcvNext++
		if !c.finSent {
			c.finSent = true
			out := r.segment(f, c.sndNext, c.rcvNext, flagFIN|flagACK, r.p.IPID.SynAck)
			c.sndNext++
			return out
		}
	}
	if c.finSent && f.ack == c.sndNext {
		r.forget(k)
		return nil
	}
	if len(f.payload) > 0 || fl&flagFIN != 0 {
		return r.segment(f, c.sndNext, c.rcvNext, flagACK, r.p.IPID.SynAck)
	}
	return nil
}

func (r *Responder) forget(k connKey) {
	delete(r.conns, k)
}

// remember records a half-open connection, forgetting the oldest when full.
func (r *Responder) remember(k connKey, c *conn) {
	if _, ok := r.conns[k]; !ok {
		for len(r.conns) >= maxConns && len(r.order) > 0 {
			delete(r.conns, r.order[0])
			r.order = r.order[1:]
		}
		r.order = append(r.order, k)
	}
	if len(r.order) > 4*maxConns { // compact keys already forgotten
		kept := r.order[:0]
		for _, o := range r.order {
			if r.conns[o] != nil || o == k {
				kept = append(kept, o)
			}
		}
		r.order = kept
	}
	r.conns[k] = c
}

// synAck answers a SYN on an open port.
func (r *Responder) synAck(f *frame, k connKey) []byte {
	t := &r.p.TCP
	o := parseSynOpts(f.opts)
	iss := r.nextISN()
	c := &conn{iss: iss, rcvNext: f.seq + 1, sndNext: iss + 1}
	r.remember(k, c)

	var opts [40]byte
	ob := r.synAckOptions(opts[:0], o, k)
	win := t.Window
	if !(t.Timestamps && o.ts) && t.WindowNoTS != 0 {
		win = t.WindowNoTS
	}
	fl := uint8(flagSYN | flagACK)
	if f.flags&(flagECE|flagCWR) == flagECE|flagCWR {
		switch t.ECN {
		case ECNAccept:
			fl |= flagECE
		case ECNEchoAll:
			fl |= flagECE | flagCWR
		}
	}
	b := r.ipHeader(f, protoTCP, t.DF, r.nextID(r.p.IPID.SynAck, f.src, f), 0, 20+len(ob))
	off := len(b)
	b = r.tcpHeader(b, f, iss, f.seq+1, fl, win, ob)
	return r.finish(b, off, f, protoTCP, 16)
}

// synAckOptions lays out the SYN-ACK's options for what the SYN offered.
func (r *Responder) synAckOptions(b []byte, o synOpts, k connKey) []byte {
	t := &r.p.TCP
	ws := t.WScale >= 0 && o.wscale
	sack := t.SACK && o.sack
	ts := t.Timestamps && o.ts
	if t.MSS != 0 {
		b = append(b, 2, 4)
		b = binary.BigEndian.AppendUint16(b, t.MSS)
	}
	appendTS := func(b []byte) []byte {
		b = append(b, 8, 10)
		b = binary.BigEndian.AppendUint32(b, r.tsval(k))
		return binary.BigEndian.AppendUint32(b, o.tsval)
	}
	sackTS := func(b []byte) []byte {
		switch {
		case sack && ts:
			return appendTS(append(b, 4, 2))
		case ts:
			return appendTS(append(b, 1, 1))
		case sack:
			return append(b, 1, 1, 4, 2)
		}
		return b
	}
	switch t.Layout {
	case LayoutLinux:
		b = sackTS(b)
		if ws {
			b = append(b, 1, 3, 3, byte(t.WScale))
		}
	case LayoutWindows:
		if ws {
			b = append(b, 1, 3, 3, byte(t.WScale))
		}
		b = sackTS(b)
	case LayoutBSD:
		if ws {
			b = append(b, 1, 3, 3, byte(t.WScale))
		}
		if sack {
			b = append(b, 4, 2)
		}
		if ts {
			for len(b)%4 != 2 {
				b = append(b, 1)
			}
			b = appendTS(b)
		}
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	return b
}

// reset answers with rule rs, or nothing when it says so.
func (r *Responder) reset(f *frame, rs Reset) []byte {
	if !rs.Send {
		return nil
	}
	var seq, ack uint32
	switch rs.Seq {
	case SeqProbeAck:
		seq = f.ack
	case SeqProbeAck1:
		seq = f.ack + 1
	case SeqProbeOther:
		seq = f.seq + 1000
	}
	switch rs.Ack {
	case AckProbeSeq:
		ack = f.seq
	case AckProbeNext:
		ack = f.seq + segLen(f)
	case AckProbeAck:
		ack = f.ack
	}
	fl := uint8(flagRST)
	if rs.ACK {
		fl |= flagACK
	}
	n := 20 + len(rs.Data)
	b := r.ipHeader(f, protoTCP, r.p.TCP.DF, r.nextID(r.p.IPID.Reset, f.src, f), 0, n)
	off := len(b)
	b = r.tcpHeader(b, f, seq, ack, fl, rs.Window, nil)
	b = append(b, rs.Data...)
	return r.finish(b, off, f, protoTCP, 16)
}

// segment sends a plain segment of a connection.
func (r *Responder) segment(f *frame, seq, ack uint32, fl uint8, id IPIDKind) []byte {
	b := r.ipHeader(f, protoTCP, r.p.TCP.DF, r.nextID(id, f.src, f), 0, 20)
	off := len(b)
	b = r.tcpHeader(b, f, seq, ack, fl, r.p.TCP.Window, nil)
	return r.finish(b, off, f, protoTCP, 16)
}

// tcpHeader appends a TCP header answering f, with its checksum empty.
func (r *Responder) tcpHeader(b []byte, f *frame, seq, ack uint32, fl uint8, win uint16, opts []byte) []byte {
	b = binary.BigEndian.AppendUint16(b, f.dport)
	b = binary.BigEndian.AppendUint16(b, f.sport)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = binary.BigEndian.AppendUint32(b, ack)
	b = append(b, byte((20+len(opts))/4)<<4, fl)
	b = binary.BigEndian.AppendUint16(b, win)
	b = append(b, 0, 0, 0, 0) // checksum, urgent pointer
	return append(b, opts...)
}
