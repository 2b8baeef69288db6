package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func TestFetchEventMapping(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	f.sim.AppendEvent(map[string]any{
		"uuid": "11111111-2222-3333-4444-555555555555", "eventType": "user.account.lock", "severity": "WARN",
		"displayMessage": "Max sign in attempts exceeded",
		"actor":          map[string]any{"id": oktasim.DemoLockedUserID, "type": "User", "displayName": "Victor Lee"},
		"client": map[string]any{"ipAddress": oktasim.DemoAttackerIP,
			"userAgent": map[string]any{"rawUserAgent": "curl/8.5.0"}},
	})
	var events []action.FetchedEvent
	require.NoError(t, f.run(action.FetchEvent, map[string]any{action.ParamStartTime: "-1h",
		action.ParamSearchCondition: `uuid eq "11111111-2222-3333-4444-555555555555"`}, &events))
	require.Len(t, events, 1)
	e := events[0].Event
	assert.Equal(t, action.EventFields{DeviceIPAddress: oktasim.DemoAttackerIP, UniqueEventKey: "11111111-2222-3333-4444-555555555555",
		EventType: "user.account.lock", HTTPUserAgent: "curl/8.5.0", StartTime: e.StartTime,
		Description: "Max sign in attempts exceeded", LogUsername: "Victor Lee", Severity: "WARN"}, e)
	assert.NotEmpty(t, e.StartTime)
	assert.Contains(t, string(events[0].Raw), `"eventType":"user.account.lock"`)
}

func TestFetchEventMaxEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var all, five []action.FetchedEvent
	require.NoError(t, f.run(action.FetchEvent, map[string]any{action.ParamStartTime: "-24h", action.ParamMaxEvents: 0}, &all))
	require.NoError(t, f.run(action.FetchEvent, map[string]any{action.ParamStartTime: "-24h", action.ParamMaxEvents: 5}, &five))
	assert.Greater(t, len(all), 5, "0 returns every event in the range")
	assert.Len(t, five, 5)
}

func TestGetLogs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var events []map[string]any
	require.NoError(t, f.run(action.GetLogs, map[string]any{action.ParamFilter: `eventType eq "user.session.start"`,
		action.ParamStartTime: "-24h", action.ParamLimit: 50}, &events))
	require.NotEmpty(t, events)
	assert.LessOrEqual(t, len(events), 50)
	for _, e := range events {
		assert.Equal(t, "user.session.start", e["eventType"])
	}
}

func TestLogErrors(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	tests := []struct {
		name, action string
		params       map[string]any
		wantCode     string
		wantType     string
	}{
		{name: "unsupported operator E0000031", action: action.GetLogs, params: map[string]any{action.ParamFilter: `debugContext.debugData.url co "x"`}, wantCode: "E0000031", wantType: action.ErrClientError},
		{name: "invalid filter", action: action.FetchEvent, params: map[string]any{action.ParamStartTime: "-1h", action.ParamSearchCondition: `eventType eqq "x"`}, wantCode: "E0000053", wantType: action.ErrClientError},
		{name: "bad start_time", action: action.FetchEvent, params: map[string]any{action.ParamStartTime: "yesterday"}, wantType: action.ErrInvalidInput},
		{name: "start after end", action: action.GetLogs, params: map[string]any{action.ParamStartTime: "2023-03-10 00:00", action.ParamEndTime: "2023-03-02 00:00"}, wantType: action.ErrInvalidInput},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ae, d := appErr(t, f.run(tc.action, tc.params, nil))
			assert.Equal(t, tc.wantType, ae.Type())
			assert.True(t, ae.NonRetryable())
			assert.Equal(t, tc.wantCode, d.OktaCode)
		})
	}
}
