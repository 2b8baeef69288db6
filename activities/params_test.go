package activities

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestParseTime(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
	}{
		{"2023-03-02 00:00", time.Date(2023, 3, 2, 0, 0, 0, 0, time.UTC)},
		{"2023-03-02T01:02:03+01:00", time.Date(2023, 3, 2, 0, 2, 3, 0, time.UTC)},
		{"-24h", now.Add(-24 * time.Hour)},
		{"-7d", now.Add(-7 * 24 * time.Hour)},
		{"now", now},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := action.ParseTime(tc.in, now)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := action.ParseTime("last tuesday", now)
	assert.ErrorContains(t, err, "2023-03-02 00:00")
}

func TestParseParams(t *testing.T) {
	t.Parallel()
	reg := action.Okta()
	now := time.Now()
	tests := []struct {
		name, action string
		params       map[string]any
		wantParam    string
	}{
		{name: "unknown parameter", action: action.DeactivateUsers, params: map[string]any{action.ParamUserIDs: "a", "user_id": "b"}, wantParam: "user_id"},
		{name: "missing required", action: action.DeactivateUsers, params: map[string]any{}, wantParam: action.ParamUserIDs},
		{name: "empty list", action: action.DeactivateUsers, params: map[string]any{action.ParamUserIDs: " , "}, wantParam: action.ParamUserIDs},
		{name: "bad enum", action: action.CreateZone, params: map[string]any{action.ParamName: "z", action.ParamType: "GEO"}, wantParam: action.ParamType},
		{name: "bad boolean", action: action.ActivateUsers, params: map[string]any{action.ParamUserIDs: "a", action.ParamSendEmail: "maybe"}, wantParam: action.ParamSendEmail},
		{name: "bad integer", action: action.GetUsers, params: map[string]any{action.ParamLimit: 1.5}, wantParam: action.ParamLimit},
		{name: "too many groups", action: action.CreateUserInGroup, params: map[string]any{action.ParamFirstName: "a", action.ParamLastName: "b", action.ParamEmail: "a@b.co",
			action.ParamGroupIDs: "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21"}, wantParam: action.ParamGroupIDs},
		{name: "bad time", action: action.FetchEvent, params: map[string]any{action.ParamStartTime: "soon"}, wantParam: action.ParamStartTime},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			act, _ := reg.Lookup(tc.action)
			_, err := ParseParams(act, tc.params, now)
			var ie *InputError
			require.ErrorAs(t, err, &ie)
			assert.Equal(t, tc.wantParam, ie.Param)
		})
	}
	t.Run("defaults and coercion", func(t *testing.T) {
		act, _ := reg.Lookup(action.CreateZone)
		p, err := ParseParams(act, map[string]any{action.ParamName: "z", action.ParamUsage: "policy", action.ParamASNs: "13335, 15169"}, now)
		require.NoError(t, err)
		assert.Equal(t, "IP", p.Str(action.ParamType), "default")
		assert.Equal(t, "POLICY", p.Str(action.ParamUsage), "enum spelling")
		assert.Equal(t, []int{13335, 15169}, p.Ints(action.ParamASNs))
	})
}

func TestEveryExampleParses(t *testing.T) {
	t.Parallel()
	for _, act := range action.Okta().All() {
		t.Run(act.Name, func(t *testing.T) {
			_, err := ParseParams(act, act.Example, time.Now())
			assert.NoError(t, err)
		})
	}
}

// Invalid input fails before any Okta call, for every action.
func TestInvalidInputMakesNoCall(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{Seed: oktasim.SeedEmpty})
	for _, act := range action.Okta().All() {
		t.Run(act.Name, func(t *testing.T) {
			f.sim.ResetRequests()
			ae, d := appErr(t, f.run(act.Name, map[string]any{"no_such_param": 1}, nil))
			assert.Equal(t, action.ErrInvalidInput, ae.Type())
			assert.True(t, ae.NonRetryable())
			assert.Contains(t, d.Message, "no_such_param")
			assert.Empty(t, f.sim.Requests())
		})
	}
}

func TestObjectParam(t *testing.T) {
	t.Parallel()
	act, _ := action.Okta().Lookup(action.UpdateUserProfile)
	p, err := ParseParams(act, map[string]any{action.ParamUserIDs: "00u1", action.ParamProfile: `{"title": "x"}`}, time.Now())
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"title": "x"}, p.Object(action.ParamProfile), "a JSON object string is an object")
	_, err = ParseParams(act, map[string]any{action.ParamUserIDs: "00u1", action.ParamProfile: map[string]any{}}, time.Now())
	assert.EqualError(t, err, "okta.update_user_profile: invalid input: parameter profile: the object is empty")
	_, err = ParseParams(act, map[string]any{action.ParamUserIDs: "00u1", action.ParamProfile: []any{"title"}}, time.Now())
	assert.EqualError(t, err, "okta.update_user_profile: invalid input: parameter profile: want an object, got []interface {}")
}
