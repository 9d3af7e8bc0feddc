package persona

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/picket-scanner/picket/internal/lab/wan"
)

// Host is a Responder on a TAP device: one more host on a lab link. It is
// safe for concurrent use.
type Host struct {
	r   *Responder
	mac net.HardwareAddr
	dev *os.File
	wg  sync.WaitGroup

	received, sent, errs atomic.Uint64

	closeOnce sync.Once
	closeErr  error
}

// Start creates TAP device ifName inside network namespace nsName (a name
// from /run/netns), brings it up and answers the frames the namespace's
// kernel sends on it as cfg's host, until Close. To put the host on a
// link, make the TAP a port of a bridge in that namespace. It needs root.
func Start(nsName, ifName string, cfg Config) (*Host, error) {
	r, err := NewResponder(cfg)
	if err != nil {
		return nil, err
	}
	dev, err := wan.OpenTAP(nsName, ifName)
	if err != nil {
		return nil, fmt.Errorf("persona: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", "-n", nsName, "link", "set", "dev", ifName, "mtu", "1500", "up")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		dev.Close()
		return nil, fmt.Errorf("persona: bring %s up in %s: %w: %s", ifName, nsName, err, strings.TrimSpace(stderr.String()))
	}
	h := &Host{r: r, mac: r.MAC(), dev: dev}
	h.wg.Add(1)
	go h.serve()
	return h, nil
}

// serve reads frames until the device is closed. The Responder is used by
// this goroutine alone.
func (h *Host) serve() {
	defer h.wg.Done()
	buf := make([]byte, 65536)
	send := func(b []byte) {
		if _, err := h.dev.Write(b); err != nil {
			h.errs.Add(1)
			return
		}
		h.sent.Add(1)
	}
	for {
		n, err := h.dev.Read(buf)
		if err != nil {
			if errors.Is(err, os.ErrClosed) {
				return
			}
			// The namespace went away under us: nothing more will come.
			return
		}
		h.received.Add(1)
		h.r.Handle(buf[:n], send)
	}
}

// MAC returns the host's hardware address.
func (h *Host) MAC() net.HardwareAddr { return h.mac }

// Stats returns the host's counters.
func (h *Host) Stats() Stats {
	return Stats{Received: h.received.Load(), Sent: h.sent.Load(), Errors: h.errs.Load()}
}

// Close stops answering and deletes the TAP device. It returns the first
// call's result on every call.
func (h *Host) Close() error {
	h.closeOnce.Do(func() {
		h.closeErr = h.dev.Close()
		h.wg.Wait()
	})
	return h.closeErr
}
