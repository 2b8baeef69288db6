package okta

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// credentials are the authentication headers of one request attempt.
type credentials struct {
	authorization string
	dpop          string       // the DPoP proof, "" without DPoP
	tok           *accessToken // nil for a static token
}

// setupAuth prepares the static Authorization value or, with OAuth, the
// token source.
func (c *Client) setupAuth() error {
	o := c.cfg.OAuth
	if o == nil {
		scheme := SchemeSSWS
		if strings.EqualFold(c.cfg.AuthScheme, SchemeBearer) {
			scheme = SchemeBearer
		}
		c.auth = scheme + " " + c.cfg.Token
		return nil
	}
	oc := *o // the Client owns its copy: defaults below do not leak into the caller's Config
	if len(oc.Scopes) == 0 {
		return fmt.Errorf("okta: OAuth client %s: no scopes to request: list the okta.* scopes the playbooks need", oc.ClientID)
	}
	if oc.TokenURL == "" {
		oc.TokenURL = DefaultTokenURL(c.cfg.OrgURL)
	}
	if oc.DPoP && oc.DPoPKey == nil {
		k, err := NewDPoPKey()
		if err != nil {
			return fmt.Errorf("okta: generating a DPoP key: %w", err)
		}
		oc.DPoPKey = k
	}
	ts, err := newTokenSource(c, oc)
	if err != nil {
		return err
	}
	c.tokens = ts
	return nil
}

// DefaultTokenURL is the org authorization server's token endpoint, the
// one that issues tokens for the Management API (custom authorization
// servers cannot grant okta.* scopes).
func DefaultTokenURL(orgURL string) string {
	return strings.TrimRight(orgURL, "/") + "/oauth2/v1/token"
}

// credentials returns the headers for one attempt of a request to u.
func (c *Client) credentials(ctx context.Context, method string, u *url.URL) (credentials, error) {
	if c.tokens == nil {
		return credentials{authorization: c.auth}, nil
	}
	t, err := c.tokens.get(ctx)
	if err != nil {
		return credentials{}, err
	}
	return c.credentialsFor(method, u, t)
}

// fresh rebuilds a request's credentials right before it is sent, after
// its wait in the pacer: with the newest cached token (the one it was
// given may have expired or been refreshed meanwhile) and, for DPoP, a
// proof signed now with the newest nonce the server named. It never
// mints (the caller holds a pacer slot): without a usable cached token
// the one it was given goes, and a 401 brings a new token.
func (c *Client) fresh(method string, u *url.URL, cr credentials) credentials {
	if cr.tok == nil {
		return cr
	}
	t := c.tokens.current()
	if t == nil {
		t = cr.tok // still re-signed: the nonce may have moved on
	}
	if next, err := c.credentialsFor(method, u, t); err == nil {
		return next
	}
	return cr
}

// credentialsFor is the Authorization (and DPoP proof) of token t.
func (c *Client) credentialsFor(method string, u *url.URL, t *accessToken) (credentials, error) {
	var err error
	cr := credentials{authorization: t.typ + " " + t.value, tok: t}
	if t.typ == TokenTypeDPoP {
		if cr.dpop, err = c.tokens.dpop.proof(method, u, t.value, nonceRS); err != nil {
			return credentials{}, &RequestError{Method: method, Path: strings.TrimPrefix(u.Path, c.prefix),
				Err: fmt.Errorf("signing the DPoP proof: %w", err)}
		}
	}
	return cr, nil
}

// TokenInfo describes how a Client authenticates, without the secret.
type TokenInfo struct {
	// Scheme is the Authorization scheme: SSWS, Bearer or DPoP.
	Scheme string
	// ClientID is the OAuth client; empty for a static token.
	ClientID string
	// Scopes are the scopes the token was granted (the token response's
	// scope, else those requested); empty for a static token.
	Scopes []string
	// Expiry is when the cached token expires; zero for a static token.
	Expiry time.Time
}

// Authenticate returns the client's current credentials' description,
// minting a token first with OAuth when none is cached: the check that a
// connection's client id, key and scopes work, before any API call.
func (c *Client) Authenticate(ctx context.Context) (TokenInfo, error) {
	if c.tokens == nil {
		scheme := SchemeSSWS
		if strings.HasPrefix(c.auth, SchemeBearer+" ") {
			scheme = SchemeBearer
		}
		return TokenInfo{Scheme: scheme}, nil
	}
	t, err := c.tokens.get(ctx)
	if err != nil {
		return TokenInfo{}, err
	}
	scopes := t.scopes
	if len(scopes) == 0 {
		scopes = c.tokens.cfg.Scopes
	}
	return TokenInfo{Scheme: t.typ, ClientID: c.tokens.cfg.ClientID, Scopes: slices.Clone(scopes), Expiry: t.expiry}, nil
}

// withClock replaces the clock of token lifetimes and JWT times (tests).
func withClock(now func() time.Time) Option { return func(c *Client) { c.now = now } }
