package e2e

import (
	"flag"
	"strconv"
	"sync"
	"testing"
)

// The tests on the shared stack (getStack) run in parallel with the tests
// that start stacks of their own; among themselves, sharedMu decides who
// may overlap. A test that only reads the org, or writes only to its own
// users (takeUsers) and ids, takes the stack shared (getStackShared). A
// test that reads the simulator's request log, writes to the demo org's
// fixed users, groups or zones, lists runs across the stack or starts the
// intake, takes it alone (getStackAlone): it waits until the shared tests
// in flight are done and keeps the others out until it ends. A test that
// calls getStack without t.Parallel runs before every parallel test, so
// it has the stack to itself as before.
var sharedMu sync.RWMutex

// getStackAlone marks t parallel and returns the shared stack once no
// other parallel test uses it; it stays t's alone until t ends.
func getStackAlone(t *testing.T) *stack {
	t.Helper()
	t.Parallel() // before the lock: a paused test must not hold it
	s := getStack(t)
	sharedMu.Lock()
	t.Cleanup(sharedMu.Unlock)
	return s
}

// getStackShared marks t parallel and returns the shared stack, beside the
// other tests that take it shared.
func getStackShared(t *testing.T) *stack {
	t.Helper()
	t.Parallel()
	s := getStack(t)
	sharedMu.RLock()
	t.Cleanup(sharedMu.RUnlock)
	return s
}

// e2eParallel is how many parallel tests of this package run at once when
// -parallel is not given (it defaults to GOMAXPROCS, 2 on CI). The tests
// here mostly wait: for the embedded server, timers, heartbeat timeouts,
// rate-limit windows and worker processes; and a test waiting for
// sharedMu (or the guarded stack's lock) still holds its slot. More slots
// let the stacks of their own overlap those waits.
const e2eParallel = 6

// raiseParallel sets -test.parallel to e2eParallel unless the command
// line set it; it must run after flag.Parse and before m.Run, which reads
// it (testing.runTests).
func raiseParallel() {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == "test.parallel" })
	if !set {
		_ = flag.Set("test.parallel", strconv.Itoa(e2eParallel))
	}
}

// peopleMu keeps the tests on the signed-starts stack (signedStack) one
// at a time, as they ran before they were parallel: some list runs by
// playbook across that stack.
var peopleMu sync.Mutex

// signedStackAlone marks t parallel and returns the signed-starts stack
// once no other test uses it; it stays t's alone until t ends.
func signedStackAlone(t *testing.T) *stack {
	t.Helper()
	t.Parallel() // before the lock: a paused test must not hold it
	s := signedStack(t)
	peopleMu.Lock()
	t.Cleanup(peopleMu.Unlock)
	return s
}
