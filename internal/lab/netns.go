package lab

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// netnsDir is where iproute2 keeps named namespaces.
const netnsDir = "/run/netns"

// namePrefix starts the name of every namespace a lab makes: "pk", the
// owner's process id, a dash. The sweep reads the owner back from it.
const namePrefix = "pk"

// ManualPrefix names the namespaces of the lab brought up by hand.
const ManualPrefix = "pklab"

var ownedName = regexp.MustCompile(`^` + namePrefix + `([0-9]+)-`)

// cmdTimeout bounds every ip and iptables invocation.
const cmdTimeout = 30 * time.Second

// Namespace is a named Linux network namespace made by the lab.
// It is safe for concurrent use.
type Namespace struct {
	Name string
}

func newNamespace(name string) (*Namespace, error) {
	if _, err := runCmd(context.Background(), "ip", "netns", "add", name); err != nil {
		return nil, err
	}
	ns := &Namespace{Name: name}
	if _, err := ns.IP("link", "set", "lo", "up"); err != nil {
		ns.destroy()
		return nil, err
	}
	return ns, nil
}

// IP runs "ip -n NS args..." and returns its output.
func (n *Namespace) IP(args ...string) ([]byte, error) {
	return runCmd(context.Background(), "ip", append([]string{"-n", n.Name}, args...)...)
}

// Exec runs a command inside the namespace and waits for it.
func (n *Namespace) Exec(ctx context.Context, name string, args ...string) ([]byte, error) {
	return runCmd(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
}

// Command returns a command that runs inside the namespace. iproute2 execs
// the program itself, so the started process's id is the program's.
func (n *Namespace) Command(ctx context.Context, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", n.Name, name}, args...)...)
	// A daemon must not outlive the test process that started it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	return cmd
}

// Do runs fn on an OS thread that has entered the namespace. Sockets that fn
// opens belong to the namespace for their whole life, whichever thread uses
// them later; goroutines that fn starts do not run in the namespace.
func (n *Namespace) Do(fn func() error) error {
	errc := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		err := n.doLocked(fn)
		if !errors.Is(err, errThreadTainted) {
			runtime.UnlockOSThread()
		}
		// A tainted thread stays locked: it ends with this goroutine and
		// the runtime never reuses it in the wrong namespace.
		errc <- err
	}()
	return <-errc
}

var errThreadTainted = errors.New("lab: could not return thread to its namespace")

func (n *Namespace) doLocked(fn func() error) error {
	orig, err := os.Open("/proc/thread-self/ns/net")
	if err != nil {
		return fmt.Errorf("lab: open own namespace: %w", err)
	}
	defer orig.Close()
	target, err := os.Open(filepath.Join(netnsDir, n.Name))
	if err != nil {
		return fmt.Errorf("lab: open namespace %s: %w", n.Name, err)
	}
	defer target.Close()
	if err := unix.Setns(int(target.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("lab: enter namespace %s: %w", n.Name, err)
	}
	ferr := fn()
	if err := unix.Setns(int(orig.Fd()), unix.CLONE_NEWNET); err != nil {
		return fmt.Errorf("%w: %v", errThreadTainted, err)
	}
	return ferr
}

// Sysctl sets a kernel parameter inside the namespace, e.g.
// Sysctl("net.ipv4.tcp_timestamps", "0").
func (n *Namespace) Sysctl(key, value string) error {
	path := "/proc/sys/" + strings.ReplaceAll(key, ".", "/")
	return n.Do(func() error {
		if err := os.WriteFile(path, []byte(value), 0o644); err != nil {
			return fmt.Errorf("lab: sysctl %s=%s in %s: %w", key, value, n.Name, err)
		}
		return nil
	})
}

// Pids returns the processes living in the namespace.
func (n *Namespace) Pids() []int {
	out, err := runCmd(context.Background(), "ip", "netns", "pids", n.Name)
	if err != nil {
		return nil
	}
	var pids []int
	for _, f := range strings.Fields(string(out)) {
		if p, err := strconv.Atoi(f); err == nil {
			pids = append(pids, p)
		}
	}
	return pids
}

// destroy ends every process inside the namespace (all started by the lab)
// and deletes it.
func (n *Namespace) destroy() error {
	for _, p := range n.Pids() {
		syscall.Kill(p, syscall.SIGKILL)
	}
	_, err := runCmd(context.Background(), "ip", "netns", "delete", n.Name)
	return err
}

// Sweep deletes lab namespaces whose owning process is gone: what a test
// killed before its cleanup ran left behind. Namespaces of live processes,
// and namespaces the lab did not make, are left alone.
func Sweep() error {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("lab: sweep: %w", err)
	}
	var errs []error
	// Run directories of dead labs: os.MkdirTemp names them after the lab.
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), namePrefix+"*-*-*"))
	for _, d := range dirs {
		if m := ownedName.FindStringSubmatch(filepath.Base(d)); m != nil {
			if pid, _ := strconv.Atoi(m[1]); !processAlive(pid) {
				os.RemoveAll(d)
			}
		}
	}
	for _, e := range entries {
		m := ownedName.FindStringSubmatch(e.Name())
		if m == nil {
			continue
		}
		pid, _ := strconv.Atoi(m[1])
		if processAlive(pid) {
			continue
		}
		err := (&Namespace{Name: e.Name()}).destroy()
		if _, statErr := os.Stat(filepath.Join(netnsDir, e.Name())); err != nil && statErr == nil {
			errs = append(errs, err) // a concurrent sweep may have won the race
		}
	}
	return errors.Join(errs...)
}

// DownManual deletes the namespaces of a lab brought up by hand and left
// behind, and ends the processes inside them.
func DownManual() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var gone []string
	var errs []error
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), ManualPrefix+"-") {
			continue
		}
		if err := (&Namespace{Name: e.Name()}).destroy(); err != nil {
			errs = append(errs, err)
			continue
		}
		gone = append(gone, e.Name())
	}
	return gone, errors.Join(errs...)
}

// Namespaces lists the lab namespaces on this machine: those of tests
// (with their owner's process id) and of the manual lab.
func Namespaces() ([]string, error) {
	entries, err := os.ReadDir(netnsDir)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("lab: %w", err)
	}
	var names []string
	for _, e := range entries {
		if ownedName.MatchString(e.Name()) || strings.HasPrefix(e.Name(), ManualPrefix+"-") {
			names = append(names, e.Name())
		}
	}
	return names, nil
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func runCmd(ctx context.Context, name string, args ...string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, cmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("lab: %s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
