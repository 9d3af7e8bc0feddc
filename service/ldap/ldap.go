// Package ldap identifies LDAP directory servers (OpenLDAP, Microsoft
// Active Directory, 389 Directory Server and others) by reading their root
// DSE: an anonymous LDAPv3 search of the empty DN, scope base, that
// servers answer without a bind. The root DSE names the naming contexts,
// the LDAP versions and SASL mechanisms supported, whether StartTLS is
// offered, and often the vendor and version; Active Directory adds its
// DNS host name, domain, site and functional levels. For OpenLDAP, which
// keeps its version out of the root DSE, the monitor database's
// cn=Monitor entry is read as well: it names the version where the
// administrator made it readable.
//
// Requests are hand-encoded BER; answers are decoded with every length
// bounded by its container and nesting no deeper than LDAP's schema.
package ldap

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/picket-scanner/picket/service"
)

// Handshake recognises LDAP by the answer to a root DSE search.
var Handshake = service.Handshake{
	Name:  "ldap",
	Ports: []uint16{389, 636, 3268, 3269},
	Run:   run,
}

const (
	// maxResponse bounds all the answers to one search: a root DSE
	// restricted to the attributes asked for takes a few kilobytes.
	maxResponse = 64 << 10
	// maxValues and maxValueLen bound what is kept of an attribute.
	maxValues   = 256
	maxValueLen = 512
	maxAttrs    = 64
)

// rootDSEAttributes are the root DSE attributes asked for (RFC 4512
// §5.1, RFC 3045, MS-ADTS 3.1.1.3.2, OpenLDAP's object classes).
var rootDSEAttributes = []string{
	"namingContexts", "defaultNamingContext", "rootDomainNamingContext",
	"supportedLDAPVersion", "supportedSASLMechanisms", "supportedExtension",
	"supportedCapabilities", "vendorName", "vendorVersion",
	"dnsHostName", "serverName", "ldapServiceName", "isGlobalCatalogReady",
	"domainFunctionality", "forestFunctionality", "domainControllerFunctionality",
	"objectClass", "structuralObjectClass",
}

// Message IDs of the two searches.
const (
	idRootDSE = 1
	idMonitor = 2
)

// RootDSE is what a server answered to a base search. It is a plain
// value, safe for concurrent use: nothing changes it once parsed.
type RootDSE struct {
	// Entry is set when a searchResEntry came; Attrs holds its
	// attributes by lower-case name, values in order.
	Entry bool
	Attrs map[string][]string
	// Result is the searchResDone's result code, -1 if none came;
	// Diagnostic its message.
	Result     int64
	Diagnostic string
	// Disconnected is set when the server sent a notice of disconnection
	// instead.
	Disconnected bool
}

// Get returns the first value of an attribute, or "".
func (r RootDSE) Get(attr string) string {
	if v := r.Attrs[strings.ToLower(attr)]; len(v) > 0 {
		return v[0]
	}
	return ""
}

func run(ctx context.Context, c net.Conn, banner []byte) (service.Match, error) {
	if len(banner) > 0 {
		// An LDAP server never speaks first.
		return service.Match{}, noMatch("server spoke first")
	}
	stop := context.AfterFunc(ctx, func() { c.SetDeadline(time.Unix(1, 0)) })
	defer stop()

	r, err := search(ctx, c, idRootDSE, "", rootDSEAttributes)
	if err != nil {
		return service.Match{}, err
	}
	m := r.Match()
	if m.Service.Product == productOpenLDAP && !r.Disconnected {
		// A second search, on the same connection: anything short of an
		// answer leaves the first one's match as it is.
		if mon, err := search(ctx, c, idMonitor, "cn=Monitor", []string{"monitoredInfo"}); err == nil {
			applyMonitor(&m, mon.Get("monitoredInfo"))
		}
	}
	if !r.Disconnected {
		// Say goodbye (UnbindRequest) rather than let the server time
		// the connection out.
		write(ctx, c, unbindRequest())
	}
	return m, nil
}

// search sends a base search of dn for attrs and reads the answers.
func search(ctx context.Context, c net.Conn, id int64, dn string, attrs []string) (RootDSE, error) {
	if err := write(ctx, c, searchRequest(id, dn, attrs)); err != nil {
		return RootDSE{}, fmt.Errorf("ldap: search: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return RootDSE{}, err
	}
	b, err := service.ReadAtMost(c, maxResponse, service.Deadline(ctx), func(b []byte) bool {
		_, err := Parse(b, id)
		return !errors.Is(err, errShort)
	})
	if err != nil {
		return RootDSE{}, fmt.Errorf("ldap: search: %w", err)
	}
	r, err := Parse(b, id)
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, errShort) && r.Entry:
		// The entry came, its searchResDone did not: enough to identify.
		return r, nil
	case errors.Is(err, errShort):
		return RootDSE{}, fmt.Errorf("ldap: search: answer cut short: %w", service.ErrNoMatch)
	}
	return RootDSE{}, err
}

func write(ctx context.Context, c net.Conn, b []byte) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.SetWriteDeadline(service.Deadline(ctx))
	defer c.SetWriteDeadline(time.Time{})
	_, err := c.Write(b)
	return err
}

