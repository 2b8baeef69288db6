//go:build unix

package activities

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used:
// BenchmarkPacing reports it for the contenders it runs one at a time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
