package activities

import (
	"context"
	"fmt"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
)

// The guardrails, checked again where the write happens.
//
// The workflow canonicalises a destructive step's targets and asks the
// cordon.guard activity about them before the action runs
// (workflows/destructive.go). That check lives one layer above the code
// that writes to Okta: a caller that skips it (a workflow bug, a replayed
// or hand-made input, an activity started without a workflow) would reach
// Okta unchecked. So every destructive action asks the same guard again,
// with the values it is about to write to:
//
//   - the action's guarded parameters (the group a membership changes, the
//     zone a block writes, the gateways an update adds) and a single
//     target (update_zone's zone, create_user_in_group's login), once, in
//     start, before anything else: one protected value refuses the whole
//     activity, non-retryably;
//   - each item of a list action (users, zones: runBulk; IP entries:
//     editBlocklist), immediately before its write: a protected item is
//     reported with outcome protected and not written, the others proceed;
//   - a zone write's resulting state (writeguard_zone.go): no write may
//     leave a protected network blocked by a BLOCKLIST zone.
//
// The guard's identities (group members, the token's owner) are refreshed
// at most once a minute (internal/guard), the same view the workflow's
// check had.

// WriteGuard is the guardrails as the writing activities re-check them:
// the check of the cordon.guard activity, which internal/guard.Guard
// implements.
type WriteGuard interface {
	Check(ctx context.Context, req action.GuardRequest) (action.GuardResult, error)
}

// ProtectedError is a destructive action refused at the write because one
// of its values is protected (or no guardrails are configured at all).
type ProtectedError struct {
	Action string // registry name, e.g. okta.update_zone
	Param  string // the parameter naming the value; empty for no guard
	Value  string
	Reason string
}

func (e *ProtectedError) Error() string {
	if e.Param == "" {
		return fmt.Sprintf("%s refused at the write: %s; nothing was changed", e.Action, e.Reason)
	}
	return fmt.Sprintf("%s refused at the write: %s %s: %s; nothing was changed", e.Action, e.Param, e.Value, e.Reason)
}

// refuse is the activity's failure for a *ProtectedError: non-retryable,
// in the integration spec's message form.
func refuse(act *action.Action, e *ProtectedError) error {
	d := action.ErrorDetails{Command: act.Title, Message: e.Error()}
	return appError(failureMessage(act.Title, d), action.ErrProtected,
		temporal.ApplicationErrorOptions{Details: []any{d}})
}

// recheck is start's part of the write-site check (see above): for a
// destructive action, every guarded value that is not checked per item.
func (a *Activities) recheck(ctx context.Context, act *action.Action, p *Params) error {
	if !act.Destructive {
		return nil
	}
	if a.Guard == nil {
		return refuse(act, &ProtectedError{Action: act.Name, Reason: "this worker has no guardrails configured, so it writes nothing"})
	}
	for _, g := range act.Guarded() {
		if act.Targets != nil && g == action.Guarded(*act.Targets) && itemized(act) {
			continue
		}
		values := p.List(g.Param)
		if s := p.Str(g.Param); len(values) == 0 && s != "" {
			values = []string{s}
		}
		protected, err := a.protectedAmong(ctx, act, g.Kind, values)
		if err != nil {
			return classify(act.Title, err)
		}
		if len(protected) > 0 {
			return refuse(act, &ProtectedError{Action: act.Name, Param: g.Param, Value: protected[0].Target, Reason: protected[0].Reason})
		}
	}
	return nil
}

// itemized says whether an action checks its targets item by item, right
// before each item's write: the list actions (runBulk, editBlocklist).
// Create Zone writes its gateways in one request, so they are checked as
// a whole, in start.
func itemized(act *action.Action) bool {
	p, ok := act.Param(act.Targets.Param)
	return ok && p.Type == action.TypeStringList && act.Name != action.CreateZone
}

// protectedAmong asks the guard which of values (of one kind) are
// protected. IP entries are canonicalised first; one that does not parse
// is left to the action, which refuses it as input.
func (a *Activities) protectedAmong(ctx context.Context, act *action.Action, kind action.TargetKind, values []string) ([]action.ProtectedEntry, error) {
	if len(values) == 0 {
		return nil, nil
	}
	targets := make([]string, 0, len(values))
	for _, v := range values {
		if kind == action.TargetIPs {
			e, err := action.ParseIPEntry(v)
			if err != nil {
				continue
			}
			v = e.String()
		}
		targets = append(targets, v)
	}
	if a.Guard == nil {
		return []action.ProtectedEntry{{Target: values[0], Reason: "this worker has no guardrails configured"}}, nil
	}
	res, err := a.Guard.Check(ctx, action.GuardRequest{Action: act.Name, Kind: kind, Targets: targets})
	if err != nil {
		return nil, err
	}
	return res.Protected, nil
}

