//go:build !unix

package activities

import "time"

func processCPU() time.Duration { return 0 }
