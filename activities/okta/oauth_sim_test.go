package okta

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/cordonsec/cordon/internal/oktasim"
)

// TestOAuthAgainstTheSimulator joins the two independent readings of
// Okta's OAuth: this client (oauth.go) and the simulated org's
// authorization server (internal/oktasim). A service app with DPoP, on a
// second org under a path prefix, reads users with a read-only scope, is
// refused a write it holds no scope for, and survives a rotated nonce and
// revoked tokens.
func TestOAuthAgainstTheSimulator(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	dpopKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	app := oktasim.ServiceApp{ClientID: "0oaglobex", Keys: []jose.JSONWebKey{oktasim.ServiceKey("k1", &rsaKey.PublicKey)},
		Scopes: []string{"okta.users.read", "okta.groups.read"}, RequireDPoP: true}
	orgs, err := oktasim.StartOrgs("127.0.0.1:0", []oktasim.NamedOrg{
		{Name: "acme", Options: oktasim.Options{Token: "acme-token"}},
		{Name: "globex", Options: oktasim.Options{Token: "globex-token", ServiceApps: []oktasim.ServiceApp{app}}},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = orgs.Close() })

	c, err := NewClient(Config{OrgURL: orgs.URL("globex"), OAuth: &OAuth{ClientID: "0oaglobex", KeyID: "k1",
		PrivateKey: rsaKey, Scopes: []string{"okta.users.read"}, DPoPKey: dpopKey}})
	require.NoError(t, err)
	ctx := context.Background()

	info, err := c.Authenticate(ctx)
	require.NoError(t, err)
	require.Equal(t, TokenTypeDPoP, info.Scheme)
	require.Equal(t, []string{"okta.users.read"}, info.Scopes)

	users, err := c.ListUsers(ctx, "", 5)
	require.NoError(t, err)
	require.NotEmpty(t, users)
	var first User
	require.NoError(t, json.Unmarshal(users[0], &first))
	_, u, err := c.GetUser(ctx, first.ID)
	require.NoError(t, err)

	_, err = c.DeactivateUser(ctx, u.ID)
	var ae *APIError
	require.True(t, errors.As(err, &ae), "got %v", err)
	require.Equal(t, 403, ae.HTTPStatus)
	require.Equal(t, "E0000006", ae.Code)
	_, after, err := c.GetUser(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, u.Status, after.Status, "a refused write changed the user")

	orgs.Sim("globex").RotateDPoPNonce()
	_, _, err = c.GetUser(ctx, u.ID)
	require.NoError(t, err, "a rotated DPoP nonce is taken up and retried")

	require.Positive(t, orgs.Sim("globex").RevokeTokens("0oaglobex"))
	_, _, err = c.GetUser(ctx, u.ID)
	require.NoError(t, err, "a revoked token is re-minted once")
	requests, minted := orgs.Sim("globex").TokenStats()
	require.Equal(t, 2, minted, "one token, one re-mint after revocation (%d token requests)", requests)
	require.Empty(t, orgs.Sim("acme").Requests(), "the other org saw a request")
}
