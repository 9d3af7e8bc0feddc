package route

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/netip"
	"os"
	"sync/atomic"
	"syscall"

	"golang.org/x/sys/unix"
)

var nlSeq atomic.Uint32

// request sends one rtnetlink request and returns the payloads of the
// messages of the answer, ending at NLMSG_DONE or the first non-multipart
// message.
func request(typ uint16, flags uint16, body []byte) ([][]byte, error) {
	fd, err := unix.Socket(unix.AF_NETLINK, unix.SOCK_RAW|unix.SOCK_CLOEXEC, unix.NETLINK_ROUTE)
	if err != nil {
		return nil, os.NewSyscallError("socket", err)
	}
	defer unix.Close(fd)
	tv := unix.Timeval{Sec: 5}
	unix.SetsockoptTimeval(fd, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
	seq := nlSeq.Add(1)
	msg := make([]byte, unix.NLMSG_HDRLEN, unix.NLMSG_HDRLEN+len(body))
	msg = append(msg, body...)
	binary.NativeEndian.PutUint32(msg[0:], uint32(len(msg)))
	binary.NativeEndian.PutUint16(msg[4:], typ)
	binary.NativeEndian.PutUint16(msg[6:], flags|unix.NLM_F_REQUEST)
	binary.NativeEndian.PutUint32(msg[8:], seq)
	if err := unix.Sendto(fd, msg, 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK}); err != nil {
		return nil, os.NewSyscallError("sendto", err)
	}
	var out [][]byte
	buf := make([]byte, 1<<16)
	for {
		n, _, err := unix.Recvfrom(fd, buf, 0)
		if err != nil {
			return nil, os.NewSyscallError("recvfrom", err)
		}
		msgs, err := syscall.ParseNetlinkMessage(buf[:n])
		if err != nil {
			return nil, err
		}
		for _, m := range msgs {
			if m.Header.Seq != seq {
				continue
			}
			switch m.Header.Type {
			case unix.NLMSG_DONE:
				return out, nil
			case unix.NLMSG_ERROR:
				if len(m.Data) >= 4 {
					if code := int32(binary.NativeEndian.Uint32(m.Data)); code != 0 {
						return nil, unix.Errno(-code)
					}
				}
				return out, nil
			}
			out = append(out, append([]byte(nil), m.Data...))
			if m.Header.Flags&unix.NLM_F_MULTI == 0 {
				return out, nil
			}
		}
	}
}

func attr(b []byte, typ uint16, val []byte) []byte {
	l := unix.SizeofRtAttr + len(val)
	b = binary.NativeEndian.AppendUint16(b, uint16(l))
	b = binary.NativeEndian.AppendUint16(b, typ)
	b = append(b, val...)
	for len(b)%4 != 0 {
		b = append(b, 0)
	}
	return b
}

// attrs walks the rtattrs in b.
func attrs(b []byte, fn func(typ uint16, val []byte)) {
	for len(b) >= unix.SizeofRtAttr {
		l := int(binary.NativeEndian.Uint16(b))
		if l < unix.SizeofRtAttr || l > len(b) {
			return
		}
		fn(binary.NativeEndian.Uint16(b[2:])&^unix.NLA_F_NESTED, b[unix.SizeofRtAttr:l])
		l = (l + 3) &^ 3
		if l > len(b) {
			return
		}
		b = b[l:]
	}
}

func family(a netip.Addr) uint8 {
	if a.Is4() {
		return unix.AF_INET
	}
	return unix.AF_INET6
}

func addrBytes(a netip.Addr) []byte {
	if a.Is4() {
		b := a.As4()
		return b[:]
	}
	b := a.As16()
	return b[:]
}