// guardItem wraps a list action's item function with the write-site
// check: the item's target is canonicalised (a user's login or short name
// is resolved to the Okta ID the write then uses) and checked immediately
// before fn writes. A protected item is reported with outcome protected,
// and fn never runs for it.
func (a *Activities) guardItem(act *action.Action, fn itemFunc) itemFunc {
	if !act.Destructive || act.Targets == nil {
		return fn
	}
	return func(ctx context.Context, id string) (action.ItemResult, error) {
		target, err := a.canonicalTarget(ctx, act.Targets.Kind, id)
		if err != nil {
			return failed(ctx, id, err)
		}
		spellings := []string{target}
		if target != id {
			spellings = append(spellings, id)
		}
		protected, err := a.protectedAmong(ctx, act, act.Targets.Kind, spellings)
		if err != nil {
			return failed(ctx, id, err)
		}
		if len(protected) > 0 {
			return refusedItem(ctx, act, id, protected[0].Reason), nil
		}
		r, err := fn(ctx, target)
		if r.ID == target {
			r.ID = id // the report keeps the caller's spelling, like Succeeded and Failed
		}
		return r, err
	}
}

// canonicalTarget returns the Okta ID a user target names: Okta's user
// endpoints also take a login, a login's short name and "me", so a
// spelling that is not an ID is resolved the way Okta would resolve it.
// Other kinds are written by ID only and pass unchanged.
func (a *Activities) canonicalTarget(ctx context.Context, kind action.TargetKind, id string) (string, error) {
	if kind != action.TargetUsers {
		return id, nil
	}
	if canon, ok := action.CanonicalID(kind, id); ok {
		return canon, nil
	}
	u, err := a.user(ctx, id)
	if err != nil {
		return "", err
	}
	return u.ID, nil
}

// refusedItem is the result of an item the write-site check refused.
func refusedItem(ctx context.Context, act *action.Action, id, reason string) action.ItemResult {
	if activity.IsActivity(ctx) {
		activity.GetLogger(ctx).Warn("write refused: protected target", "action", act.Name, "target", id, "reason", reason)
	}
	return action.ItemResult{ID: id, Outcome: action.OutcomeProtected,
		Message: fmt.Sprintf("%s; not written (%s re-checks the guardrails before each write)", reason, act.Name)}
}

// allowedEntries splits a blocklist edit's entries into those the guard
// allows and the refused ones (outcome protected), right before the zone
// is written.
func (a *Activities) allowedEntries(ctx context.Context, act *action.Action, entries []action.IPEntry) ([]action.IPEntry, []action.ItemResult, error) {
	values := make([]string, len(entries))
	for i, e := range entries {
		values[i] = e.String()
	}
	protected, err := a.protectedAmong(ctx, act, action.TargetIPs, values)
	if err != nil {
		return nil, nil, classify(act.Title, err)
	}
	why := map[string]string{}
	for _, p := range protected {
		why[p.Target] = p.Reason
	}
	var allowed []action.IPEntry
	var refused []action.ItemResult
	for _, e := range entries {
		if reason, ok := why[e.String()]; ok {
			refused = append(refused, refusedItem(ctx, act, e.String(), reason))
			continue
		}
		allowed = append(allowed, e)
	}
	return allowed, refused, nil
}

// withRefused adds refused items to a result whose other items all
// succeeded. With nothing left that succeeded the activity fails,
// non-retryably, with the result as the failure's second detail (as
// runBulk's finish does).
func withRefused(act *action.Action, res *action.BulkResult, refused []action.ItemResult) (*action.BulkResult, error) {
	if len(refused) == 0 {
		return res, nil
	}
	for _, r := range refused {
		res.Results = append(res.Results, r)
		res.Failed = append(res.Failed, r.ID)
	}
	if len(res.Succeeded) > 0 {
		res.Status = action.StatusPartiallySuccessful
		return res, nil
	}
	res.Status = action.StatusFailed
	d := action.ErrorDetails{Command: act.Title, Message: refused[0].ID + ": " + refused[0].Message}
	return nil, appError(failureMessage(act.Title, d), action.ErrProtected,
		temporal.ApplicationErrorOptions{Details: []any{d, res}})
}
