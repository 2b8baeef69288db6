package activities

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestRateLimitedNextRetryDelay(t *testing.T) {
	t.Parallel()
	// A fixed sim clock on a whole second makes Reset - Date exactly the
	// 60 s window.
	at := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	f := newFixture(t, oktasim.Options{Now: func() time.Time { return at }})
	f.sim.SetFault(oktasim.Fault{Path: "/api/v1/users", Method: "GET", RateLimitRate: 1, Times: 1})

	ae, d := appErr(t, f.run(action.GetUsers, nil, nil))
	assert.Equal(t, action.ErrRateLimited, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, temporal.ApplicationErrorCategoryBenign, ae.Category())
	assert.GreaterOrEqual(t, ae.NextRetryDelay(), 60*time.Second)
	assert.Less(t, ae.NextRetryDelay(), 60*time.Second+retryJitter)
	assert.Equal(t, action.ErrorDetails{Command: "Get Users", OktaCode: "E0000047", HTTPStatus: 429,
		Message: "API call exceeded rate limit due to too many requests.", Attempt: 1}, d)
}

func TestFetchEventRateLimitedMessage(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	f.sim.SetFault(oktasim.Fault{Path: "/api/v1/logs", RateLimitRate: 1, Times: 1})
	ae, _ := appErr(t, f.run(action.FetchEvent, map[string]any{action.ParamStartTime: "-1h"}, nil))
	assert.Equal(t, "Fetch Event failed. Okta Code: E0000047. HTTP Status Code: 429. Message: API call exceeded rate limit due to too many requests.", ae.Message())
	assert.Positive(t, ae.NextRetryDelay())
	assert.LessOrEqual(t, ae.NextRetryDelay(), 61*time.Second+retryJitter)
}

func TestUnavailableIsRetryable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		fault      oktasim.Fault
		wantStatus int
	}{
		{name: "500", fault: oktasim.Fault{Path: "/api/v1/users", ErrorRate: 1}, wantStatus: 500},
		{name: "dropped connection", fault: oktasim.Fault{Path: "/api/v1/users", DropRate: 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t, oktasim.Options{})
			f.sim.SetFault(tc.fault)
			ae, d := appErr(t, f.run(action.GetUsers, nil, nil))
			assert.Equal(t, action.ErrUnavailable, ae.Type())
			assert.False(t, ae.NonRetryable())
			assert.Equal(t, tc.wantStatus, d.HTTPStatus)
		})
	}
}

func TestInvalidTokenE0000011(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	const wrong = "00WRONG-token-value-Qx"
	bad := attach(t, f.srv, f.logs, wrong)
	ae, d := appErr(t, bad.run(action.TestConnection, nil, nil))
	assert.Equal(t, "Test Connection failed. Okta Code: E0000011. HTTP Status Code: 401. Message: Invalid token provided.", ae.Message())
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, "E0000011", d.OktaCode)
	assert.NotContains(t, f.logs.String(), wrong)
}

// A bulk action stopped by a 5xx records its finished items in the
// heartbeat (a bitmap) with the writes that may have landed (the
// write-ahead bits); the retry resumes from there and does not redo the
// finished items.
func TestBulkResumesFromHeartbeat(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Users: 3})
	users := []any{oktasim.DemoActiveUserID, oktasim.DemoStagedUserID, oktasim.DemoLockedUserID}
	f.acts.BulkConcurrency = 1
	f.sim.SetFault(oktasim.Fault{Path: "/api/v1/users/" + oktasim.DemoLockedUserID + "/lifecycle", ErrorRate: 1, Times: 1 + inAttemptRetries})
	var beat bulkProgress
	f.env.SetOnActivityHeartbeatListener(func(_ *activity.Info, details converter.EncodedValues) {
		var d bulkProgress
		if details.Get(&d) == nil {
			beat = d
		}
	})
	ae, _ := appErr(t, f.run(action.DeactivateUsers, map[string]any{action.ParamUserIDs: users}, nil))
	require.Equal(t, action.ErrUnavailable, ae.Type())
	require.Equal(t, []byte{0b011}, beat.DoneBits, "the two finished users are in the heartbeat")
	require.Equal(t, []byte{0b011}, beat.SentBits, "and the sent writes that may have landed: the 500's read-back showed the third did not")
	require.Empty(t, beat.Notes, "plain done results take no room")

	// The retry, as another worker would run it, with the heartbeat details.
	f.sim.ResetRequests()
	retry := attach(t, f.srv, f.logs, testToken)
	retry.env.SetHeartbeatDetails(beat)
	res := retry.bulk(action.DeactivateUsers, map[string]any{action.ParamUserIDs: users})
	assert.Equal(t, action.StatusSuccessful, res.Status)
	assert.Len(t, res.Results, 3)
	reqs := f.sim.Requests()
	require.NotEmpty(t, reqs)
	for _, r := range reqs {
		assert.Contains(t, r.Path+r.Query, oktasim.DemoLockedUserID, "only the unfinished user is requested again")
	}
	assert.Equal(t, 1, writes(f.sim), "its write is sent once more")
	for _, id := range users {
		u, _ := f.sim.User(id.(string))
		assert.Equal(t, "DEPROVISIONED", u.Status, id)
	}
}

// Retryable is derived from classify, so the two never disagree; a
// cancelled context is retryable like any other missing answer (nothing
// was decided about the work), and a configuration error is not.
func TestRetryableFollowsClassify(t *testing.T) {
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"rate limited", &okta.APIError{HTTPStatus: 429}, true},
		{"unavailable", &okta.APIError{HTTPStatus: 503}, true},
		{"not found", &okta.APIError{HTTPStatus: 404, Code: "E0000007"}, false},
		{"bad input", &InputError{Action: "a", Msg: "bad"}, false},
		{"bad configuration", &action.ConfigError{Msg: "no such group"}, false},
		{"cancelled", fmt.Errorf("get: %w", context.Canceled), true},
		{"no answer", errors.New("connection reset by peer"), true},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, Retryable(c.err), c.name)
		var ae *temporal.ApplicationError
		require.ErrorAs(t, classify("T", c.err), &ae, c.name)
		assert.Equal(t, !c.want, ae.NonRetryable(), c.name)
	}
	assert.False(t, Retryable(nil))
}
