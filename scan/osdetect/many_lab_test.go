package osdetect_test

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/picket-scanner/picket/internal/lab"
	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/scan/osdetect"
)

// manyHosts is how many addresses the lab's Linux target has.
const manyHosts = 16

// linuxTarget is the index of the plain Linux kernel in labCases.
const linuxTarget = 4

// TestManyHosts fingerprints every address of the Linux target at once:
// one socket, every host in parallel, each named right, in about the time
// of one.
func TestManyHosts(t *testing.T) {
	l := osLab(t)
	tg := l.Targets[linuxTarget]
	if len(tg.Addrs) != manyHosts {
		t.Fatalf("%d addresses", len(tg.Addrs))
	}
	var targets []osdetect.Target
	for _, a := range tg.Addrs {
		targets = append(targets, target(a))
	}
	own, err := osfp.Own()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := detect(t, l, osdetect.Config{DBs: []*osfp.DB{own}}, targets...)
	took := time.Since(start)
	for i, r := range res {
		if r == nil || !r.Exact || r.Matches[0].Name != "Linux 4.19 - 6.x" {
			t.Errorf("%s: %+v", targets[i].Addr, r)
		}
	}
	// One try is about 0.8 s; two are allowed when ICMP limits leave U1
	// unanswered. Sequential hosts would take 16 times that.
	if took > 10*time.Second {
		t.Errorf("%d hosts took %v", manyHosts, took)
	}
	t.Logf("%d hosts in %v", manyHosts, took)
}

// TestCancel stops detection part way: it must return at once, with the
// context's error, and leave no goroutine behind.
func TestCancel(t *testing.T) {
	l := osLab(t)
	before := runtime.NumGoroutine()
	d, err := osdetect.New(osdetect.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
	defer cancel()
	start := time.Now()
	var derr error
	if err := l.Scanner.Do(func() error {
		_, derr = d.Detect(ctx, []osdetect.Target{target(l.Targets[0].Addr), target(l.Targets[linuxTarget].Addr)})
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if derr != context.DeadlineExceeded {
		t.Errorf("error %v, want the context's", derr)
	}
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("cancelled detection returned after %v", took)
	}
	deadline := time.Now().Add(2 * time.Second)
	for runtime.NumGoroutine() > before && time.Now().Before(deadline) {
		runtime.Gosched()
		time.Sleep(10 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > before {
		t.Errorf("%d goroutines after, %d before", n, before)
	}
}

// TestBehindRouters fingerprints a host two routers away: the probes go
// to the gateway's hardware address, and the distance comes from the TTL
// U1's unreachable quotes, as Nmap finds it.
func TestBehindRouters(t *testing.T) {
	lab.Require(t)
	l := lab.Start(t, lab.Config{Targets: []lab.TargetConfig{{Hops: 2}}})
	tg := l.Targets[0]
	if _, err := tg.ServeTCP(openPort, lab.Silent()); err != nil {
		t.Fatal(err)
	}
	res := detect(t, l, osdetect.Config{}, target(tg.Addr))[0]
	if res == nil || len(res.Matches) == 0 || res.Matches[0].Name != "Linux 4.19 - 6.x" {
		t.Fatalf("behind two routers: %+v", res)
	}
	if res.Distance != 3 {
		t.Errorf("distance %d, want 3 hops (two routers and the host)", res.Distance)
	}
	if !strings.Contains(res.Fingerprint, "DC=I") && res.Fingerprint != "" {
		t.Errorf("the distance should come from ICMP (DC=I):\n%s", res.Fingerprint)
	}
}
