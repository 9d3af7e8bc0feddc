package main

import (
	"cmp"
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/picket-scanner/picket/internal/lab"
)

// nmapDataDir is where Debian's nmap keeps its probes, for picket's
// --datadir.
const nmapDataDir = "/usr/share/nmap"

// svPort is one TCP port of the sv target and the daemon listening on it.
type svPort struct {
	port    uint16
	service string
	d       *lab.Daemon
}

// svAnswer is what a tool's -oX <service> element says runs on a port.
type svAnswer struct{ name, product, version string }

func (a svAnswer) String() string {
	if a.product == "" && a.version == "" {
		if a.name != "" {
			return "(" + a.name + ")"
		}
		return "nothing"
	}
	return strings.TrimSpace(a.product + " " + a.version)
}

// said is the product and version an answer gives. Nmap 7.93 reports
// Mosquitto's version, from its mqtt-subscribe script, as the service
// name ("mosquitto version 2.0.11") with no product: a name with a space
// in it is taken as the product and version it says.
func (a svAnswer) said() (product, version string) {
	if a.product == "" && a.version == "" && strings.Contains(a.name, " ") {
		return a.name, a.name
	}
	return a.product, a.version
}

// svRule is what a right answer for a daemon is: a product that contains
// one of names (case aside) and, if the daemon tells its version on the
// wire, a version that contains dpkg's upstream version. A daemon that
// does not tell it must get no version, or, with ranges, a true range.
// A daemon whose wire names no product (service set, names empty) must
// get the service name and no version.
type svRule struct {
	names   []string
	wire    bool
	ranges  bool
	service string
}

var svRules = map[lab.DaemonKind]svRule{
	lab.DaemonSSH:        {names: []string{"OpenSSH"}, wire: true},
	lab.DaemonNginx:      {names: []string{"nginx"}, wire: true},
	lab.DaemonVsftpd:     {names: []string{"vsftpd"}, wire: true},
	lab.DaemonRedis:      {names: []string{"Redis"}, wire: true},
	lab.DaemonMariaDB:    {names: []string{"MariaDB", "MySQL"}, wire: true},
	lab.DaemonBind9:      {names: []string{"BIND"}, wire: true},
	lab.DaemonPostfix:    {names: []string{"Postfix"}},
	lab.DaemonDovecot:    {names: []string{"Dovecot"}},
	lab.DaemonPostgreSQL: {names: []string{"PostgreSQL"}, ranges: true},

	lab.DaemonMemcached: {names: []string{"Memcached"}, wire: true},
	lab.DaemonMosquitto: {names: []string{"Mosquitto"}, wire: true},
	lab.DaemonRsync:     {service: "rsync"},
	lab.DaemonDropbear:  {names: []string{"Dropbear"}, wire: true},
	lab.DaemonSlapd:     {names: []string{"OpenLDAP"}, ranges: true},
	lab.DaemonSamba:     {names: []string{"Samba"}, ranges: true},
	lab.DaemonTigerVNC:  {names: []string{"VNC"}},
	lab.DaemonTelnetd:   {names: []string{"telnetd"}},
	lab.DaemonApache:    {names: []string{"Apache"}, wire: true},
	lab.DaemonLighttpd:  {names: []string{"lighttpd"}, wire: true},
	lab.DaemonSquid:     {names: []string{"Squid"}, wire: true},
	lab.DaemonTinyproxy: {names: []string{"tinyproxy"}, wire: true},
}

