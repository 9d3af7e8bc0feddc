package service

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/picket-scanner/picket/result"
)

// sigProbe is a scriptable signature probe: it matches replies that start
// with one of its patterns, each naming a service, soft or hard.
type sigProbe struct {
	payload    string
	wait       time.Duration
	wrapped    time.Duration
	identifies []string
	patterns   []sigPattern
	log        *sigLog
}

type sigPattern struct {
	prefix, service, product string
	soft                     bool
}

// sigLog records what the detector did, for the assertions.
type sigLog struct {
	mu       sync.Mutex
	sent     []string // payloads, in order
	narrowed []string // the service each Match call was restricted to
	plans    []string // "port/tls/intensity" of each Plan call
}

func (l *sigLog) add(list *[]string, s string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, s)
}

func (l *sigLog) get(list *[]string) []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(*list)
}

func (p sigProbe) Payload() []byte                { return []byte(p.payload) }
func (p sigProbe) Wait() time.Duration            { return p.wait }
func (p sigProbe) TCPWrapped() time.Duration      { return p.wrapped }
func (p sigProbe) Identifies(service string) bool { return slices.Contains(p.identifies, service) }
func (p sigProbe) Match(reply []byte, service string) (Match, bool, bool) {
	if p.log != nil && p.payload != "" {
		p.log.add(&p.log.narrowed, p.payload+":"+service)
	}
	var soft *sigPattern
	for i, pt := range p.patterns {
		if service != "" && pt.service != service {
			continue
		}
		if !strings.HasPrefix(string(reply), pt.prefix) {
			continue
		}
		if !pt.soft {
			return Match{Service: result.Service{Name: pt.service, Product: pt.product}}, false, true
		}
		if soft == nil {
			soft = &p.patterns[i]
		}
	}
	if soft != nil {
		return Match{Service: result.Service{Name: soft.service}}, true, true
	}
	return Match{}, false, false
}

// sigDB plans its probes whatever the port, and records each plan.
type sigDB struct {
	probes []SignatureProbe
	log    *sigLog
}

func (db sigDB) Plan(port uint16, tls bool, intensity int) []SignatureProbe {
	if db.log != nil {
		where := "plain"
		if tls {
			where = "tls"
		}
		db.log.add(&db.log.plans, fmt.Sprintf("%d/%s/%d", port, where, intensity))
	}
	return db.probes
}

func addrOf(port uint16) netip.AddrPort {
	return netip.AddrPortFrom(netip.MustParseAddr("198.18.0.2"), port)
}

// answering serves a service that replies to each payload it knows, after
// recording it, and otherwise says nothing until the client hangs up.
func answering(log *sigLog, replies map[string]string) fakeServer {
	return func(c net.Conn) {
		b := make([]byte, 64)
		c.SetReadDeadline(time.Now().Add(3 * time.Second))
		n, err := c.Read(b)
		if err != nil {
			return
		}
		log.add(&log.sent, string(b[:n]))
		if r, ok := replies[string(b[:n])]; ok {
			c.Write([]byte(r))
		}
		c.Read(b) // until the detector hangs up
	}
}

func sigDetector(serve fakeServer, dbs ...Signatures) *Detector {
	dials := 0
	return &Detector{
		Signatures: dbs,
		Dial:       fakeDial(serve, &dials),
		BannerWait: 100 * time.Millisecond,
		Timeout:    10 * time.Second,
		Intensity:  7,
	}
}

// After a soft match, only the probes that can identify the soft-matched
// service are sent, and only that service's patterns are tried; at
// intensity 9 Nmap does not narrow, and neither does picket.
func TestSignaturesNarrowAfterSoftMatch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		intensity int
		want      result.Service
		sent      []string
	}{
		{"narrowed", 7, result.Service{Name: "thing", Product: "Thing server"}, []string{"A", "C"}},
		{"not at intensity 9", 9, result.Service{Name: "other", Product: "Other server"}, []string{"A", "B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &sigLog{}
			db := sigDB{probes: []SignatureProbe{
				sigProbe{payload: "A", wait: 300 * time.Millisecond, log: log, identifies: []string{"thing"},
					patterns: []sigPattern{{prefix: "a", service: "thing", soft: true}}},
				sigProbe{payload: "B", wait: 300 * time.Millisecond, log: log, identifies: []string{"other"},
					patterns: []sigPattern{{prefix: "b", service: "other", product: "Other server"}}},
				sigProbe{payload: "C", wait: 300 * time.Millisecond, log: log, identifies: []string{"thing", "other"},
					patterns: []sigPattern{
						{prefix: "c", service: "other", product: "Other server"},
						{prefix: "c", service: "thing", product: "Thing server"},
					}},
			}}
			d := sigDetector(answering(log, map[string]string{"A": "a\n", "B": "b\n", "C": "c\n"}), db)
			d.Intensity = tc.intensity
			got := d.Identify(context.Background(), addrOf(7000)).Service
			if got.Name != tc.want.Name || got.Product != tc.want.Product {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if sent := log.get(&log.sent); !slices.Equal(sent, tc.sent) {
				t.Errorf("sent %q, want %q", sent, tc.sent)
			}
			if tc.intensity < 9 && !slices.Contains(log.get(&log.narrowed), "C:thing") {
				t.Errorf("C's reply was not matched for thing alone: %q", log.get(&log.narrowed))
			}
		})
	}
}

