package okta

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// limitedOrg answers like Okta with one fixed window of limit requests
// that resets in a minute; arrive, when set, runs as each request arrives.
func limitedOrg(limit int, arrive func()) http.HandlerFunc {
	var mu sync.Mutex
	used := 0
	reset := time.Now().Add(time.Minute)
	return func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		used++
		rem := max(limit-used, 0)
		mu.Unlock()
		w.Header().Set("Date", time.Now().UTC().Format(http.TimeFormat))
		w.Header().Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
		w.Header().Set("X-Rate-Limit-Remaining", strconv.Itoa(rem))
		w.Header().Set("X-Rate-Limit-Reset", strconv.FormatInt(reset.Unix(), 10))
		if arrive != nil {
			arrive()
		}
		_, _ = w.Write([]byte(`{}`))
	}
}

// While Remaining is high, a burst goes out at once: 20 requests after the
// probe are all at the server together (each waits there for the others),
// instead of being spaced over the window.
func TestPacerBurstsWhileBudgetIsPlentiful(t *testing.T) {
	t.Parallel()
	const n = 20
	var arrived atomic.Int32
	all := make(chan struct{})
	c := newTestClient(t, limitedOrg(600, func() {
		if arrived.Add(1) == n+1 {
			close(all)
		}
		if arrived.Load() > 1 {
			<-all
		}
	}))
	_, err := c.DeactivateUser(context.Background(), "00u0") // the probe learns the bucket
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // a guard, not a measurement
	defer cancel()
	errs := make(chan error, n)
	for i := range n {
		go func() { _, err := c.DeactivateUser(ctx, "00u"+strconv.Itoa(i+1)); errs <- err }()
	}
	for range n {
		require.NoError(t, <-errs, "a request was held back although the budget was plentiful")
	}
}

// The rules below are driven through admit and update with a fake clock:
// t0 is a server instant a quarter past a whole second, as the headers
// round (Date down, Reset up), and the local clock equals the server's.
var t0 = time.Date(2026, 12, 7, 16, 0, 0, 250_000_000, time.UTC)

// answer builds the rate information of one answer from its headers, as
// Okta sends them: the window of length window opened at start.
func answer(limit, remaining int, start time.Time, window time.Duration, date time.Time) RateInfo {
	h := http.Header{}
	h.Set("Date", date.UTC().Format(http.TimeFormat))
	h.Set("X-Rate-Limit-Limit", strconv.Itoa(limit))
	h.Set("X-Rate-Limit-Remaining", strconv.Itoa(remaining))
	end := start.Add(window)
	reset := end.Unix()
	if end.Nanosecond() > 0 {
		reset++
	}
	h.Set("X-Rate-Limit-Reset", strconv.FormatInt(reset, 10))
	return parseRateInfo(h, BucketOther)
}

// fakeBucket is a pacer whose bucket has seen the answer that opened a
// window of limit/window at t0 (sent at t0, answered 1 ms later).
func fakeBucket(t *testing.T, limit int, window time.Duration) (*pacer, *bucketState) {
	t.Helper()
	p := newPacer(time.Minute, 50, DefaultRateReserve, true)
	b := p.bucket(BucketOther)
	b.inflight = 1
	p.update(BucketOther, answer(limit, limit-1, t0, window, t0), 200, t0, t0.Add(time.Millisecond))
	require.True(t, b.known)
	return p, b
}

// admitAll admits as many of n planned requests as the rules let go at now.
func admitAll(p *pacer, b *bucketState, pl *plan, n int, now time.Time) int {
	b.plans[pl] = struct{}{}
	sent := 0
	for range n {
		if _, ok := p.admit(b, now); !ok {
			break
		}
		b.inflight++
		pl.took(b)
		sent++
	}
	return sent
}

func newPlan(n int) *plan { return &plan{n: n, sent: map[*bucketState]int{}} }

// A plan counts per bucket (an item may read in one and write in another)
// and stops counting once its work is over.
func TestPacerDemandOfPlans(t *testing.T) {
	t.Parallel()
	ctx, end := WithPlan(context.Background(), 100)
	pl := planOf(ctx)
	p := newPacer(time.Minute, 50, DefaultRateReserve, true)
	reads, writes := p.bucket(BucketUserGet), p.bucket(BucketOther)
	reads.plans[pl], writes.plans[pl] = struct{}{}, struct{}{}
	for range 40 {
		pl.took(reads)
	}
	pl.took(writes)
	assert.Equal(t, 60, reads.demand())
	assert.Equal(t, 99, writes.demand())
	end()
	assert.Equal(t, 1, writes.demand(), "an ended plan counts no more")
	assert.Empty(t, writes.plans)
}

func TestPacerReserve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		reserve float64
		limit   int
		want    int
	}{
		{0.10, 50, 5}, {0.10, 600, 60}, {0.10, 1200, 120}, {0.10, 7, 1}, {0.10, 1, 0}, {-1, 600, 0}, {0.5, 2, 1},
	} {
		p := newPacer(time.Minute, 50, tc.reserve, true)
		assert.Equal(t, tc.want, p.reserveOf(tc.limit), "reserve %g of %d", tc.reserve, tc.limit)
	}
}

