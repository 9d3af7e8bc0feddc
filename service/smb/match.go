package smb

import (
	"fmt"
	"strings"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// SMB2 global capabilities, in the order reported.
var capabilityNames = []struct {
	bit  uint32
	name string
}{
	{0x01, "DFS"}, {0x02, "leasing"}, {0x04, "large MTU"}, {0x08, "multi-channel"},
	{0x10, "persistent handles"}, {0x20, "directory leasing"}, {0x40, "encryption"},
	{0x80, "notifications"},
}

// Encryption ciphers, preauth hashes and signing algorithms of 3.1.1.
const (
	cipherAES128CCM = 1
	cipherAES128GCM = 2
	cipherAES256CCM = 3
	cipherAES256GCM = 4

	signHMACSHA256 = 0
	signAESCMAC    = 1
	signAESGMAC    = 2
)

var (
	cipherNames  = map[int]string{0: "none in common", 1: "AES-128-CCM", 2: "AES-128-GCM", 3: "AES-256-CCM", 4: "AES-256-GCM"}
	hashNames    = map[int]string{1: "SHA-512"}
	signingNames = map[int]string{0: "HMAC-SHA256", 1: "AES-CMAC", 2: "AES-GMAC"}
)

// DialectName names an SMB2 dialect revision as "2.0.2" ... "3.1.1".
func DialectName(d uint16) string {
	switch d {
	case dialectWildcard:
		return "2.1 or later" // the wildcard answer: more than 2.0.2
	case 0:
		return ""
	}
	return fmt.Sprintf("%d.%d.%d", d>>8, d>>4&0xf, d&0xf)
}

// Samba's NTLMSSP server reports a fixed Windows 6.1 version with build 0,
// a build no Windows release has.
func (ch *Challenge) samba() bool {
	return ch.HasVersion && ch.Major == 6 && ch.Minor == 1 && ch.Build == 0
}

// Match turns what the server said into what picket reports.
func (s Server) Match() service.Match {
	var m service.Match
	sv := &m.Service
	sv.Name = "microsoft-ds"
	add := func(k, v string) {
		if v != "" {
			m.Details = append(m.Details, service.Detail{Key: k, Value: v})
		}
	}
	switch {
	case s.SMB1 && s.Status != statusOK:
		add("dialect", "SMB1")
		add("negotiate status", fmt.Sprintf("0x%08x", s.Status))
		return m
	case s.SMB1:
		if s.SMB1Dialect != "" {
			add("dialect", s.SMB1Dialect+" (SMB1 only)")
		} else {
			add("dialect", "SMB1, none offered accepted")
		}
	case s.Status != statusOK:
		add("negotiate status", fmt.Sprintf("0x%08x", s.Status))
		return m
	default:
		add("dialect", DialectName(s.Dialect))
	}
	switch {
	case s.SigningRequired:
		add("signing", "required")
	case s.SigningEnabled:
		add("signing", "enabled, not required")
	case s.SMB1 && s.SMB1Dialect != "":
		add("signing", "disabled")
	}
	if s.Dialect == dialect311 {
		add("encryption", cipherNames[s.Cipher])
		add("preauth integrity", hashNames[s.Hash])
		add("signing algorithm", signingNames[s.SigningAlgorithm])
	} else if !s.SMB1 && s.Dialect >= dialect300 && s.Capabilities&0x40 != 0 {
		add("encryption", "AES-128-CCM")
	}
	if !s.SMB1 {
		var caps []string
		for _, c := range capabilityNames {
			if s.Capabilities&c.bit != 0 {
				caps = append(caps, c.name)
			}
		}
		add("capabilities", strings.Join(caps, ", "))
	} else if s.Capabilities != 0 {
		add("capabilities", fmt.Sprintf("0x%08x", s.Capabilities))
	}
	if s.GUID != [16]byte{} {
		add("server guid", guidString(s.GUID))
	}
	if !s.SystemTime.IsZero() {
		add("system time", s.SystemTime.Format(time.RFC3339))
	}
	add("authentication", strings.Join(s.Mechanisms, ", "))

	workgroup := s.Domain
	sv.Hostname = s.Name
	add("netbios domain name", s.Domain)
	add("netbios computer name", s.Name)
	if ch := s.NTLM; ch != nil {
		add("netbios computer name", ch.NetBIOSComputer)
		add("netbios domain name", ch.NetBIOSDomain)
		add("dns computer name", ch.DNSComputer)
		add("dns domain name", ch.DNSDomain)
		add("dns tree name", ch.DNSTree)
		if ch.HasVersion {
			add("ntlm version", fmt.Sprintf("%d.%d build %d, NTLM revision %d", ch.Major, ch.Minor, ch.Build, ch.Revision))
		}
		sv.Hostname = ch.NetBIOSComputer
		if sv.Hostname == "" {
			sv.Hostname = ch.DNSComputer
		}
		workgroup = ch.NetBIOSDomain
		// A standalone server names itself as its own domain: that is
		// no workgroup worth reporting.
		if strings.EqualFold(workgroup, ch.NetBIOSComputer) {
			workgroup = ""
		}
		switch {
		case ch.samba():
			sv.Product = "Samba smbd"
			sv.CPE = []string{"cpe:2.3:a:samba:samba:*:*:*:*:*:*:*:*"}
		case ch.HasVersion && ch.Build != 0:
			identifyWindows(sv, ch)
		}
	}
	if workgroup != "" {
		sv.ExtraInfo = "workgroup: " + workgroup
	}
	return m
}

// identifyWindows names the Windows release from NTLMSSP's version.
func identifyWindows(sv *result.Service, ch *Challenge) {
	sv.Product = "Microsoft Windows"
	sv.Version = fmt.Sprintf("%d.%d.%d", ch.Major, ch.Minor, ch.Build)
	sv.OSType = "Windows"
	cpe := "windows:*"
	if r, ok := windowsRelease(ch.Major, ch.Minor, ch.Build); ok {
		sv.Product += " " + r.name
		if r.cpe != "" {
			cpe = r.cpe + ":-"
		}
	}
	sv.CPE = []string{"cpe:2.3:o:microsoft:" + cpe + ":*:*:*:*:*:*:*"}
}

type release struct {
	name string
	cpe  string // NVD's product name, when the release is one product
}

// windowsRelease names the release with that version. Client and server
// releases share version numbers: where both exist, both are named.
func windowsRelease(major, minor uint8, build uint16) (release, bool) {
	switch {
	case major == 5 && minor == 0:
		return release{"2000", "windows_2000"}, true
	case major == 5 && minor == 1:
		return release{"XP", "windows_xp"}, true
	case major == 5 && minor == 2:
		return release{"XP x64 or Server 2003", ""}, true
	case major == 6 && minor == 0:
		return release{"Vista or Server 2008", ""}, true
	case major == 6 && minor == 1:
		return release{"7 or Server 2008 R2", ""}, true
	case major == 6 && minor == 2:
		return release{"8 or Server 2012", ""}, true
	case major == 6 && minor == 3:
		return release{"8.1 or Server 2012 R2", ""}, true
	case major == 10 && minor == 0:
		r, ok := win10Builds[build]
		return r, ok
	}
	return release{}, false
}

// win10Builds are the releases that report version 10.0, by build.
var win10Builds = map[uint16]release{
	10240: {"10 1507", "windows_10_1507"},
	10586: {"10 1511", "windows_10_1511"},
	14393: {"10 1607 or Server 2016", ""},
	15063: {"10 1703", "windows_10_1703"},
	16299: {"10 1709 or Server 1709", ""},
	17134: {"10 1803 or Server 1803", ""},
	17763: {"10 1809 or Server 2019", ""},
	18362: {"10 1903", "windows_10_1903"},
	18363: {"10 1909 or Server 1909", ""},
	19041: {"10 2004 or Server 2004", ""},
	19042: {"10 20H2 or Server 20H2", ""},
	19043: {"10 21H1", "windows_10_21h1"},
	19044: {"10 21H2", "windows_10_21h2"},
	19045: {"10 22H2", "windows_10_22h2"},
	20348: {"Server 2022", "windows_server_2022"},
	22000: {"11 21H2", "windows_11_21h2"},
	22621: {"11 22H2", "windows_11_22h2"},
	22631: {"11 23H2", "windows_11_23h2"},
	25398: {"Server 23H2", "windows_server_23h2"},
	26100: {"11 24H2 or Server 2025", ""},
	26200: {"11 25H2", "windows_11_25h2"},
}

// guidString formats a GUID as Windows does: the first three fields are
// little-endian.
func guidString(g [16]byte) string {
	return fmt.Sprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15])
}
