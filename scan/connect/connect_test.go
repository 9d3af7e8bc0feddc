package connect

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
	"github.com/picket-scanner/picket/scan"
	"github.com/picket-scanner/picket/timing"
)

// fakeNet answers dials from a table, with no network at all: open ports
// complete, refused ports fail at once, silent ports block until the
// attempt's deadline, flaky ports stay silent for their first tries.
type fakeNet struct {
	mu       sync.Mutex
	open     map[uint16]bool
	unreach  map[uint16]bool
	silent   map[uint16]bool
	flaky    map[uint16]int // attempts to swallow before answering refused
	emfile   map[uint16]int // attempts failing with EMFILE first
	attempts map[netip.AddrPort]int
	inFlight int
	peak     int
}

func (f *fakeNet) dial(ctx context.Context, addr netip.AddrPort) (net.Conn, error) {
	p := addr.Port()
	f.mu.Lock()
	f.attempts[addr]++
	n := f.attempts[addr]
	f.inFlight++
	f.peak = max(f.peak, f.inFlight)
	f.mu.Unlock()
	defer func() {
		f.mu.Lock()
		f.inFlight--
		f.mu.Unlock()
	}()
	switch {
	case f.emfile[p] >= n:
		return nil, &net.OpError{Op: "dial", Err: syscall.EMFILE}
	case f.open[p]:
		a, b := net.Pipe()
		b.Close()
		return a, nil
	case f.unreach[p]:
		return nil, &net.OpError{Op: "dial", Err: syscall.EHOSTUNREACH}
	case f.silent[p] || f.flaky[p] >= n:
		<-ctx.Done()
		return nil, ctx.Err()
	}
	return nil, &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}
}

func TestScanStates(t *testing.T) {
	f := &fakeNet{
		open:     map[uint16]bool{22: true, 80: true},
		unreach:  map[uint16]bool{25: true},
		silent:   map[uint16]bool{135: true, 139: true},
		flaky:    map[uint16]int{443: 1, 8443: 2},
		emfile:   map[uint16]int{21: 3},
		attempts: map[netip.AddrPort]int{},
	}
	p := timing.DefaultParams()
	p.InitialRTT, p.MinRTT, p.MaxRTT = 50*time.Millisecond, 20*time.Millisecond, 100*time.Millisecond
	p.MaxRetries = 3
	s := New(Config{Params: p, Concurrency: 64, Dial: f.dial, Seed: 7})
	var ports []uint16
	for port := uint16(1); port <= 1000; port++ {
		ports = append(ports, port)
	}
	ports = append(ports, 8443)
	hosts := []netip.Addr{netip.MustParseAddr("198.18.0.2"), netip.MustParseAddr("198.18.0.3")}
	tab, st, err := s.Scan(context.Background(), hosts, ports)
	if err != nil {
		t.Fatal(err)
	}
	want := map[uint16]struct {
		state  result.State
		reason result.Reason
	}{
		22: {result.Open, "syn-ack"}, 80: {result.Open, "syn-ack"},
		25:  {result.Filtered, "host-unreach"},
		135: {result.Filtered, "no-response"}, 139: {result.Filtered, "no-response"},
		443: {result.Closed, "conn-refused"}, 8443: {result.Closed, "conn-refused"},
		21: {result.Closed, "conn-refused"},
	}
	for h := range hosts {
		for _, pr := range tab.Host(h, nil) {
			s, r := scan.Connect.Classify(pr.Outcome)
			w, ok := want[pr.Number]
			if !ok {
				w.state, w.reason = result.Closed, "conn-refused"
			}
			if s != w.state || r != w.reason {
				t.Errorf("host %d port %d: %s (%s), want %s (%s)", h, pr.Number, s, r, w.state, w.reason)
			}
		}
	}
	// 443 needed one retransmission, 8443 two; the silent ports get the
	// adaptive cap (two retries once 8443 earned an answer on its third try).
	if st.Recovered != 4 {
		t.Errorf("%d answers came to retransmissions, want 4 (443 and 8443 on two hosts)", st.Recovered)
	}
	if st.NoReply != 4 {
		t.Errorf("%d ports rest on silence, want 4", st.NoReply)
	}
	if f.peak > 64 {
		t.Errorf("%d attempts were in flight at once, above the limit of 64", f.peak)
	}
	for _, h := range hosts {
		if n := f.attempts[netip.AddrPortFrom(h, 21)]; n != 4 {
			t.Errorf("%s port 21 was tried %d times, want 4 (3 EMFILE, then refused)", h, n)
		}
	}
}

func TestScanCancel(t *testing.T) {
	f := &fakeNet{silent: map[uint16]bool{}, attempts: map[netip.AddrPort]int{}}
	for p := uint16(1); p <= 100; p++ {
		f.silent[p] = true
	}
	p := timing.DefaultParams()
	s := New(Config{Params: p, Concurrency: 8, Dial: f.dial})
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	var ports []uint16
	for port := uint16(1); port <= 100; port++ {
		ports = append(ports, port)
	}
	start := time.Now()
	_, _, err := s.Scan(ctx, []netip.Addr{netip.MustParseAddr("198.18.0.2")}, ports)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Scan after cancel: %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Scan took %v to stop after cancel", d)
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		err  error
		want scan.Outcome
	}{
		{nil, scan.Connected},
		{syscall.ECONNREFUSED, scan.Refused},
		{&net.OpError{Err: syscall.EHOSTUNREACH}, scan.HostUnreach},
		{syscall.ENETUNREACH, scan.NetUnreach},
		{context.DeadlineExceeded, scan.None},
	}
	for _, tt := range tests {
		if got := classify(tt.err); got != tt.want {
			t.Errorf("classify(%v) = %d, want %d", tt.err, got, tt.want)
		}
	}
}
