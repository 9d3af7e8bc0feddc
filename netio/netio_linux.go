package netio

import (
	"errors"
	"fmt"
	"net"
	"os"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

type impl struct {
	f      *os.File
	rc     syscall.RawConn
	closed atomic.Bool
}

// ioErr gives the error of a RawConn call the meaning os.File gives it:
// after Close, os.ErrClosed.
func (c *impl) ioErr(err error) error {
	if c.closed.Load() {
		return fmt.Errorf("netio: %w", os.ErrClosed)
	}
	return err
}

type batchImpl struct {
	msgs []unix.Mmsghdr
	iovs []unix.Iovec
}

func (b *Batch) init() {
	b.msgs = make([]unix.Mmsghdr, len(b.Bufs))
	b.iovs = make([]unix.Iovec, len(b.Bufs))
	for i := range b.Bufs {
		b.msgs[i].Hdr.Iov = &b.iovs[i]
		b.msgs[i].Hdr.SetIovlen(1)
	}
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func listen(ifname string, cfg Config) (*Conn, error) {
	ifi, err := net.InterfaceByName(ifname)
	if err != nil {
		return nil, fmt.Errorf("netio: interface %q: %w", ifname, err)
	}
	link := LinkEthernet
	typ := unix.SOCK_RAW
	if len(ifi.HardwareAddr) == 0 && ifi.Flags&net.FlagLoopback == 0 {
		// No link-layer header (tun): read and write bare IP packets.
		link, typ = LinkNone, unix.SOCK_DGRAM
	}
	// Protocol 0 receives nothing until bind, so the filter is in place
	// before the first frame can arrive.
	fd, err := unix.Socket(unix.AF_PACKET, typ|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return nil, ErrPermission
		}
		return nil, fmt.Errorf("netio: socket: %w", err)
	}
	fail := func(op string, err error) (*Conn, error) {
		unix.Close(fd)
		return nil, fmt.Errorf("netio: %s on %s: %w", op, ifname, err)
	}
	if cfg.Filter != nil {
		raw, err := bpf.Assemble(cfg.Filter)
		if err != nil {
			return fail("assemble filter", err)
		}
		prog := unix.SockFprog{Len: uint16(len(raw)), Filter: (*unix.SockFilter)(unsafe.Pointer(&raw[0]))}
		if err := unix.SetsockoptSockFprog(fd, unix.SOL_SOCKET, unix.SO_ATTACH_FILTER, &prog); err != nil {
			return fail("attach filter", err)
		}
	}
	rbuf, wbuf := cfg.ReadBuffer, cfg.WriteBuffer
	if rbuf == 0 {
		rbuf = 32 << 20
	}
	if wbuf == 0 {
		wbuf = 4 << 20
	}
	// The FORCE variants pass rmem_max and wmem_max, which are small by
	// default; they need CAP_NET_ADMIN, so fall back to the plain ones.
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, rbuf) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, rbuf)
	}
	if unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, wbuf) != nil {
		unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_SNDBUF, wbuf)
	}
	// Our own probes must not come back to us as received frames.
	unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_IGNORE_OUTGOING, 1)
	// Frames we build are final: skip the qdisc layer.
	unix.SetsockoptInt(fd, unix.SOL_PACKET, unix.PACKET_QDISC_BYPASS, 1)
	sa := &unix.SockaddrLinklayer{Protocol: htons(unix.ETH_P_ALL), Ifindex: ifi.Index}
	if err := unix.Bind(fd, sa); err != nil {
		return fail("bind", err)
	}
	f := os.NewFile(uintptr(fd), "packet:"+ifname)
	rc, err := f.SyscallConn()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("netio: %s: %w", ifname, err)
	}
	return &Conn{impl: impl{f: f, rc: rc}, Link: link, Index: ifi.Index}, nil
}

func (c *impl) setReadDeadline(t time.Time) error { return c.f.SetReadDeadline(t) }

func (c *impl) readBatch(b *Batch) (int, error) {
	for i := range b.msgs {
		buf := b.Bufs[i][:cap(b.Bufs[i])]
		b.iovs[i].Base = &buf[0]
		b.iovs[i].SetLen(len(buf))
		b.msgs[i].Len = 0
	}
	var n int
	var serr error
	err := c.rc.Read(func(fd uintptr) bool {
		r, _, e := unix.Syscall6(unix.SYS_RECVMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[0])),
			uintptr(len(b.msgs)), unix.MSG_DONTWAIT, 0, 0)
		if e == unix.EAGAIN {
			return false
		}
		if e != 0 {
			serr = e
		}
		n = int(r)
		return true
	})
	if err != nil {
		return 0, c.ioErr(err)
	}
	if serr != nil {
		return 0, os.NewSyscallError("recvmmsg", serr)
	}
	for i := 0; i < n; i++ {
		b.N[i] = int(b.msgs[i].Len)
		b.Bufs[i] = b.Bufs[i][:b.N[i]]
	}
	return n, nil
}

func (c *impl) writeBatch(b *Batch, n int) (int, error) {
	if n > len(b.msgs) {
		n = len(b.msgs)
	}
	for i := 0; i < n; i++ {
		b.iovs[i].Base = &b.Bufs[i][:1][0]
		b.iovs[i].SetLen(len(b.Bufs[i]))
	}
	sent := 0
	var serr error
	for sent < n && serr == nil {
		err := c.rc.Write(func(fd uintptr) bool {
			r, _, e := unix.Syscall6(unix.SYS_SENDMMSG, fd, uintptr(unsafe.Pointer(&b.msgs[sent])),
				uintptr(n-sent), 0, 0, 0)
			switch e {
			case unix.EAGAIN:
				return false
			case unix.ENOBUFS:
				// The device queue is full: report what went so the
				// caller can pace and retry the rest.
				serr = e
			case 0:
				sent += int(r)
			default:
				serr = e
			}
			return true
		})
		if err != nil {
			return sent, c.ioErr(err)
		}
	}
	if serr != nil {
		return sent, os.NewSyscallError("sendmmsg", serr)
	}
	return sent, nil
}

func (c *impl) stats() (Stats, error) {
	var st *unix.TpacketStats
	var serr error
	err := c.rc.Control(func(fd uintptr) {
		st, serr = unix.GetsockoptTpacketStats(int(fd), unix.SOL_PACKET, unix.PACKET_STATISTICS)
	})
	if err == nil {
		err = serr
	}
	if err != nil {
		return Stats{}, fmt.Errorf("netio: statistics: %w", err)
	}
	return Stats{Received: uint64(st.Packets), Dropped: uint64(st.Drops)}, nil
}

func (c *impl) close() error {
	c.closed.Store(true)
	return c.f.Close()
}

func available() error {
	fd, err := unix.Socket(unix.AF_PACKET, unix.SOCK_RAW|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		if errors.Is(err, unix.EPERM) || errors.Is(err, unix.EACCES) {
			return ErrPermission
		}
		return fmt.Errorf("netio: socket: %w", err)
	}
	unix.Close(fd)
	return nil
}
