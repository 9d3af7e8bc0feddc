package target

import (
	"errors"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name string
		in   string
		fam  Family
		kind specKind
		want string // canonical String()
	}{
		{"ipv4", "192.168.0.1", IPv4, kindAddr, "192.168.0.1"},
		{"ipv4 leading zeros are decimal", "010.000.0.1", IPv4, kindAddr, "10.0.0.1"},
		{"ipv4 cidr", "10.1.2.3/8", IPv4, kindPrefix, "10.0.0.0/8"},
		{"ipv4 cidr 32", "10.1.2.3/32", IPv4, kindPrefix, "10.1.2.3/32"},
		{"ipv4 cidr 0", "1.2.3.4/0", IPv4, kindPrefix, "0.0.0.0/0"},
		{"octet ranges", "10.0.0-3.1-254", IPv4, kindGrid, "10.0.0-3.1-254"},
		{"octet list", "10.1,3.0.1", IPv4, kindGrid, "10.1,3.0.1"},
		{"dash alone", "10.0.0.-", IPv4, kindGrid, "10.0.0.*"},
		{"open left", "10.0.0.-5", IPv4, kindGrid, "10.0.0.0-5"},
		{"open right", "10.0.0.250-", IPv4, kindGrid, "10.0.0.250-255"},
		{"star", "10.*.0.1", IPv4, kindGrid, "10.*.0.1"},
		{"list and ranges", "10.1,3,5-7.0.1", IPv4, kindGrid, "10.1,3,5-7.0.1"},
		{"single-valued ranges are an address", "10.0.0.5-5", IPv4, kindAddr, "10.0.0.5"},
		{"adjacent list merges", "10.0.0.1,2,3-4", IPv4, kindGrid, "10.0.0.1-4"},
		{"netmask on ranges", "10.1-2.3.4/16", IPv4, kindGrid, "10.1-2.*.*"},
		{"netmask inside an octet", "10.0.0.5,200/30", IPv4, kindGrid, "10.0.0.4-7,200-203"},
		{"netmask on single-valued ranges", "10.0.0.5-5/24", IPv4, kindPrefix, "10.0.0.0/24"},
		{"whole internet", "*.*.*.*", IPv4, kindGrid, "*.*.*.*"},
		{"ipv6", "2001:db8::1", IPv6, kindAddr, "2001:db8::1"},
		{"ipv6 zone", "fe80::1%eth0", IPv6, kindAddr, "fe80::1%eth0"},
		{"ipv6 cidr", "2001:db8::1/64", IPv6, kindPrefix, "2001:db8::/64"},
		{"ipv6 cidr 128", "2001:db8::1/128", IPv6, kindPrefix, "2001:db8::1/128"},
		{"ipv6 cidr 0", "::/0", IPv6, kindPrefix, "::/0"},
		{"ipv6 zone cidr", "fe80::1%eth0/120", IPv6, kindPrefix, "fe80::%eth0/120"},
		{"ipv6 mapped ipv4", "::ffff:10.0.0.1", IPv6, kindAddr, "::ffff:10.0.0.1"},
		{"hostname", "scanme.nmap.org", IPv4, kindName, "scanme.nmap.org"},
		{"hostname v6", "scanme.nmap.org", IPv6, kindName, "scanme.nmap.org"},
		{"hostname cidr", "scanme.nmap.org/24", IPv4, kindName, "scanme.nmap.org/24"},
		{"hostname trailing dot", "localhost.", IPv4, kindName, "localhost."},
		{"hostname underscore", "_ldap.example", IPv4, kindName, "_ldap.example"},
		{"hostname with digits", "10.0.0.1a", IPv4, kindName, "10.0.0.1a"},
		{"prefix length leading zero", "10.0.0.0/008", IPv4, kindPrefix, "10.0.0.0/8"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp, err := Parse(tt.in, tt.fam)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tt.in, err)
			}
			if sp.kind != tt.kind || sp.String() != tt.want {
				t.Errorf("Parse(%q) = kind %d %q, want kind %d %q", tt.in, sp.kind, sp.String(), tt.kind, tt.want)
			}
			// The canonical form means the same.
			again, err := Parse(sp.String(), tt.fam)
			if err != nil || again.String() != sp.String() {
				t.Errorf("Parse(%q) again = %q, %v", sp.String(), again.String(), err)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name string
		in   string
		fam  Family
		is   error
		msg  string // the whole message
	}{
		{"octet out of range", "10.0.0.300", IPv4, ErrSyntax, `target: "10.0.0.300": octet 4 value 300 out of range 0-255`},
		{"huge octet", "10.0.99999999999999999999.1", IPv4, ErrSyntax, `target: "10.0.99999999999999999999.1": octet 3 value 99999999999999999999 out of range 0-255`},
		{"three octets", "10.0.0", IPv4, ErrSyntax, `target: "10.0.0": an IPv4 address needs 4 octets, found 3`},
		{"five octets", "1.2.3.4.5", IPv4, ErrSyntax, `target: "1.2.3.4.5": an IPv4 address has only 4 octets`},
		{"empty octet", "10..0.1", IPv4, ErrSyntax, `target: "10..0.1": octet 2 is empty`},
		{"trailing dot", "10.0.0.", IPv4, ErrSyntax, `target: "10.0.0.": octet 4 is empty`},
		{"empty list item", "10.0.0.1,", IPv4, ErrSyntax, `target: "10.0.0.1,": octet 4 is empty`},
		{"backwards range", "10.0.0.5-3", IPv4, ErrSyntax, `target: "10.0.0.5-3": range 5-3 in octet 4 is backwards; write 3-5`},
		{"double range", "10.0.0.1-2-3", IPv4, ErrSyntax, `target: "10.0.0.1-2-3": unexpected '-' in octet 4`},
		{"star not alone", "10.0.0.1*", IPv4, ErrSyntax, `target: "10.0.0.1*": unexpected '*' in octet 4`},
		{"star in list", "10.0.0.*,1", IPv4, ErrSyntax, `target: "10.0.0.*,1": unexpected ',' in octet 4`},
		{"decimal address", "167772161", IPv4, ErrSyntax, `target: "167772161": an IPv4 address needs 4 octets, found 1`},
		{"ipv4 mask too long", "10.0.0.0/33", IPv4, ErrSyntax, `target: "10.0.0.0/33": prefix length /33 out of range 0-32 for IPv4`},
		{"ipv6 mask too long", "2001:db8::/129", IPv6, ErrSyntax, `target: "2001:db8::/129": prefix length /129 out of range 0-128 for IPv6`},
		{"name mask too long", "example.org/33", IPv4, ErrSyntax, `target: "example.org/33": prefix length /33 out of range 0-32 for IPv4`},
		{"mask not a number", "10.0.0.0/x", IPv4, ErrSyntax, `target: "10.0.0.0/x": prefix length "x" is not a number`},
		{"mask missing", "10.0.0.0/", IPv4, ErrSyntax, `target: "10.0.0.0/": missing prefix length after /`},
		{"mask alone", "/24", IPv4, ErrSyntax, `target: "/24": missing address before /`},
		{"empty", "", IPv4, ErrSyntax, `target: "": empty target specification`},
		{"ipv6 without -6", "2001:db8::1", IPv4, ErrFamily, `target: "2001:db8::1": IPv6 target given without -6; use -6 to scan IPv6`},
		{"ipv6 cidr without -6", "2001:db8::/64", IPv4, ErrFamily, `target: "2001:db8::/64": IPv6 target given without -6; use -6 to scan IPv6`},
		{"ipv4 with -6", "10.0.0.1", IPv6, ErrFamily, `target: "10.0.0.1": IPv4 target given with -6; drop -6 to scan IPv4`},
		{"ranges with -6", "10.0.0.1-5", IPv6, ErrFamily, `target: "10.0.0.1-5": IPv4 target given with -6; drop -6 to scan IPv4`},
		{"bad ipv6", "2001:db8::zz", IPv6, ErrSyntax, `target: "2001:db8::zz": not a valid IPv6 address`},
		{"bad ipv6 without -6", "1:2:3", IPv4, ErrSyntax, `target: "1:2:3": not a valid IPv6 address`},
		{"bad character", "exa$mple.org", IPv4, ErrSyntax, `target: "exa$mple.org": not an IP address, network or hostname (bad character '$')`},
		{"empty label", "a..b", IPv4, ErrSyntax, `target: "a..b": hostname has an empty label`},
		{"option", "-sS", IPv4, ErrSyntax, `target: "-sS": not a target; options go before the targets`},
		{"long label", strings.Repeat("a", 64) + ".org", IPv4, ErrSyntax, "hostname label longer than 63 characters"},
		{"long name", strings.Repeat("abcdefgh.", 30) + "org", IPv4, ErrSyntax, "hostname longer than 253 characters"},
		{"too long", strings.Repeat("a", 1024), IPv4, ErrSyntax, "longer than 1023 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(tt.in, tt.fam)
			if err == nil {
				t.Fatalf("Parse(%q) succeeded", tt.in)
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("Parse(%q) = %v, not %v", tt.in, err, tt.is)
			}
			var e *Error
			if !errors.As(err, &e) || e.Spec != tt.in {
				t.Errorf("Parse(%q) error %#v does not name the spec", tt.in, err)
			}
			if strings.HasPrefix(tt.msg, "target:") && err.Error() != tt.msg || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("Parse(%q) error\n got %s\nwant %s", tt.in, err, tt.msg)
			}
		})
	}
}

func TestErrorLine(t *testing.T) {
	e := &Error{Spec: "10.0.0.300", Line: 7, Err: why(ErrSyntax, "octet 4 value 300 out of range 0-255")}
	if got, want := e.Error(), `target: line 7: "10.0.0.300": octet 4 value 300 out of range 0-255`; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}
