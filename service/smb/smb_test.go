package smb

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"reflect"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/picket-scanner/picket/service"
	"github.com/picket-scanner/picket/service/internal/servicetest"
)

// TestTranscripts runs the handshake against Samba's captured answers and
// checks everything it reports.
func TestTranscripts(t *testing.T) {
	const sambaCPE = "cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*"
	tests := []struct {
		file                     string
		product, hostname, extra string
		cpe                      string
		details                  map[string]string
		absent                   []string
	}{
		{
			file: "samba-4.17-deb12.txt", product: "Samba smbd", hostname: "LABSMB", cpe: sambaCPE,
			details: map[string]string{
				"dialect": "3.1.1", "signing": "enabled, not required", "encryption": "AES-128-GCM",
				"preauth integrity": "SHA-512", "signing algorithm": "AES-GMAC",
				"capabilities":          "DFS, leasing, large MTU, multi-channel",
				"server guid":           "7362616c-626d-0000-0000-000000000000",
				"authentication":        "NTLMSSP",
				"netbios computer name": "LABSMB", "netbios domain name": "LABSMB",
				"ntlm version": "6.1 build 0, NTLM revision 15",
			},
			absent: []string{"dns domain name"},
		},
		{
			file: "samba-4.17-signing.txt", product: "Samba smbd", hostname: "LABSMB", cpe: sambaCPE,
			details: map[string]string{"dialect": "3.1.1", "signing": "required"},
		},
		{
			file: "samba-4.17-smb2.txt", product: "Samba smbd", hostname: "LABSMB", cpe: sambaCPE,
			details: map[string]string{"dialect": "2.0.2", "signing": "enabled, not required", "capabilities": "DFS"},
			absent:  []string{"encryption", "preauth integrity"},
		},
		{
			file: "samba-4.17-smb3.txt", product: "Samba smbd", hostname: "LABSMB", cpe: sambaCPE,
			details: map[string]string{
				"dialect": "3.0.0", "encryption": "AES-128-CCM",
				"capabilities": "DFS, leasing, large MTU, multi-channel, encryption",
			},
		},
		{
			file: "samba-4.17-dc.txt", product: "Samba smbd", hostname: "LABDC", extra: "workgroup: PICKET", cpe: sambaCPE,
			details: map[string]string{
				"dialect": "3.1.1", "signing": "required",
				"authentication":    "MS Kerberos, Kerberos, NTLMSSP",
				"dns computer name": "labdc.picket.lab", "dns domain name": "picket.lab",
				"netbios domain name": "PICKET",
			},
		},
		{
			file: "samba-4.17-smb1.txt", hostname: "LABSMB", extra: "workgroup: PICKETLAB",
			details: map[string]string{
				"dialect": "NT LM 0.12 (SMB1 only)", "signing": "disabled",
				"netbios domain name": "PICKETLAB", "netbios computer name": "LABSMB",
			},
			absent: []string{"server guid", "ntlm version"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			m, err := runReplay(t, servicetest.ReadHexTranscript(t, "testdata/"+tt.file))
			if err != nil {
				t.Fatal(err)
			}
			s := m.Service
			if s.Name != "microsoft-ds" || s.Product != tt.product || s.Version != "" ||
				s.Hostname != tt.hostname || s.ExtraInfo != tt.extra || s.OSType != "" {
				t.Errorf("service %+v", s)
			}
			if tt.cpe != "" && (len(s.CPE) != 1 || s.CPE[0] != tt.cpe) || tt.cpe == "" && len(s.CPE) != 0 {
				t.Errorf("CPE %q, want %q", s.CPE, tt.cpe)
			}
			for k, v := range tt.details {
				if got := servicetest.Detail(m, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
			for _, k := range tt.absent {
				if got := servicetest.Detail(m, k); got != "" {
					t.Errorf("%s = %q, want none", k, got)
				}
			}
			if !strings.HasPrefix(servicetest.Detail(m, "system time"), "20") {
				t.Errorf("system time %q", servicetest.Detail(m, "system time"))
			}
		})
	}
}

// negotiateResponse builds an SMB2 NEGOTIATE response.
func negotiateResponse(dialect, mode uint16, blob []byte, contexts ...[]byte) []byte {
	b := responseHeader(cmdNegotiate, statusOK)
	body := make([]byte, 64)
	binary.LittleEndian.PutUint16(body[0:], 65)
	binary.LittleEndian.PutUint16(body[2:], mode)
	binary.LittleEndian.PutUint16(body[4:], dialect)
	binary.LittleEndian.PutUint16(body[6:], uint16(len(contexts)))
	copy(body[8:], "0123456789abcdef")
	binary.LittleEndian.PutUint32(body[24:], 0x2f)
	binary.LittleEndian.PutUint64(body[40:], 133900000000000000) // 2025-04
	binary.LittleEndian.PutUint16(body[56:], 128)
	binary.LittleEndian.PutUint16(body[58:], uint16(len(blob)))
	b = append(append(b, body...), blob...)
	if len(contexts) > 0 {
		b = pad8(b)
		binary.LittleEndian.PutUint32(b[64+60:], uint32(len(b)))
		for _, c := range contexts {
			b = pad8(append(b, c...))
		}
	}
	return b
}

func responseHeader(cmd uint16, status uint32) []byte {
	b := smb2Header(nil, cmd, 0)
	binary.LittleEndian.PutUint32(b[8:], status)
	binary.LittleEndian.PutUint32(b[16:], flagResponse)
	return b
}

func context1(typ, value uint16) []byte {
	data := binary.LittleEndian.AppendUint16(nil, 1)
	if typ == ctxPreauth {
		data = binary.LittleEndian.AppendUint16(data, 0) // no salt
	}
	return negotiateContext(nil, typ, binary.LittleEndian.AppendUint16(data, value))
}

// challenge builds an NTLMSSP CHALLENGE_MESSAGE with a version and AV
// pairs given as id, UTF-16 string pairs.
func challenge(major, minor byte, build uint16, avs ...any) []byte {
	var info []byte
	for i := 0; i+1 < len(avs); i += 2 {
		v := utf16Bytes(avs[i+1].(string))
		info = binary.LittleEndian.AppendUint16(info, uint16(avs[i].(int)))
		info = binary.LittleEndian.AppendUint16(info, uint16(len(v)))
		info = append(info, v...)
	}
	info = append(info, 0, 0, 0, 0)
	name := utf16Bytes("CORP")
	b := append([]byte(nil), ntlmSignature...)
	b = binary.LittleEndian.AppendUint32(b, 2)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(name)))
	b = binary.LittleEndian.AppendUint32(b, 56)
	b = binary.LittleEndian.AppendUint32(b, ntlmUnicode|ntlmTargetInfo|ntlmVersion)
	b = append(b, "challnge"...)
	b = append(b, make([]byte, 8)...)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(info)))
	b = binary.LittleEndian.AppendUint16(b, uint16(len(info)))
	b = binary.LittleEndian.AppendUint32(b, uint32(56+len(name)))
	b = append(b, major, minor)
	b = binary.LittleEndian.AppendUint16(b, build)
	b = append(b, 0, 0, 0, 15)
	return append(append(b, name...), info...)
}

