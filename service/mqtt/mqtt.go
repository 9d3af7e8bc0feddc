// Package mqtt identifies MQTT brokers: it connects with MQTT 3.1.1
// (client identifier "picket", clean session, no credentials) and reads
// the CONNACK. A broker that accepts lets anyone who reaches it publish
// and subscribe: that is reported. Once in, picket asks for the retained
// topic $SYS/broker/version, where Mosquitto names itself and its
// version, waits briefly for it, and disconnects.
package mqtt

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"regexp"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Handshake connects to an MQTT broker. It is safe for concurrent use.
var Handshake = service.Handshake{
	Name:  "mqtt",
	Ports: []uint16{1883, 8883},
	Run:   Run,
}

// sysWait bounds the wait for the broker's version once subscribed: a
// broker that publishes it does so with the SUBACK.
const sysWait = time.Second

// Run sends CONNECT and reads the CONNACK; if accepted, it subscribes to
// the broker's version topic, then disconnects.
func Run(ctx context.Context, c net.Conn, _ []byte) (service.Match, error) {
	if err := ctx.Err(); err != nil {
		return service.Match{}, err
	}
	defer context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })()
	s := &session{c: c, ctx: ctx}
	if err := s.send(connect); err != nil {
		return service.Match{}, fmt.Errorf("mqtt: send CONNECT: %w", err)
	}
	p, err := s.next(service.Deadline(ctx), connackByte)
	if err != nil {
		if errors.Is(err, errTooLong) {
			return service.Match{}, service.ErrNoMatch
		}
		return service.Match{}, err
	}
	ack, err := ParseConnack(p)
	if err != nil {
		return service.Match{}, err
	}
	if !ack.Accepted() {
		return Describe(ack, ""), nil
	}
	version := s.brokerVersion()
	s.send(disconnect)
	return Describe(ack, version), nil
}

// session reads packets off a connection; bytes past a packet are kept
// for the next. It is not safe for concurrent use.
type session struct {
	c   net.Conn
	ctx context.Context
	buf []byte
}

func (s *session) send(b []byte) error {
	s.c.SetWriteDeadline(service.Deadline(s.ctx))
	defer s.c.SetWriteDeadline(time.Time{})
	_, err := s.c.Write(b)
	return err
}

// connackByte starts a CONNACK: type 2, no flags.
const connackByte = typeConnack << 4

// next returns the next packet, read by deadline. A packet that does not
// start with first, unless it is 0, is not waited for: it is not MQTT.
func (s *session) next(deadline time.Time, first byte) (Packet, error) {
	for {
		if first != 0 && len(s.buf) > 0 && s.buf[0] != first {
			return Packet{}, errMalformed
		}
		p, n, err := ParsePacket(s.buf)
		if err != nil {
			return Packet{}, err
		}
		if n > 0 {
			s.buf = s.buf[n:]
			return p, nil
		}
		if err := s.ctx.Err(); err != nil {
			return Packet{}, err
		}
		b, err := service.ReadAtMost(s.c, maxPacket+5-len(s.buf), deadline, func(b []byte) bool {
			_, n, err := ParsePacket(append(s.buf[:len(s.buf):len(s.buf)], b...))
			return n > 0 || err != nil
		})
		if err != nil {
			return Packet{}, err
		}
		s.buf = append(s.buf, b...)
	}
}

// brokerVersion subscribes to versionTopic and returns what the broker
// publishes there, or "" if it publishes nothing within sysWait.
func (s *session) brokerVersion() string {
	if s.send(subscribe) != nil {
		return ""
	}
	deadline := time.Now().Add(sysWait)
	if d := service.Deadline(s.ctx); d.Before(deadline) {
		deadline = d
	}
	for range 8 {
		p, err := s.next(deadline, 0)
		if err != nil {
			return ""
		}
		switch p.Type {
		case typeSuback:
			// Packet identifier 1 and one return code; 0x80 is a
			// refusal, and nothing will be published.
			if len(p.Body) == 3 && p.Body[2] == 0x80 {
				return ""
			}
		case typePublish:
			topic, payload, err := ParsePublish(p)
			if err == nil && topic == versionTopic {
				return printable(payload, 128)
			}
		}
	}
	return ""
}

// mosquitto is how Mosquitto words its version topic.
var mosquitto = regexp.MustCompile(`^mosquitto version (\d[\w.]*)$`)

// Describe reports the CONNACK and, if the broker published it, its
// version string.
func Describe(ack Connack, version string) service.Match {
	m := service.Match{Service: result.Service{Name: "mqtt"}}
	if sub := mosquitto.FindStringSubmatch(version); sub != nil {
		m.Service.Product, m.Service.Version = "Eclipse Mosquitto", sub[1]
		m.Service.CPE = []string{"cpe:2.3:a:eclipse:mosquitto:" + sub[1] + ":*:*:*:*:*:*:*"}
	}
	add := func(k, v string) { m.Details = append(m.Details, service.Detail{Key: k, Value: v}) }
	switch {
	case ack.Accepted():
		add("authentication", "not required")
	case ack.AuthRequired():
		add("authentication", "required")
		add("connect", "refused: "+ack.Name())
	default:
		add("connect", "refused: "+ack.Name())
	}
	if ack.V5 {
		add("protocol", "MQTT 5.0 only")
	}
	if version != "" && m.Service.Product == "" {
		add("broker version", version)
	}
	return m
}

// printable returns the first n bytes of b without the white space
// around them and anything but printable ASCII replaced: text from the
// wire goes into reports.
func printable(b []byte, n int) string {
	return service.Printable(bytes.TrimSpace(b[:min(len(b), n)]), n)
}
