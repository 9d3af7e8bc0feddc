// Package dns identifies DNS servers by asking version.bind in the CHAOS
// class, over TCP (Handshake) or UDP (ProbeUDP). Any well-formed reply to
// that query, a refusal included, says the port speaks DNS; the TXT
// answer, when a server gives one, names the software: BIND, Unbound,
// dnsmasq, PowerDNS, Knot, NSD, Microsoft DNS.
package dns

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises DNS over TCP, where each message has a 2-byte
// length before it.
var Handshake = service.Handshake{
	Name:  "domain",
	Ports: []uint16{53},
	Run:   runTCP,
}

const (
	// maxMessage bounds a reply: version.bind's is under 100 bytes.
	maxMessage = 16 << 10
	// maxUDP is the largest datagram read; without EDNS a server sends
	// at most 512 bytes.
	maxUDP = 4096
	// retransmit is when ProbeUDP asks again if nothing came: a lost
	// datagram should not cost the whole deadline.
	retransmit = time.Second
	// maxStray bounds the datagrams for other queries skipped per try.
	maxStray = 8
)

func runTCP(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer service.Watch(ctx, c)()
	id := uint16(rand.Uint32())
	q := Query(id)
	if err := service.Send(ctx, c, append(binary.BigEndian.AppendUint16(nil, uint16(len(q))), q...)); err != nil {
		return service.Match{}, fmt.Errorf("dns: send query: %w", err)
	}
	b, err := service.ReadAtMost(c, 2+maxMessage, service.Deadline(ctx), func(b []byte) bool {
		return len(b) >= 2 && (len(b) >= 2+int(binary.BigEndian.Uint16(b)) || int(binary.BigEndian.Uint16(b)) > maxMessage)
	})
	if err != nil {
		return service.Match{}, fmt.Errorf("dns: read: %w", err)
	}
	if len(b) < 2 {
		return service.Match{}, service.ErrNoMatch
	}
	n := int(binary.BigEndian.Uint16(b))
	if n > maxMessage || len(b) < 2+n {
		return service.Match{}, service.ErrNoMatch
	}
	a, err := Parse(b[2:2+n], id)
	if err != nil {
		return service.Match{}, service.ErrNoMatch
	}
	return a.Match(), nil
}

// ProbeUDP asks version.bind over UDP on c, a connected UDP socket (from
// net.Dial("udp", ...)), and asks once more if nothing came within a
// second. It returns service.ErrNoMatch when the port answered something
// other than DNS, and another error when nothing answered (a timeout) or
// the port is closed (ECONNREFUSED, from an ICMP port unreachable). It
// leaves c open.
func ProbeUDP(ctx context.Context, c net.Conn) (service.Match, error) {
	defer service.Watch(ctx, c)()
	defer c.SetDeadline(time.Time{})
	id := uint16(rand.Uint32())
	q := Query(id)
	deadline := service.Deadline(ctx)
	buf := make([]byte, maxUDP)
	for try := 0; ; try++ {
		if err := ctx.Err(); err != nil {
			return service.Match{}, err
		}
		c.SetWriteDeadline(deadline)
		if _, err := c.Write(q); err != nil {
			return service.Match{}, fmt.Errorf("dns: send query: %w", err)
		}
		wait := deadline
		if t := time.Now().Add(retransmit); try == 0 && t.Before(deadline) {
			wait = t
		}
		c.SetReadDeadline(wait)
		for range maxStray {
			n, err := c.Read(buf)
			if err != nil {
				if errors.Is(err, os.ErrDeadlineExceeded) && wait.Before(deadline) && ctx.Err() == nil {
					break // ask again
				}
				return service.Match{}, fmt.Errorf("dns: read: %w", err)
			}
			a, err := Parse(buf[:n], id)
			if errors.Is(err, errOtherID) {
				continue
			}
			if err != nil {
				return service.Match{}, service.ErrNoMatch
			}
			return a.Match(), nil
		}
		if !wait.Before(deadline) {
			return service.Match{}, fmt.Errorf("dns: no answer to query %#04x", id)
		}
	}
}

var rcodes = []string{"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED"}

// Match turns the answer into what picket reports.
func (a Answer) Match() service.Match {
	var m service.Match
	m.Service.Name = "domain"
	switch {
	case len(a.Text) > 0:
		m.Service = identify(a.Text[0])
		m.Details = append(m.Details, service.Detail{Key: "version.bind", Value: a.Text[0]})
	case a.RCode < len(rcodes) && a.RCode != 0:
		m.Details = append(m.Details, service.Detail{Key: "version.bind", Value: rcodes[a.RCode]})
	case a.RCode != 0:
		m.Details = append(m.Details, service.Detail{Key: "version.bind", Value: "RCODE " + strconv.Itoa(a.RCode)})
	default:
		m.Details = append(m.Details, service.Detail{Key: "version.bind", Value: "no answer"})
	}
	return m
}
