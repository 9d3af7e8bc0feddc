package ldap

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// readMessage reads one BER element (an LDAP message) from r.
func readMessage(r io.Reader) ([]byte, error) {
	var b []byte
	one := make([]byte, 1)
	for {
		if _, err := io.ReadFull(r, one); err != nil {
			return nil, err
		}
		b = append(b, one[0])
		_, off, n, err := header(b, maxResponse)
		if errors.Is(err, errShort) {
			continue
		}
		if err != nil {
			return nil, err
		}
		rest := make([]byte, n)
		_, err = io.ReadFull(r, rest)
		return append(b[:off], rest...), err
	}
}

// replayer answers each request on c with the transcript's server
// messages, then reads until the client closes.
func replayer(steps []servicetest.Step) func(c net.Conn) {
	return servicetest.Replayer(steps, servicetest.Messages(readMessage))
}

// runReplay runs the handshake against steps replayed over a pipe.
func runReplay(t *testing.T, steps []servicetest.Step) (service.Match, error) {
	t.Helper()
	return servicetest.WithDeadline(t, Handshake.Run, 10*time.Second, replayer(steps))
}

// Builders of server messages.

func attr(name string, vals ...string) []byte {
	var set []byte
	for _, v := range vals {
		set = appendElement(set, tagOctetString, []byte(v))
	}
	a := appendElement(nil, tagOctetString, []byte(name))
	return appendElement(nil, tagSequence, appendElement(a, tagSet, set))
}

func entry(id int64, attrs ...[]byte) []byte {
	e := appendElement(nil, tagOctetString, nil)
	e = appendElement(e, tagSequence, bytes.Join(attrs, nil))
	return message(id, tagSearchResEntry, e)
}

func done(id int64, code byte, diag string) []byte {
	return message(id, tagSearchResDone, ldapResult(code, diag))
}

func ldapResult(code byte, diag string) []byte {
	r := appendElement(nil, tagEnumerated, []byte{code})
	r = appendElement(r, tagOctetString, nil)
	return appendElement(r, tagOctetString, []byte(diag))
}

// answer is a conversation: the root DSE search answered with msgs.
func answer(msgs ...[]byte) []servicetest.Step {
	return []servicetest.Step{{}, {Server: true, Data: bytes.Join(msgs, nil)}}
}

var adRootDSE = entry(1,
	attr("namingContexts", "DC=corp,DC=example,DC=com", "CN=Configuration,DC=corp,DC=example,DC=com"),
	attr("defaultNamingContext", "DC=corp,DC=example,DC=com"),
	attr("supportedLDAPVersion", "3", "2"),
	attr("supportedSASLMechanisms", "GSSAPI", "GSS-SPNEGO", "EXTERNAL", "DIGEST-MD5"),
	attr("supportedCapabilities", oidCapActiveDirectory, "1.2.840.113556.1.4.1791", "1.2.840.113556.1.4.1670"),
	attr("supportedExtension", "1.3.6.1.4.1.1466.20037", "1.3.6.1.4.1.4203.1.11.3"),
	attr("dnsHostName", "dc01.corp.example.com"),
	attr("serverName", "CN=DC01,CN=Servers,CN=HQ,CN=Sites,CN=Configuration,DC=corp,DC=example,DC=com"),
	attr("domainFunctionality", "7"), attr("forestFunctionality", "7"), attr("domainControllerFunctionality", "10"),
	attr("isGlobalCatalogReady", "TRUE"),
)

