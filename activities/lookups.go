package activities

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// GetUser fetches one user. With not_found ok an unknown user (404
// E0000007) is the answer {found: false, user: null}.
func (a *Activities) GetUser(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetUser, req)
	if err != nil {
		return nil, err
	}
	raw, _, err := a.Okta.GetUser(ctx, p.Str(action.ParamUser))
	switch {
	case err == nil:
		return map[string]any{"found": true, "user": raw}, nil
	case okta.IsCode(err, okta.CodeNotFound) && p.Str(action.ParamNotFound) == action.NotFoundOK:
		return map[string]any{"found": false, "user": nil}, nil
	}
	return nil, classify(act.Title, err)
}

// ListUserApps lists a user's app links as Okta's JSON array.
func (a *Activities) ListUserApps(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.ListUserApps, req)
	if err != nil {
		return nil, err
	}
	links, err := a.Okta.ListAppLinks(ctx, p.Str(action.ParamUser))
	return list(act, links, err)
}

// GetGroup fetches a group by ID, or by exact name when the value is not a
// group ID. A name must match exactly one group.
func (a *Activities) GetGroup(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetGroup, req)
	if err != nil {
		return nil, err
	}
	given := p.Str(action.ParamGroup)
	id, ok := action.CanonicalID(action.TargetGroups, given)
	if !ok {
		ids, err := a.Okta.GroupIDsByName(ctx, given)
		if err != nil {
			return nil, classify(act.Title, err)
		}
		switch len(ids) {
		case 0:
			return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamGroup, Msg: fmt.Sprintf("no group is named %q", given)})
		case 1:
			id = ids[0]
		default:
			return nil, classify(act.Title, &InputError{Action: act.Name, Param: action.ParamGroup,
				Msg: fmt.Sprintf("%d groups are named %q; give the ID", len(ids), given)})
		}
	}
	raw, err := a.Okta.GetGroup(ctx, id)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	return json.RawMessage(raw), nil
}
