package target

import (
	"bytes"
	"context"
	"fmt"
	"testing"
)

func BenchmarkStreamCIDR(b *testing.B) {
	specs := specsOf(b, IPv4, "10.0.0.0/16")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		for _, err := range Stream(context.Background(), specs, Options{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/target")
}

func BenchmarkStreamList(b *testing.B) {
	var buf bytes.Buffer
	for i := range 10000 {
		fmt.Fprintf(&buf, "10.%d.%d.%d # host %d\n", i>>16&255, i>>8&255, i&255, i)
	}
	list := buf.Bytes()
	b.ReportAllocs()
	b.SetBytes(int64(len(list)))
	n := 0
	for b.Loop() {
		for _, err := range Stream(context.Background(), ReadList(bytes.NewReader(list), IPv4), Options{}) {
			if err != nil {
				b.Fatal(err)
			}
			n++
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(n), "ns/target")
}

func benchSpace(b *testing.B, o Options, specs ...string) {
	s, err := Build(context.Background(), specsOf(b, IPv4, specs...), o)
	if err != nil {
		b.Fatal(err)
	}
	n, _ := s.Len()
	p := NewPermutation(n, 1)
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		_ = s.At(p.At(i))
		if i++; i == n {
			i = 0
		}
	}
}

func BenchmarkSpaceAt(b *testing.B) {
	var specs []string
	for i := range 1000 {
		specs = append(specs, fmt.Sprintf("10.%d.%d.0/28", i/256, i%256))
	}
	benchSpace(b, Options{}, specs...)
}

func BenchmarkSpaceAtOctetRanges(b *testing.B) {
	o := Options{}
	o.Exclude = exclusions(b, o, "10.0.0.0/16", "10.1.2.3")
	benchSpace(b, o, "10.0-255.0-255.1,7")
}

func BenchmarkSpaceAtCutByOctetRanges(b *testing.B) {
	benchSpace(b, Options{}, "10.0-255.0-255.1", "10.0.0.0/12")
}

func BenchmarkPermutation(b *testing.B) {
	p := NewPermutation(1_000_003, 42)
	b.ReportAllocs()
	i := uint64(0)
	var sink uint64
	for b.Loop() {
		sink += p.At(i)
		if i++; i == p.Len() {
			i = 0
		}
	}
	_ = sink
}

func BenchmarkExclusionsContains(b *testing.B) {
	var specs []string
	for i := range 10000 {
		specs = append(specs, fmt.Sprintf("10.%d.%d.0/30", i/256, i%256))
	}
	x := exclusions(b, Options{}, specs...)
	s, _ := Build(context.Background(), specsOf(b, IPv4, "10.0.0.0/16"), Options{})
	n, _ := s.Len()
	b.ReportAllocs()
	i := uint64(0)
	for b.Loop() {
		x.Contains(s.At(i).Addr)
		if i++; i == n {
			i = 0
		}
	}
}
