package tls

import (
	"bytes"
	"crypto/dsa" //nolint:staticcheck // old servers still present DSA keys
	"crypto/ecdh"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/sha256"
	ctls "crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Info is what a TLS handshake revealed. It is a value, safe for
// concurrent use once returned.
type Info struct {
	// Detected is set when the server answered in TLS, whether or not
	// the handshake completed.
	Detected bool
	// Version and CipherSuite are what the server chose (crypto/tls
	// constants); zero when no ServerHello was read.
	Version     uint16
	CipherSuite uint16
	// ALPN is the application protocol the server selected, if any.
	ALPN string
	// Certificates are the server's certificates that Go could parse,
	// leaf first. Leaf is the leaf's DER as sent, even when it could not
	// be parsed.
	Certificates []*x509.Certificate
	Leaf         []byte
	// Failure says why the handshake did not complete; empty if it did.
	Failure string
	// At is when the handshake ran: the certificate's validity is judged
	// at that time.
	At time.Time
}

func (i *Info) fromState(st ctls.ConnectionState) {
	i.Detected = true
	i.Version, i.CipherSuite, i.ALPN = st.Version, st.CipherSuite, st.NegotiatedProtocol
	i.Certificates = st.PeerCertificates
	if len(st.PeerCertificates) > 0 {
		i.Leaf = st.PeerCertificates[0].Raw
	}
}

func (i *Info) fromFlight(f flight) {
	i.Detected = f.tls
	i.Version, i.CipherSuite = f.version, f.suite
	for _, der := range f.certs {
		if c, err := x509.ParseCertificate(der); err == nil {
			i.Certificates = append(i.Certificates, c)
		}
	}
	if len(f.certs) > 0 {
		i.Leaf = f.certs[0]
	}
}

// Match is the Info as Handshake reports it: Nmap's "ssl" service, TLS
// set, the facts as Details.
func (i Info) Match() service.Match {
	return service.Match{Service: result.Service{Name: "ssl"}, Details: i.Details(), TLS: true}
}

// maxNames bounds how many subject alternative names are listed: CDN
// certificates carry hundreds.
const maxNames = 50

// Details lists the facts in a fixed order, keys in lower case.
func (i Info) Details() []service.Detail {
	var d []service.Detail
	add := func(k, v string) { d = append(d, service.Detail{Key: k, Value: v}) }
	if i.Version != 0 {
		add("tls version", ctls.VersionName(i.Version))
	}
	if i.CipherSuite != 0 {
		add("cipher suite", ctls.CipherSuiteName(i.CipherSuite))
	}
	if i.ALPN != "" {
		add("alpn", clean(i.ALPN))
	}
	if i.Failure != "" {
		add("tls handshake", "failed: "+clean(i.Failure))
	}
	var leaf *x509.Certificate
	if len(i.Certificates) > 0 && bytes.Equal(i.Certificates[0].Raw, i.Leaf) {
		leaf = i.Certificates[0]
	}
	if leaf == nil {
		if len(i.Leaf) > 0 {
			add("certificate", "unparsable")
			add("certificate sha-256", fingerprint(i.Leaf))
		}
		return d
	}
	add("certificate subject", clean(leaf.Subject.String()))
	add("certificate issuer", clean(leaf.Issuer.String()))
	if sans := names(leaf); sans != "" {
		add("certificate sans", sans)
	}
	add("certificate not before", leaf.NotBefore.UTC().Format(time.RFC3339))
	add("certificate not after", leaf.NotAfter.UTC().Format(time.RFC3339))
	add("certificate expired", yesNo(i.At.After(leaf.NotAfter)))
	if i.At.Before(leaf.NotBefore) {
		add("certificate not yet valid", "yes")
	}
	add("certificate key", keyName(leaf))
	add("certificate signature", leaf.SignatureAlgorithm.String())
	add("certificate sha-256", fingerprint(leaf.Raw))
	add("certificate self-signed", yesNo(selfSigned(leaf)))
	if n := len(i.Certificates); n > 1 {
		add("certificate chain", strconv.Itoa(n)+" certificates")
	}
	return d
}

// names lists the subject alternative names as OpenSSL prints them.
func names(c *x509.Certificate) string {
	var all []string
	for _, n := range c.DNSNames {
		all = append(all, "DNS:"+n)
	}
	for _, ip := range c.IPAddresses {
		all = append(all, "IP:"+ip.String())
	}
	for _, e := range c.EmailAddresses {
		all = append(all, "email:"+e)
	}
	for _, u := range c.URIs {
		all = append(all, "URI:"+u.String())
	}
	more := ""
	if len(all) > maxNames {
		more = fmt.Sprintf(", ... (%d more)", len(all)-maxNames)
		all = all[:maxNames]
	}
	return clean(strings.Join(all, ", ") + more)
}

func keyName(c *x509.Certificate) string {
	switch k := c.PublicKey.(type) {
	case *rsa.PublicKey:
		return "RSA " + strconv.Itoa(k.N.BitLen())
	case *ecdsa.PublicKey:
		if k.Curve != nil {
			return "ECDSA " + k.Curve.Params().Name
		}
	case ed25519.PublicKey:
		return "Ed25519"
	case *ecdh.PublicKey:
		return "ECDH " + fmt.Sprint(k.Curve())
	case *dsa.PublicKey:
		if k.P != nil {
			return "DSA " + strconv.Itoa(k.P.BitLen())
		}
	}
	return c.PublicKeyAlgorithm.String()
}

// selfSigned reports whether c names itself as issuer and its own key
// verifies its signature. A signature algorithm Go refuses to check (MD5)
// counts as verified: the names alone then decide.
func selfSigned(c *x509.Certificate) bool {
	if !bytes.Equal(c.RawIssuer, c.RawSubject) {
		return false
	}
	err := c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature)
	var insecure x509.InsecureAlgorithmError
	return err == nil || errors.As(err, &insecure) || errors.Is(err, x509.ErrUnsupportedAlgorithm)
}

func fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	return hex.EncodeToString(sum[:])
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// maxValue bounds a detail taken from the certificate.
const maxValue = 1024

// clean makes a value from the server printable and bounded: certificate
// fields may hold control characters and invalid UTF-8.
func clean(s string) string {
	if len(s) > maxValue {
		s = s[:maxValue] // a rune cut in two becomes '?' below
	}
	return strings.Map(func(r rune) rune {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			return '?'
		}
		return r
	}, s)
}
