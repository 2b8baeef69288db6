package okta

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
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

// LogPollQuery is the query of a System Log polling query (no until,
// ascending), the form Okta documents for continuous export: with cursor
// "" a new query at since with filter and page size limit; otherwise
// cursor is a next link from an earlier page, taken as is (its after and
// filter included), never rebuilt from since.
func LogPollQuery(cursor, filter string, since time.Time, limit int) (url.Values, error) {
	if cursor != "" {
		return LogLinkQuery(cursor)
	}
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	return q, nil
}

// PollLogPage reads one page of a System Log query and returns its events
// and its next link ("" when Okta sent none): the cursor a later poll
// resumes from, read with LogLinkQuery. The client sends every query to
// its own org, so a link can never send the token elsewhere.
func (c *Client) PollLogPage(ctx context.Context, q url.Values) ([]json.RawMessage, string, error) {
	var items []json.RawMessage
	resp, err := c.Do(ctx, http.MethodGet, "/logs", q, nil, &items)
	if err != nil {
		return nil, "", err
	}
	return items, resp.Next, nil
}

// ProbeUsers lists one user: the connection test of a token that has no
// user of its own (OAuth), for which /users/me does not answer.
func (c *Client) ProbeUsers(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodGet, "/users", url.Values{"limit": {"1"}}, nil, nil)
	return err
}

// LogLinkQuery takes the query of a System Log next link; a bounded
// (until) or foreign link is refused.
func LogLinkQuery(link string) (url.Values, error) {
	u, err := url.Parse(link)
	if err != nil {
		return nil, fmt.Errorf("unparsable next link: %w", err)
	}
	if !strings.HasSuffix(u.Path, "/logs") {
		return nil, fmt.Errorf("next link %s is not a System Log link", u.Path)
	}
	q := u.Query()
	if q.Has("until") {
		return nil, errors.New("next link is bounded (until): not a polling query")
	}
	return q, nil
}
