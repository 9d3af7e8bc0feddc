package timing_test

import (
	"testing"

	"github.com/picket-scanner/picket/timing"
)

func TestRetries(t *testing.T) {
	tests := []struct {
		name       string
		maxRetries int
		answered   []int // try numbers that got answers, in order
		allowed    int
		capped     bool
		rises      int // answers that raised the best try
	}{
		{"clean network retries once", 10, []int{0, 0, 0}, 1, false, 0},
		{"a second try answered allows a third", 10, []int{0, 1}, 2, false, 1},
		{"answers out of order", 10, []int{3, 1, 2}, 4, false, 1},
		{"bounded by --max-retries", 2, []int{0, 2}, 2, true, 1},
		{"no retries at all", 0, nil, 0, true, 0},
		{"-T5 with no answers yet", 2, nil, 1, false, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := timing.NewRetries(tt.maxRetries)
			rises := 0
			for _, try := range tt.answered {
				if r.Answered(try) {
					rises++
				}
			}
			if r.Allowed() != tt.allowed || r.Capped() != tt.capped || rises != tt.rises || r.Max() != tt.maxRetries {
				t.Errorf("allowed %d capped %v rises %d max %d; want %d %v %d %d",
					r.Allowed(), r.Capped(), rises, r.Max(), tt.allowed, tt.capped, tt.rises, tt.maxRetries)
			}
		})
	}
}
