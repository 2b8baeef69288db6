package okta

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// User is the part of an Okta user the activities decide on. Read actions
// return Okta's raw JSON instead, so nothing Okta sends is lost.
type User struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	// StatusChanged is when the status last changed: a retried write
	// tells its own earlier attempt's change from an older one by it.
	StatusChanged time.Time `json:"statusChanged"`
	Profile       struct {
		Login string `json:"login"`
		Email string `json:"email"`
	} `json:"profile"`
}

// User statuses used for idempotency decisions.
const (
	StatusActive        = "ACTIVE"
	StatusDeprovisioned = "DEPROVISIONED"
	StatusStaged        = "STAGED"
	StatusProvisioned   = "PROVISIONED"
	StatusRecovery      = "RECOVERY"
)

// Page sizes: Okta's documented maximum (or recommendation) per endpoint,
// so listings take as few requests as possible.
const (
	pageUsers   = 200
	pageGroups  = 200
	pageMembers = 200
	pageLogs    = 1000
	pageZones   = 200
)

func seg(s string) string { return url.PathEscape(s) }

func pageQuery(q url.Values, max, page int) url.Values {
	if q == nil {
		q = url.Values{}
	}
	n := page
	if max > 0 && max < page {
		n = max
	}
	q.Set("limit", strconv.Itoa(n))
	return q
}

// GetUser fetches a user by ID or login ("me" for the token's owner).
func (c *Client) GetUser(ctx context.Context, idOrLogin string) (json.RawMessage, *User, error) {
	var raw json.RawMessage
	if _, err := c.Do(ctx, http.MethodGet, "/users/"+seg(idOrLogin), nil, nil, &raw); err != nil {
		return nil, nil, err
	}
	var u User
	if err := json.Unmarshal(raw, &u); err != nil {
		return nil, nil, &RequestError{Method: http.MethodGet, Path: "/users/{id}", Err: err}
	}
	return raw, &u, nil
}

// ListUsers lists users matching filter (all non-deprovisioned users when
// empty), up to max (max <= 0: all).
func (c *Client) ListUsers(ctx context.Context, filter string, max int) ([]json.RawMessage, error) {
	return c.SearchUsers(ctx, UserQuery{Filter: filter}, max)
}

// UserQuery selects users: Okta's filter, search and q parameters (empty
// ones are not sent; Okta refuses filter with search).
type UserQuery struct {
	Filter string
	Search string
	Q      string
}

// SearchUsers lists the users the query selects, up to max (max <= 0: all).
func (c *Client) SearchUsers(ctx context.Context, uq UserQuery, max int) ([]json.RawMessage, error) {
	q := url.Values{}
	for k, v := range map[string]string{"filter": uq.Filter, "search": uq.Search, "q": uq.Q} {
		if v != "" {
			q.Set(k, v)
		}
	}
	return c.List(ctx, "/users", pageQuery(q, max, pageUsers), max)
}

// CreateUser creates a user; activate=false leaves it STAGED.
func (c *Client) CreateUser(ctx context.Context, body any, activate bool) (json.RawMessage, error) {
	var raw json.RawMessage
	q := url.Values{"activate": {strconv.FormatBool(activate)}}
	_, err := c.Do(ctx, http.MethodPost, "/users", q, body, &raw)
	return raw, err
}

func (c *Client) lifecycle(ctx context.Context, id, op string, q url.Values) (json.RawMessage, error) {
	var raw json.RawMessage
	_, err := c.Do(ctx, http.MethodPost, "/users/"+seg(id)+"/lifecycle/"+op, q, nil, &raw)
	return raw, err
}

// ActivateUser activates a STAGED or DEPROVISIONED user. With
// sendEmail=false the answer holds the activation URL and token.
func (c *Client) ActivateUser(ctx context.Context, id string, sendEmail bool) (json.RawMessage, error) {
	return c.lifecycle(ctx, id, "activate", url.Values{"sendEmail": {strconv.FormatBool(sendEmail)}})
}

// DeactivateUser deactivates (deprovisions) a user.
func (c *Client) DeactivateUser(ctx context.Context, id string) (json.RawMessage, error) {
	return c.lifecycle(ctx, id, "deactivate", nil)
}

// ResetPassword starts a password reset. With sendEmail=false the answer
// holds the one-time reset URL; federated converts the user to a federated
// credential provider (Okta's provider=FEDERATION).
func (c *Client) ResetPassword(ctx context.Context, id string, sendEmail, federated bool) (json.RawMessage, error) {
	q := url.Values{"sendEmail": {strconv.FormatBool(sendEmail)}}
	if federated {
		q.Set("provider", "FEDERATION")
	}
	return c.lifecycle(ctx, id, "reset_password", q)
}

// ListUserGroups lists the groups of a user (by ID or login); Okta returns
// them in one page.
func (c *Client) ListUserGroups(ctx context.Context, idOrLogin string) ([]json.RawMessage, error) {
	return c.List(ctx, "/users/"+seg(idOrLogin)+"/groups", nil, 0)
}

// Me returns the user that owns the API token.
func (c *Client) Me(ctx context.Context) (*User, error) {
	_, u, err := c.GetUser(ctx, "me")
	return u, err
}
