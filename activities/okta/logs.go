package okta

import (
	"context"
	"encoding/json"
	"net/url"
	"time"
)

// LogQuery bounds a System Log query. Zero fields are left to Okta's
// defaults (since: 7 days before until; until: now).
type LogQuery struct {
	Filter       string
	Since, Until time.Time
	Max          int // max <= 0: all
}

// ListLogs lists System Log events. With Until set the query is bounded
// (finite pages, ordered by published); without it Okta treats it as a
// polling query whose next link never ends, and List stops at the first
// empty page.
func (c *Client) ListLogs(ctx context.Context, lq LogQuery) ([]json.RawMessage, error) {
	q := url.Values{}
	if lq.Filter != "" {
		q.Set("filter", lq.Filter)
	}
	if !lq.Since.IsZero() {
		q.Set("since", lq.Since.UTC().Format(time.RFC3339Nano))
	}
	if !lq.Until.IsZero() {
		q.Set("until", lq.Until.UTC().Format(time.RFC3339Nano))
	}
	return c.List(ctx, "/logs", pageQuery(q, lq.Max, pageLogs), lq.Max)
}
