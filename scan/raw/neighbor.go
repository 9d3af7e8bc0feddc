package raw

import (
	"context"
	"errors"
	"maps"
	"net/netip"
	"os"
	"sync"
	"time"

	"github.com/picket-scanner/picket/netio"
	"github.com/picket-scanner/picket/packet"
	"github.com/picket-scanner/picket/route"
)

// Link is the raw engine's view of the interface it sends on.
type Link struct {
	Conn   *netio.Conn // opened with Filter()
	SrcMAC packet.MAC
	Src4   netip.Addr // invalid when the interface has no IPv4 address
	Src6   netip.Addr
}

// neighborRate caps the ARP requests and neighbour solicitations sent per
// second: they are broadcast or multicast, so every host on the link reads
// them.
const neighborRate = 20000

// NextHops finds the hardware addresses of next hops on l: from the
// kernel's neighbour table where it knows them, by ARP or neighbour
// discovery otherwise (three tries 250 ms apart). A hop that never answered
// is missing from the map. It reads from l.Conn, as Resolve does.
func NextHops(ctx context.Context, l Link, hops []netip.Addr) (map[netip.Addr]packet.MAC, error) {
	found := map[netip.Addr]packet.MAC{}
	var want []netip.Addr
	asked := map[netip.Addr]bool{}
	for _, hop := range hops {
		if _, ok := found[hop]; ok || asked[hop] {
			continue
		}
		if mac, ok, _ := route.Neighbor(l.Conn.Index, hop); ok && len(mac) == 6 {
			found[hop] = packet.MAC(mac)
			continue
		}
		asked[hop] = true
		want = append(want, hop)
	}
	got, err := Resolve(ctx, l, want, 3, 250*time.Millisecond)
	maps.Copy(found, got)
	return found, err
}

// Resolve finds the hardware address of each address on the link, with
// ARP for IPv4 and neighbour solicitation for IPv6: up to tries requests
// per address, wait apart. An address that never answers is missing from
// the map; for host discovery on a local segment that means the host is
// down. Resolve reads from l.Conn, so no scan may run on it meanwhile.
func Resolve(ctx context.Context, l Link, addrs []netip.Addr, tries int, wait time.Duration) (map[netip.Addr]packet.MAC, error) {
	found := make(map[netip.Addr]packet.MAC, len(addrs))
	if len(addrs) == 0 || l.Conn.Link != netio.LinkEthernet {
		return found, nil
	}
	var mu sync.Mutex // guards found
	var stop bool
	var wg sync.WaitGroup
	l.Conn.SetReadDeadline(time.Time{})
	wg.Go(func() {
		b := netio.NewBatch(32, 2048)
		var d packet.Decoded
		for {
			n, err := l.Conn.ReadBatch(b)
			mu.Lock()
			done := stop
			mu.Unlock()
			if err != nil {
				if done || !errors.Is(err, os.ErrDeadlineExceeded) {
					return
				}
				continue
			}
			for i := 0; i < n; i++ {
				if d.Decode(b.Bufs[i], packet.LinkEthernet) != nil {
					continue
				}
				var a netip.Addr
				var mac packet.MAC
				switch {
				case d.Network == packet.NetworkARP && d.ARP.Op == packet.ARPReply && d.ARP.TargetIP == l.Src4:
					a, mac = d.ARP.SenderIP, d.ARP.SenderMAC
				case d.Transport == packet.TransportICMPv6 && d.ICMP.Type == packet.ICMPv6NeighborAdvertisement && d.NDP.HasTargetLinkAddr:
					a, mac = d.NDP.Target, d.NDP.TargetLinkAddr
				default:
					continue
				}
				mu.Lock()
				if _, ok := found[a]; !ok {
					found[a] = mac
				}
				mu.Unlock()
			}
		}
	})
	defer func() {
		mu.Lock()
		stop = true
		mu.Unlock()
		l.Conn.SetReadDeadline(time.Unix(1, 0))
		wg.Wait()
		l.Conn.SetReadDeadline(time.Time{})
	}()

	b := netio.NewBatch(64, 128)
	interval := time.Second * 64 / neighborRate
	for try := 0; try < tries; try++ {
		fill := 0
		flush := func() {
			if fill > 0 {
				l.Conn.WriteBatch(b, fill)
				fill = 0
				time.Sleep(interval)
			}
		}
		for _, a := range addrs {
			mu.Lock()
			_, ok := found[a]
			mu.Unlock()
			if ok {
				continue
			}
			f := packet.Frame{Link: packet.LinkEthernet, SrcMAC: l.SrcMAC, Dst: a}
			var err error
			if a.Is4() {
				if !l.Src4.IsValid() {
					continue
				}
				f.Src = l.Src4
				b.Bufs[fill], err = f.AppendARPRequest(b.Bufs[fill][:0])
			} else {
				if !l.Src6.IsValid() {
					continue
				}
				f.Src = l.Src6
				b.Bufs[fill], err = f.AppendNeighborSolicitation(b.Bufs[fill][:0])
			}
			if err != nil {
				return found, err
			}
			if fill++; fill == len(b.Bufs) {
				flush()
			}
		}
		flush()
		deadline := time.Now().Add(wait)
		for time.Now().Before(deadline) {
			mu.Lock()
			all := len(found) >= len(addrs)
			mu.Unlock()
			if all || ctx.Err() != nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		if ctx.Err() != nil {
			return found, ctx.Err()
		}
		mu.Lock()
		all := len(found) >= len(addrs)
		mu.Unlock()
		if all {
			break
		}
	}
	return found, nil
}
