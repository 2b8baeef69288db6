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

// Once the org is busy (another client spent most of the last window), the
// pacer spreads: the same 20 requests do not all go at once.
func TestPacerSpreadsWhenTheOrgIsBusy(t *testing.T) {
	t.Parallel()
	p := newPacer(time.Minute, 50, true)
	now := time.Now()
	ri := func(rem int, reset time.Time) RateInfo {
		return RateInfo{Present: true, Limit: 600, Remaining: rem, Reset: reset, Date: now, ResetIn: reset.Sub(now)}
	}
	// Last window: this process made 100 of the 590 requests the org made.
	release, err := p.acquire(context.Background(), BucketOther)
	require.NoError(t, err)
	release(ri(599, now.Add(time.Minute)), 200, now, now)
	b := p.buckets[BucketOther]
	b.answered, b.low = 100, 10
	// A new window opens.
	b.inflight++
	p.update(BucketOther, ri(599, now.Add(2*time.Minute)), 200, now, now)
	assert.InDelta(t, 100.0/590, b.share, 0.001, "share of the org's use")
	assert.True(t, b.busy)
	admitted := 0
	for range 20 {
		if _, ok := p.admit(b, time.Now()); ok {
			admitted++
		}
	}
	assert.Less(t, admitted, 3, "requests are spread, not burst")
}
