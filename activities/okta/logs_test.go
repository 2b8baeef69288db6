package okta

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
)

// TestPollLogs reads a polling query in bounded polls and resumes from the
// cursor each returns, against the simulated org over HTTP.
func TestPollLogs(t *testing.T) {
	t.Parallel()
	srv := oktasim.NewTestServer(t, oktasim.Options{})
	c, err := NewClient(Config{OrgURL: srv.URL(), Token: "test-token"})
	require.NoError(t, err)
	for _, id := range []string{"a", "b", "c"} {
		srv.Sim().AppendEvent(map[string]any{"eventType": "user.account.lock", "displayMessage": id})
	}
	ctx := context.Background()
	q := LogPoll{Filter: `eventType eq "user.account.lock"`, Since: time.Now().Add(-time.Hour), PageSize: 1, MaxPages: 2}
	var progress []int
	q.Progress = func(pages int) { progress = append(progress, pages) }

	first, err := c.PollLogs(ctx, q)
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b"}, messages(t, first.Events))
	assert.True(t, first.More, "stopped at MaxPages with more to read")
	assert.NotEmpty(t, first.Next)
	assert.Equal(t, []int{1}, progress, "progress between pages, not after the last")

	second, err := c.PollLogs(ctx, LogPoll{Cursor: first.Next, MaxPages: 5})
	require.NoError(t, err)
	assert.Equal(t, []string{"c"}, messages(t, second.Events), "the cursor keeps the filter and the position")
	assert.False(t, second.More)
	require.NotEmpty(t, second.Next)

	third, err := c.PollLogs(ctx, LogPoll{Cursor: second.Next, MaxPages: 5})
	require.NoError(t, err)
	assert.Empty(t, third.Events)
	assert.NotEmpty(t, third.Next, "an empty page still has a cursor to resume from")
}

func TestPollLogsBadCursor(t *testing.T) {
	t.Parallel()
	c := newTestClient(t, nil)
	for name, cursor := range map[string]string{
		"not a log link": "https://example.okta.com/api/v1/users?after=x",
		"bounded":        "https://example.okta.com/api/v1/logs?until=2026-01-01T00:00:00Z",
		"unparsable":     "%zz",
	} {
		_, err := c.PollLogs(context.Background(), LogPoll{Cursor: cursor, MaxPages: 1})
		assert.True(t, errors.Is(err, ErrBadCursor), "%s: %v", name, err)
	}
}

func messages(t *testing.T, events []json.RawMessage) []string {
	t.Helper()
	var out []string
	for _, raw := range events {
		var e struct {
			DisplayMessage string `json:"displayMessage"`
		}
		require.NoError(t, json.Unmarshal(raw, &e))
		out = append(out, e.DisplayMessage)
	}
	return out
}