// searchRequest encodes an LDAPv3 SearchRequest for the entry dn, scope
// base, filter (objectClass=*), asking for attrs.
func searchRequest(id int64, dn string, attrs []string) []byte {
	var req []byte
	req = appendElement(req, tagOctetString, []byte(dn))
	req = appendElement(req, tagEnumerated, []byte{0}) // scope: baseObject
	req = appendElement(req, tagEnumerated, []byte{0}) // derefAliases: never
	req = appendElement(req, tagInteger, []byte{0})    // sizeLimit: none
	req = appendElement(req, tagInteger, []byte{10})   // timeLimit: 10 s
	req = appendElement(req, tagBoolean, []byte{0})    // typesOnly: false
	req = appendElement(req, tagFilterPresent, []byte("objectClass"))
	var list []byte
	for _, a := range attrs {
		list = appendElement(list, tagOctetString, []byte(a))
	}
	req = appendElement(req, tagSequence, list)
	return message(id, tagSearchRequest, req)
}

// unbindRequest encodes an UnbindRequest ([APPLICATION 2], NULL).
func unbindRequest() []byte { return message(3, 0x42, nil) }

func message(id int64, op byte, content []byte) []byte {
	m := appendElement(nil, tagInteger, []byte{byte(id)})
	m = appendElement(m, op, content)
	return appendElement(nil, tagSequence, m)
}

// Parse decodes the answers to search id: searchResEntry, searchResRef
// and the searchResDone that ends them, or a notice of disconnection. It
// returns errShort (with what it decoded so far) when b ends before the
// searchResDone, and an error wrapping service.ErrNoMatch when b is not
// LDAP.
func Parse(b []byte, id int64) (RootDSE, error) {
	r := RootDSE{Result: -1}
	for len(b) > 0 {
		tag, off, n, err := header(b, maxResponse)
		if err != nil {
			return r, err
		}
		if tag != tagSequence {
			return r, noMatch(fmt.Sprintf("message starts %#02x, not a SEQUENCE", tag))
		}
		if n > len(b)-off {
			return r, errShort
		}
		done, err := r.message(b[off:off+n], id)
		if err != nil {
			return r, err
		}
		if done {
			return r, nil
		}
		b = b[off+n:]
	}
	return r, errShort
}

// message decodes one LDAPMessage's content into r and reports whether it
// ends the search.
func (r *RootDSE) message(m []byte, id int64) (bool, error) {
	d := decoder{m}
	msgID, err := d.integer(tagInteger)
	if err != nil {
		return false, err
	}
	op, content, err := d.next()
	if err != nil {
		return false, err
	}
	// Controls may follow; they are not read.
	if msgID == 0 && op == tagExtendedResp {
		// Notice of disconnection (RFC 4511 §4.4.1): the server is
		// hanging up, with a result code saying why.
		r.Disconnected = true
		return true, r.result(content)
	}
	if msgID != id {
		return false, noMatch(fmt.Sprintf("message id %d, want %d", msgID, id))
	}
	switch op {
	case tagSearchResEntry:
		return false, r.entry(content)
	case tagSearchResRef:
		return false, nil
	case tagSearchResDone:
		return true, r.result(content)
	}
	return false, noMatch(fmt.Sprintf("operation %#02x in answer to a search", op))
}

// result decodes an LDAPResult's code and diagnostic message.
func (r *RootDSE) result(content []byte) error {
	d := decoder{content}
	code, err := d.integer(tagEnumerated)
	if err != nil {
		return err
	}
	if code < 0 {
		return noMatch("negative result code")
	}
	if _, err := d.expect(tagOctetString); err != nil { // matchedDN
		return err
	}
	msg, err := d.expect(tagOctetString)
	if err != nil {
		return err
	}
	r.Result, r.Diagnostic = code, service.Printable(msg, maxValueLen)
	return nil
}

// entry decodes a searchResEntry's attributes.
func (r *RootDSE) entry(content []byte) error {
	d := decoder{content}
	if _, err := d.expect(tagOctetString); err != nil { // objectName
		return err
	}
	list, err := d.expect(tagSequence)
	if err != nil {
		return err
	}
	r.Entry = true
	if r.Attrs == nil {
		r.Attrs = map[string][]string{}
	}
	attrs := decoder{list}
	for n := 0; !attrs.empty(); n++ {
		pa, err := attrs.expect(tagSequence)
		if err != nil {
			return err
		}
		if n >= maxAttrs {
			continue // read for validity, not kept
		}
		ad := decoder{pa}
		typ, err := ad.expect(tagOctetString)
		if err != nil {
			return err
		}
		set, err := ad.expect(tagSet)
		if err != nil {
			return err
		}
		vals := decoder{set}
		key := strings.ToLower(service.Printable(typ, maxValueLen))
		for !vals.empty() {
			v, err := vals.expect(tagOctetString)
			if err != nil {
				return err
			}
			if len(r.Attrs[key]) < maxValues {
				r.Attrs[key] = append(r.Attrs[key], service.Printable(v, maxValueLen))
			}
		}
	}
	return nil
}
