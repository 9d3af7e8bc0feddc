package ldap

import (
	"fmt"
	"slices"
	"strings"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/service"
)

const (
	productOpenLDAP = "OpenLDAP"
	productAD       = "Microsoft Windows Active Directory LDAP"
	productADLDS    = "Microsoft Windows AD LDS"
	productSambaDC  = "Samba AD DC"

	oidStartTLS = "1.3.6.1.4.1.1466.20037"
	// Active Directory's capabilities (MS-ADTS 3.1.1.3.4.3).
	oidCapActiveDirectory = "1.2.840.113556.1.4.800"
	oidCapADLDS           = "1.2.840.113556.1.4.1851"
)

// resultNames are the LDAP result codes a root DSE search gets (RFC 4511
// appendix A).
var resultNames = map[int64]string{
	0: "success", 1: "operationsError", 2: "protocolError", 7: "authMethodNotSupported",
	8: "strongerAuthRequired", 11: "adminLimitExceeded", 13: "confidentialityRequired",
	32: "noSuchObject", 48: "inappropriateAuthentication", 49: "invalidCredentials",
	50: "insufficientAccessRights", 51: "busy", 52: "unavailable", 53: "unwillingToPerform",
	80: "other",
}

// functionalLevels name Active Directory's functional levels (MS-ADTS
// 6.1.4.2): the lowest Windows Server release a domain controller at that
// level runs.
var functionalLevels = map[string]string{
	"0": "Windows 2000", "1": "Windows Server 2003 interim", "2": "Windows Server 2003",
	"3": "Windows Server 2008", "4": "Windows Server 2008 R2", "5": "Windows Server 2012",
	"6": "Windows Server 2012 R2", "7": "Windows Server 2016", "10": "Windows Server 2025",
}

// vendors map a root DSE's vendorName (RFC 3045) to the product: the
// first whose marker vendorName or vendorVersion contains.
var vendors = []struct {
	marker, product, cpe string
}{
	{"389-Directory/", "389 Directory Server", "port389:389-ds-base"},
	{"389 Project", "389 Directory Server", "port389:389-ds-base"},
	{"Red Hat-Directory/", "Red Hat Directory Server", ""},
	{"Samba Team", productSambaDC, "samba:samba"},
	{"OpenDJ", "OpenDJ", ""},
	{"ForgeRock", "ForgeRock Directory Services", ""},
	{"Ping Identity", "Ping Identity Directory Server", ""},
	{"Apache Software Foundation", "ApacheDS", ""},
	{"eDirectory", "NetIQ eDirectory", ""},
	{"Sun-Directory-Server", "Sun Directory Server", ""},
	{"Sun Java", "Sun Java System Directory Server", ""},
	{"Oracle Unified Directory", "Oracle Unified Directory", ""},
	{"ODSEE", "Oracle Directory Server Enterprise Edition", ""},
	{"International Business Machines", "IBM Security Directory Server", ""},
	{"UnboundID", "UnboundID Directory Server", ""},
}

// Match turns the root DSE into what picket reports.
func (r RootDSE) Match() service.Match {
	var m service.Match
	s := &m.Service
	s.Name = "ldap"
	add := func(k, v string) {
		if v != "" {
			m.Details = append(m.Details, service.Detail{Key: k, Value: v})
		}
	}
	all := func(attr string) string { return strings.Join(r.Attrs[strings.ToLower(attr)], "; ") }

	if r.Result > 0 || r.Disconnected {
		name := resultNames[r.Result]
		if name == "" {
			name = "result"
		}
		v := fmt.Sprintf("%s (%d)", name, r.Result)
		if r.Disconnected {
			v = "notice of disconnection: " + v
		}
		if r.Diagnostic != "" {
			v += ": " + r.Diagnostic
		}
		add("result", v)
	}
	if !r.Entry {
		return m
	}
	add("naming contexts", all("namingContexts"))
	add("default naming context", r.Get("defaultNamingContext"))
	add("ldap versions", strings.Join(r.Attrs["supportedldapversion"], ", "))
	add("sasl mechanisms", strings.Join(r.Attrs["supportedsaslmechanisms"], ", "))
	if ext, ok := r.Attrs["supportedextension"]; ok {
		if slices.Contains(ext, oidStartTLS) {
			add("starttls", "offered")
		} else {
			add("starttls", "not offered")
		}
	}
	add("vendor name", r.Get("vendorName"))
	add("vendor version", r.Get("vendorVersion"))
	add("dns host name", r.Get("dnsHostName"))
	add("server name", r.Get("serverName"))
	add("ldap service name", r.Get("ldapServiceName"))
	for _, f := range []struct{ attr, key string }{
		{"domainFunctionality", "domain functional level"},
		{"forestFunctionality", "forest functional level"},
		{"domainControllerFunctionality", "domain controller functional level"},
	} {
		if v := r.Get(f.attr); v != "" {
			if name, ok := functionalLevels[v]; ok {
				v = name + " (" + v + ")"
			}
			add(f.key, v)
		}
	}
	if strings.EqualFold(r.Get("isGlobalCatalogReady"), "TRUE") {
		add("global catalog", "ready")
	}
	identify(s, r)
	return m
}

