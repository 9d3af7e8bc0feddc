package connect

import (
	"context"
	"errors"
	"net/netip"
	"os"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/picket-scanner/picket/scan"
)

func defaultProber() Prober { return probeErrQueue }

// probeErrQueue connects without blocking, with IP_RECVERR (IPV6_RECVERR)
// set, and waits for the socket to become writable or the timeout.
func probeErrQueue(ctx context.Context, addr netip.AddrPort, timeout time.Duration) (scan.Outcome, error) {
	a := addr.Addr().Unmap()
	var family, level, opt int
	var sa unix.Sockaddr
	if a.Is4() {
		family, level, opt = unix.AF_INET, unix.SOL_IP, unix.IP_RECVERR
		sa = &unix.SockaddrInet4{Port: int(addr.Port()), Addr: a.As4()}
	} else {
		family, level, opt = unix.AF_INET6, unix.SOL_IPV6, unix.IPV6_RECVERR
		sa = &unix.SockaddrInet6{Port: int(addr.Port()), Addr: a.As16()}
	}
	fd, err := unix.Socket(family, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return scan.None, os.NewSyscallError("socket", err)
	}
	unix.SetsockoptInt(fd, level, opt, 1)
	// A completed connection is reset on close: the service sees no data
	// and no TIME_WAIT is left on either side.
	unix.SetsockoptLinger(fd, unix.SOL_SOCKET, unix.SO_LINGER, &unix.Linger{Onoff: 1, Linger: 0})
	f := os.NewFile(uintptr(fd), "connect")
	defer f.Close()
	switch err := unix.Connect(fd, sa); {
	case err == nil:
		return scan.Connected, nil
	case !errors.Is(err, unix.EINPROGRESS):
		if o := icmpOutcome(fd); o != scan.None {
			return o, err
		}
		return classify(err), err
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return scan.None, err
	}
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	f.SetWriteDeadline(deadline)
	stop := context.AfterFunc(ctx, func() { f.SetWriteDeadline(time.Unix(1, 0)) })
	defer stop()
	var soErr error
	werr := rc.Write(func(fd uintptr) bool {
		e, err := unix.GetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_ERROR)
		if err != nil {
			soErr = err
			return true
		}
		if e != 0 {
			soErr = unix.Errno(e)
			return true
		}
		if _, err := unix.Getpeername(int(fd)); err == nil {
			return true // connected
		}
		return false
	})
	// The error queue tells an ICMP error apart from a reset, with its
	// code, whether the attempt failed or only timed out meanwhile.
	var o scan.Outcome
	rc.Control(func(fd uintptr) { o = icmpOutcome(int(fd)) })
	switch {
	case werr != nil:
		if o != scan.None {
			return o, nil
		}
		if ctx.Err() != nil {
			return scan.None, ctx.Err()
		}
		return scan.None, nil // timed out: silence
	case soErr != nil:
		if o != scan.None {
			return o, soErr
		}
		return classify(soErr), soErr
	}
	return scan.Connected, nil
}

// icmpOutcome reads the first ICMP error queued on the socket, if any.
func icmpOutcome(fd int) scan.Outcome {
	var buf [512]byte
	var oob [512]byte
	_, oobn, _, _, err := unix.Recvmsg(fd, buf[:], oob[:], unix.MSG_ERRQUEUE|unix.MSG_DONTWAIT)
	if err != nil {
		return scan.None
	}
	msgs, err := unix.ParseSocketControlMessage(oob[:oobn])
	if err != nil {
		return scan.None
	}
	for _, m := range msgs {
		if !(m.Header.Level == unix.SOL_IP && m.Header.Type == unix.IP_RECVERR) &&
			!(m.Header.Level == unix.SOL_IPV6 && m.Header.Type == unix.IPV6_RECVERR) {
			continue
		}
		if len(m.Data) < int(unsafe.Sizeof(unix.SockExtendedErr{})) {
			continue
		}
		ee := (*unix.SockExtendedErr)(unsafe.Pointer(&m.Data[0]))
		switch {
		case ee.Origin == unix.SO_EE_ORIGIN_ICMP && ee.Type == 3:
			return scan.ICMPv4Unreach(ee.Code)
		case ee.Origin == unix.SO_EE_ORIGIN_ICMP6 && ee.Type == 1:
			return scan.ICMPv6Unreach(ee.Code)
		}
	}
	return scan.None
}
