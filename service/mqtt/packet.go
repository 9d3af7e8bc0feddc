package mqtt

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/picket-scanner/picket/service"
)

// Control packet types (MQTT 3.1.1 §2.2.1, unchanged in 5.0).
const (
	typeConnack  = 2
	typePublish  = 3
	typeSuback   = 9
	typePingresp = 13
)

// maxPacket bounds the packets picket reads: a CONNACK takes 4 bytes (a
// few dozen with MQTT 5 properties), a broker's version string a few
// dozen more.
const maxPacket = 4096

// Packet is one MQTT control packet: its type, the flags of its fixed
// header and its body. It is a value, safe for concurrent use.
type Packet struct {
	Type, Flags byte
	Body        []byte
}

var (
	errMalformed = fmt.Errorf("mqtt: malformed packet: %w", service.ErrNoMatch)
	errTooLong   = errors.New("mqtt: packet longer than picket reads")
)

// ParsePacket splits the first control packet off b (MQTT 3.1.1 §2.2).
// n is its length, 0 while b holds only part of it. A remaining length
// of more than four bytes is malformed; one past maxPacket is refused.
func ParsePacket(b []byte) (p Packet, n int, err error) {
	if len(b) < 2 {
		return p, 0, nil
	}
	size, used, ok := varint(b[1:])
	switch {
	case !ok && used == 4:
		return p, 0, errMalformed
	case !ok:
		return p, 0, nil
	case size > maxPacket:
		return p, 0, errTooLong
	}
	end := 1 + used + size
	if len(b) < end {
		return p, 0, nil
	}
	return Packet{Type: b[0] >> 4, Flags: b[0] & 0x0f, Body: b[1+used : end]}, end, nil
}

// varint decodes a Variable Byte Integer (MQTT 3.1.1 §2.2.3): at most
// four bytes, seven bits each, least significant first. ok is false when
// b ends inside it, or when it runs past four bytes (used is then 4).
func varint(b []byte) (v, used int, ok bool) {
	for i := 0; i < 4; i++ {
		if i >= len(b) {
			return 0, i, false
		}
		v |= int(b[i]&0x7f) << (7 * i)
		if b[i]&0x80 == 0 {
			return v, i + 1, true
		}
	}
	return 0, 4, false
}

// Connack is a broker's answer to CONNECT. It is a value, safe for
// concurrent use.
type Connack struct {
	// V5 is set when the CONNACK has MQTT 5's form (a properties
	// section), as a 5.0-only broker refusing 3.1.1 may send it.
	V5 bool
	// SessionPresent is the acknowledge flag of the same name.
	SessionPresent bool
	// Code is the 3.1.1 return code (0 to 5) or the 5.0 reason code.
	Code byte
}

// ParseConnack decodes a CONNACK packet (MQTT 3.1.1 §3.2, 5.0 §3.2). A
// packet of another type, reserved flags set or an unknown code are not
// MQTT as picket spoke it.
func ParseConnack(p Packet) (Connack, error) {
	if p.Type != typeConnack || p.Flags != 0 || len(p.Body) < 2 || p.Body[0]&0xfe != 0 {
		return Connack{}, errMalformed
	}
	c := Connack{SessionPresent: p.Body[0] == 1, Code: p.Body[1]}
	if len(p.Body) == 2 {
		if c.Code > 5 {
			return Connack{}, errMalformed
		}
		return c, nil
	}
	props, used, ok := varint(p.Body[2:])
	if !ok || 2+used+props != len(p.Body) || reasonNames[c.Code] == "" {
		return Connack{}, errMalformed
	}
	c.V5 = true
	return c, nil
}

// returnCodes are MQTT 3.1.1's CONNACK return codes (§3.2.2.3).
var returnCodes = [...]string{
	"accepted", "unacceptable protocol version", "identifier rejected", "server unavailable",
	"bad user name or password", "not authorized",
}

// reasonNames are the MQTT 5.0 CONNACK reason codes (§3.2.2.2).
var reasonNames = map[byte]string{
	0x00: "success", 0x80: "unspecified error", 0x81: "malformed packet", 0x82: "protocol error",
	0x83: "implementation specific error", 0x84: "unsupported protocol version",
	0x85: "client identifier not valid", 0x86: "bad user name or password", 0x87: "not authorized",
	0x88: "server unavailable", 0x89: "server busy", 0x8a: "banned", 0x8c: "bad authentication method",
	0x90: "topic name invalid", 0x95: "packet too large", 0x97: "quota exceeded",
	0x99: "payload format invalid", 0x9a: "retain not supported", 0x9b: "QoS not supported",
	0x9c: "use another server", 0x9d: "server moved", 0x9f: "connection rate exceeded",
}

// Name says what the code means.
func (c Connack) Name() string {
	if c.V5 {
		return reasonNames[c.Code]
	}
	return returnCodes[c.Code]
}

// Accepted reports whether the broker let picket in.
func (c Connack) Accepted() bool { return c.Code == 0 }

// AuthRequired reports whether the refusal is for want of credentials.
func (c Connack) AuthRequired() bool {
	if c.V5 {
		return c.Code == 0x86 || c.Code == 0x87 || c.Code == 0x8c
	}
	return c.Code == 4 || c.Code == 5
}

// ParsePublish returns a PUBLISH packet's topic and payload (MQTT 3.1.1
// §3.3): a two-byte topic length and topic, a packet identifier when the
// QoS is above 0, the payload.
func ParsePublish(p Packet) (topic string, payload []byte, err error) {
	if p.Type != typePublish || len(p.Body) < 2 {
		return "", nil, errMalformed
	}
	size := int(binary.BigEndian.Uint16(p.Body))
	rest := p.Body[2:]
	if len(rest) < size {
		return "", nil, errMalformed
	}
	topic, rest = string(rest[:size]), rest[size:]
	if qos := p.Flags >> 1 & 3; qos == 3 {
		return "", nil, errMalformed
	} else if qos > 0 {
		if len(rest) < 2 {
			return "", nil, errMalformed
		}
		rest = rest[2:]
	}
	return topic, rest, nil
}

// Packets picket sends.
var (
	// connect is CONNECT for MQTT 3.1.1 (§3.1): protocol name "MQTT",
	// level 4, the Clean Session flag alone, a keep-alive of 60 s, the
	// client identifier "picket".
	connect = []byte("\x10\x12\x00\x04MQTT\x04\x02\x00\x3c\x00\x06picket")
	// subscribe is SUBSCRIBE (§3.8), packet identifier 1, to versionTopic
	// at QoS 0.
	subscribe = []byte("\x82\x18\x00\x01\x00\x13" + versionTopic + "\x00")
	// disconnect is DISCONNECT (§3.14).
	disconnect = []byte("\xe0\x00")
)

// versionTopic is where Mosquitto publishes its version, retained.
const versionTopic = "$SYS/broker/version"