func utf16Bytes(s string) []byte {
	var b []byte
	for _, r := range s {
		b = binary.LittleEndian.AppendUint16(b, uint16(r))
	}
	return b
}

// sessionSetupResponse wraps an NTLMSSP token as a server does (the
// SPNEGO wrapper reduced to its signature search).
func sessionSetupResponse(status uint32, token []byte) []byte {
	b := responseHeader(cmdSessionSetup, status)
	blob := append([]byte{0xa1, 0x81, 0x00}, token...)
	b = binary.LittleEndian.AppendUint16(b, 9)
	b = binary.LittleEndian.AppendUint16(b, 0)
	b = binary.LittleEndian.AppendUint16(b, 72)
	b = binary.LittleEndian.AppendUint16(b, uint16(len(blob)))
	return append(b, blob...)
}

// TestWindows checks the naming of Windows releases on hand-made answers
// shaped as Windows sends them (MS-SMB2, MS-NLMP).
func TestWindows(t *testing.T) {
	tests := []struct {
		name             string
		major, minor     byte
		build            uint16
		product, version string
		cpe              string
	}{
		{"Server 2022", 10, 0, 20348, "Microsoft Windows Server 2022", "10.0.20348", "cpe:2.3:o:microsoft:windows_server_2022:-:*:*:*:*:*:*:*"},
		{"10 or Server 2019", 10, 0, 17763, "Microsoft Windows 10 1809 or Server 2019", "10.0.17763", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"},
		{"7 SP1", 6, 1, 7601, "Microsoft Windows 7 or Server 2008 R2", "6.1.7601", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"},
		{"unknown build", 10, 0, 30000, "Microsoft Windows", "10.0.30000", "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctxs := [][]byte{context1(ctxPreauth, 1), context1(ctxEncryption, cipherAES256GCM), context1(ctxSigning, signAESCMAC)}
			steps := []servicetest.Step{
				{}, {Server: true, Data: frame(negotiateResponse(dialectWildcard, 1, nil))},
				{}, {Server: true, Data: frame(negotiateResponse(dialect311, 3, nil, ctxs...))},
				{}, {Server: true, Data: frame(sessionSetupResponse(statusMoreProcessingRequired, challenge(tt.major, tt.minor, tt.build,
					avNbDomainName, "CORP", avNbComputerName, "DC01", avDNSDomainName, "corp.example.com",
					avDNSComputerName, "dc01.corp.example.com", avDNSTreeName, "corp.example.com")))},
			}
			m, err := runReplay(t, steps)
			if err != nil {
				t.Fatal(err)
			}
			s := m.Service
			if s.Product != tt.product || s.Version != tt.version || s.OSType != "Windows" ||
				s.Hostname != "DC01" || s.ExtraInfo != "workgroup: CORP" || len(s.CPE) != 1 || s.CPE[0] != tt.cpe {
				t.Errorf("service %+v", s)
			}
			want := map[string]string{
				"dialect": "3.1.1", "signing": "required", "encryption": "AES-256-GCM",
				"signing algorithm": "AES-CMAC", "preauth integrity": "SHA-512",
				"capabilities": "DFS, leasing, large MTU, multi-channel, directory leasing",
				"server guid":  "33323130-3534-3736-3839-616263646566",
				"system time":  "2025-04-24T20:26:40Z", "dns tree name": "corp.example.com",
			}
			for k, v := range want {
				if got := servicetest.Detail(m, k); got != v {
					t.Errorf("%s = %q, want %q", k, got, v)
				}
			}
		})
	}
}

func TestParseNegotiate(t *testing.T) {
	good := negotiateResponse(dialect311, 1, nil, context1(ctxEncryption, cipherAES128GCM))
	cut := func(b []byte, n int) []byte { return b[:n:n] }
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], v)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		noMatch bool
		check   func(t *testing.T, s Server)
	}{
		{name: "good", in: good, check: func(t *testing.T, s Server) {
			if s.Dialect != dialect311 || s.Cipher != cipherAES128GCM || s.Hash != -1 || !s.SigningEnabled || s.SigningRequired {
				t.Errorf("%+v", s)
			}
		}},
		{name: "error status", in: set(8, 0xbb, 0, 0, 0xc0), check: func(t *testing.T, s Server) {
			if s.Status != 0xc00000bb || s.Match().Details[0].Value != "0xc00000bb" {
				t.Errorf("%+v", s)
			}
		}},
		{name: "security blob out of bounds", in: set(64+56, 0xf0, 0xff, 0xff, 0xff), check: func(t *testing.T, s Server) {
			if s.Dialect != dialect311 || s.Mechanisms != nil {
				t.Errorf("%+v", s)
			}
		}},
		{name: "contexts out of bounds", in: set(64+60, 0xff, 0xff, 0xff, 0x7f), check: func(t *testing.T, s Server) {
			if s.Cipher != -1 {
				t.Errorf("cipher %d", s.Cipher)
			}
		}},
		{name: "context longer than the message", in: set(len(good)-8-2+2, 0xff, 0xff), check: func(t *testing.T, s Server) {}},
		{name: "65535 contexts", in: set(64+6, 0xff, 0xff), check: func(t *testing.T, s Server) {}},
		{name: "truncated body", in: cut(good, 100), noMatch: true},
		{name: "header only", in: cut(good, 64), noMatch: true},
		{name: "empty", noMatch: true},
		{name: "SMB1 magic", in: set(0, 0xff), noMatch: true},
		{name: "not a response", in: set(16, 0), noMatch: true},
		{name: "session setup command", in: set(12, 1), noMatch: true},
		{name: "dialect never offered", in: set(64+4, 0x22, 0x02), noMatch: true},
		{name: "header size wrong", in: set(4, 32), noMatch: true},
		{name: "HTTP", in: []byte("HTTP/1.1 400 Bad Request\r\n\r\n"), noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseNegotiate(tt.in)
			if tt.noMatch {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("got %+v, %v; want no match", s, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, s)
			_ = s.Match()
		})
	}
}

