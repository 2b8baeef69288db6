package e2e

import (
	"fmt"
	"os"
	"time"

	"github.com/cordonsec/cordon/action"
)

// heartbeatEnv, set on a worker process (spawnWorker), replaces the bulk
// actions' heartbeat timeout (30 s in the registry) in that process's
// registry. The kill -9 tests wait one heartbeat timeout per kill before
// the server hands the dead worker's activities to the next worker; a
// short timeout keeps that wait, not what the tests assert, from making
// up most of the package's run time. The workflow schedules its
// activities with the registry's timeout (workflows/action.go), so the
// worker that runs the workflow decides it; a timeout is not part of the
// command sequence that replay compares.
const heartbeatEnv = "CORDON_E2E_BULK_HEARTBEAT"

// killHeartbeat is the heartbeat timeout of the kill tests' workers: long
// enough for a loaded 2-core machine (the SDK sends a heartbeat at 80% of
// it at most), short enough that three kills cost seconds, not minutes.
const killHeartbeat = 5 * time.Second

// quickHeartbeat is the environment of a worker process with the kill
// tests' heartbeat timeout (append to stack.spawnEnv).
func quickHeartbeat() []string {
	return []string{heartbeatEnv + "=" + killHeartbeat.String()}
}

// applyHeartbeatEnv sets every bulk action's heartbeat timeout in reg to
// heartbeatEnv's duration, when the variable is set.
func applyHeartbeatEnv(reg *action.Registry) error {
	v := os.Getenv(heartbeatEnv)
	if v == "" {
		return nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return fmt.Errorf("%s=%q: want a positive duration", heartbeatEnv, v)
	}
	for _, a := range reg.All() {
		if a.Heartbeat > 0 {
			a.Heartbeat = d
		}
	}
	return nil
}
