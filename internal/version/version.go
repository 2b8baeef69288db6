// Package version holds the build version of the cordon binaries.
//
// Release builds stamp it with the linker:
//
//	go build -ldflags "-X github.com/cordonsec/cordon/internal/version.Version=v1.2.3" ./starter
//
// so that `cordon version` and the worker's startup log name the exact build.
package version

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is the release version. It is a var, not a const, so -ldflags -X can set it.
var Version = "dev"

// String returns a one-line description: version, VCS revision when the Go
// toolchain recorded one, and the Go version.
func String() string {
	rev := ""
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "vcs.revision" && len(s.Value) >= 12 {
				rev = " (" + s.Value[:12] + ")"
			}
		}
	}
	return fmt.Sprintf("%s%s %s %s/%s", Version, rev, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
