package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/activities/spec"
)

// Truthful outcomes after a crash or a lost reply.
//
// A write can reach Okta while its answer never reaches the worker: the
// worker is killed, the connection drops, the attempt times out. Temporal
// then runs the activity again, and the retry finds the write already in
// place. Reported naively, that item is "already_deprovisioned" or
// "already_member": wrong for the report, and wrong for undo_after, which
// reverses only what the run changed (outcome done).
//
// So a retried activity (attempt > 1) asks Okta whether a change it finds
// in place was made since the activity was first scheduled: a user's
// statusChanged, the System Log's membership events, the zone writes it
// recorded ahead of time (zonewrite.go). Such a change is this activity's
// doing and reported done. The first attempt never asks: what it finds in
// place was there before it. Heartbeat progress still skips the items a
// previous attempt recorded as finished; this covers the ones it could not
// record (the SDK sends heartbeats in batches, so a killed worker loses
// the last few).
//
// The same check keeps non-idempotent writes from being repeated: a retry
// does not send a second password-reset email when the first reset took
// effect (users.go).

// resumed says whether this is a retry of an activity whose earlier
// attempt may have written, and returns when the activity was first
// scheduled.
func resumed(ctx context.Context) (time.Time, bool) {
	if !activity.IsActivity(ctx) {
		return time.Time{}, false
	}
	info := activity.GetInfo(ctx)
	if info.Attempt <= 1 || info.ScheduledTime.IsZero() {
		return time.Time{}, false
	}
	return info.ScheduledTime, true
}

// changedByThisStep says whether a change Okta stamped at changed was
// made since this activity was first scheduled: by this attempt's write
// whose answer was lost, or by an earlier attempt's.
func changedByThisStep(ctx context.Context, changed time.Time) bool {
	if !activity.IsActivity(ctx) || changed.IsZero() {
		return false
	}
	since := activity.GetInfo(ctx).ScheduledTime
	return !since.IsZero() && !changed.Before(since)
}

// confirm decides an item whose write got no answer: a dropped connection,
// a timeout or a 5xx, after which Okta may or may not have acted. It reads
// the target back (landed); when the change is in place and was made by
// this step, the item is done. Otherwise the error stands: the activity
// hands the item back for a retry, or fails it on its last attempt. A 429
// was refused before Okta acted, so it is never checked.
func confirm(ctx context.Context, id string, err error, landed func() (bool, error)) (spec.ItemResult, error) {
	var apiErr *okta.APIError
	limited := errors.As(err, &apiErr) && apiErr.HTTPStatus == http.StatusTooManyRequests
	if Retryable(err) && !limited {
		if ok, cerr := landed(); cerr == nil && ok {
			return done(id, spec.OutcomeDone)
		}
	}
	return failed(ctx, id, err)
}

// membershipEvents returns the users whose membership in group gid an
// event of eventType (group.user_membership.add or .remove) records since
// this activity was first scheduled; nil on the first attempt.
func (a *Activities) membershipEvents(ctx context.Context, gid, eventType string) (map[string]bool, error) {
	since, ok := resumed(ctx)
	if !ok {
		return nil, nil
	}
	events, err := a.Okta.ListLogs(ctx, okta.LogQuery{
		Filter: fmt.Sprintf(`eventType eq %q and target.id eq %q`, eventType, gid),
		Since:  since, Until: time.Now().Add(time.Minute),
	})
	if err != nil {
		return nil, err
	}
	users := map[string]bool{}
	for _, raw := range events {
		var ev struct {
			Target []struct {
				ID   string `json:"id"`
				Type string `json:"type"`
			} `json:"target"`
		}
		if json.Unmarshal(raw, &ev) != nil {
			continue
		}
		for _, t := range ev.Target {
			if t.Type == "User" {
				users[t.ID] = true
			}
		}
	}
	return users, nil
}
