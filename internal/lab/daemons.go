package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// DaemonKind names a real server the lab can start from its Debian package.
type DaemonKind string

// The daemons the lab knows how to start.
const (
	DaemonSSH        DaemonKind = "ssh"        // OpenSSH sshd
	DaemonNginx      DaemonKind = "nginx"      // nginx, HTTP and HTTPS
	DaemonVsftpd     DaemonKind = "vsftpd"     // vsftpd, anonymous login on
	DaemonRedis      DaemonKind = "redis"      // Redis, no password
	DaemonPostgreSQL DaemonKind = "postgresql" // PostgreSQL, SCRAM over TCP
	DaemonMariaDB    DaemonKind = "mariadb"    // MariaDB, an account for the lab
	DaemonPostfix    DaemonKind = "postfix"    // Postfix SMTP
	DaemonDovecot    DaemonKind = "dovecot"    // Dovecot IMAP and POP3, with TLS ports
	DaemonBind9      DaemonKind = "bind9"      // BIND named, authoritative for ZoneName
)

// AllDaemons lists every kind StartDaemon accepts.
func AllDaemons() []DaemonKind {
	kinds := []DaemonKind{
		DaemonSSH, DaemonNginx, DaemonVsftpd, DaemonRedis, DaemonPostgreSQL,
		DaemonMariaDB, DaemonPostfix, DaemonDovecot, DaemonBind9,
	}
	kinds = append(kinds, moreDaemons...)
	kinds = append(kinds, udpDaemons...)
	return kinds
}

// Names and credentials the daemons are set up with.
const (
	// ZoneName is the zone bind9 serves; its apex, ns, www and mail
	// names point at the target.
	ZoneName = "lab.picket.test"
	// DaemonUser and DaemonPassword are the account created for logins
	// from the lab: MariaDB's picket, Dovecot's picket. PostgreSQL's
	// superuser postgres has the same password.
	DaemonUser     = "picket"
	DaemonPassword = "picket-lab"
	// certSubject is the subject of the self-signed certificate each TLS
	// service presents.
	certSubject = "/O=picket lab/CN=" + ZoneName
)

// ServicePort is one port a daemon listens on, on every address of its
// target, IPv4 and IPv6.
type ServicePort struct {
	Proto   string // "tcp" or "udp"
	Port    uint16
	Service string // the IANA service name, e.g. "ssh", "imaps"
}

// Daemon is a real server running in a target's namespace. It is safe for
// concurrent use; its fields do not change once StartDaemon returns.
type Daemon struct {
	Kind DaemonKind
	// Package is the Debian package whose binary runs, and Version that
	// package's installed version (dpkg's ${Version}, e.g.
	// "1:9.2p1-2+deb12u7"): the ground truth version detection is
	// measured against.
	Package string
	Version string
	// Ports are what the daemon accepts connections on.
	Ports []ServicePort

	pid     int
	startup time.Duration // from StartDaemon's call to ready, for the tests' logs
	dir     string
	log     string
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited, before it is reaped
}

// Pid returns the daemon's process id (the main process: master, postmaster).
func (d *Daemon) Pid() int { return d.pid }

// Upstream returns the upstream part of Version: no epoch, no Debian
// revision, no repack suffix ("1:9.2p1-2+deb12u7" gives "9.2p1").
func (d *Daemon) Upstream() string { return upstreamVersion(d.Version) }

func upstreamVersion(v string) string {
	if i := strings.IndexByte(v, ':'); i >= 0 {
		v = v[i+1:]
	}
	if i := strings.LastIndexByte(v, '-'); i >= 0 {
		v = v[:i]
	}
	if i := strings.IndexAny(v, "+~"); i >= 0 {
		v = v[:i]
	}
	return v
}

const (
	// startTimeout bounds how long a daemon may take to accept
	// connections on all its ports.
	startTimeout = 60 * time.Second
	// stopTimeout is how long a daemon gets to exit after its stop signal
	// before it is killed.
	stopTimeout = 10 * time.Second
	// logTail is how much of a daemon's log an error carries.
	logTail = 2048
)

