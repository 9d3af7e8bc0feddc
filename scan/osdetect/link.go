package osdetect

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/route"
	"github.com/picket-scanner/picket/scan/raw"
)

// link is one interface: its socket, shared by every host reached through
// it, and the receiver that hands replies to them.
type link struct {
	raw.Link
	name  string
	ltype packet.LinkType

	wmu   sync.Mutex // guards batch and writes
	batch *netio.Batch

	hosts map[netip.Addr]*host // fixed before the receiver starts
	stop  chan struct{}
	done  chan struct{}
}

// send writes one frame.
func (l *link) send(frame []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	l.batch.Bufs[0] = append(l.batch.Bufs[0][:0], frame...)
	if _, err := l.Conn.WriteBatch(l.batch, 1); err != nil {
		return fmt.Errorf("osdetect: send on %s: %w", l.name, err)
	}
	return nil
}

// receive reads replies until close, handing each to its host.
func (l *link) receive() {
	defer close(l.done)
	b := netio.NewBatch(32, 2048)
	var d packet.Decoded
	for {
		n, err := l.Conn.ReadBatch(b)
		select {
		case <-l.stop:
			return
		default:
		}
		if err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				continue
			}
			return
		}
		for i := range n {
			l.dispatch(&d, b.Bufs[i])
		}
	}
}

// dispatch finds the host a frame may answer and offers it a copy. The
// first decode goes into the receiver's scratch value d and allocates
// nothing; only frames a host keeps are copied.
func (l *link) dispatch(d *packet.Decoded, frame []byte) {
	if d.Decode(frame, l.ltype) != nil || d.Network != packet.NetworkIPv4 {
		return
	}
	addr := d.IP.Src
	if d.Transport == packet.TransportICMPv4 && d.ICMP.Type == packet.ICMPv4DestUnreachable {
		if d.Quote.IP.Version != 4 {
			return
		}
		addr = d.Quote.IP.Dst
	}
	h, ok := l.hosts[addr]
	if !ok {
		return
	}
	h.offer(d, frame, l.ltype)
}

// close stops the receiver and closes the socket.
func (l *link) close() {
	close(l.stop)
	l.Conn.SetReadDeadline(time.Unix(1, 0))
	<-l.done
	l.Conn.Close()
}

// plan opens a link for every interface that reaches one of hosts, and
// finds each host's next-hop hardware address. Hosts it cannot reach are
// left out, with the reason in skipped.
func (d *Detector) plan(ctx context.Context, hosts []*host) (links []*link, err error) {
	byIf := map[int]*link{}
	defer func() {
		if err != nil {
			for _, l := range links {
				l.Conn.Close()
			}
			links = nil
		}
	}()
	hops := map[*link]map[netip.Addr][]*host{}
	for _, h := range hosts {
		r, err := route.Lookup(h.t.Addr)
		if err != nil {
			h.skip = err.Error()
			continue
		}
		if r.Local {
			h.skip = "an address of this host"
			continue
		}
		if d.cfg.Interface != "" && r.Iface.Name != d.cfg.Interface {
			return links, fmt.Errorf("osdetect: %s is reached through %s, not %s (-e)", h.t.Addr, r.Iface.Name, d.cfg.Interface)
		}
		l, ok := byIf[r.Iface.Index]
		if !ok {
			conn, err := netio.Listen(r.Iface.Name, netio.Config{Filter: raw.Filter(), ReadBuffer: 4 << 20, WriteBuffer: 1 << 20})
			if err != nil {
				return links, fmt.Errorf("osdetect: open socket on %s: %w", r.Iface.Name, err)
			}
			l = &link{name: r.Iface.Name, batch: netio.NewBatch(1, 2048), hosts: map[netip.Addr]*host{},
				stop: make(chan struct{}), done: make(chan struct{}), ltype: packet.LinkEthernet}
			l.Conn = conn
			if conn.Link != netio.LinkEthernet {
				l.ltype = packet.LinkRaw
			}
			copy(l.SrcMAC[:], r.Iface.HardwareAddr)
			byIf[r.Iface.Index] = l
			links = append(links, l)
			hops[l] = map[netip.Addr][]*host{}
		}
		if !l.Src4.IsValid() && r.Src.Is4() {
			l.Src4 = r.Src
		}
		h.link, h.src = l, r.Src
		h.sameLink = !r.Gateway.IsValid()
		hops[l][r.NextHop()] = append(hops[l][r.NextHop()], h)
		l.hosts[h.t.Addr] = h
	}
	for _, l := range links {
		if l.Conn.Link != netio.LinkEthernet {
			continue
		}
		want := slices.Collect(maps.Keys(hops[l]))
		found, err := raw.NextHops(ctx, l.Link, want)
		if err != nil {
			return links, err
		}
		for _, hop := range want {
			mac, ok := found[hop]
			for _, h := range hops[l][hop] {
				if !ok {
					h.skip = "its next hop did not answer ARP"
					delete(l.hosts, h.t.Addr)
					continue
				}
				h.nextHop = mac
				h.mac = mac[:]
			}
		}
	}
	return links, nil
}
