package activities

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// A 429 on an item does not fail it: the bulk runner hands the unfinished
// items back to Temporal's retry, with NextRetryDelay from Okta's reset,
// and the retries resume from the heartbeat until every item is done. The
// simulator's clock is driven by the test, so a window passes at once.
func TestBulk429HandsBackUnfinishedItems(t *testing.T) {
	t.Parallel()
	var mu sync.Mutex
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	const users, limit, window = 30, 10, 10 * time.Second
	// Unpaced, so the client runs into the limit instead of waiting for it.
	f := newFixture(t, oktasim.Options{Seed: oktasim.SeedEmpty, Users: users, Now: clock, Window: window,
		Limits: map[string]int{oktasim.BucketOther: limit}}, okta.WithoutPacing())
	raws, err := f.acts.Okta.ListUsers(context.Background(), `status eq "ACTIVE"`, users)
	require.NoError(t, err)
	ids := make([]any, 0, users)
	for _, r := range raws {
		var u okta.User
		require.NoError(t, json.Unmarshal(r, &u))
		ids = append(ids, u.ID)
	}
	require.Len(t, ids, users)

	var beat bulkProgress
	params := map[string]any{spec.ParamUserIDs: ids}
	for attempt := 1; attempt <= users/limit; attempt++ {
		env := attach(t, f.srv, f.logs, testToken, okta.WithoutPacing()) // another worker takes the retry
		env.acts.BulkConcurrency = 8
		env.env.SetHeartbeatDetails(beat)
		env.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) {
			var p bulkProgress
			if d.Get(&p) == nil {
				beat = p
			}
		})
		if attempt == users/limit {
			res := env.bulk(spec.DeactivateUsers, params)
			assert.Equal(t, spec.StatusSuccessful, res.Status)
			assert.Len(t, res.Succeeded, users)
			assert.Empty(t, res.Failed)
			break
		}
		ae, d := appErr(t, env.run(spec.DeactivateUsers, params, nil))
		require.Equal(t, ErrRateLimited, ae.Type(), "attempt %d", attempt)
		assert.False(t, ae.NonRetryable())
		assert.Equal(t, 429, d.HTTPStatus)
		// Reset - Date is the whole window on the simulator's clock; the
		// jitter adds under half a second.
		assert.GreaterOrEqual(t, ae.NextRetryDelay(), window)
		assert.Less(t, ae.NextRetryDelay(), window+retryJitter)
		require.Len(t, beat.Done, attempt*limit, "attempt %d: the finished items are in the heartbeat", attempt)
		for _, r := range beat.Results {
			assert.True(t, r.OK, "no item is failed by a 429: %+v", r)
		}
		deprovisioned := 0
		for _, id := range ids {
			if u, _ := f.sim.User(id.(string)); u.Status == "DEPROVISIONED" {
				deprovisioned++
			}
		}
		assert.Equal(t, attempt*limit, deprovisioned)
		mu.Lock()
		now = now.Add(window) // the retry timer fires in the next window
		mu.Unlock()
	}
	for _, id := range ids {
		u, _ := f.sim.User(id.(string))
		assert.Equal(t, "DEPROVISIONED", u.Status, id)
	}
}