// maxDaemonStarts bounds how many daemons StartDaemons prepares at once:
// key generation and database initialisation are CPU-bound.
const maxDaemonStarts = 3

// StartDaemons starts several daemons on the target concurrently and
// returns them in the order asked. If some fail it returns the others
// (nil in place of each that failed) with the failures joined; those
// started run until the lab closes either way.
func (t *Target) StartDaemons(ctx context.Context, kinds ...DaemonKind) ([]*Daemon, error) {
	ds := make([]*Daemon, len(kinds))
	errs := make([]error, len(kinds))
	sem := make(chan struct{}, maxDaemonStarts)
	var wg sync.WaitGroup
	for i, k := range kinds {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			ds[i], errs[i] = t.StartDaemon(ctx, k)
		})
	}
	wg.Wait()
	return ds, errors.Join(errs...)
}

// StartDaemon starts a real server of the given kind in the target's
// namespace, with its configs, data, sockets and log in a directory of its
// own below the lab's Dir, and returns once it accepts connections on all
// its ports. The lab stops it at Close. A kind can run once per target.
func (t *Target) StartDaemon(ctx context.Context, kind DaemonKind) (*Daemon, error) {
	spec, err := specFor(kind)
	if err != nil {
		return nil, err
	}
	d, err := t.startDaemon(ctx, kind, spec)
	if err != nil {
		return nil, fmt.Errorf("lab: start %s in %s: %w", kind, t.NS.Name, err)
	}
	return d, nil
}

func (t *Target) startDaemon(ctx context.Context, kind DaemonKind, spec daemonSpec) (*Daemon, error) {
	begin := time.Now()
	for _, p := range spec.needs {
		if _, err := exec.LookPath(p); err != nil {
			return nil, fmt.Errorf("%s is not installed: run scripts/install-deps.sh", p)
		}
	}
	version, err := packageVersion(spec.pkg)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(t.lab.Dir, fmt.Sprintf("t%d-%s", t.index, kind))
	if err := os.Mkdir(dir, 0o755); err != nil {
		if errors.Is(err, os.ErrExist) {
			return nil, errors.New("already started on this target")
		}
		return nil, err
	}
	s := &setup{t: t, dir: dir}
	argv, err := spec.setup(ctx, s)
	if err != nil {
		return nil, err
	}
	d := &Daemon{
		Kind: kind, Package: spec.pkg, Version: version, Ports: spec.ports,
		dir: dir, log: filepath.Join(dir, "log"), exited: make(chan struct{}),
	}
	logf, err := os.OpenFile(d.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	// Not ctx: the daemon lives until the lab closes, not until the
	// caller's context ends.
	d.cmd = t.NS.Command(context.Background(), argv[0], argv[1:]...)
	d.cmd.Dir = dir
	if spec.setsid {
		d.cmd.SysProcAttr.Setpgid, d.cmd.SysProcAttr.Setsid = false, true
	}
	// A file, not a pipe: Wait need not wait for children that inherit it.
	d.cmd.Stdout, d.cmd.Stderr = logf, logf
	if err := d.cmd.Start(); err != nil {
		return nil, err
	}
	d.pid = d.cmd.Process.Pid
	go d.watch()
	stop := spec.stop
	if stop == 0 {
		stop = syscall.SIGTERM
	}
	t.lab.addCloser(func() error { return d.stop(stop) })
	if err := d.waitReady(ctx, t, spec); err != nil {
		return nil, fmt.Errorf("%w\n%s", err, d.tail())
	}
	d.startup = time.Since(begin)
	return d, nil
}

// watch closes exited when the process ends, leaving it a zombie so that
// its pid, and so its process group, cannot be reused before stop is done
// with them.
func (d *Daemon) watch() {
	defer close(d.exited)
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_PID, d.pid, &info, unix.WEXITED|unix.WNOWAIT, nil)
		if !errors.Is(err, unix.EINTR) {
			return
		}
	}
}