func lookup(dst netip.Addr) (Route, error) {
	dst = dst.Unmap()
	if !dst.IsValid() {
		return Route{}, fmt.Errorf("route: invalid address")
	}
	body := make([]byte, unix.SizeofRtMsg)
	body[0] = family(dst)        // rtm_family
	body[1] = byte(dst.BitLen()) // rtm_dst_len
	body = attr(body, unix.RTA_DST, addrBytes(dst))
	msgs, err := request(unix.RTM_GETROUTE, 0, body)
	if err != nil {
		if err == unix.ENETUNREACH || err == unix.EHOSTUNREACH {
			return Route{}, fmt.Errorf("%w: %s", ErrNoRoute, dst)
		}
		return Route{}, fmt.Errorf("route: lookup %s: %w", dst, err)
	}
	if len(msgs) == 0 || len(msgs[0]) < unix.SizeofRtMsg {
		return Route{}, fmt.Errorf("route: lookup %s: empty answer", dst)
	}
	m := msgs[0]
	r := Route{Dst: dst}
	switch m[7] { // rtm_type
	case unix.RTN_UNICAST:
	case unix.RTN_LOCAL:
		r.Local = true
	default:
		return Route{}, fmt.Errorf("%w: %s", ErrNoRoute, dst)
	}
	oif := 0
	attrs(m[unix.SizeofRtMsg:], func(typ uint16, val []byte) {
		switch typ {
		case unix.RTA_OIF:
			if len(val) >= 4 {
				oif = int(binary.NativeEndian.Uint32(val))
			}
		case unix.RTA_PREFSRC:
			r.Src, _ = netip.AddrFromSlice(val)
		case unix.RTA_GATEWAY:
			r.Gateway, _ = netip.AddrFromSlice(val)
		}
	})
	if oif == 0 {
		return Route{}, fmt.Errorf("route: lookup %s: no output interface", dst)
	}
	if r.Iface, err = net.InterfaceByIndex(oif); err != nil {
		return Route{}, fmt.Errorf("route: lookup %s: %w", dst, err)
	}
	if !r.Src.IsValid() {
		// IPv6 answers carry no preferred source; the kernel's choice is
		// what a connected datagram socket gets (connect sends nothing).
		if r.Src, err = sourceFor(dst); err != nil {
			return Route{}, fmt.Errorf("route: source address for %s: %w", dst, err)
		}
	}
	return r, nil
}

func sourceFor(dst netip.Addr) (netip.Addr, error) {
	c, err := net.DialUDP("udp", nil, net.UDPAddrFromAddrPort(netip.AddrPortFrom(dst, 9)))
	if err != nil {
		return netip.Addr{}, err
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).AddrPort().Addr().Unmap(), nil
}

func neighbor(ifindex int, addr netip.Addr) (net.HardwareAddr, bool, error) {
	addr = addr.Unmap()
	body := make([]byte, unix.SizeofNdMsg)
	body[0] = family(addr)
	msgs, err := request(unix.RTM_GETNEIGH, unix.NLM_F_DUMP, body)
	if err != nil {
		return nil, false, fmt.Errorf("route: neighbours: %w", err)
	}
	const usable = unix.NUD_REACHABLE | unix.NUD_STALE | unix.NUD_DELAY | unix.NUD_PROBE | unix.NUD_PERMANENT | unix.NUD_NOARP
	for _, m := range msgs {
		if len(m) < unix.SizeofNdMsg {
			continue
		}
		idx := int(int32(binary.NativeEndian.Uint32(m[4:])))
		state := binary.NativeEndian.Uint16(m[8:])
		if idx != ifindex || state&usable == 0 {
			continue
		}
		var dst netip.Addr
		var mac net.HardwareAddr
		attrs(m[unix.SizeofNdMsg:], func(typ uint16, val []byte) {
			switch typ {
			case unix.NDA_DST:
				dst, _ = netip.AddrFromSlice(val)
			case unix.NDA_LLADDR:
				mac = append(net.HardwareAddr(nil), val...)
			}
		})
		if dst == addr && len(mac) > 0 {
			return mac, true, nil
		}
	}
	return nil, false, nil
}
