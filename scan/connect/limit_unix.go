//go:build unix

package connect

import "syscall"

func fileLimit() int64 {
	var rl syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &rl); err != nil {
		return 256
	}
	return int64(min(rl.Cur, 1<<30))
}
