package lab

import (
	"os"
	"os/exec"
	"testing"
)

// CI reports whether the tests run in CI, where a lab test must never skip.
func CI() bool { return os.Getenv("CI") == "true" }

// Require skips the test when the lab cannot be built here (not root, or
// iproute2 and iptables missing), and fails it instead in CI.
func Require(t testing.TB) {
	t.Helper()
	reason := ""
	switch {
	case os.Geteuid() != 0:
		reason = "lab tests need root for network namespaces"
	default:
		for _, tool := range []string{"ip", "iptables", "ip6tables"} {
			if _, err := exec.LookPath(tool); err != nil {
				reason = "lab tests need " + tool + " (scripts/install-deps.sh installs it)"
				break
			}
		}
	}
	if reason == "" {
		return
	}
	if CI() {
		t.Fatalf("%s; CI must run every lab test", reason)
	}
	t.Skipf("%s: run 'sudo make test' to include them", reason)
}

// RequireCommand skips (fails in CI) when a program the test needs is not
// installed.
func RequireCommand(t testing.TB, names ...string) {
	t.Helper()
	for _, name := range names {
		if _, err := exec.LookPath(name); err != nil {
			if CI() {
				t.Fatalf("%s is not installed; scripts/install-deps.sh must install it", name)
			}
			t.Skipf("%s is not installed: run scripts/install-deps.sh", name)
		}
	}
}

// Start builds a lab for one test and tears it down when the test ends.
func Start(t testing.TB, cfg Config) *Lab {
	t.Helper()
	Require(t)
	l, err := New(cfg)
	if err != nil {
		t.Fatalf("build lab: %v", err)
	}
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("tear down lab: %v", err)
		}
	})
	return l
}
