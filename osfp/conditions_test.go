package osfp

import (
	"testing"
	"time"
)

func TestConditions(t *testing.T) {
	good := Conditions{OpenTCPPort: 22, ClosedTCPPort: 1, ClosedUDPPort: 33434, Distance: 2, MaxTimingRatio: 1.02}
	cases := []struct {
		mod   func(*Conditions)
		want  string
		tries int
	}{
		{func(*Conditions) {}, "", 5},
		{func(c *Conditions) { c.ScanDelay = time.Second }, "Scan delay (1000) is greater than 500", 2},
		{func(c *Conditions) { c.Insane = true }, "Timing level 5 (Insane) used", 2},
		{func(c *Conditions) { c.OpenTCPPort = 0 }, "Missing an open TCP port so results incomplete", 2},
		{func(c *Conditions) { c.ClosedTCPPort = 0 }, "Missing a closed TCP port so results incomplete", 2},
		{func(c *Conditions) { c.Distance = 9 }, "Host distance (9 network hops) is greater than five", 2},
		{func(c *Conditions) { c.Distance = -3 }, "Host distance (-3 network hops) appears to be negative", 2},
		{func(c *Conditions) { c.MaxTimingRatio = 2 }, "maxTimingRatio (2.000000e+00) is greater than 1.4", 2},
		{func(c *Conditions) { c.ClosedUDPPort = 0 }, "Didn't receive UDP response. Please try again with -sSU", 2},
		{func(c *Conditions) { c.ClosedUDPPort, c.UDPScan = 0, true }, "", 5},
	}
	for _, c := range cases {
		cond := good
		c.mod(&cond)
		if got := cond.OmitReason(); got != c.want {
			t.Errorf("%+v: %q, want %q", cond, got, c.want)
		}
		if got := cond.MaxTries(0); got != c.tries {
			t.Errorf("%+v: %d tries, want %d", cond, got, c.tries)
		}
	}
	var sent [6]time.Time
	if TimingRatio(sent) != 0 {
		t.Error("ratio of unsent probes")
	}
	t0 := time.Unix(1e9, 0)
	for i := range sent {
		sent[i] = t0.Add(time.Duration(i) * 140 * time.Millisecond)
	}
	if r := TimingRatio(sent); r != 1.4 {
		t.Errorf("ratio %v", r)
	}
}

func TestHostDistance(t *testing.T) {
	a := Analysis{Distance: 4}
	for _, c := range []struct {
		local, link bool
		a           Analysis
		d           int
		m           DistanceMethod
	}{
		{true, true, a, 0, DistanceLocalhost},
		{false, true, a, 1, DistanceDirect},
		{false, false, a, 4, DistanceICMP},
		{false, false, Analysis{Distance: -1}, -1, DistanceUnknown},
	} {
		if d, m := HostDistance(c.a, c.local, c.link); d != c.d || m != c.m || m.Code() != [...]string{"", "L", "D", "I", "T"}[m] {
			t.Errorf("%+v: %d %v", c, d, m)
		}
	}
}
