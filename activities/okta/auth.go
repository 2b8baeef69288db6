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

// credentials returns the token of one attempt of a request, minting
// one when none is cached (before the attempt waits in the pacer, so a
// mint never waits behind requests holding their slots). Its DPoP proof
// is signed by signed, after the wait.
func (c *Client) credentials(ctx context.Context) (credentials, error) {
	if c.tokens == nil {
		return credentials{authorization: c.auth}, nil
	}
	t, err := c.tokens.get(ctx)
	if err != nil {
		return credentials{}, err
	}
	return credentials{authorization: t.typ + " " + t.value, tok: t}, nil
}

// signed completes an attempt's credentials right before it is sent,
// after its wait in the pacer: the newest cached token (the one it was
// given may have expired or been refreshed meanwhile) and, for DPoP, a
// proof signed now with the newest nonce the server named, once per
// attempt. It never mints (the caller holds a pacer slot): without a
// usable cached token the one it was given goes, and a 401 brings a new
// token.
func (c *Client) signed(method string, u *url.URL, cr credentials) (credentials, error) {
	if cr.tok == nil {
		return cr, nil
	}
	t := c.tokens.current()
	if t == nil {
		t = cr.tok
	}
	cr = credentials{authorization: t.typ + " " + t.value, tok: t}
	if t.typ != TokenTypeDPoP {
		return cr, nil
	}
	proof, err := c.tokens.dpop.proof(method, u, t.value, nonceRS)
	if err != nil {
		return cr, &RequestError{Method: method, Path: strings.TrimPrefix(u.Path, c.prefix),
			Err: fmt.Errorf("signing the DPoP proof: %w", err)}
	}
	cr.dpop = proof
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
