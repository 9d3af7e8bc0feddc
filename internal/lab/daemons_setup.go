package lab

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"net"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/template"
)

// daemonSpec says how to run one kind of daemon.
type daemonSpec struct {
	pkg   string   // Debian package of the binary that runs
	needs []string // programs setup and run use
	ports []ServicePort
	stop  syscall.Signal // graceful stop; zero means SIGTERM
	// setsid starts the daemon in a session of its own instead of only a
	// process group: for a daemon that calls setsid itself and gives up
	// when it fails, as it does for a process-group leader.
	setsid bool
	// probe, by TCP port, checks more than an accepted connection: for
	// servers that accept before they can serve.
	probe map[uint16]func(net.Conn) error
	// udpProbe, by UDP port, asks the daemon something on a connected
	// UDP socket and waits for the answer: for servers that bind before
	// they answer. Without one, a bound socket is taken as ready.
	udpProbe map[uint16]func(net.Conn) error
	// setup writes the daemon's files and returns its command line,
	// which runs in the target's namespace.
	setup func(ctx context.Context, s *setup) ([]string, error)
}

func specFor(kind DaemonKind) (daemonSpec, error) {
	switch kind {
	case DaemonSSH:
		return sshSpec, nil
	case DaemonNginx:
		return nginxSpec, nil
	case DaemonVsftpd:
		return vsftpdSpec, nil
	case DaemonRedis:
		return redisSpec, nil
	case DaemonPostgreSQL:
		return postgresSpec(), nil
	case DaemonMariaDB:
		return mariadbSpec, nil
	case DaemonPostfix:
		return postfixSpec, nil
	case DaemonDovecot:
		return dovecotSpec, nil
	case DaemonBind9:
		return bind9Spec, nil
	}
	if spec, ok := moreSpec(kind); ok {
		return spec, nil
	}
	if spec, ok := udpSpec(kind); ok {
		return spec, nil
	}
	return daemonSpec{}, fmt.Errorf("lab: unknown daemon %q", kind)
}

func tcp(port uint16, service string) ServicePort {
	return ServicePort{Proto: "tcp", Port: port, Service: service}
}

// setup is what a daemon's setup function works with. Its exported
// methods are what config templates see.
type setup struct {
	t   *Target
	dir string
}

// Dir is the daemon's private directory; Addr and Addr6 the target's
// primary addresses.
func (s *setup) Dir() string       { return s.dir }
func (s *setup) Addr() netip.Addr  { return s.t.Addr }
func (s *setup) Addr6() netip.Addr { return s.t.Addr6 }

// PTRName is the target's address within 18.198.in-addr.arpa ("2.0"),
// and PTRAbsent that of AbsentAddr on the target's link ("77.0").
func (s *setup) PTRName() string {
	a := s.t.Addr.As4()
	return fmt.Sprintf("%d.%d", a[3], a[2])
}

func (s *setup) PTRAbsent() string {
	a := s.t.AbsentAddr().As4()
	return fmt.Sprintf("%d.%d", a[3], a[2])
}

// AbsentAddr is an address on the target's link that no host has; the lab's
// DNS names it PTRAbsent.
func (t *Target) AbsentAddr() netip.Addr {
	v4, _ := Subnet(t.index)
	return hostAddr(v4, 77)
}
func (s *setup) path(p ...string) string {
	return filepath.Join(append([]string{s.dir}, p...)...)
}

// render executes a config template with s as its data.
func (s *setup) render(text string) ([]byte, error) {
	tmpl, err := template.New("").Option("missingkey=error").Parse(text)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := tmpl.Execute(&b, s); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// write renders a template into a file of the daemon's directory.
func (s *setup) write(name, text string, mode os.FileMode) error {
	b, err := s.render(text)
	if err != nil {
		return err
	}
	return os.WriteFile(s.path(name), b, mode)
}

// appendTo renders a template onto the end of an existing file, keeping
// the file's owner.
func (s *setup) appendTo(name, text string) error {
	b, err := s.render(text)
	if err != nil {
		return err
	}
	f, err := os.OpenFile(s.path(name), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// mkdirs makes directories of the daemon's directory, mode 0755 (before
// umask) and owned by root.
func (s *setup) mkdirs(names ...string) error {
	for _, n := range names {
		if err := os.MkdirAll(s.path(n), 0o755); err != nil {
			return err
		}
	}
	return nil
}

// chown gives files and directories, recursively, to a system user and
// its group.
func (s *setup) chown(username string, names ...string) error {
	uid, gid, err := lookupUser(username)
	if err != nil {
		return err
	}
	for _, n := range names {
		err := filepath.WalkDir(s.path(n), func(p string, _ fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			return os.Lchown(p, uid, gid)
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func lookupUser(name string) (uid, gid int, err error) {
	u, err := user.Lookup(name)
	if err != nil {
		return 0, 0, fmt.Errorf("system user %s: %w (is its package installed?)", name, err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid, nil
}

func lookupGroup(name string) (int, error) {
	g, err := user.LookupGroup(name)
	if err != nil {
		return 0, fmt.Errorf("system group %s: %w (is its package installed?)", name, err)
	}
	return strconv.Atoi(g.Gid)
}

// asUser prefixes a command line so that it runs as a system user. setpriv
// execs the program, so the pid stays the program's, and it puts back the
// parent-death signal that changing user clears.
func asUser(username string, argv ...string) []string {
	return append([]string{"setpriv", "--reuid=" + username, "--regid=" + username,
		"--init-groups", "--pdeathsig=keep", "--"}, argv...)
}

// run runs a preparation step (initdb, install-db) to completion inside the
// target's namespace.
func (s *setup) run(ctx context.Context, argv ...string) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	cmd := s.t.NS.Command(ctx, argv[0], argv[1:]...)
	cmd.Dir = s.dir
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s: %w\n%s", strings.Join(argv, " "), err, tailOf(out))
	}
	return nil
}

// runHere runs a tool that touches no network (key generation) in the
// test's own namespace.
func (s *setup) runHere(ctx context.Context, argv ...string) error {
	out, err := runCmd(ctx, argv[0], argv[1:]...)
	if err != nil {
		return fmt.Errorf("%w\n%s", err, tailOf(out))
	}
	return nil
}

// cert makes a self-signed certificate and its key, cert.pem and key.pem,
// as a default install's snakeoil pair: RSA 2048, subject certSubject.
func (s *setup) cert(ctx context.Context) error {
	return s.runHere(ctx, "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
		"-keyout", s.path("key.pem"), "-out", s.path("cert.pem"), "-days", "3650",
		"-subj", certSubject,
		"-addext", "subjectAltName=DNS:"+ZoneName+",DNS:*."+ZoneName+
			",IP:"+s.t.Addr.String()+",IP:"+s.t.Addr6.String())
}

func tailOf(b []byte) string {
	if len(b) > logTail {
		b = b[len(b)-logTail:]
	}
	return strings.TrimSpace(string(b))
}
