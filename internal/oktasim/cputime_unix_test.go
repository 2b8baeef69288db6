//go:build unix

package oktasim

import (
	"syscall"
	"time"
)

// processCPU returns the CPU time (user + system) this process has used, so
// the benchmark can report throughput per CPU-second independently of how
// busy the shared machine is.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