func TestParseSMB1Negotiate(t *testing.T) {
	steps := servicetest.ReadHexTranscript(t, "testdata/samba-4.17-smb1.txt")
	good := serverMessages(steps)[0]
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], v)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		noMatch bool
		want    string // the dialect detail
	}{
		{name: "Samba NT1", in: good, want: "NT LM 0.12 (SMB1 only)"},
		{name: "no dialect accepted", in: append(set(32, 1, 0xff, 0xff), 0, 0), want: "SMB1, none offered accepted"},
		{name: "error status", in: set(5, 0x02, 0, 0, 0xc0), want: "SMB1"},
		{name: "byte count beyond the message", in: set(67, 0xff, 0xff), want: "NT LM 0.12 (SMB1 only)"},
		{name: "challenge length beyond the data", in: set(66, 0xff), want: "NT LM 0.12 (SMB1 only)"},
		{name: "dialect 1 in SMB1", in: set(33, 1, 0), noMatch: true},
		{name: "13 words", in: set(32, 13), noMatch: true},
		{name: "request, not response", in: set(9, 0), noMatch: true},
		{name: "other command", in: set(4, 0x73), noMatch: true},
		{name: "truncated", in: good[:34], noMatch: true},
		// Found by FuzzParseNegotiate: the security mode read past the end.
		{name: "words cut after the dialect index", noMatch: true,
			in: []byte("\xffSMBr\x00\x00\x00\x00\x880000000000000000000000\x11\x00\x00")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := ParseSMB1Negotiate(tt.in)
			if tt.noMatch {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("got %+v, %v; want no match", s, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := servicetest.Detail(s.Match(), "dialect"); got != tt.want {
				t.Errorf("dialect %q, want %q", got, tt.want)
			}
		})
	}
}

