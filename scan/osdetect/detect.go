package osdetect

import (
	"context"
	"fmt"
	"hash/maphash"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/picket-scanner/picket/osfp"
	"github.com/picket-scanner/picket/result"
)

// Detect fingerprints every target and returns one result per target, in
// order: nil for a target skipped (IPv6, unreachable, or --osscan-limit
// without an open and a closed TCP port). Cancelling ctx stops it; the
// error is then ctx's and the results hold the hosts finished.
func (d *Detector) Detect(ctx context.Context, targets []Target) ([]*result.OSResult, error) {
	out := make([]*result.OSResult, len(targets))
	var hosts []*host
	var index []int
	v6 := 0
	for i, t := range targets {
		if !t.Addr.Is4() {
			v6++
			continue
		}
		if d.cfg.Limit && (t.OpenTCP == 0 || t.ClosedTCP == 0) {
			d.logf("Skipping OS Scan against %s due to absence of open (or perhaps closed) ports", t.Addr)
			continue
		}
		seed := d.cfg.Seed
		if seed == 0 {
			seed = new(maphash.Hash).Sum64()
		}
		hosts = append(hosts, &host{
			t:    t,
			wake: make(chan struct{}, 1),
			rng:  rand.New(rand.NewPCG(seed, uint64(i)<<32|uint64(t.Addr.As4()[3]))),
		})
		index = append(index, i)
	}
	if v6 > 0 {
		d.logf("Skipping OS Scan against %d IPv6 hosts: picket's active OS detection is IPv4 only", v6)
	}
	if len(hosts) == 0 {
		return out, nil
	}
	links, err := d.plan(ctx, hosts)
	if err != nil {
		return out, err
	}
	for _, l := range links {
		go l.receive()
	}
	defer func() {
		for _, l := range links {
			l.close()
		}
	}()
	if n := len(hosts); n == 1 {
		d.logf("Initiating OS detection (try #1) against %s", hosts[0].t.Addr)
	} else {
		d.logf("Initiating OS detection (try #1) against %d hosts", n)
	}
	start := d.cfg.Now()
	sem := make(chan struct{}, d.cfg.Parallel)
	var wg sync.WaitGroup
	for k, h := range hosts {
		if h.link == nil || h.skip != "" {
			continue
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			out[index[k]] = d.run(ctx, h)
		})
	}
	wg.Wait()
	d.logf("Completed OS detection of %d hosts in %.2fs", len(hosts), d.cfg.Now().Sub(start).Seconds())
	return out, ctx.Err()
}

func (d *Detector) logf(format string, args ...any) {
	if d.cfg.Log != nil {
		d.logMu.Lock()
		defer d.logMu.Unlock()
		d.cfg.Log(fmt.Sprintf(format, args...))
	}
}

// timeout is how long to wait for a host's replies.
func (d *Detector) timeout(h *host) time.Duration {
	if h.t.SRTT <= 0 {
		return d.cfg.InitialRTT
	}
	return min(max(4*h.t.SRTT, d.cfg.MinRTT), d.cfg.MaxRTT)
}

// tryResult is one try's fingerprint and what came with it.
type tryResult struct {
	r *osfp.Responses
	a osfp.Analysis
}

// run fingerprints one host: tries until a perfect match or the tries
// allowed are spent, then reports the best try.
func (d *Detector) run(ctx context.Context, h *host) *result.OSResult {
	cond := osfp.Conditions{
		ScanDelay: d.cfg.ScanDelay, Insane: d.cfg.Insane,
		OpenTCPPort: int(h.t.OpenTCP), ClosedTCPPort: int(h.t.ClosedTCP),
		Distance: -1, UDPScan: h.t.UDPScanned,
	}
	var tries []tryResult
	for n := 1; ; n++ {
		if n > 1 {
			d.logf("Retrying OS detection (try #%d) against %s", n, h.t.Addr)
		}
		r, err := h.probe(ctx, d.timeout(h))
		if err != nil {
			return nil
		}
		a := osfp.Analyze(r)
		tries = append(tries, tryResult{r, a})
		cond.MaxTimingRatio = max(cond.MaxTimingRatio, osfp.TimingRatio(r.SeqSent))
		if r.U1 != nil {
			cond.ClosedUDPPort = int(r.U1Sent.DstPort)
		}
		cond.Distance, _ = osfp.HostDistance(a, false, h.sameLink)
		if d.cfg.DBs[0].Match(a.Fingerprint, 1).Perfect > 0 {
			break
		}
		if n >= cond.MaxTries(d.cfg.MaxTries) {
			break
		}
	}
	return d.report(h, tries, cond)
}
