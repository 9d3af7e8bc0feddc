//go:build race

package raw

// The race detector allocates on its own account, so allocation counts are
// only checked without it.
const raceEnabled = true
