package activities

import (
	"context"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/activities/okta"
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

// PollLogs reads the System Log as a polling query (no until, ascending),
// the form Okta documents for continuous export: with cursor "" it starts
// a new query at since with filter; otherwise cursor is a next link from
// an earlier page and is followed as is (its after and filter included),
// never rebuilt from since/until. It follows next links until a page comes
// back empty or maxPages pages were read. Errors are classified like every
// action's (429 carries its retry delay).
func (a *Activities) PollLogs(ctx context.Context, cursor, filter string, since time.Time, pageSize, maxPages int) (LogPage, error) {
	query, err := okta.LogPollQuery(cursor, filter, since, pageSize)
	if err != nil {
		return LogPage{}, classify(pollTitle, &InputError{Action: pollTitle, Param: "cursor", Msg: err.Error()})
	}
	out := LogPage{Next: cursor}
	for page := 0; ; page++ {
		if page == maxPages {
			out.More = true
			return out, nil
		}
		items, next, err := a.Okta.PollLogPage(ctx, query)
		if err != nil {
			return LogPage{}, classify(pollTitle, err)
		}
		for _, raw := range items {
			out.Events = append(out.Events, normaliseEvent(raw))
		}
		if next != "" {
			out.Next = next
		}
		if len(items) == 0 || next == "" {
			return out, nil
		}
		if query, err = okta.LogLinkQuery(next); err != nil {
			return LogPage{}, classify(pollTitle, err)
		}
		if activity.IsActivity(ctx) {
			activity.RecordHeartbeat(ctx, page)
		}
	}
}
