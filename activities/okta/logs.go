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

// logPollQuery is the query of a System Log polling query (no until,
// ascending), the form Okta documents for continuous export: with cursor
// "" a new query at since with filter and page size limit; otherwise
// cursor is a next link from an earlier page, taken as is (its after and
// filter included), never rebuilt from since.
func logPollQuery(cursor, filter string, since time.Time, limit int) (url.Values, error) {
	if cursor != "" {
		return logLinkQuery(cursor)
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

// ErrBadCursor is PollLogs' answer to a cursor that is not a System Log
// polling link (unparsable, foreign or bounded): retrying cannot help.
var ErrBadCursor = errors.New("bad System Log cursor")

// LogPoll is one poll of a System Log polling query.
type LogPoll struct {
	// Cursor is a next link from an earlier poll, followed as is (its
	// after and filter included); "" starts a new query at Since with
	// Filter.
	Cursor string
	Filter string
	Since  time.Time
	// PageSize is each request's limit; 0 leaves Okta's default.
	PageSize int
	// MaxPages bounds the pages one poll reads, so a backlog is worked
	// off in bounded steps. Default 1.
	MaxPages int
	// Progress, when set, is called after each page that another follows
	// (an activity heartbeats from it).
	Progress func(pages int)
}

// LogPage is what PollLogs read.
type LogPage struct {
	Events []json.RawMessage
	// Next is the polling query's next link: where the following poll
	// starts. Okta always sends one for a polling query; without one it
	// is the poll's own cursor.
	Next string
	// More is true when PollLogs stopped at MaxPages with more to read.
	More bool
}

// PollLogs reads the System Log as a polling query (no until, ascending),
// the form Okta documents for continuous export. It follows next links
// until a page comes back empty or MaxPages pages were read. The client
// sends every query to its own org, so a next link can never send the
// token elsewhere. A cursor that is no polling link is ErrBadCursor.
func (c *Client) PollLogs(ctx context.Context, p LogPoll) (LogPage, error) {
	query, err := logPollQuery(p.Cursor, p.Filter, p.Since, p.PageSize)
	if err != nil {
		return LogPage{}, fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	out := LogPage{Next: p.Cursor}
	for page := 1; ; page++ {
		var items []json.RawMessage
		resp, err := c.Do(ctx, http.MethodGet, "/logs", query, nil, &items)
		if err != nil {
			return LogPage{}, err
		}
		out.Events = append(out.Events, items...)
		if resp.Next != "" {
			out.Next = resp.Next
		}
		if len(items) == 0 || resp.Next == "" {
			return out, nil
		}
		if page >= p.MaxPages {
			out.More = true
			return out, nil
		}
		if query, err = logLinkQuery(resp.Next); err != nil {
			return LogPage{}, err
		}
		if p.Progress != nil {
			p.Progress(page)
		}
	}
}

// ProbeUsers lists one user: the connection test of a token that has no
// user of its own (OAuth), for which /users/me does not answer.
func (c *Client) ProbeUsers(ctx context.Context) error {
	_, err := c.Do(ctx, http.MethodGet, "/users", url.Values{"limit": {"1"}}, nil, nil)
	return err
}

// logLinkQuery takes the query of a System Log next link; a bounded
// (until) or foreign link is refused.
func logLinkQuery(link string) (url.Values, error) {
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
