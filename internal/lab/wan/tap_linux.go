package wan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// netnsDir is where iproute2 keeps named namespaces.
const netnsDir = "/run/netns"

// cmdTimeout bounds each ip invocation.
const cmdTimeout = 30 * time.Second

// New creates TAP device aIf inside the named network namespace aNS and bIf
// inside bNS (names as in /run/netns), sets their MTU to 1500, brings both
// up and forwards Ethernet frames between them with cfg's impairments until
// Close. It needs root (CAP_NET_ADMIN and CAP_SYS_ADMIN).
func New(aNS, aIf, bNS, bIf string, cfg Config) (*Link, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	a, err := openTAP(aNS, aIf)
	if err != nil {
		return nil, err
	}
	b, err := openTAP(bNS, bIf)
	if err != nil {
		a.Close()
		return nil, err
	}
	// Up before forwarding starts: a frame written to a TAP that is down
	// fails, while the frames a kernel sends on its own (neighbour
	// discovery) wait in the TAP's queue until the forwarder reads them.
	for _, end := range [][2]string{{aNS, aIf}, {bNS, bIf}} {
		if err := ipLink(end[0], "set", "dev", end[1], "mtu", "1500", "up"); err != nil {
			a.Close()
			b.Close()
			return nil, err
		}
	}
	return newLink(a, b, cfg)
}

// openTAP creates TAP device ifName inside namespace nsName and returns it
// open, non-blocking, on the runtime's poller. The device lives as long as
// the file.
func openTAP(nsName, ifName string) (*os.File, error) {
	if nsName == "" || nsName != filepath.Base(nsName) || nsName == "." || nsName == ".." {
		return nil, fmt.Errorf("wan: namespace name %q: want a name from %s", nsName, netnsDir)
	}
	ifr, err := unix.NewIfreq(ifName)
	if err != nil {
		return nil, fmt.Errorf("wan: interface name %q: %w", ifName, err)
	}
	type result struct {
		fd  int
		err error
	}
	done := make(chan result, 1)
	go func() {
		runtime.LockOSThread()
		fd, err := openTAPIn(filepath.Join(netnsDir, nsName), ifr)
		if !errors.Is(err, errThreadTainted) {
			runtime.UnlockOSThread()
		}
		// A thread left in the wrong namespace stays locked and ends
		// with this goroutine.
		done <- result{fd, err}
	}()
	r := <-done
	if r.err != nil {
		return nil, fmt.Errorf("wan: create TAP %s in %s: %w", ifName, nsName, r.err)
	}
	return os.NewFile(uintptr(r.fd), "tap:"+ifName), nil
}

var errThreadTainted = errors.New("could not return the thread to its namespace")

// openTAPIn runs on a locked thread: it enters the namespace at nsPath,
// where /dev/net/tun must be opened for the device to be made there, and
// comes back.
func openTAPIn(nsPath string, ifr *unix.Ifreq) (int, error) {
	orig, err := unix.Open("/proc/thread-self/ns/net", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open own namespace: %w", err)
	}
	defer unix.Close(orig)
	target, err := unix.Open(nsPath, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return -1, fmt.Errorf("open namespace: %w", err)
	}
	defer unix.Close(target)
	if err := unix.Setns(target, unix.CLONE_NEWNET); err != nil {
		return -1, fmt.Errorf("enter namespace: %w", err)
	}
	fd, err := unix.Open("/dev/net/tun", unix.O_RDWR|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		err = fmt.Errorf("open /dev/net/tun: %w", err)
	} else {
		// No IFF_VNET_HDR: the kernel then hands over only whole,
		// checksummed frames of at most the MTU.
		ifr.SetUint16(unix.IFF_TAP | unix.IFF_NO_PI)
		if err = unix.IoctlIfreq(fd, unix.TUNSETIFF, ifr); err != nil {
			unix.Close(fd)
			err = fmt.Errorf("TUNSETIFF: %w", err)
		}
	}
	if serr := unix.Setns(orig, unix.CLONE_NEWNET); serr != nil {
		if err == nil {
			unix.Close(fd)
		}
		return -1, fmt.Errorf("%w: %v", errThreadTainted, serr)
	}
	if err != nil {
		return -1, err
	}
	return fd, nil
}

// ipLink runs "ip -n ns link args...".
func ipLink(ns string, args ...string) error {
	ctx, cancel := context.WithTimeout(context.Background(), cmdTimeout)
	defer cancel()
	args = append([]string{"-n", ns, "link"}, args...)
	cmd := exec.CommandContext(ctx, "ip", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("wan: ip %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return nil
}

// OpenTAP creates TAP device ifName inside the named network namespace
// (a name from /run/netns) and returns it open and non-blocking on the
// runtime's poller; each Read and Write carries one whole Ethernet frame.
// The device lives as long as the file, and starts down: bring it up with
// ip. It needs root. Other packages use it to put a userspace host on a
// lab link.
func OpenTAP(nsName, ifName string) (*os.File, error) {
	return openTAP(nsName, ifName)
}
