//go:build !unix

package oktasim

import "time"

func processCPU() time.Duration { return 0 }