const svAbout = "Verdicts: **right** when the product names the software (it contains OpenSSH, nginx, " +
	"vsftpd, Redis, BIND, Postfix, Dovecot, PostgreSQL, Memcached, Mosquitto, Dropbear, OpenLDAP, " +
	"Samba, VNC, telnetd, Apache, lighttpd, Squid or tinyproxy; for MariaDB, MariaDB or MySQL, the name " +
	"its handshake shares with MySQL's) and, for the daemons that tell their version on the wire " +
	"(OpenSSH, nginx, vsftpd, Redis, MariaDB, BIND, Memcached, Mosquitto (on $SYS/broker/version), " +
	"Dropbear, Apache, lighttpd, Squid, tinyproxy), the version contains dpkg's upstream version " +
	"(no epoch, no Debian revision). Postfix, Dovecot, PostgreSQL, slapd, Samba (SMB1 off), TigerVNC " +
	"and inetutils telnetd do not tell theirs: any version given for them is invented and wrong, " +
	"except for PostgreSQL, OpenLDAP and Samba a true range " +
	"(\"X or later\" with X at most the installed version, or \"X - Y\" around it, X in a part " +
	"matching any number). The rsync daemon's greeting names the protocol, not the product: right " +
	"is the service rsync and no version. Nmap 7.93 puts Mosquitto's version in the service name " +
	"(\"mosquitto version 2.0.11\"), which is read as its product and version. " +
	"Otherwise: **no answer** (no product), **wrong product**, **no version**, **wrong version**, " +
	"**invented version**. A tool's answers are shown once if every run gave the same, else each " +
	"with the number of runs (×k); *right* counts per run."

// verdict grades answer a for the daemon d.
func verdict(d *lab.Daemon, a svAnswer) string {
	rule := svRules[d.Kind]
	if rule.service != "" && len(rule.names) == 0 {
		switch {
		case a.name != rule.service:
			return "wrong service"
		case a.version != "":
			return "invented version"
		}
		return "right"
	}
	a.product, a.version = a.said()
	named := slices.ContainsFunc(rule.names, func(n string) bool {
		return strings.Contains(strings.ToLower(a.product), strings.ToLower(n))
	})
	switch {
	case a.product == "":
		return "no answer"
	case !named:
		return "wrong product"
	case rule.wire && a.version == "":
		return "no version"
	case rule.wire && !strings.Contains(a.version, d.Upstream()):
		return "wrong version"
	case !rule.wire && a.version != "" && !(rule.ranges && trueRange(a.version, d.Upstream())):
		return "invented version"
	}
	return "right"
}

// Version ranges: "9.6.0 or later", "11 - 16".
var (
	orLater  = regexp.MustCompile(`^(\d+(?:\.(?:\d+|[xX]))*) or later$`)
	between  = regexp.MustCompile(`^(\d+(?:\.(?:\d+|[xX]))*) ?- ?(\d+(?:\.(?:\d+|[xX]))*)$`)
	verParts = regexp.MustCompile(`\d+`)
)

// trueRange reports whether the range r holds version v.
func trueRange(r, v string) bool {
	if m := orLater.FindStringSubmatch(r); m != nil {
		return compareVersions(m[1], v) <= 0
	}
	if m := between.FindStringSubmatch(r); m != nil {
		return compareVersions(m[1], v) <= 0 && compareVersions(v, m[2]) <= 0
	}
	return false
}

// compareVersions compares dotted numbers over as many parts as the
// shorter has, so 15.14 is within "- 15" and 9.6.0 is below 15.14.
func compareVersions(a, b string) int {
	pa, pb := verParts.FindAllString(a, -1), verParts.FindAllString(b, -1)
	for i := range min(len(pa), len(pb)) {
		x, _ := strconv.Atoi(pa[i])
		y, _ := strconv.Atoi(pb[i])
		if c := cmp.Compare(x, y); c != 0 {
			return c
		}
	}
	return 0
}

// parseServices reads the service each open TCP port of an -oX file
// reports, by port: the sv target is one address.
func parseServices(path string) (map[uint16]svAnswer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var run struct {
		Hosts []xmlHost `xml:"host"`
	}
	if err := xml.Unmarshal(b, &run); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	got := map[uint16]svAnswer{}
	for _, h := range run.Hosts {
		for _, p := range h.Ports {
			if p.Protocol == "tcp" && p.State.State == "open" {
				got[p.PortID] = svAnswer{p.Service.Name, p.Service.Product, p.Service.Version}
			}
		}
	}
	return got, nil
}

