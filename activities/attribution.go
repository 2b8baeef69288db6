package activities

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Attribution: which changes are this step's own.
//
// A write can land while its reply is lost (a dropped connection, a
// timeout, a 5xx after Okta acted, a killed worker), and while a step
// retries, an admin may change the same users. A change found in place is
// this step's only when the System Log proves it: an event of the
// action's read-back Events that names the item, whose actor is the
// connection's identity and whose client User-Agent carries this step's
// marker (opMarker, sent on every request of every attempt). Anything
// else found in place is someone else's: reported already_* with who made
// it (By), and never undone. Timing (statusChanged after the step was
// scheduled) proves nothing and is not used.
//
// The System Log may lag the write. When this step sent the item's write
// (this attempt, or an earlier one per the write-ahead record in the
// heartbeat, bulkprogress.go) and no event names it yet, the log is read
// again with backoff for up to Activities.LogDelay. Still nothing: the item
// goes back for a retry, and on the last attempt it is reported as found
// in place, not claimed (undo_after leaves it), with the reason.

// DefaultLogDelay is how long a step waits for the System Log to show the
// event of a write it sent before it stops claiming the change.
const DefaultLogDelay = 30 * time.Second

// opMarker is the User-Agent marker of this activity's requests: the same
// on every attempt of the step, different for every other step and run.
// The product token is what attribution matches; the comment names the
// run for a person reading the System Log.
func opMarker(info activity.Info) (token, full string) {
	sum := sha256.Sum256([]byte(info.WorkflowExecution.ID + "\x00" + info.WorkflowExecution.RunID + "\x00" + info.ActivityID))
	token = "cordon-op/" + strings.ToLower(base32.StdEncoding.EncodeToString(sum[:])[:20])
	full = fmt.Sprintf("%s (run %s; activity %s; attempt %d)", token,
		uaSafe(info.WorkflowExecution.ID), uaSafe(info.ActivityID), info.Attempt)
	return token, full
}

// uaSafe keeps s to characters a User-Agent comment takes as they are.
func uaSafe(s string) string {
	return strings.Map(func(r rune) rune {
		if r > ' ' && r < 0x7f && r != '(' && r != ')' && r != '\\' && r != ';' {
			return r
		}
		return '_'
	}, s)
}

// logEntry is one System Log event about an item.
type logEntry struct {
	mine bool   // actor is the connection's identity and the marker is this step's
	by   string // who, for an event that is not this step's
	at   time.Time
}

// attribution answers, for one activity attempt, whether a change found in
// place is this step's. It reads the System Log once per attempt and again
// only for items whose event it still waits for; every item of the attempt
// shares the reads.
type attribution struct {
	a      *Activities
	rb     *action.ReadBack
	token  string    // the marker's product token
	since  time.Time // the step's first scheduling, less clock skew
	group  string    // membership actions: the group the events name
	wait   time.Duration
	mu     sync.Mutex
	loaded time.Time
	items  map[string][]logEntry
}

type attributionKey struct{}

// withAttribution marks ctx's requests with this step's marker and
// prepares the attempt's attribution (attributionOf); ctx unchanged
// outside an activity.
func (a *Activities) withAttribution(ctx context.Context, act *action.Action, group string) context.Context {
	if !activity.IsActivity(ctx) || act.ReadBack == nil {
		return ctx
	}
	info := activity.GetInfo(ctx)
	token, full := opMarker(info)
	wait := a.LogDelay
	if wait <= 0 {
		wait = DefaultLogDelay
	}
	at := &attribution{a: a, rb: act.ReadBack, token: token, since: info.ScheduledTime.Add(-time.Minute),
		group: group, wait: wait}
	ctx = okta.WithMarker(ctx, full)
	return context.WithValue(ctx, attributionKey{}, at)
}

func attributionOf(ctx context.Context) *attribution {
	at, _ := ctx.Value(attributionKey{}).(*attribution)
	return at
}

