package activities

import (
	"context"
	"encoding/json"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
)

// AddUsersToGroup adds each user to an OKTA_GROUP. Okta's PUT answers 204
// whether or not the user was a member, so the current members are read
// first to report already_member.
func (a *Activities) AddUsersToGroup(ctx context.Context, req action.Request) (any, error) {
	return a.membership(ctx, action.AddUsersToGroup, req, true)
}

// RemoveUsersFromGroup removes each user from an OKTA_GROUP; a user not in
// the group is not_member (success).
func (a *Activities) RemoveUsersFromGroup(ctx context.Context, req action.Request) (any, error) {
	return a.membership(ctx, action.RemoveUsersFromGroup, req, false)
}

// membership lists the group's members once per attempt and reuses the
// list for every item; a user already in the wanted state is decided by
// attribution (effects.go) when this step may have made the change.
func (a *Activities) membership(ctx context.Context, name string, req action.Request, add bool) (any, error) {
	act, p, err := a.start(ctx, name, req)
	if err != nil {
		return nil, err
	}
	gid := p.Str(action.ParamGroupID)
	members, err := a.Okta.ListGroupMembers(ctx, gid, 0)
	if err != nil {
		return nil, classify(act.Title, err)
	}
	isMember := make(map[string]bool, len(members))
	for _, m := range members {
		var u okta.User
		if json.Unmarshal(m, &u) == nil {
			isMember[u.ID] = true
		}
	}
	return a.runBulkIn(ctx, act, gid, p.List(action.ParamUserIDs), func(ctx context.Context, uid string) (action.ItemResult, error) {
		if add == isMember[uid] {
			return a.foundInPlace(ctx, act, uid, "")
		}
		sending(ctx)
		var err error
		if add {
			err = a.Okta.AddUserToGroup(ctx, gid, uid)
		} else {
			err = a.Okta.RemoveUserFromGroup(ctx, gid, uid)
		}
		if err != nil {
			return a.confirm(ctx, act, uid, err)
		}
		return done(uid, action.OutcomeDone)
	})
}

// GetGroups lists groups as Okta's JSON array.
func (a *Activities) GetGroups(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetGroups, req)
	if err != nil {
		return nil, err
	}
	limit := p.Int(action.ParamLimit) // at least 1: the parameter's Min
	groups, err := a.Okta.ListGroups(ctx, p.Str(action.ParamFilter), limit)
	return list(act, groups, err)
}

// GetGroupMembers lists a group's users as Okta's JSON array.
func (a *Activities) GetGroupMembers(ctx context.Context, req action.Request) (any, error) {
	act, p, err := a.start(ctx, action.GetGroupMembers, req)
	if err != nil {
		return nil, err
	}
	limit := p.Int(action.ParamLimit) // at least 1: the parameter's Min
	users, err := a.Okta.ListGroupMembers(ctx, p.Str(action.ParamGroupID), limit)
	return listFields(act, users, err, p.List(action.ParamFields))
}
