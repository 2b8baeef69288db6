package activities

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

	"go.temporal.io/sdk/activity"
)

// pollTitle names System Log polling in error messages, in the integration
// spec's form ("Poll System Log failed. Okta Code: ...").
const pollTitle = "Poll System Log"

// LogPage is what PollLogs read: the events, normalised like Fetch
// Event's, and the next link to resume from.
type LogPage struct {
	Events []FetchedEvent
	// Next is the polling query's next link: where the following poll
	// starts. Okta always sends one for a polling query.
	Next string
	// More is true when PollLogs stopped at maxPages with more to read.
	More bool
}

// NormaliseEvent maps a raw LogEvent with the integration spec's Fetch
// Event field mapping, as okta.fetch_event does.
func NormaliseEvent(raw json.RawMessage) FetchedEvent { return normaliseEvent(raw) }

// PollLogs reads the System Log as a polling query (no until, ascending),
// the form Okta documents for continuous export: with cursor "" it starts
// a new query at since with filter; otherwise cursor is a next link from
// an earlier page and is followed as is (its after and filter included),
// never rebuilt from since/until. It follows next links until a page comes
// back empty or maxPages pages were read. Errors are classified like every
// action's (429 carries its retry delay).
func (a *Activities) PollLogs(ctx context.Context, cursor, filter string, since time.Time, pageSize, maxPages int) (LogPage, error) {
	query, err := pollQuery(cursor, filter, since, pageSize)
	if err != nil {
		return LogPage{}, classify(pollTitle, &InputError{Action: pollTitle, Param: "cursor", Msg: err.Error()})
	}
	out := LogPage{Next: cursor}
	for page := 0; ; page++ {
		if page == maxPages {
			out.More = true
			return out, nil
		}
		var items []json.RawMessage
		resp, err := a.Okta.Do(ctx, http.MethodGet, "/logs", query, nil, &items)
		if err != nil {
			return LogPage{}, classify(pollTitle, err)
		}
		for _, raw := range items {
			out.Events = append(out.Events, normaliseEvent(raw))
		}
		if resp.Next != "" {
			out.Next = resp.Next
		}
		if len(items) == 0 || resp.Next == "" {
			return out, nil
		}
		if query, err = linkQuery(resp.Next); err != nil {
			return LogPage{}, classify(pollTitle, err)
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, page)
		}
	}
}

func pollQuery(cursor, filter string, since time.Time, pageSize int) (url.Values, error) {
	if cursor != "" {
		return linkQuery(cursor)
	}
	q := url.Values{}
	if filter != "" {
		q.Set("filter", filter)
	}
	if !since.IsZero() {
		q.Set("since", since.UTC().Format(time.RFC3339Nano))
	}
	if pageSize > 0 {
		q.Set("limit", strconv.Itoa(pageSize))
	}
	return q, nil
}

// linkQuery takes the query of a System Log next link. The client sends
// it to its own org's /logs, so a link can never send the token elsewhere.
func linkQuery(link string) (url.Values, error) {
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
