package ssh

import (
	"bytes"
	"errors"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

// Ident is a server's identification string (RFC 4253 §4.2):
// "SSH-protoversion-softwareversion SP comments".
type Ident struct {
	Proto    string // "2.0", "1.99", "1.5"
	Software string // "OpenSSH_9.2p1"
	Comments string // "Debian-2+deb12u10"; empty when none
	Line     string // the whole line without its line end
}

// maxIdentLine is the longest identification line accepted. RFC 4253
// allows 255 bytes with CR LF; a little slack keeps sloppy servers.
const maxIdentLine = 512

// errShort means the data so far ends before an identification line does.
var errShort = errors.New("ssh: identification incomplete")

// ParseIdent finds the identification line in b, the first line that
// starts with "SSH-" (a server may send other lines before it), and
// returns it and the offset just past it: what follows is the binary
// protocol. It returns errShort when b may still grow into an
// identification, and service.ErrNoMatch when it cannot.
func ParseIdent(b []byte) (Ident, int, error) {
	off := 0
	for off < len(b) {
		rest := b[off:]
		nl := bytes.IndexByte(rest, '\n')
		if nl < 0 {
			// A partial last line: an identification may be under way.
			if len(rest) > maxIdentLine || !couldStartIdent(rest) {
				return Ident{}, 0, service.ErrNoMatch
			}
			return Ident{}, 0, errShort
		}
		line := bytes.TrimSuffix(rest[:nl], []byte("\r"))
		off += nl + 1
		if !bytes.HasPrefix(line, []byte("SSH-")) {
			// Lines before the identification are allowed, but a
			// server that sends them is rare: accept a few, and only
			// if they are text.
			if off > service.MaxBanner || !printable(line) {
				return Ident{}, 0, service.ErrNoMatch
			}
			continue
		}
		id, ok := parseIdentLine(line)
		if !ok {
			return Ident{}, 0, service.ErrNoMatch
		}
		return id, off, nil
	}
	return Ident{}, 0, errShort
}

// couldStartIdent reports whether a partial line may still become an
// identification or a text line before it.
func couldStartIdent(p []byte) bool {
	n := min(len(p), 4)
	return bytes.HasPrefix([]byte("SSH-"), p[:n]) || printable(bytes.TrimSuffix(p, []byte("\r")))
}

// printable reports whether p is text on one line.
func printable(p []byte) bool {
	for _, c := range p {
		if (c < 0x20 || c > 0x7e) && c != '\t' {
			return false
		}
	}
	return true
}

func parseIdentLine(line []byte) (Ident, bool) {
	if len(line) > maxIdentLine || !printable(line) {
		return Ident{}, false
	}
	s := string(line)
	body := s[len("SSH-"):]
	proto, soft, ok := strings.Cut(body, "-")
	if !ok || proto == "" || !validProto(proto) {
		return Ident{}, false
	}
	soft, comments, _ := strings.Cut(soft, " ")
	return Ident{Proto: proto, Software: soft, Comments: strings.TrimSpace(comments), Line: s}, true
}

// validProto accepts "major.minor" with digits only.
func validProto(p string) bool {
	major, minor, ok := strings.Cut(p, ".")
	return ok && digits(major) && digits(minor)
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// implementation is what an identification's software name tells.
type implementation struct {
	name    string // the software name as sent, before the version
	product string // as Nmap names it
	cpe     string // NVD's vendor:product, or ""
	os      string // OSType the software implies, or ""
	osCPE   string // the OS's CPE 2.3 name, or ""
	// versionPrefix is put before the version in Product's version, as
	// in OpenSSH for Windows' "for_Windows_8.1".
	versionPrefix string
}

// implementations are the SSH servers recognised by name. Others are
// reported with their name and version as sent.
var implementations = []implementation{
	{name: "OpenSSH", product: "OpenSSH", cpe: "openbsd:openssh"},
	{name: "OpenSSH_for_Windows", product: "OpenSSH", cpe: "openbsd:openssh", os: "Windows", osCPE: "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*", versionPrefix: "for_Windows_"},
	{name: "dropbear", product: "Dropbear sshd", cpe: "dropbear_ssh_project:dropbear_ssh"},
	{name: "libssh", product: "libssh", cpe: "libssh:libssh"},
	{name: "Cisco", product: "Cisco SSH", os: "IOS", osCPE: "cpe:2.3:o:cisco:ios:*:*:*:*:*:*:*:*"},
	{name: "Go", product: "Golang x/crypto/ssh server"},
	{name: "paramiko", product: "Paramiko Python sshd", cpe: "paramiko:paramiko"},
	{name: "AsyncSSH", product: "AsyncSSH sshd", cpe: "asyncssh_project:asyncssh"},
	{name: "Twisted", product: "Twisted Conch sshd", cpe: "twistedmatrix:twisted"},
	{name: "Erlang", product: "Erlang sshd"},
	{name: "Sun_SSH", product: "SunSSH", os: "Solaris"},
	{name: "ROSSSH", product: "MikroTik RouterOS sshd", os: "RouterOS", osCPE: "cpe:2.3:o:mikrotik:routeros:*:*:*:*:*:*:*:*"},
	{name: "mod_sftp", product: "ProFTPD mod_sftp", cpe: "proftpd:proftpd"},
}

// distros are comment words naming a Linux distribution's build, as in
// "OpenSSH_9.2p1 Debian-2+deb12u10": Nmap folds them into the version.
var distros = []string{"Debian", "Ubuntu", "Raspbian"}

const linuxCPE = "cpe:2.3:o:linux:linux_kernel:*:*:*:*:*:*:*:*"

// Describe turns an identification into what Nmap reports of it.
func Describe(id Ident) result.Service {
	s := result.Service{Name: "ssh", ExtraInfo: "protocol " + id.Proto}
	name, version := splitSoftware(id.Software)
	var impl implementation
	for _, i := range implementations {
		if i.name == name {
			impl = i
			break
		}
	}
	if impl.product == "" {
		// Unknown software: its name as sent is the best product name.
		s.Product, s.Version = name, version
	} else {
		s.Product, s.OSType = impl.product, impl.os
		if version != "" {
			s.Version = impl.versionPrefix + version
		}
	}
	word, _, _ := strings.Cut(id.Comments, " ")
	if d, rev, ok := strings.Cut(word, "-"); ok {
		for _, known := range distros {
			if d == known && s.Version != "" {
				s.Version += " " + d + " " + rev
			}
		}
	}
	switch os := commentOS(id.Comments); os {
	case "":
	case "FreeBSD":
		s.OSType = os
		s.ExtraInfo = strings.Replace(word, "-", " ", 1) + "; " + s.ExtraInfo
	default:
		s.OSType = os
	}
	if impl.cpe != "" {
		s.CPE = append(s.CPE, service.CPE("a", impl.cpe, version))
	}
	switch {
	case impl.osCPE != "":
		s.CPE = append(s.CPE, impl.osCPE)
	case s.OSType == "Linux":
		s.CPE = append(s.CPE, linuxCPE)
	case s.OSType == "FreeBSD":
		s.CPE = append(s.CPE, "cpe:2.3:o:freebsd:freebsd:*:*:*:*:*:*:*:*")
	}
	return s
}

// commentOS is the operating system an identification's comments name.
func commentOS(comments string) string {
	for _, d := range distros {
		if strings.Contains(comments, d) {
			return "Linux"
		}
	}
	if strings.HasPrefix(comments, "FreeBSD") {
		return "FreeBSD"
	}
	return ""
}

// splitSoftware splits "OpenSSH_9.2p1" into "OpenSSH" and "9.2p1": the
// version starts after the first '_', '-' or '/' followed by a digit.
func splitSoftware(soft string) (name, version string) {
	for i := 0; i+1 < len(soft); i++ {
		if strings.IndexByte("_-/", soft[i]) >= 0 && soft[i+1] >= '0' && soft[i+1] <= '9' {
			return soft[:i], soft[i+1:]
		}
	}
	return soft, ""
}
