package e2e

import (
	"flag"
	"strconv"
	"sync"
	"testing"

	"github.com/cordonsec/cordon/internal/oktasim"
)

// How the tests of this package run at once.
//
// Every test that can runs in parallel. The tests on the shared stack
// (getStack) decide among themselves who may overlap, with sharedMu: a test
// that only reads the org, or writes only to its own users (takeUsers) and
// ids, takes the stack shared (getStackShared); a test that reads the
// simulator's request log, writes to the demo org's fixed users, groups or
// zones, lists runs across the stack or starts the intake, takes it alone
// (getStackAlone): it waits until the shared tests in flight are done and
// keeps the others out until it ends. The guarded stack (getGuardedStack)
// and the signed-starts stack (signedStackAlone) keep their tests one at a
// time. A test that calls getStack without t.Parallel runs before every
// parallel test, so it has the stack to itself as before.
//
// How many tests run at once is runSlots' business, not go test's: a test
// waiting for one of those locks must not hold one of the -parallel slots,
// or the waiters fill them and the package runs one test at a time again.
// So raiseParallel lets go test release every parallel test, and a test
// takes one of runSlots (as many as -parallel said, e2eParallel by
// default) once it holds its locks, before it starts any work.
var sharedMu sync.RWMutex

// getStackAlone marks t parallel and returns the shared stack once no
// other parallel test uses it; it stays t's alone until t ends.
func getStackAlone(t *testing.T) *stack {
	t.Helper()
	t.Parallel() // before the lock: a paused test must not hold it
	s := getStack(t)
	sharedMu.Lock()
	t.Cleanup(sharedMu.Unlock)
	takeSlot(t, true) // the stack's tests run one after another: the package's longest chain
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
	takeSlot(t, true) // the stack's tests run one after another: the package's longest chain
	return s
}

// getGuardedStackAlone marks t parallel and returns the guarded stack,
// which getGuardedStack keeps one test's at a time.
func getGuardedStackAlone(t *testing.T) *stack {
	t.Helper()
	t.Parallel()
	s := getGuardedStack(t)
	takeSlot(t, true) // the stack's tests run one after another: the package's longest chain
	return s
}

// peopleMu keeps the tests on the signed-starts stack (signedStack) one
// at a time, as they ran before they were parallel: some list runs by
// playbook across that stack.
var peopleMu sync.Mutex

// signedStackAlone marks t parallel and returns the signed-starts stack
// once no other test uses it; it stays t's alone until t ends.
func signedStackAlone(t *testing.T) *stack {
	t.Helper()
	t.Parallel()
	s := signedStack(t)
	peopleMu.Lock()
	t.Cleanup(peopleMu.Unlock)
	takeSlot(t, true) // the stack's tests run one after another: the package's longest chain
	return s
}

// parallel marks t, a test with a stack of its own, parallel and waits
// for a run slot. Call it first, before the test starts anything.
func parallel(t *testing.T) {
	t.Helper()
	t.Parallel()
	takeSlot(t, false)
}

// parallelLong is parallel for the tests that take longest (kill -9 and
// heartbeat timeouts, rate-limited soaks, PostgreSQL): they get the next
// free slot before the short tests, so none of them starts last and ends
// the package alone.
func parallelLong(t *testing.T) {
	t.Helper()
	t.Parallel()
	takeSlot(t, true)
}

// e2eParallel is how many tests of this package run at once when
// -parallel is not given (go test's default is GOMAXPROCS, 2 on CI). The
// tests here mostly wait: for the embedded server, timers, heartbeat
// timeouts, rate-limit windows and worker processes.
const e2eParallel = 6

// runSlots hands out the run slots; raiseParallel sizes it.
var runSlots = newSlotPool(e2eParallel)

// raiseParallel sizes runSlots from -parallel (e2eParallel unless the
// command line set it) and lifts go test's own limit, so that tests
// waiting for a stack's lock do not hold a slot. It must run after
// flag.Parse and before m.Run, which reads -test.parallel
// (testing.runTests).
func raiseParallel() {
	f := flag.Lookup("test.parallel")
	set := false
	flag.Visit(func(v *flag.Flag) { set = set || v.Name == f.Name })
	n := e2eParallel
	if set {
		if v, err := strconv.Atoi(f.Value.String()); err == nil && v > 0 {
			n = v
		}
	}
	runSlots = newSlotPool(n)
	_ = flag.Set("test.parallel", "1000")
}

// takeSlot waits for a run slot for t, and gives it back when t ends.
// Long tests, and the tests on the shared stacks (whose locks make them a
// chain longer than any one test), come first.
func takeSlot(t *testing.T, long bool) {
	runSlots.take(long)
	t.Cleanup(runSlots.give)
}

// slotPool is a counting semaphore whose waiters for a long test are
// served before the others, each kind in arrival order.
type slotPool struct {
	mu          sync.Mutex
	free        int
	long, short []chan struct{}
}

func newSlotPool(n int) *slotPool { return &slotPool{free: n} }

func (p *slotPool) take(long bool) {
	p.mu.Lock()
	if p.free > 0 && (long || len(p.long) == 0) {
		p.free--
		p.mu.Unlock()
		return
	}
	ch := make(chan struct{})
	if long {
		p.long = append(p.long, ch)
	} else {
		p.short = append(p.short, ch)
	}
	p.mu.Unlock()
	<-ch
}

// give hands the slot to the next waiter (it stays taken) or frees it.
func (p *slotPool) give() {
	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case len(p.long) > 0:
		close(p.long[0])
		p.long = p.long[1:]
	case len(p.short) > 0:
		close(p.short[0])
		p.short = p.short[1:]
	default:
		p.free++
	}
}

// ownDemoStack marks t parallel and starts a stack of its own around the
// demo org, configured as the shared stack is (getStack): for a test that
// would keep the shared stack's other tests waiting for long (many runs,
// many activities) but needs nothing of theirs.
func ownDemoStack(t *testing.T, long bool) *stack {
	t.Helper()
	if long {
		parallelLong(t)
	} else {
		parallel(t)
	}
	s, stop := newStack(t, oktasim.Options{Token: simToken, Seed: oktasim.SeedDemo})
	t.Cleanup(stop)
	return s
}