func planSV(ctx context.Context, b *bench, l *lab.Lab) (*plan, error) {
	tg := l.Targets[0]
	ds, err := tg.StartDaemons(ctx, lab.AllDaemons()...)
	if err != nil {
		return nil, err
	}
	var svc []svPort
	for _, d := range ds {
		for _, p := range d.Ports {
			if p.Proto == "tcp" {
				svc = append(svc, svPort{port: p.Port, service: p.Service, d: d})
			}
		}
	}
	slices.SortFunc(svc, func(a, b svPort) int { return cmp.Compare(a.port, b.port) })
	open := make([]uint16, len(svc))
	list := make([]string, len(svc))
	for i, s := range svc {
		open[i], list[i] = s.port, strconv.Itoa(int(s.port))
	}
	truth := truthOf(tg.Addrs, open, nil)
	a := tg.Addr.String()
	flags := []string{"-sV", "-n", "-Pn", "-T4", "-p", strings.Join(list, ",")}
	tools := []*tool{
		xmlTool("picket", b.picket, truth, flags, a),
		xmlTool("picket --datadir", b.picket, truth, append(slices.Clone(flags), "--datadir", nmapDataDir), a),
		xmlTool("nmap", nmapPath, truth, flags, a),
	}
	for _, t := range tools {
		t.services = true
	}
	return &plan{
		about: []string{
			fmt.Sprintf("One target on a clean veth link running every real Debian daemon the lab has "+
				"(internal/lab, `StartDaemons(lab.AllDaemons()...)`): %d TCP ports, every other port closed. "+
				"picket runs twice, on its own probes and also reading Nmap's (`--datadir %s`).", len(svc), nmapDataDir),
			svAbout,
		},
		tools:    tools,
		services: svc,
	}, nil
}

// serviceTable shows, port by port, what each tool reported and its
// verdict.
func serviceTable(b *strings.Builder, svc []svPort, tools []*tool, results [][]measure) {
	b.WriteString("| port | daemon | dpkg version |")
	for _, t := range tools {
		fmt.Fprintf(b, " %s |", t.label)
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(tools)) + "\n")
	for _, s := range svc {
		fmt.Fprintf(b, "| %d %s | %s | `%s` |", s.port, s.service, s.d.Package, s.d.Version)
		for i := range tools {
			fmt.Fprintf(b, " %s |", answersCell(s, results[i]))
		}
		b.WriteString("\n")
	}
}

// answersCell is a tool's distinct answers on a port over its runs, each
// with its verdict, and how many runs gave it when they differ.
func answersCell(s svPort, ms []measure) string {
	var order []svAnswer
	n := map[svAnswer]int{}
	for _, m := range ms {
		a := m.services[s.port]
		if n[a] == 0 {
			order = append(order, a)
		}
		n[a]++
	}
	var parts []string
	for _, a := range order {
		p := fmt.Sprintf("%s: %s", mdCell(a.String()), verdict(s.d, a))
		if len(order) > 1 {
			p += fmt.Sprintf(" ×%d", n[a])
		}
		parts = append(parts, p)
	}
	if len(parts) == 0 {
		return "—"
	}
	return strings.Join(parts, "; ")
}

// mdCell keeps a reported string from breaking the table.
func mdCell(s string) string {
	return strings.NewReplacer("|", `\|`, "\n", " ", "`", "'", "*", `\*`, "_", `\_`, "~", `\~`).Replace(s)
}

// svTable is the summary: time, CPU, memory and right answers per tool.
func svTable(b *strings.Builder, svc []svPort, tools []*tool, sums []summary, results [][]measure) {
	b.WriteString("\n| tool | wall, median (min–max) | CPU, median | peak RSS | right answers | wall vs picket |\n")
	b.WriteString("|---|---|---|---|---|---|\n")
	for i, t := range tools {
		var right []string
		for _, m := range results[i] {
			n := 0
			for _, s := range svc {
				if verdict(s.d, m.services[s.port]) == "right" {
					n++
				}
			}
			right = append(right, strconv.Itoa(n))
		}
		if len(slices.Compact(slices.Clone(right))) == 1 {
			right = right[:1]
		}
		s := sums[i]
		fmt.Fprintf(b, "| %s | %s | %s | %s | %s of %d | %s |\n", t.label, s.wallCell(), seconds(s.cpuMed),
			mib(s.rssMaxKiB), strings.Join(right, ", "), len(svc), ratio(s, sums[0]))
	}
}
