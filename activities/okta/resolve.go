package okta

import (
	"context"
	"errors"
)

// Name→id resolution, in one place: the cordon.resolve activity and the
// guardrails' directory both ask these, and each words its own answer
// for a name that fits nothing or several.

// UserID returns the ID of the user with this ID, login (any case) or
// unique short login, which GET /users/{idOrLogin} accepts; "" when there
// is none.
func (c *Client) UserID(ctx context.Context, idOrLogin string) (string, error) {
	_, u, err := c.GetUser(ctx, idOrLogin)
	switch {
	case errors.Is(err, ErrNotFound):
		return "", nil
	case err != nil:
		return "", err
	}
	return u.ID, nil
}

// GroupIDs returns the group whose ID is idOrName, else the IDs of every
// group named exactly idOrName: none, one, or several that share the name.
func (c *Client) GroupIDs(ctx context.Context, idOrName string) ([]string, error) {
	if _, err := c.GetGroup(ctx, idOrName); err == nil {
		return []string{idOrName}, nil
	} else if !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	return c.GroupIDsByName(ctx, idOrName)
}
