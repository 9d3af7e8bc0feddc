package service

import (
	"regexp"
	"strings"

	"github.com/picket-scanner/picket/result"
)

// Product is a server product known by a pattern in what it says of
// itself (a greeting, an ID).
type Product struct {
	Pattern *regexp.Regexp // the version is its first group, if it has one
	Name    string         // as Nmap names it
	CPE     string         // NVD's vendor:product, or ""
	Windows bool           // the product runs only on Windows
}

// windowsCPE is the CPE name of Windows, of any version.
const windowsCPE = "cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"

// DescribeProduct sets s's product, version, CPE names and OS type from
// the first of products whose pattern text matches. The version in the
// CPE name is the one found cut at the first cut ("3.0.8" of
// "3.0.8-Debian-3.0.8-6" cut at "-"). Text that names Debian or Ubuntu
// says Linux, if nothing else said the OS.
func DescribeProduct(s *result.Service, text string, products []Product, cut string) {
	for _, p := range products {
		sub := p.Pattern.FindStringSubmatch(text)
		if sub == nil {
			continue
		}
		s.Product = p.Name
		if len(sub) > 1 {
			s.Version = sub[1]
		}
		if p.CPE != "" {
			cpeVersion, _, _ := strings.Cut(s.Version, cut)
			s.CPE = append(s.CPE, CPE("a", p.CPE, cpeVersion))
		}
		if p.Windows {
			s.OSType = "Windows"
			s.CPE = append(s.CPE, windowsCPE)
		}
		break
	}
	if s.OSType == "" && (strings.Contains(text, "Debian") || strings.Contains(text, "Ubuntu")) {
		s.OSType = "Linux"
	}
}
