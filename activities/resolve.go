package activities

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
)

// Resolve is the cordon.resolve activity: it turns each spelling of a
// user (ID, login in any case, short login, "me"), group (ID or exact
// name) or zone (ID or exact name) into its Okta ID, so that the guardrails
// judge, and the action acts on, the identity rather than the text. A
// target that does not exist, or a name that fits several groups or zones,
// comes back without an ID and with the reason; it is never acted on.
// Transient Okta errors fail the activity so that Temporal retries it.
func (a *Activities) Resolve(ctx context.Context, req action.ResolveRequest) (action.ResolveResult, error) {
	res := action.ResolveResult{Resolved: make([]action.Resolved, 0, len(req.Targets))}
	var zones []json.RawMessage // listed once, on the first zone name
	for _, given := range req.Targets {
		r := action.Resolved{Given: given}
		key := strings.TrimSpace(given)
		if id, ok := action.CanonicalID(req.Kind, key); ok {
			r.ID = id
			res.Resolved = append(res.Resolved, r)
			continue
		}
		var err error
		switch req.Kind {
		case action.TargetUsers, action.TargetNew:
			r.ID, r.Message, err = a.resolveUser(ctx, key)
		case action.TargetGroups:
			r.ID, r.Message, err = a.resolveGroup(ctx, key)
		case action.TargetZones:
			if zones == nil {
				if zones, err = a.Okta.ListZones(ctx, "", "", 0); err != nil {
					return res, classify("Resolve targets", err)
				}
			}
			r.ID, r.Message = resolveZone(zones, key)
		default:
			return res, appError(fmt.Sprintf("targets of kind %q are not resolved", req.Kind), action.ErrInvalidInput, temporal.ApplicationErrorOptions{})
		}
		if err != nil {
			return res, classify("Resolve targets", err)
		}
		res.Resolved = append(res.Resolved, r)
	}
	activity.GetLogger(ctx).Info("resolved targets", "kind", req.Kind, "count", len(req.Targets))
	return res, nil
}

// resolveUser reads the user through GET /users/{idOrLogin}, which accepts
// an ID, a login (case-insensitively) or a unique short login; "me" is the
// token's owner.
func (a *Activities) resolveUser(ctx context.Context, key string) (id, msg string, err error) {
	if key == "" {
		return "", "empty user", nil
	}
	if strings.EqualFold(key, "me") {
		u, err := a.Okta.Me(ctx)
		if err != nil {
			return "", "", err
		}
		return u.ID, "", nil
	}
	id, err = a.Okta.UserID(ctx, key)
	if err != nil || id != "" {
		return id, "", err
	}
	return "", fmt.Sprintf("no Okta user with ID, login or short login %q", key), nil
}

// resolveGroup reads a group by ID, else finds it by exact name.
func (a *Activities) resolveGroup(ctx context.Context, key string) (id, msg string, err error) {
	if key == "" {
		return "", "empty group", nil
	}
	ids, err := a.Okta.GroupIDs(ctx, key)
	if err != nil {
		return "", "", err
	}
	switch len(ids) {
	case 0:
		return "", fmt.Sprintf("no Okta group with ID or name %q", key), nil
	case 1:
		return ids[0], "", nil
	}
	return "", fmt.Sprintf("%d Okta groups are named %q; give the group's ID", len(ids), key), nil
}

// resolveZone finds a zone by exact name among the org's zones.
func resolveZone(zones []json.RawMessage, key string) (id, msg string) {
	var ids []string
	for _, raw := range zones {
		var z struct{ ID, Name string }
		if json.Unmarshal(raw, &z) == nil && (z.ID == key || strings.EqualFold(z.Name, key)) {
			ids = append(ids, z.ID)
		}
	}
	switch len(ids) {
	case 0:
		return "", fmt.Sprintf("no Okta network zone with ID or name %q", key)
	case 1:
		return ids[0], ""
	}
	return "", fmt.Sprintf("%d Okta network zones are named %q; give the zone's ID", len(ids), key)
}
