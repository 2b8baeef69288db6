package guard

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/cordonsec/cordon/activities/okta"
)

// OktaDirectory is the Directory of an Okta org, read through Cordon's
// Okta client.
type OktaDirectory struct{ Okta *okta.Client }

// GroupMembers returns the ids and logins of a group's members.
func (d OktaDirectory) GroupMembers(ctx context.Context, groupID string) ([]string, error) {
	raw, err := d.Okta.ListGroupMembers(ctx, groupID, 0)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, r := range raw {
		var u okta.User
		if json.Unmarshal(r, &u) == nil {
			out = append(out, u.ID, u.Profile.Login)
		}
	}
	return out, nil
}

// Me returns the id and login of the API token's owner.
func (d OktaDirectory) Me(ctx context.Context) (string, string, error) {
	u, err := d.Okta.Me(ctx)
	if err != nil {
		return "", "", err
	}
	return u.ID, u.Profile.Login, nil
}

// UserID returns the ID of the user with this ID or login; "" when none.
func (d OktaDirectory) UserID(ctx context.Context, idOrLogin string) (string, error) {
	return d.Okta.UserID(ctx, idOrLogin)
}

// GroupID returns the ID of the group with this ID or exact name; "" when
// none. A name several groups share is an error: the guardrails file must
// then name the group by ID.
func (d OktaDirectory) GroupID(ctx context.Context, idOrName string) (string, error) {
	ids, err := d.Okta.GroupIDs(ctx, idOrName)
	if err != nil {
		return "", err
	}
	switch len(ids) {
	case 0:
		return "", nil
	case 1:
		return ids[0], nil
	}
	return "", fmt.Errorf("%d groups are named %q; name the group by ID", len(ids), idOrName)
}
