package activities

import (
	"context"
	"encoding/json"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// A 429 on an item never fails it and never ends the attempt: the bulk
// runner waits for Okta's reset and dispatches the unfinished items again
// within the same attempt, so rate-limit waits consume no attempts.
func TestBulk429WaitsWithinTheAttempt(t *testing.T) {
	t.Parallel()
	const users, limit, window = 30, 10, time.Second
	// Unpaced, so the client runs into the limit instead of waiting for it.
	f := newFixture(t, oktasim.Options{Seed: oktasim.SeedEmpty, Users: users, Window: window,
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
	f.acts.BulkConcurrency = 8
	var beats atomic.Int64
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, d converter.EncodedValues) { beats.Add(1) })

	res := f.bulk(action.DeactivateUsers, map[string]any{action.ParamUserIDs: ids})
	assert.Equal(t, action.StatusSuccessful, res.Status)
	assert.Len(t, res.Succeeded, users)
	assert.Empty(t, res.Failed)
	limited := 0
	for _, r := range f.sim.Requests() {
		if r.Status == 429 {
			limited++
		}
	}
	assert.Positive(t, limited, "the org answered 429s, and none failed an item")
	for _, id := range ids {
		u, _ := f.sim.User(id.(string))
		assert.Equal(t, "DEPROVISIONED", u.Status, id)
	}
	assert.Positive(t, beats.Load())
}