// A connection the service closes, without a byte, sooner than the
// listening probe's tcpwrappedms is tcpwrapped; later, it is not.
func TestSignaturesTCPWrappedFromProbe(t *testing.T) {
	hangUpAfter := func(d time.Duration) fakeServer {
		return func(c net.Conn) { time.Sleep(d) }
	}
	for _, tc := range []struct {
		name    string
		wrapped time.Duration
		want    string
	}{
		{"within tcpwrappedms", 800 * time.Millisecond, "tcpwrapped"},
		{"after tcpwrappedms", 100 * time.Millisecond, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := sigDB{probes: []SignatureProbe{sigProbe{wait: time.Second, wrapped: tc.wrapped}}}
			d := sigDetector(hangUpAfter(300*time.Millisecond), db)
			d.BannerWait = time.Second
			if got := d.Identify(context.Background(), addrOf(7001)).Service.Name; got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// The databases are asked for the port's plan with the intensity, in the
// clear and, on a TLS port, inside TLS, where a probe's reply is matched
// as any other.
func TestSignaturesIntensityAndTLS(t *testing.T) {
	log := &sigLog{}
	db := sigDB{log: log, probes: []SignatureProbe{
		sigProbe{payload: "HELLO", wait: time.Second, identifies: []string{"hello"},
			patterns: []sigPattern{{prefix: "WORLD", service: "hello", product: "Hello server"}}},
	}}
	d := sigDetector(answering(log, map[string]string{"HELLO": "WORLD\n"}), db)
	d.Intensity = 3
	d.TLSPorts = []uint16{7443}
	d.TLS = func(_ context.Context, c net.Conn) (net.Conn, Match, error) { return c, Match{}, nil }
	got := d.Identify(context.Background(), addrOf(7443)).Service
	if got.Product != "Hello server" || got.Tunnel != "ssl" {
		t.Errorf("got %+v, want Hello server inside ssl", got)
	}
	if plans := log.get(&log.plans); !slices.Contains(plans, "7443/tls/3") {
		t.Errorf("plans %q, want one for 7443 inside TLS at intensity 3", plans)
	}
}

// A probe's wait (Nmap's totalwaitms) bounds its read of a silent
// service, and a reply that makes a hard match ends the read at once,
// though the service keeps the connection open.
func TestSignaturesWait(t *testing.T) {
	for _, tc := range []struct {
		name   string
		reply  string
		wait   time.Duration
		within time.Duration
		want   string
	}{
		{"silent: the probe's wait", "", 300 * time.Millisecond, 1500 * time.Millisecond, ""},
		{"a match ends the read", "WORLD 1\n", 5 * time.Second, 1500 * time.Millisecond, "Hello server"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := &sigLog{}
			db := sigDB{probes: []SignatureProbe{sigProbe{payload: "HELLO", wait: tc.wait,
				patterns: []sigPattern{{prefix: "WORLD", service: "hello", product: "Hello server"}}}}}
			replies := map[string]string{}
			if tc.reply != "" {
				replies["HELLO"] = tc.reply
			}
			d := sigDetector(answering(log, replies), db)
			start := time.Now()
			got := d.Identify(context.Background(), addrOf(7002)).Service
			if took := time.Since(start); took > tc.within {
				t.Errorf("took %v, want under %v", took, tc.within)
			}
			if got.Product != tc.want {
				t.Errorf("got %+v, want product %q", got, tc.want)
			}
		})
	}
}
