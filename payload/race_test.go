//go:build race

package payload

// The race detector allocates on its own account, so allocation counts are
// only checked without it.
const raceEnabled = true