// stop sends sig, waits a bounded time, kills, then kills what is left of
// the process group (workers, backends) and reaps.
func (d *Daemon) stop(sig syscall.Signal) error {
	select {
	case <-d.exited:
	default:
		d.cmd.Process.Signal(sig)
		t := time.NewTimer(stopTimeout)
		select {
		case <-d.exited:
		case <-t.C:
			d.cmd.Process.Kill()
			<-d.exited
		}
		t.Stop()
	}
	syscall.Kill(-d.pid, syscall.SIGKILL)
	d.cmd.Wait() // its exit status after a signal is no error of the lab's
	return nil
}

// tail returns the end of the daemon's log.
func (d *Daemon) tail() string {
	b, err := os.ReadFile(d.log)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(b) > logTail {
		b = b[len(b)-logTail:]
		if i := bytes.IndexByte(b, '\n'); i >= 0 {
			b = b[i+1:]
		}
	}
	return fmt.Sprintf("log %s ends:\n%s", d.log, bytes.TrimSpace(b))
}

// readyCheck is one port on one address still to answer.
type readyCheck struct {
	proto string
	addr  netip.AddrPort
	probe func(net.Conn) error
}

// waitReady polls, from inside the target, until every port answers.
func (d *Daemon) waitReady(ctx context.Context, t *Target, spec daemonSpec) error {
	ctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	var pending []readyCheck
	for _, p := range spec.ports {
		for _, a := range []netip.Addr{t.Addr, t.Addr6} {
			probe := spec.probe[p.Port]
			if p.Proto == "udp" {
				probe = spec.udpProbe[p.Port]
			}
			pending = append(pending, readyCheck{p.Proto, netip.AddrPortFrom(a, p.Port), probe})
			if p.Proto == "udp" && probe == nil {
				break // a bound socket is all a UDP check can see
			}
		}
	}
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last error
	for {
		var still []readyCheck
		for _, c := range pending {
			if err := c.try(ctx, t.NS); err != nil {
				last = err
				still = append(still, c)
			}
		}
		if pending = still; len(pending) == 0 {
			return nil
		}
		select {
		case <-d.exited:
			return errors.New("exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("not ready: %w (last: %v)", ctx.Err(), last)
		case <-tick.C:
		}
	}
}

func (c readyCheck) try(ctx context.Context, ns *Namespace) error {
	if c.proto == "udp" && c.probe != nil {
		return udpReady(ctx, ns, c)
	}
	if c.proto == "udp" {
		return ns.Do(func() error { return udpBound(c.addr.Port()) })
	}
	var conn net.Conn
	err := ns.Do(func() error {
		dctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		var err error
		conn, err = (&net.Dialer{}).DialContext(dctx, "tcp", c.addr.String())
		return err
	})
	if err != nil {
		return err
	}
	defer conn.Close()
	if c.probe == nil {
		return nil
	}
	conn.SetDeadline(time.Now().Add(2 * time.Second))
	if err := c.probe(conn); err != nil {
		return fmt.Errorf("%s: %w", c.addr, err)
	}
	return nil
}

// udpBound reports whether a UDP socket is bound to port in the calling
// thread's namespace. It must run inside Namespace.Do: /proc/thread-self
// shows the thread's namespace, /proc/self/net the process's.
func udpBound(port uint16) error {
	want := fmt.Sprintf(":%04X", port)
	for _, f := range []string{"/proc/thread-self/net/udp", "/proc/thread-self/net/udp6"} {
		b, err := os.ReadFile(f)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(b), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) > 1 && strings.HasSuffix(fields[1], want) {
				return nil
			}
		}
	}
	return fmt.Errorf("udp port %d: nothing bound", port)
}

var versions sync.Map // package name → func() (string, error)

// packageVersion returns the installed version of a Debian package, asking
// dpkg once per process.
func packageVersion(pkg string) (string, error) {
	f, _ := versions.LoadOrStore(pkg, sync.OnceValues(func() (string, error) {
		// Not ctx: the answer is cached for every later caller.
		out, err := runCmd(context.Background(), "dpkg-query", "-W", "-f=${Version}", pkg)
		v := strings.TrimSpace(string(out))
		if err != nil || v == "" {
			return "", fmt.Errorf("version of package %s: %v: run scripts/install-deps.sh", pkg, err)
		}
		return v, nil
	}))
	return f.(func() (string, error))()
}
