package activities

import (
	"cmp"
	"context"
	"fmt"
	"strings"

	"go.temporal.io/sdk/temporal"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/internal/connections"
)

// checkScopes refuses an action whose OAuth scopes (action.Action.Scopes:
// every Okta call one step of it may make) the connection's access token
// was not granted, before the action sends anything. Okta would refuse the
// first call it lacks a scope for with 403 E0000006, but only after the
// calls before it went out: a step that resolves, checks and then writes
// would fail halfway, and a lookup's 403 reads like a missing object. An
// API token (SSWS) is not scope-limited and is not checked.
//
// The token comes from the client's cache (okta.Client.Authenticate); only
// a step that finds none mints one, which the first Okta call would do
// anyway.
func (a *Activities) checkScopes(ctx context.Context, act *action.Action) error {
	info, err := a.Okta.Authenticate(ctx)
	if err != nil {
		return classify(act.Title, err)
	}
	if info.ClientID == "" {
		return nil
	}
	missing := a.Registry.MissingScopes(act.Name, info.Scopes)
	if len(missing) == 0 {
		return nil
	}
	conn := cmp.Or(a.Connection, connections.Default)
	noun := "scope"
	if len(missing) > 1 {
		noun = "scopes"
	}
	msg := fmt.Sprintf("%s: connection %q (OAuth client %s) was not granted the %s %s the action needs; nothing was sent to Okta. "+
		"Grant %s to the API Services app in Okta, and list %s in the connection's scopes: or leave scopes: out so Cordon requests what the playbooks need (cordon connections check %s)",
		act.Title, conn, info.ClientID, noun, strings.Join(missing, ", "), them(missing), them(missing), conn)
	return appError(msg, action.ErrScopeMissing, temporal.ApplicationErrorOptions{})
}

func them(s []string) string {
	if len(s) == 1 {
		return "it"
	}
	return "them"
}