func TestParseChallenge(t *testing.T) {
	good := challenge(10, 0, 20348, avNbComputerName, "DC01", avDNSDomainName, "corp.example.com")
	set := func(off int, v ...byte) []byte {
		b := bytes.Clone(good)
		copy(b[off:], v)
		return b
	}
	tests := []struct {
		name    string
		in      []byte
		noMatch bool
		want    Challenge
	}{
		{name: "Windows", in: good, want: Challenge{Flags: 0x02800001, TargetName: "CORP", NetBIOSComputer: "DC01",
			DNSDomain: "corp.example.com", HasVersion: true, Major: 10, Build: 20348, Revision: 15}},
		{name: "no version flag", in: set(20, 0x01, 0, 0x80, 0), want: Challenge{Flags: 0x00800001, TargetName: "CORP",
			NetBIOSComputer: "DC01", DNSDomain: "corp.example.com"}},
		{name: "payload inside the version field", in: set(16, 48), want: Challenge{Flags: 0x02800001,
			TargetName: "?\u4f7c?\u0f00", NetBIOSComputer: "DC01", DNSDomain: "corp.example.com"}},
		{name: "target info out of bounds", in: set(44, 0xff, 0xff, 0xff, 0xff), want: Challenge{Flags: 0x02800001,
			TargetName: "CORP", HasVersion: true, Major: 10, Build: 20348, Revision: 15}},
		{name: "AV pair longer than the info", in: set(64+2, 0xff, 0xff), want: Challenge{Flags: 0x02800001,
			TargetName: "CORP", HasVersion: true, Major: 10, Build: 20348, Revision: 15}},
		{name: "OEM target name", in: set(20, 0x02, 0, 0x80, 0x02), want: Challenge{Flags: 0x02800002,
			TargetName: "C?O?R?P?", NetBIOSComputer: "DC01", DNSDomain: "corp.example.com",
			HasVersion: true, Major: 10, Build: 20348, Revision: 15}},
		{name: "negotiate message", in: ntlmNegotiateMessage(), noMatch: true},
		{name: "truncated", in: good[:47], noMatch: true},
		{name: "empty", noMatch: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch, err := ParseChallenge(tt.in)
			if tt.noMatch {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("got %+v, %v; want no match", ch, err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(ch, tt.want) {
				t.Errorf("got  %+v\nwant %+v", ch, tt.want)
			}
		})
	}
}

// TestRequests checks the requests' framing fields against their lengths:
// the captures show servers accept them; this keeps them so.
func TestRequests(t *testing.T) {
	n1 := smb1NegotiateRequest()
	if bc := binary.LittleEndian.Uint16(n1[33:]); int(bc) != len(n1)-35 {
		t.Errorf("SMB1 byte count %d, %d bytes follow", bc, len(n1)-35)
	}
	n2 := negotiateRequest(1)
	off := binary.LittleEndian.Uint32(n2[64+28:])
	if off%8 != 0 || int(off) != 64+36+2*len(offeredDialects)+2 {
		t.Errorf("context offset %d", off)
	}
	s := Server{}
	// Read as a response's, each context gives the first value offered.
	parseContexts(&s, le(n2), int(off), 3)
	if s.Hash != 1 || s.Cipher != cipherAES128GCM || s.SigningAlgorithm != signAESGMAC {
		t.Errorf("contexts read back as %+v", s)
	}
	ss := sessionSetupRequest(2)
	if off, n := binary.LittleEndian.Uint16(ss[64+12:]), binary.LittleEndian.Uint16(ss[64+14:]); int(off)+int(n) != len(ss) {
		t.Errorf("session setup blob %d+%d in %d bytes", off, n, len(ss))
	}
	if mechs := spnegoMechanisms(ss[88:]); !reflect.DeepEqual(mechs, []string{"NTLMSSP"}) {
		t.Errorf("own SPNEGO token offers %q", mechs)
	}
	if !bytes.Equal(ntlmssp(ss), ntlmNegotiateMessage()) {
		t.Error("NTLMSSP token not at the end of the session setup")
	}
}

func TestOIDString(t *testing.T) {
	for in, want := range map[string]string{
		"\x2b\x06\x01\x04\x01\x82\x37\x02\x02\x0a": "1.3.6.1.4.1.311.2.2.10",
		"\x2a\x86\x48\x86\xf7\x12\x01\x02\x02":     "1.2.840.113554.1.2.2",
		"\x81\x00":                                 "2.48",
		"":                                         "?",
	} {
		if got := oidString([]byte(in)); got != want {
			t.Errorf("oidString(%x) = %q, want %q", in, got, want)
		}
	}
}

// TestSessionSetupRefused: a server that negotiates and then refuses or
// ignores the session setup is still identified by its negotiation.
func TestSessionSetupRefused(t *testing.T) {
	neg := []servicetest.Step{{}, {Server: true, Data: frame(negotiateResponse(dialect202, 1, nil))}}
	for _, tt := range []struct {
		name string
		then []servicetest.Step
	}{
		{"access denied", []servicetest.Step{{}, {Server: true, Data: frame(sessionSetupResponse(0xc0000022, nil))}}},
		{"pending forever", []servicetest.Step{{},
			{Server: true, Data: frame(sessionSetupResponse(statusPending, nil))},
			{Server: true, Data: frame(sessionSetupResponse(statusPending, nil))},
			{Server: true, Data: frame(sessionSetupResponse(statusPending, nil))},
			{Server: true, Data: frame(sessionSetupResponse(statusPending, nil))}}},
		{"silent", []servicetest.Step{{}}},
		{"hangs up", nil},
		{"garbage", []servicetest.Step{{}, {Server: true, Data: []byte("\x00\x00\x00\x08garbage!")}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m, err := runReplay(t, append(neg, tt.then...))
			if err != nil {
				t.Fatal(err)
			}
			if servicetest.Detail(m, "dialect") != "2.0.2" || m.Service.Product != "" {
				t.Errorf("%+v %v", m.Service, m.Details)
			}
		})
	}
}

// TestWildcardOnly: a server that answers the SMB1 negotiate with the
// wildcard and then goes silent is SMB 2.1 or later.
func TestWildcardOnly(t *testing.T) {
	m, err := runReplay(t, []servicetest.Step{{}, {Server: true, Data: frame(negotiateResponse(dialectWildcard, 1, nil))}, {}})
	if err != nil {
		t.Fatal(err)
	}
	if got := servicetest.Detail(m, "dialect"); got != "2.1 or later" {
		t.Errorf("dialect %q", got)
	}
}

// TestHostile runs the handshake against servers that misbehave: it must
// return within its deadline with an error, and leave no goroutine behind
// (synctest fails the test if one is left blocked).
func TestHostile(t *testing.T) {
	resp := frame(negotiateResponse(dialect311, 1, nil))
	tests := []struct {
		name  string
		serve func(c net.Conn)
	}{
		{"silent", func(c net.Conn) { io.Copy(io.Discard, c) }},
		{"closes at once", func(c net.Conn) {}},
		{"endless stream", func(c net.Conn) {
			junk := bytes.Repeat([]byte{0}, 4096)
			junk[1] = 0x40
			for {
				if _, err := c.Write(junk); err != nil {
					return
				}
			}
		}},
		{"endless message", func(c net.Conn) {
			c.Write([]byte{0, 0, 0x3f, 0xfc}) // just within the bound
			for {
				if _, err := c.Write(resp); err != nil {
					return
				}
			}
		}},
		{"huge length field", func(c net.Conn) {
			c.Write([]byte{0, 0xff, 0xff, 0xff})
			io.Copy(io.Discard, c)
		}},
		{"one byte a second", func(c net.Conn) {
			for _, b := range resp {
				time.Sleep(time.Second)
				if _, err := c.Write([]byte{b}); err != nil {
					return
				}
			}
		}},
		{"garbage", func(c net.Conn) {
			c.Write([]byte("\x00\x00\x00\x10garbage garbage!"))
			io.Copy(io.Discard, c)
		}},
		{"header promising more", func(c net.Conn) {
			c.Write(resp[:100])
			io.Copy(io.Discard, c)
		}},
		{"NetBIOS negative session response", func(c net.Conn) {
			c.Write([]byte{0x83, 0, 0, 1, 0x8f})
			io.Copy(io.Discard, c)
		}},
		{"HTTP", func(c net.Conn) {
			c.Write([]byte("HTTP/1.1 400 Bad Request\r\n\r\n"))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if m, err := servicetest.WithDeadline(t, Handshake.Run, 3*time.Second, tt.serve); err == nil {
				t.Errorf("matched %+v", m)
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

// seeds are the captured server messages, for the fuzz targets.
func seeds(f *testing.F) [][]byte {
	var out [][]byte
	for _, name := range []string{"deb12", "dc", "smb1", "smb2", "smb3"} {
		out = append(out, serverMessages(servicetest.ReadHexTranscript(f, "testdata/samba-4.17-"+name+".txt"))...)
	}
	return out
}

func FuzzParseNegotiate(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Add(negotiateResponse(dialect311, 3, nil, context1(ctxPreauth, 1), context1(ctxEncryption, 2), context1(ctxSigning, 1)))
	f.Fuzz(func(t *testing.T, b []byte) {
		for _, parse := range []func([]byte) (Server, error){ParseNegotiate, ParseSMB1Negotiate} {
			s, err := parse(b)
			if err != nil {
				if !errors.Is(err, service.ErrNoMatch) {
					t.Fatalf("error %v is not a no match", err)
				}
				continue
			}
			if m := s.Match(); m.Service.Name != "microsoft-ds" || len(m.Details) == 0 {
				t.Fatalf("match %+v", m)
			}
		}
	})
}

func FuzzParseSessionSetup(f *testing.F) {
	for _, s := range seeds(f) {
		f.Add(s)
	}
	f.Add(sessionSetupResponse(statusMoreProcessingRequired, challenge(10, 0, 20348, avNbComputerName, "X")))
	f.Fuzz(func(t *testing.T, b []byte) {
		_, blob, err := ParseSessionSetup(b)
		if err != nil {
			if !errors.Is(err, service.ErrNoMatch) {
				t.Fatalf("error %v is not a no match", err)
			}
			return
		}
		_ = spnegoMechanisms(blob)
		ch, err := ParseChallenge(ntlmssp(blob))
		if err == nil {
			_ = Server{NTLM: &ch, Dialect: dialect311}.Match()
		}
	})
}

func FuzzParseChallenge(f *testing.F) {
	for _, s := range seeds(f) {
		if c := ntlmssp(s); c != nil {
			f.Add(c)
		}
	}
	f.Add(challenge(6, 1, 0, avNbComputerName, "LABSMB", avTimestamp, "ab"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ch, err := ParseChallenge(b)
		if err != nil {
			if !errors.Is(err, service.ErrNoMatch) {
				t.Fatalf("error %v is not a no match", err)
			}
			return
		}
		for _, s := range []string{ch.TargetName, ch.NetBIOSComputer, ch.DNSComputer, ch.DNSTree} {
			if len(s) > 260 {
				t.Fatalf("unbounded name of %d bytes", len(s))
			}
		}
		_ = Server{NTLM: &ch}.Match()
	})
}

func FuzzSPNEGO(f *testing.F) {
	f.Add(spnegoInit(ntlmNegotiateMessage()))
	for _, s := range seeds(f) {
		if i := bytes.IndexByte(s, 0x60); i >= 0 {
			f.Add(s[i:])
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(spnegoMechanisms(b)) > 16 {
			t.Fatal("more than 16 mechanisms")
		}
	})
}
