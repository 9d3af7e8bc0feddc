package timing

import (
	"math"
	"testing"
	"time"
)

// fill books n outcomes, lost of them lost, in bin as if recorded.
func (d *detector) fill(bin int, n, lost float32, rttN float32, queue time.Duration) {
	d.bins[bin].n += n
	d.bins[bin].lost += lost
	d.bins[bin].rttN += rttN
	d.bins[bin].queue += rttN * float32(queue.Seconds())
}

func TestDetectorBaseline(t *testing.T) {
	tests := []struct {
		name string
		fill func(d *detector)
		bin  int
		want float64
	}{
		{"nothing measured: the floor", func(d *detector) {}, 40, lossFloor},
		{"clean lower rates: the floor", func(d *detector) { d.fill(30, 500, 0, 0, 0) }, 40, lossFloor},
		{"lossy lower rates", func(d *detector) { d.fill(30, 300, 9, 0, 0); d.fill(35, 200, 6, 0, 0) }, 40, 0.03},
		{"higher rates do not count when lower ones suffice", func(d *detector) { d.fill(30, 100, 2, 0, 0); d.fill(45, 1000, 500, 0, 0) }, 40, 0.02},
		{"too few lower samples: topped up from the lowest rates above", func(d *detector) {
			d.fill(30, 20, 0, 0, 0)
			d.fill(40, 100, 20, 0, 0) // 30 of these at 20%: 6 lost in 50
			d.fill(44, 100, 100, 0, 0)
		}, 40, 0.12},
		{"at most 25%", func(d *detector) { d.fill(10, 100, 90, 0, 0) }, 40, maxBaseline},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d detector
			tt.fill(&d)
			if got := d.baseline(tt.bin); math.Abs(got-tt.want) > 1e-6 {
				t.Errorf("baseline %v, want %v", got, tt.want)
			}
		})
	}
}

func TestDetectorJudge(t *testing.T) {
	var d detector
	d.fill(10, 1000, 20, 0, 0) // 2% at low rates
	// 300 outcomes at 2%: 6 expected, limit 6 + 3*sqrt(5.88) + 1 = 14.27.
	tests := []struct {
		name     string
		answered uint32
		lost     uint32
		want     bool
	}{
		{"within the noise", 286, 14, false},
		{"above it", 285, 15, true},
		{"too few outcomes to judge", 5, 10, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := sendEpoch{start: 0, end: int64(time.Second), sent: 40000, answered: tt.answered, lost: tt.lost}
			if got := d.judge(&e); got != tt.want {
				t.Errorf("judge = %v, want %v (limit %.2f)", got, tt.want, d.limit(float64(tt.answered+tt.lost), binOf(&e)))
			}
		})
	}
}

func TestDetectorQueueing(t *testing.T) {
	epoch := func(n uint32, queue, base time.Duration) sendEpoch {
		return sendEpoch{end: int64(time.Second), sent: 40000, rttN: n, queueSum: queue * time.Duration(n), baseSum: base * time.Duration(n)}
	}
	tests := []struct {
		name  string
		fill  func(d *detector)
		epoch sendEpoch
		want  bool
	}{
		{"no baseline: no verdict", func(d *detector) {}, epoch(100, 50*time.Millisecond, 20*time.Millisecond), false},
		{"a queue lower rates did not have", func(d *detector) { d.fill(10, 0, 0, 100, time.Millisecond) },
			epoch(100, 7*time.Millisecond, 20*time.Millisecond), true},
		{"steady jitter is at every rate", func(d *detector) { d.fill(10, 0, 0, 100, 5*time.Millisecond) },
			epoch(100, 7*time.Millisecond, 20*time.Millisecond), false},
		{"a LAN needs 2ms", func(d *detector) { d.fill(10, 0, 0, 100, 0) },
			epoch(100, 1500*time.Microsecond, 200*time.Microsecond), false},
		{"too few round trips", func(d *detector) { d.fill(10, 0, 0, 100, 0) },
			epoch(7, 50*time.Millisecond, 20*time.Millisecond), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d detector
			tt.fill(&d)
			if got := d.queueing(&tt.epoch); got != tt.want {
				t.Errorf("queueing = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDetectorEpochs books outcomes by send time and settles them.
func TestDetectorEpochs(t *testing.T) {
	t0 := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	var d detector
	for i := range 100 { // 100 sends over 100ms, epochs of 20ms
		d.sent(t0.Add(time.Duration(i)*time.Millisecond), 20*time.Millisecond, 50)
	}
	if d.count != 5 {
		t.Fatalf("%d epochs, want 5", d.count)
	}
	for i := range 20 { // the first epoch: 16 answered, 4 proven lost
		sent := t0.Add(time.Duration(i) * time.Millisecond)
		if i < 4 {
			d.lost(sent)
		} else {
			d.answered(sent, 30*time.Millisecond, 30*time.Millisecond)
		}
	}
	d.answered(t0.Add(-time.Second), time.Millisecond, time.Millisecond) // before any epoch: ignored
	if e := d.ring[d.head]; e.answered != 16 || e.lost != 4 || e.sent != 20 || e.cwnd != 50 {
		t.Fatalf("first epoch %+v", e)
	}
	// 20% loss against the 1% floor, proven early: 4 > 20*0.01 + 3*0.44 + 1.
	if _, ok := d.lost(t0.Add(5 * time.Millisecond)); !ok {
		t.Error("no early verdict on 5 of 20 lost")
	}
	if v, ok := d.settle(t0.Add(30*time.Millisecond), 0, 10*time.Millisecond); !ok || !v.start.Equal(t0) || v.cwnd != 50 {
		t.Errorf("settle: %+v %v, want the first epoch, congested", v, ok)
	}
	if d.count != 4 || d.bins[binOf(&sendEpoch{end: int64(20 * time.Millisecond), sent: 20})].n != 21 {
		t.Errorf("after settling: %d epochs open, want 4, and the first recorded", d.count)
	}
	// A ring full of unsettled epochs retires the oldest as data.
	for i := range epochRing {
		d.sent(t0.Add(time.Second+time.Duration(i)*30*time.Millisecond), 20*time.Millisecond, 50)
	}
	if d.count != epochRing {
		t.Errorf("%d epochs open, want %d", d.count, epochRing)
	}
}
