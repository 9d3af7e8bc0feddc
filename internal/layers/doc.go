// Package layers holds no code, only the test that keeps picket's packages
// in their one-way dependency order (see layers_test.go): value types and
// codecs at the bottom, engines in the middle, sinks and front ends on top.
package layers