// 1,000 requests fit in a 1,200-a-48 s window less its 10% reserve: they
// all go at once (the in-flight cap, not the pacer, spreads them).
func TestPacerBurstsWhenTheWorkFits(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 1200, 48*time.Second)
	assert.Equal(t, 1000, admitAll(p, b, newPlan(1000), 1000, t0.Add(2*time.Millisecond)))
}

// 1,000 requests do not fit in 50 per 2 s: the budget (49 left less the
// reserve of 5 and the one in flight) is spread over the time left, one
// every (time left) / 43.
func TestPacerPacesWhenTheWorkDoesNotFit(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 50, 2*time.Second)
	now := t0.Add(time.Millisecond)
	pl := newPlan(1000)
	assert.Equal(t, 1, admitAll(p, b, pl, 1000, now), "one request, then the next waits its turn")
	delay, ok := p.admit(b, now)
	require.False(t, ok)
	left := b.resetAt.Sub(now)
	assert.InDelta(t, float64(left/43), float64(delay), float64(time.Millisecond), "interval = time left / budget")
	// Another process spends 30 of the window: the budget shrinks, and so
	// does this process's rate, by the org-wide Remaining.
	b.inflight--
	p.update(BucketOther, answer(50, 18, t0, 2*time.Second, t0), 200, now, now.Add(time.Millisecond))
	delay, ok = p.admit(b, now.Add(time.Millisecond))
	require.False(t, ok)
	assert.Greater(t, delay, left/43*3, "13 requests of budget left for the rest of the window")
}

// The last part of a job that fits is not paced: with 40 requests left and
// 44 of budget, all go at once.
func TestPacerBurstsTheRemainderThatFits(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 50, 2*time.Second)
	assert.Equal(t, 40, admitAll(p, b, newPlan(40), 40, t0.Add(2*time.Millisecond)))
}

// The window's end is taken from the answer that opened it, to the
// millisecond: Reset (rounded up to 16:00:03) is 750 ms later than the
// truth, t0 + 2 s. When the budget is spent, the wait ends there.
func TestPacerResetHasSubSecondPrecision(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 50, 2*time.Second)
	assert.Equal(t, 2*time.Second, b.window)
	assert.True(t, b.windowSure)
	assert.Equal(t, t0.Add(2*time.Second+time.Millisecond), b.resetAt, "first answer's arrival + the window")
	// Others spent the window down to the reserve.
	now := t0.Add(500 * time.Millisecond)
	p.update(BucketOther, answer(50, 5, t0, 2*time.Second, now), 200, now, now)
	b.inflight = 0
	delay, ok := p.admit(b, now)
	require.False(t, ok, "the reserve is not spent")
	assert.Equal(t, 1501*time.Millisecond, delay, "waits until the window ends, not until the rounded Reset")
}

// Once the estimated end passes, one request probes the new window; the
// rest follow its answer, which opens the window's bookkeeping afresh.
func TestPacerProbesTheNewWindow(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 50, 2*time.Second)
	b.inflight = 0
	p.update(BucketOther, answer(50, 5, t0, 2*time.Second, t0), 200, t0, t0)
	b.inflight = 0
	after := b.resetAt.Add(time.Millisecond)
	pl := newPlan(20)
	assert.Equal(t, 1, admitAll(p, b, pl, 20, after), "one probe")
	p.update(BucketOther, answer(50, 49, after, 2*time.Second, after), 200, after, after.Add(time.Millisecond))
	assert.False(t, b.rolled)
	assert.Equal(t, 19, admitAll(p, b, pl, 19, after.Add(2*time.Millisecond)), "the rest fit and go")
	// A late answer of the old window changes nothing.
	p.update(BucketOther, answer(50, 1, t0, 2*time.Second, t0), 200, t0, after)
	assert.Equal(t, 49, b.remaining)
}

// A 429 for a window the pacer thought over stops every request until the
// Reset that 429 announced.
func TestPacerStopsAfterA429(t *testing.T) {
	t.Parallel()
	p, b := fakeBucket(t, 50, 2*time.Second)
	b.inflight = 0
	after := b.resetAt.Add(time.Millisecond)
	_, ok := p.admit(b, after)
	require.True(t, ok)
	b.inflight++
	// An answer just as the server's Date ticked over pins its clock to
	// ours within a millisecond (until then the pacer errs late).
	tick := time.Date(2026, 12, 7, 16, 0, 1, 0, time.UTC)
	p.skew.observe(tick, tick.Add(-time.Millisecond), tick.Add(time.Millisecond))
	// The server's window was in fact opened later by someone else.
	p.update(BucketOther, answer(50, 0, t0.Add(500*time.Millisecond), 2*time.Second, after), http.StatusTooManyRequests, after, after)
	delay, ok := p.admit(b, after)
	require.False(t, ok)
	assert.Equal(t, time.Unix(t0.Add(2500*time.Millisecond).Unix()+1, 0).Add(time.Millisecond).Sub(after), delay, "until the 429's Reset")
}