func TestTranscripts(t *testing.T) {
	tests := []struct {
		name    string
		steps   []servicetest.Step
		service string // Product|Version|ExtraInfo|Hostname|OSType|CPE
		details map[string]string
	}{
		{
			name:    "slapd Debian 12 defaults",
			steps:   servicetest.ReadHexTranscript(t, "testdata/slapd-2.5-deb12.txt"),
			service: "OpenLDAP|||||cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*",
			details: map[string]string{
				"naming contexts": "dc=nodomain", "ldap versions": "3", "starttls": "not offered",
				"sasl mechanisms": "SCRAM-SHA-512, SCRAM-SHA-384, SCRAM-SHA-256, SCRAM-SHA-224, SCRAM-SHA-1, DIGEST-MD5, CRAM-MD5, NTLM",
			},
		},
		{
			name:    "slapd with a readable monitor",
			steps:   servicetest.ReadHexTranscript(t, "testdata/slapd-2.5-monitor.txt"),
			service: "OpenLDAP|2.5.13+dfsg-5|||Linux|cpe:2.3:a:openldap:openldap:2.5.13:*:*:*:*:*:*:*",
			details: map[string]string{
				"naming contexts": "dc=picket,dc=lab",
				"monitored info":  "OpenLDAP: slapd 2.5.13+dfsg-5 (Feb  8 2023 01:56:12)",
			},
		},
		{
			name:    "slapd with TLS",
			steps:   servicetest.ReadHexTranscript(t, "testdata/slapd-2.5-tls.txt"),
			service: "OpenLDAP|2.5.13+dfsg-5|||Linux|cpe:2.3:a:openldap:openldap:2.5.13:*:*:*:*:*:*:*",
			details: map[string]string{"starttls": "offered"},
		},
		{
			name:  "Samba AD DC",
			steps: servicetest.ReadHexTranscript(t, "testdata/samba-4.17-dc.txt"),
			service: "Samba AD DC|4.17.12-Debian|Domain: picket.lab, Site: Default-First-Site-Name|labdc.picket.lab|Linux|" +
				"cpe:2.3:a:samba:samba:4.17.12:*:*:*:*:*:*:*",
			details: map[string]string{
				"default naming context": "DC=picket,DC=lab", "ldap versions": "2, 3",
				"sasl mechanisms": "GSS-SPNEGO, GSSAPI, NTLM", "vendor name": "Samba Team (https://www.samba.org)",
				"domain functional level": "Windows Server 2008 R2 (4)", "global catalog": "ready",
			},
		},
		{
			name:  "Active Directory",
			steps: answer(adRootDSE, done(1, 0, "")),
			service: "Microsoft Windows Active Directory LDAP||Domain: corp.example.com, Site: HQ|dc01.corp.example.com|Windows|" +
				"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*",
			details: map[string]string{
				"starttls": "offered", "ldap versions": "3, 2",
				"naming contexts":                    "DC=corp,DC=example,DC=com; CN=Configuration,DC=corp,DC=example,DC=com",
				"domain functional level":            "Windows Server 2016 (7)",
				"domain controller functional level": "Windows Server 2025 (10)",
			},
		},
		{
			name: "AD LDS",
			steps: answer(entry(1, attr("supportedCapabilities", oidCapADLDS), attr("dnsHostName", "lds.example.com")),
				done(1, 0, "")),
			service: "Microsoft Windows AD LDS|||lds.example.com|Windows|cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*",
		},
		{
			name: "389 Directory Server",
			steps: answer(entry(1, attr("vendorName", "389 Project"), attr("vendorVersion", "389-Directory/2.3.1 B2023.123.1748"),
				attr("namingContexts", "dc=example,dc=com")), done(1, 0, "")),
			service: "389 Directory Server|2.3.1||||cpe:2.3:a:port389:389-ds-base:2.3.1:*:*:*:*:*:*:*",
			details: map[string]string{"vendor version": "389-Directory/2.3.1 B2023.123.1748"},
		},
		{
			name: "eDirectory",
			steps: answer(entry(1, attr("vendorName", "NetIQ Corporation"),
				attr("vendorVersion", "LDAP Agent for NetIQ eDirectory 9.2.4 (40204.00)")), done(1, 0, "")),
			service: "NetIQ eDirectory|9.2.4||||",
		},
		{
			name: "unknown vendor",
			steps: answer(entry(1, attr("vendorName", "Example Corp."), attr("vendorVersion", "Directory v4.2.0")),
				done(1, 0, "")),
			service: "Example Corp|4.2.0||||",
		},
		{
			name:    "root DSE refused",
			steps:   answer(done(1, 50, "anonymous access denied")),
			service: "|||||",
			details: map[string]string{"result": "insufficientAccessRights (50): anonymous access denied"},
		},
		{
			name:    "notice of disconnection",
			steps:   answer(message(0, tagExtendedResp, ldapResult(52, "shutting down"))),
			service: "|||||",
			details: map[string]string{"result": "notice of disconnection: unavailable (52): shutting down"},
		},
		{
			name: "reference, then the entry with controls, long-form lengths",
			steps: answer(message(1, tagSearchResRef, appendElement(nil, tagOctetString, []byte("ldap://other/"))),
				longForm(append(entry(1, attr("objectClass", "top", "OpenLDAProotDSE"))[2:], 0xa0, 0)), done(1, 0, "")),
			service: "OpenLDAP|||||cpe:2.3:a:openldap:openldap:*:*:*:*:*:*:*:*",
		},
		{
			name:    "entry without searchResDone",
			steps:   append(answer(entry(1, attr("vendorName", "Example Corp."))), servicetest.Step{}),
			service: "Example Corp|||||",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := runReplay(t, tt.steps)
			if err != nil {
				t.Fatal(err)
			}
			s := m.Service
			got := strings.Join([]string{s.Product, s.Version, s.ExtraInfo, s.Hostname, s.OSType, strings.Join(s.CPE, ",")}, "|")
			if s.Name != "ldap" || got != tt.service {
				t.Errorf("service %s %q, want %q", s.Name, got, tt.service)
			}
			for k, v := range tt.details {
				if got := servicetest.Detail(m, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

// longForm re-frames an LDAP message's content as Active Directory does,
// with 4-byte lengths.
func longForm(content []byte) []byte {
	n := len(content)
	return append([]byte{tagSequence, 0x84, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}, content...)
}

func TestParse(t *testing.T) {
	good := append(bytes.Clone(adRootDSE), done(1, 0, "")...)
	// nested wraps an attribute value in depth SETs: deeper than LDAP's
	// schema allows.
	nested := func(depth int) []byte {
		v := appendElement(nil, tagOctetString, []byte("x"))
		for range depth {
			v = appendElement(nil, tagSet, v)
		}
		a := appendElement(nil, tagOctetString, []byte("vendorName"))
		a = appendElement(nil, tagSequence, appendElement(a, tagSet, v))
		return append(entry(1, a), done(1, 0, "")...)
	}
	tests := []struct {
		name    string
		in      []byte
		wantErr error // nil, errShort or service.ErrNoMatch
	}{
		{name: "AD", in: good},
		{name: "truncated", in: good[:len(good)-3], wantErr: errShort},
		{name: "header only", in: good[:1], wantErr: errShort},
		{name: "empty", in: nil, wantErr: errShort},
		{name: "entry but no done", in: adRootDSE, wantErr: errShort},
		{name: "indefinite length", in: []byte{0x30, 0x80, 0x02, 0x01, 0x01, 0, 0}, wantErr: service.ErrNoMatch},
		{name: "5-byte length", in: []byte{0x30, 0x85, 0, 0, 0, 0, 5}, wantErr: service.ErrNoMatch},
		{name: "huge length", in: []byte{0x30, 0x84, 0x7f, 0xff, 0xff, 0xff}, wantErr: service.ErrNoMatch},
		{name: "multi-byte tag", in: []byte{0x3f, 0x01, 0x00}, wantErr: service.ErrNoMatch},
		{name: "other message id", in: done(7, 0, ""), wantErr: service.ErrNoMatch},
		{name: "bind response", in: message(1, 0x61, ldapResult(0, "")), wantErr: service.ErrNoMatch},
		{name: "element beyond its container", in: []byte{0x30, 0x05, 0x02, 0x01, 0x01, 0x65, 0x10}, wantErr: service.ErrNoMatch},
		{name: "integer too long", in: message(1, 0x65, []byte{0x0a, 0x05, 1, 2, 3, 4, 5}), wantErr: service.ErrNoMatch},
		{name: "negative result code", in: message(1, 0x65, append([]byte{0x0a, 0x01, 0xff}, ldapResult(0, "")[3:]...)), wantErr: service.ErrNoMatch},
		{name: "deep nesting", in: nested(200), wantErr: service.ErrNoMatch},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), wantErr: service.ErrNoMatch},
		{name: "SSH", in: []byte("SSH-2.0-OpenSSH_9.2p1\r\n"), wantErr: service.ErrNoMatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Parse(tt.in, 1)
			if tt.wantErr == nil && err != nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse: %+v, %v; want %v", r, err, tt.wantErr)
			}
			if errors.Is(err, errShort) && errors.Is(err, service.ErrNoMatch) {
				t.Fatal("both short and no match")
			}
		})
	}
}

func TestBounds(t *testing.T) {
	vals := []string{strings.Repeat("v", maxValueLen+10)}
	for range maxValues + 10 {
		vals = append(vals, "v")
	}
	var attrs [][]byte
	for i := range maxAttrs + 5 {
		attrs = append(attrs, attr(strings.Repeat("a", i+1), "x"))
	}
	attrs = append(attrs, attr("namingContexts", vals...))
	r, err := Parse(append(entry(1, attrs...), done(1, 0, "")...), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Attrs) > maxAttrs {
		t.Errorf("%d attributes kept", len(r.Attrs))
	}
	r, _ = Parse(append(entry(1, attr("namingContexts", vals...)), done(1, 0, "")...), 1)
	if v := r.Attrs["namingcontexts"]; len(v) != maxValues || len(v[0]) != maxValueLen {
		t.Errorf("%d values of %d bytes kept", len(v), len(v[0]))
	}
}

func TestSearchRequest(t *testing.T) {
	// What OpenLDAP's ldapsearch sends for
	// ldapsearch -x -s base -b "" -l 10 "(objectClass=*)" namingContexts
	// apart from its message id and the size limit.
	want := []byte("\x30\x35\x02\x01\x01\x63\x30\x04\x00\x0a\x01\x00\x0a\x01\x00\x02\x01\x00\x02\x01\x0a" +
		"\x01\x01\x00\x87\x0bobjectClass\x30\x10\x04\x0enamingContexts")
	if got := searchRequest(1, "", []string{"namingContexts"}); !bytes.Equal(got, want) {
		t.Errorf("searchRequest:\n got %x\nwant %x", got, want)
	}
	// The full request: its length needs the long form.
	req := searchRequest(1, "", rootDSEAttributes)
	_, off, n, err := header(req, maxResponse)
	if err != nil || off+n != len(req) || req[1] != 0x82 {
		t.Errorf("request framing %x...: %d+%d of %d, %v", req[:4], off, n, len(req), err)
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline with an error, and leave no goroutine behind.
func TestHostile(t *testing.T) {
	good := append(bytes.Clone(adRootDSE), done(1, 0, "")...)
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"silent", func(c net.Conn) { io.Copy(io.Discard, c) }},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", func(c net.Conn) {
			c.Write([]byte{0x30, 0x83, 0x00, 0xff, 0xff}) // within the bound, never complete
			junk := bytes.Repeat([]byte{0x30}, 4096)
			for {
				if _, err := c.Write(junk); err != nil {
					return
				}
			}
		}},
		{"huge length field", func(c net.Conn) {
			c.Write([]byte{0x30, 0x84, 0xff, 0xff, 0xff, 0xff})
			io.Copy(io.Discard, c)
		}},
		{"deep nesting", func(c net.Conn) {
			b := bytes.Repeat([]byte{0x30, 0x80}, 10000)
			c.Write(b)
			io.Copy(io.Discard, c)
		}},
		{"one byte a second", func(c net.Conn) {
			for _, b := range good {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}},
		{"garbage", func(c net.Conn) {
			c.Write([]byte("\x30\x06garbage garbage"))
			io.Copy(io.Discard, c)
		}},
		{"HTTP", func(c net.Conn) { c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve); err == nil {
				t.Errorf("matched %+v", m)
			}
		})
	}
}