// decide reads who made item id's change: this step (mine), someone else
// (by), or nobody the log names yet. sent says this step sent the item's
// write; only then is a missing event waited for.
func (at *attribution) decide(ctx context.Context, id string, sent bool) (mine bool, by string, err error) {
	deadline := time.Now().Add(at.wait)
	backoff := time.Second
	for {
		entries, err := at.entries(ctx, id, sent)
		if err != nil {
			return false, "", err
		}
		var last *logEntry
		for k := range entries {
			if entries[k].mine {
				return true, "", nil
			}
			if last == nil || entries[k].at.After(last.at) {
				last = &entries[k]
			}
		}
		if !sent || time.Now().Add(backoff).After(deadline) {
			if last != nil {
				return false, last.by, nil
			}
			return false, "", nil
		}
		select {
		case <-ctx.Done():
			return false, "", ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(backoff*2, 10*time.Second)
	}
}

// mineNow reads the log (again, unless read within the last second or
// it shows the item already) and says whether this step's event names id.
func (at *attribution) mineNow(ctx context.Context, id string) (bool, error) {
	entries, err := at.entries(ctx, id, true)
	return hasMine(entries), err
}

// entries returns the events naming id, reading the log when it was never
// read in this attempt, or (for an item this step wrote) not since a
// second ago.
func (at *attribution) entries(ctx context.Context, id string, fresh bool) ([]logEntry, error) {
	at.mu.Lock()
	defer at.mu.Unlock()
	if at.items == nil || (fresh && time.Since(at.loaded) > time.Second && !hasMine(at.items[id])) {
		if err := at.load(ctx); err != nil {
			return nil, err
		}
	}
	return at.items[id], nil
}

func hasMine(es []logEntry) bool {
	for _, e := range es {
		if e.mine {
			return true
		}
	}
	return false
}

// load reads the System Log events of the action's kinds since the step
// was first scheduled (for a membership, only the group's).
func (at *attribution) load(ctx context.Context) error {
	self, err := at.a.selfID(ctx)
	if err != nil {
		return err
	}
	types := make([]string, len(at.rb.Events))
	for i, t := range at.rb.Events {
		types[i] = fmt.Sprintf("eventType eq %q", t)
	}
	filter := "(" + strings.Join(types, " or ") + ")"
	if at.group != "" {
		filter += fmt.Sprintf(" and target.id eq %q", at.group)
	}
	now := time.Now()
	events, err := at.a.Okta.ListLogs(ctx, okta.LogQuery{Filter: filter, Since: at.since, Until: now.Add(time.Minute)})
	if err != nil {
		return err
	}
	items := map[string][]logEntry{}
	for _, raw := range events {
		var ev logEvent
		if json.Unmarshal(raw, &ev) != nil || (ev.Outcome.Result != "" && ev.Outcome.Result != "SUCCESS") {
			continue
		}
		e := logEntry{at: ev.Published, by: ev.who()}
		e.mine = strings.Contains(ev.Client.UserAgent.Raw+" ", at.token+" ") && (self == "" || ev.Actor.ID == self)
		for _, t := range ev.Target {
			if t.Type == "User" || t.Type == "NetworkZone" {
				items[t.ID] = append(items[t.ID], e)
			}
		}
	}
	at.items, at.loaded = items, now
	return nil
}

// logEvent is the part of a System Log event attribution reads.
type logEvent struct {
	Published time.Time `json:"published"`
	Actor     struct {
		ID          string `json:"id"`
		AlternateID string `json:"alternateId"`
		DisplayName string `json:"displayName"`
	} `json:"actor"`
	Client struct {
		UserAgent struct {
			Raw string `json:"rawUserAgent"`
		} `json:"userAgent"`
	} `json:"client"`
	Outcome struct {
		Result string `json:"result"`
	} `json:"outcome"`
	Target []struct {
		ID   string `json:"id"`
		Type string `json:"type"`
	} `json:"target"`
}

// who names the event's actor and client for a report.
func (ev *logEvent) who() string {
	name := ev.Actor.AlternateID
	if name == "" {
		name = ev.Actor.DisplayName
	}
	if name == "" {
		name = ev.Actor.ID
	}
	if ua := ev.Client.UserAgent.Raw; ua != "" {
		return name + " via " + ua
	}
	return name
}

// selfID is the connection's identity (the token owner's user id), read
// once per worker; "" for an OAuth service app, which has no user: its
// requests are then matched by marker alone.
func (a *Activities) selfID(ctx context.Context) (string, error) {
	a.selfMu.Lock()
	defer a.selfMu.Unlock()
	if a.selfKnown {
		return a.self, nil
	}
	u, err := a.Okta.Me(ctx)
	switch {
	case err == nil:
		a.self = u.ID
	case errors.Is(err, okta.ErrNotFound), okta.IsCode(err, okta.CodeForbidden):
		a.self = ""
	default:
		return "", err
	}
	a.selfKnown = true
	return a.self, nil
}
