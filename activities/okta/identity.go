package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
)

// Factor is the part of an Okta UserFactor the activities decide on.
type Factor struct {
	ID         string `json:"id"`
	FactorType string `json:"factorType"`
	Provider   string `json:"provider"`
	Status     string `json:"status"`
}

// StatusSuspended and the other statuses the identity-response actions
// decide on.
const (
	StatusSuspended       = "SUSPENDED"
	StatusLockedOut       = "LOCKED_OUT"
	StatusPasswordExpired = "PASSWORD_EXPIRED"
)

// ClearSessions revokes every Okta session of a user (204 whether or not
// there were any); oauthTokens also revokes the OIDC and OAuth tokens
// issued to the user.
func (c *Client) ClearSessions(ctx context.Context, userID string, oauthTokens bool) error {
	q := url.Values{"oauthTokens": {strconv.FormatBool(oauthTokens)}}
	_, err := c.Do(ctx, http.MethodDelete, "/users/"+seg(userID)+"/sessions", q, nil, nil)
	return err
}

// SuspendUser suspends an ACTIVE user.
func (c *Client) SuspendUser(ctx context.Context, id string) error {
	_, err := c.lifecycle(ctx, id, "suspend", nil)
	return err
}

// UnsuspendUser returns a SUSPENDED user to ACTIVE.
func (c *Client) UnsuspendUser(ctx context.Context, id string) error {
	_, err := c.lifecycle(ctx, id, "unsuspend", nil)
	return err
}

// UnlockUser unlocks a LOCKED_OUT user.
func (c *Client) UnlockUser(ctx context.Context, id string) error {
	_, err := c.lifecycle(ctx, id, "unlock", nil)
	return err
}

// ExpirePassword moves a user to PASSWORD_EXPIRED. Okta answers with the
// user object, which callers do not need.
func (c *Client) ExpirePassword(ctx context.Context, id string) error {
	_, err := c.lifecycle(ctx, id, "expire_password", nil)
	return err
}

// ExpirePasswordWithTemp expires the password and sets a temporary one,
// which it returns. The value is a credential: callers must not log it.
func (c *Client) ExpirePasswordWithTemp(ctx context.Context, id string, revokeSessions bool) (string, error) {
	q := url.Values{"revokeSessions": {strconv.FormatBool(revokeSessions)}}
	raw, err := c.lifecycle(ctx, id, "expire_password_with_temp_password", q)
	if err != nil {
		return "", err
	}
	var out struct {
		TempPassword string `json:"tempPassword"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return "", &RequestError{Method: http.MethodPost, Path: "/users/{id}/lifecycle/expire_password_with_temp_password", Err: err}
	}
	return out.TempPassword, nil
}

// ListFactors lists a user's enrolled factors (one page: Okta does not
// page this list).
func (c *Client) ListFactors(ctx context.Context, userID string) ([]json.RawMessage, error) {
	return c.List(ctx, "/users/"+seg(userID)+"/factors", nil, 0)
}

// ResetFactors unenrolls all of a user's factors.
func (c *Client) ResetFactors(ctx context.Context, id string) error {
	_, err := c.lifecycle(ctx, id, "reset_factors", nil)
	return err
}

// DeleteFactor unenrolls one factor.
func (c *Client) DeleteFactor(ctx context.Context, userID, factorID string) error {
	_, err := c.Do(ctx, http.MethodDelete, "/users/"+seg(userID)+"/factors/"+seg(factorID), nil, nil, nil)
	return err
}

// ListAppLinks lists the app links of a user (one page).
func (c *Client) ListAppLinks(ctx context.Context, idOrLogin string) ([]json.RawMessage, error) {
	return c.List(ctx, "/users/"+seg(idOrLogin)+"/appLinks", nil, 0)
}

// UpdateUserProfile changes the given profile attributes and leaves the
// others alone (Okta's partial update, POST rather than PUT).
func (c *Client) UpdateUserProfile(ctx context.Context, id string, profile map[string]any) (json.RawMessage, error) {
	var raw json.RawMessage
	_, err := c.Do(ctx, http.MethodPost, "/users/"+seg(id), nil, map[string]any{"profile": profile}, &raw)
	return raw, err
}
