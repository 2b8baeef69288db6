package activities

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/activities/spec"
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
	var events []spec.FetchedEvent
	require.NoError(t, f.run(spec.FetchEvent, map[string]any{spec.ParamStartTime: "-1h",
		spec.ParamSearchCondition: `uuid eq "11111111-2222-3333-4444-555555555555"`}, &events))
	require.Len(t, events, 1)
	e := events[0].Event
	assert.Equal(t, spec.EventFields{DeviceIPAddress: oktasim.DemoAttackerIP, UniqueEventKey: "11111111-2222-3333-4444-555555555555",
		EventType: "user.account.lock", HTTPUserAgent: "curl/8.5.0", StartTime: e.StartTime,
		Description: "Max sign in attempts exceeded", LogUsername: "Victor Lee", Severity: "WARN"}, e)
	assert.NotEmpty(t, e.StartTime)
	assert.Contains(t, string(events[0].Raw), `"eventType":"user.account.lock"`)
}

func TestFetchEventMaxEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var all, five []spec.FetchedEvent
	require.NoError(t, f.run(spec.FetchEvent, map[string]any{spec.ParamStartTime: "-24h", spec.ParamMaxEvents: 0}, &all))
	require.NoError(t, f.run(spec.FetchEvent, map[string]any{spec.ParamStartTime: "-24h", spec.ParamMaxEvents: 5}, &five))
	assert.Greater(t, len(all), 5, "0 returns every event in the range")
	assert.Len(t, five, 5)
}

func TestGetLogs(t *testing.T) {
	t.Parallel()
	f := newFixture(t, oktasim.Options{})
	var events []map[string]any
	require.NoError(t, f.run(spec.GetLogs, map[string]any{spec.ParamFilter: `eventType eq "user.session.start"`,
		spec.ParamStartTime: "-24h", spec.ParamLimit: 50}, &events))
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
		{name: "unsupported operator E0000031", action: spec.GetLogs, params: map[string]any{spec.ParamFilter: `debugContext.debugData.url co "x"`}, wantCode: "E0000031", wantType: spec.ErrClientError},
		{name: "invalid filter", action: spec.FetchEvent, params: map[string]any{spec.ParamStartTime: "-1h", spec.ParamSearchCondition: `eventType eqq "x"`}, wantCode: "E0000053", wantType: spec.ErrClientError},
		{name: "bad start_time", action: spec.FetchEvent, params: map[string]any{spec.ParamStartTime: "yesterday"}, wantType: spec.ErrInvalidInput},
		{name: "start after end", action: spec.GetLogs, params: map[string]any{spec.ParamStartTime: "2023-03-10 00:00", spec.ParamEndTime: "2023-03-02 00:00"}, wantType: spec.ErrInvalidInput},
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