// identify names the product from the root DSE.
func identify(s *result.Service, r RootDSE) {
	vendor, version := r.Get("vendorName"), r.Get("vendorVersion")
	caps := r.Attrs["supportedcapabilities"]
	classes := append(slices.Clone(r.Attrs["objectclass"]), r.Attrs["structuralobjectclass"]...)
	for _, v := range vendors {
		if strings.Contains(vendor, v.marker) || strings.Contains(version, v.marker) {
			s.Product = v.product
			s.Version = versionNumber(version)
			if v.cpe != "" {
				s.CPE = []string{cpe(v.cpe, s.Version)}
			}
			if v.product == productSambaDC {
				adDetails(s, r)
			}
			// Distributions mark their builds: Samba's "4.17.12-Debian".
			for _, d := range []string{"Debian", "Ubuntu", "ubuntu"} {
				if strings.Contains(version, d) {
					s.OSType = "Linux"
				}
			}
			return
		}
	}
	switch {
	case slices.Contains(classes, "OpenLDAProotDSE"):
		s.Product = productOpenLDAP
		s.CPE = []string{cpe("openldap:openldap", "")}
	case slices.Contains(caps, oidCapADLDS):
		s.Product = productADLDS
		s.OSType = "Windows"
		s.CPE = []string{"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}
		s.Hostname = r.Get("dnsHostName")
	case slices.Contains(caps, oidCapActiveDirectory):
		s.Product = productAD
		s.OSType = "Windows"
		s.CPE = []string{"cpe:2.3:o:microsoft:windows:*:*:*:*:*:*:*:*"}
		adDetails(s, r)
	case vendor != "":
		s.Product = strings.TrimRight(vendor, ". ")
		s.Version = versionNumber(version)
	}
}

// adDetails fills what Nmap reports of an Active Directory domain
// controller: its host name, and the domain and site in the extra info.
func adDetails(s *result.Service, r RootDSE) {
	s.Hostname = r.Get("dnsHostName")
	var info []string
	if d := dnsDomain(r.Get("defaultNamingContext")); d != "" {
		info = append(info, "Domain: "+d)
	} else if d := dnsDomain(r.Get("rootDomainNamingContext")); d != "" {
		info = append(info, "Domain: "+d)
	}
	if site := siteName(r.Get("serverName")); site != "" {
		info = append(info, "Site: "+site)
	}
	s.ExtraInfo = strings.Join(info, ", ")
}

// dnsDomain turns "DC=corp,DC=example,DC=com" into "corp.example.com".
func dnsDomain(dn string) string {
	var labels []string
	for _, rdn := range strings.Split(dn, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(rdn), "=")
		if !ok || !strings.EqualFold(k, "DC") {
			return ""
		}
		labels = append(labels, v)
	}
	return strings.Join(labels, ".")
}

// siteName takes the site from a domain controller's serverName,
// "CN=DC1,CN=Servers,CN=<site>,CN=Sites,CN=Configuration,...".
func siteName(dn string) string {
	rdns := strings.Split(dn, ",")
	for i := 0; i+2 < len(rdns); i++ {
		if strings.EqualFold(rdns[i], "CN=Servers") && strings.EqualFold(rdns[i+2], "CN=Sites") {
			_, site, _ := strings.Cut(rdns[i+1], "=")
			return site
		}
	}
	return ""
}

// versionNumber takes the first version-like token of a vendorVersion:
// "389-Directory/2.3.1 B2023.123.1748" gives "2.3.1", "LDAP Agent for
// NetIQ eDirectory 9.2.4 (40204.00)" gives "9.2.4".
func versionNumber(v string) string {
	for _, tok := range strings.FieldsFunc(v, func(r rune) bool { return r == ' ' || r == '/' || r == '(' || r == ')' }) {
		tok = strings.TrimPrefix(tok, "v")
		if len(tok) >= 3 && isDigit(tok[0]) && strings.Contains(tok, ".") {
			return tok
		}
	}
	return ""
}

// cpe builds a CPE 2.3 name from vendor:product and the numeric start
// of version (which starts with a digit, or is empty), "*" if there is
// none.
func cpe(vp, version string) string {
	return service.CPE("a", vp, service.NumericPrefix(version))
}

// applyMonitor adds what OpenLDAP's cn=Monitor says: monitoredInfo is
// "OpenLDAP: slapd 2.5.13+dfsg-5 (...)" where the administrator lets
// anyone read it.
func applyMonitor(m *service.Match, info string) {
	if info == "" {
		return
	}
	m.Details = append(m.Details, service.Detail{Key: "monitored info", Value: info})
	_, rest, ok := strings.Cut(info, "slapd ")
	if !ok {
		return
	}
	v, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
	if v == "" || !isDigit(v[0]) {
		return
	}
	m.Service.Version = v
	m.Service.CPE = []string{cpe("openldap:openldap", v)}
	if strings.Contains(v, "dfsg") || strings.Contains(v, "ubuntu") || strings.Contains(info, "Debian") {
		m.Service.OSType = "Linux"
	}
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
