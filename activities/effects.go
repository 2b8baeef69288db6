package activities

import (
	"context"
	"encoding/json"
	"errors"
	"slices"

	"go.temporal.io/sdk/activity"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// Truthful outcomes after a crash or a lost reply.
//
// A write can reach Okta while its answer never reaches the worker: the
// worker is killed, the connection drops, the attempt times out, a 5xx
// answers after Okta acted. Every write action declares in the registry
// how its effect is read back (action.ReadBack), and every item goes through
// the same two steps here, on every attempt including the last:
//
//   - confirm: a write that got no answer (or a 5xx) is read back; when
//     its effect is in place the item is decided by attribution, and
//     otherwise the error stands (the item is retried, or fails on the
//     last attempt).
//   - item: on a retry, an unfinished item whose write an earlier attempt
//     sent (the heartbeat's write-ahead bit) is read back before anything
//     is written again, so a finished write is not re-sent.
//
// Whether an effect found in place is this step's is never inferred from
// timing: attribution.go reads the System Log for this step's marker.

// errUnattributed stops an item whose write this step sent, whose effect
// is in place, and whose System Log event has not appeared within
// LogDelay: the retry looks again.
var errUnattributed = errors.New("the change is in place but the System Log shows no event of this step's write yet")

// errRedo says an effect in place is not this step's and the action has
// no already_* outcome for it (a password reset): the write is to be sent.
var errRedo = errors.New("in place, but not this step's change")

// item runs one bulk item: a read-back first when an earlier attempt sent
// the item's write, then fn.
func (a *Activities) item(ctx context.Context, act *action.Action, id string, fn itemFunc) (action.ItemResult, error) {
	// An uncertain item (its attempt died) is read back only where that
	// is one read: a user's status. A membership step's member list,
	// read at the start of every attempt, settles its items already.
	if readsBack(act) && (wasSent(ctx) || (uncertain(ctx) && act.ReadBack.Kind == action.ReadUserStatus && !resends(ctx))) {
		landed, note, err := a.readBack(ctx, act, id)
		if err != nil {
			return failed(ctx, id, err)
		}
		if landed {
			r, err := a.foundInPlace(ctx, act, id, note)
			if !errors.Is(err, errRedo) {
				return r, err
			}
		}
	}
	return fn(ctx, id)
}

// readsBack says whether the generic read-back applies to act's items
// (zone and create actions confirm their writes themselves).
func readsBack(act *action.Action) bool {
	rb := act.ReadBack
	return rb != nil && (rb.Kind == action.ReadUserStatus || rb.Kind == action.ReadMembership || rb.Kind == action.ReadEvent)
}

// confirm decides an item whose write got no answer: a dropped connection,
// a timeout or a 5xx, after which Okta may or may not have acted. It reads
// the item back; an effect in place is decided by attribution. Otherwise
// the error stands. A 429 was refused before Okta acted: never read back.
func (a *Activities) confirm(ctx context.Context, act *action.Action, id string, err error) (action.ItemResult, error) {
	if _, limited := rateLimitDelay(err); limited || !Retryable(err) || !readsBack(act) {
		return failed(ctx, id, err)
	}
	landed, note, rerr := a.readBack(ctx, act, id)
	if rerr != nil || !landed {
		if rerr == nil && (answered(err) || act.ReadBack.Already != "") {
			// The read-back shows no effect: the next round sends the
			// write again without reading it back first. Okta answered (a
			// 5xx), so it is done with the request; or the action finds
			// its own late write in place when it sends again (Okta
			// refuses, or answers the same) and attribution settles it.
			// Only a write that must not land twice (an emailed reset)
			// keeps its bit when no answer came: it may still be in flight.
			refused(ctx)
		}
		return failed(ctx, id, err)
	}
	r, ferr := a.foundInPlace(ctx, act, id, note)
	if errors.Is(ferr, errRedo) {
		return failed(ctx, id, err)
	}
	return r, ferr
}

// readBack reads item id's effect as act's registry entry declares.
func (a *Activities) readBack(ctx context.Context, act *action.Action, id string) (landed bool, note string, err error) {
	rb := act.ReadBack
	switch rb.Kind {
	case action.ReadUserStatus:
		u, err := a.user(ctx, id)
		if err != nil {
			return false, "", err
		}
		return slices.Contains(rb.Statuses, u.Status), "user is " + u.Status, nil
	case action.ReadMembership:
		at := attributionOf(ctx)
		if at == nil {
			return false, "", nil
		}
		groups, err := a.Okta.ListUserGroups(ctx, id)
		if err != nil {
			return false, "", err
		}
		member := false
		for _, raw := range groups {
			var g struct {
				ID string `json:"id"`
			}
			if json.Unmarshal(raw, &g) == nil && g.ID == at.group {
				member = true
			}
		}
		return member == rb.Member, "", nil
	case action.ReadEvent:
		// One read of the log, without waiting for a late event: these
		// writes repeat harmlessly (action.RetryEffects), so an effect not
		// shown yet is written again rather than waited for.
		at := attributionOf(ctx)
		if at == nil {
			return false, "", nil
		}
		mine, err := at.mineNow(ctx, id)
		return mine, "", err
	}
	return false, "", nil
}

// foundInPlace decides an item whose effect is in place: this step's
// change (done), or someone else's (the action's already_* outcome, with
// who made it). A first attempt that sent no write for the item made no
// change, so it does not read the System Log.
func (a *Activities) foundInPlace(ctx context.Context, act *action.Action, id, note string) (action.ItemResult, error) {
	sent := wasSent(ctx)
	at := attributionOf(ctx)
	if at != nil && (sent || retried(ctx) || laterRound(ctx)) {
		mine, by, err := at.decide(ctx, id, sent)
		if err != nil {
			return failed(ctx, id, err)
		}
		if mine {
			return done(id, action.OutcomeDone)
		}
		if act.ReadBack.Already == "" {
			return action.ItemResult{}, errRedo
		}
		if sent && by == "" && !lastAttempt(ctx) {
			return action.ItemResult{}, errUnattributed
		}
		r := already(id, act, note)
		r.By = by
		if sent && by == "" {
			r.Message = joinNote(r.Message, "not claimed as this step's change: the System Log showed no event of its write within the wait, so undo_after leaves it")
		}
		return r, nil
	}
	return already(id, act, note), nil
}

func already(id string, act *action.Action, note string) action.ItemResult {
	outcome := act.ReadBack.Already
	if outcome == "" {
		outcome = action.OutcomeDone
	}
	r, _ := done(id, outcome)
	if outcome != action.OutcomeDone {
		r.Message = note
	}
	return r
}

func joinNote(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// retried says whether an earlier attempt of this activity ran.
func retried(ctx context.Context) bool {
	return activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt > 1
}

// answered says whether Okta answered the request (with a 5xx): it has
// finished with it. Without an answer (a timeout, a dropped connection)
// the write may still be in flight.
func answered(err error) bool {
	var apiErr *okta.APIError
	return errors.As(err, &apiErr)
}

// lostReply says whether a write may have landed without its answer
// reaching us: no answer, or a 5xx. A 429 was refused before Okta acted.
// The zone and create actions read such a write back themselves
// (action.ReadZone, action.ReadCreated), on every attempt.
func lostReply(err error) bool {
	_, limited := rateLimitDelay(err)
	return err != nil && !limited && Retryable(err)
}

type resendKey struct{}

// withResend marks a step whose lost write is better sent again than read
// back: its reply carries something only a new write returns (a password
// reset link when no email is sent), and repeating it is harmless.
func withResend(ctx context.Context) context.Context {
	return context.WithValue(ctx, resendKey{}, true)
}

func resends(ctx context.Context) bool {
	on, _ := ctx.Value(resendKey{}).(bool)
	return on
}