// TestMonitorRefused: an OpenLDAP whose monitor search goes wrong is
// still reported from its root DSE.
func TestMonitorRefused(t *testing.T) {
	root := append(entry(1, attr("structuralObjectClass", "OpenLDAProotDSE")), done(1, 0, "")...)
	for _, tt := range []struct {
		name string
		then []servicetest.Step
	}{
		{"no such object", []servicetest.Step{{}, {Server: true, Data: done(2, 32, "")}}},
		{"silent", []servicetest.Step{{}}},
		{"garbage", []servicetest.Step{{}, {Server: true, Data: []byte("garbage")}}},
		{"hangs up", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := runReplay(t, append(answer(root), tt.then...))
			if err != nil {
				t.Fatal(err)
			}
			if m.Service.Product != productOpenLDAP || m.Service.Version != "" {
				t.Errorf("%+v", m.Service)
			}
		})
	}
}

func TestBannerRefused(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := Handshake.Run(t.Context(), a, []byte("220 ready\r\n")); !errors.Is(err, service.ErrNoMatch) {
		t.Errorf("with a banner: %v", err)
	}
}

func TestCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		a, b := net.Pipe()
		defer b.Close()
		go io.Copy(io.Discard, b)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		_, err := Handshake.Run(ctx, a, nil)
		if err == nil || time.Since(start) > time.Second {
			t.Errorf("after cancel: %v after %v", err, time.Since(start))
		}
		a.Close()
	})
}

func TestHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"DC=corp,DC=example,DC=com": "corp.example.com", "dc=nodomain": "nodomain",
		"CN=Configuration,DC=corp": "", "": "",
	} {
		if got := dnsDomain(in); got != want {
			t.Errorf("dnsDomain(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"389-Directory/2.3.1 B2023.123.1748": "2.3.1", "4.17.12-Debian": "4.17.12-Debian",
		"Directory v4.2.0": "4.2.0", "OpenDJ 3.0.0": "3.0.0", "6.4": "6.4", "Samba": "",
	} {
		if got := versionNumber(in); got != want {
			t.Errorf("versionNumber(%q) = %q, want %q", in, got, want)
		}
	}
	if got := siteName("CN=DC1,CN=Servers,CN=HQ,CN=Sites,CN=Configuration,DC=x"); got != "HQ" {
		t.Errorf("siteName = %q", got)
	}
}

func FuzzParse(f *testing.F) {
	for _, name := range []string{"slapd-2.5-deb12.txt", "slapd-2.5-monitor.txt", "slapd-2.5-tls.txt", "samba-4.17-dc.txt"} {
		for _, s := range servicetest.ReadHexTranscript(f, "testdata/"+name) {
			if s.Server {
				f.Add(s.Data)
			}
		}
	}
	f.Add(append(bytes.Clone(adRootDSE), done(1, 0, "")...))
	f.Add(message(0, tagExtendedResp, ldapResult(52, "bye")))
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := Parse(b, 1)
		if err != nil && !errors.Is(err, errShort) && !errors.Is(err, service.ErrNoMatch) {
			t.Fatalf("error %v is neither short nor no match", err)
		}
		if len(r.Attrs) > maxAttrs {
			t.Fatalf("%d attributes", len(r.Attrs))
		}
		m := r.Match()
		if m.Service.Name != "ldap" {
			t.Fatalf("match %+v", m)
		}
	})
}
