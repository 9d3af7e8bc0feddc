package payload

import (
	"bytes"

	"github.com/picket-scanner/picket/result"
)

// WS-Discovery (the April 2005 version that Windows, printers and ONVIF
// cameras speak, SOAP over UDP): a Probe with no types, which every target
// service answers with a ProbeMatches naming its types, scopes and
// addresses. The MessageID is a version 4 UUID derived from the cookie;
// the answer's RelatesTo repeats it.

const (
	wsdHead = `<?xml version="1.0" encoding="utf-8"?>` +
		`<soap:Envelope xmlns:soap="http://www.w3.org/2003/05/soap-envelope"` +
		` xmlns:wsa="http://schemas.xmlsoap.org/ws/2004/08/addressing"` +
		` xmlns:wsd="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
		`<soap:Header>` +
		`<wsa:To>urn:schemas-xmlsoap-org:ws:2005:04:discovery</wsa:To>` +
		`<wsa:Action>http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe</wsa:Action>` +
		`<wsa:MessageID>urn:uuid:`
	wsdTail = `</wsa:MessageID>` +
		`</soap:Header>` +
		`<soap:Body><wsd:Probe/></soap:Body>` +
		`</soap:Envelope>`
	uuidLen = 36
)

// appendUUID appends the version 4 UUID (RFC 9562) derived from cookie.
func appendUUID(dst []byte, cookie uint32) []byte {
	var u [16]byte
	fill(u[:], cookie, labelWSD)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	dst = appendHex(dst, u[0:4])
	dst = append(dst, '-')
	dst = appendHex(dst, u[4:6])
	dst = append(dst, '-')
	dst = appendHex(dst, u[6:8])
	dst = append(dst, '-')
	dst = appendHex(dst, u[8:10])
	dst = append(dst, '-')
	return appendHex(dst, u[10:16])
}

func buildWSD(dst []byte, cookie uint32) []byte {
	dst = append(dst, wsdHead...)
	dst = appendUUID(dst, cookie)
	return append(dst, wsdTail...)
}

func recognizeWSD(reply []byte, cookie uint32) (Match, bool) {
	var id [uuidLen]byte
	appendUUID(id[:0], cookie)
	rel := xmlText(reply, "RelatesTo")
	if !bytes.Contains(reply, []byte("ProbeMatches")) || !bytes.EqualFold(bytes.TrimPrefix(rel, []byte("urn:uuid:")), id[:]) {
		return Match{}, false
	}
	m := Match{Service: result.Service{Name: "ws-discovery"}}
	m.add("types", clean(xmlText(reply, "Types"), maxText))
	m.add("scopes", clean(xmlText(reply, "Scopes"), 512))
	m.add("addresses", clean(xmlText(reply, "XAddrs"), maxText))
	return m, true
}

// xmlText returns the text of the first element whose local name is name,
// whatever its prefix: enough for the flat elements of a ProbeMatch,
// without an XML parser for a datagram.
func xmlText(doc []byte, name string) []byte {
	for i := 0; i < len(doc); {
		j := bytes.IndexByte(doc[i:], '<')
		if j < 0 {
			return nil
		}
		i += j + 1
		end := bytes.IndexByte(doc[i:], '>')
		if end < 0 {
			return nil
		}
		tag := doc[i : i+end]
		if len(tag) > 0 && tag[0] != '/' && tag[len(tag)-1] != '/' {
			local, _, _ := bytes.Cut(tag, []byte(" "))
			if k := bytes.IndexByte(local, ':'); k >= 0 {
				local = local[k+1:]
			}
			if string(local) == name {
				text := doc[i+end+1:]
				if k := bytes.IndexByte(text, '<'); k >= 0 {
					return bytes.TrimSpace(text[:k])
				}
				return nil
			}
		}
		i += end + 1
	}
	return nil
}
