package oktasim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// ServiceApp is an API Services app of the org: a client that authenticates
// to the org authorization server (/oauth2/v1/token) with the client
// credentials grant and a private_key_jwt client assertion, and receives
// access tokens carrying okta.* scopes for the Management API.
//
// It decodes from JSON (`cordon sim --service-app FILE`):
//
//	{"clientId": "0oa…", "keys": [{"kty": "EC", "kid": "k1", …}],
//	 "scopes": ["okta.users.read"], "requireDPoP": true}
type ServiceApp struct {
	// ClientID is the app's client id (iss and sub of its assertions).
	ClientID string `json:"clientId"`
	// Keys are the app's public keys, as registered in Okta's admin
	// console: each needs a kid; RSA (RS256) or EC P-256 (ES256). A Go
	// public key becomes one with jose.JSONWebKey{Key: pub, KeyID: kid}.
	Keys []jose.JSONWebKey `json:"keys"`
	// Scopes are the okta.* scopes granted to the app; a token request may
	// ask for any subset of them.
	Scopes []string `json:"scopes"`
	// RequireDPoP makes the app's tokens DPoP-bound: a token request
	// without a DPoP proof is refused, as with Okta's "Require
	// Demonstrating Proof of Possession (DPoP) header in token requests".
	RequireDPoP bool `json:"requireDPoP"`
}

// ServiceKey is a public key registered for a service app under a key id,
// for callers holding a Go public key (*rsa.PublicKey, *ecdsa.PublicKey).
func ServiceKey(kid string, pub crypto.PublicKey) jose.JSONWebKey {
	return jose.JSONWebKey{Key: pub, KeyID: kid, Use: "sig"}
}

// ParseServiceApp decodes a ServiceApp from JSON and checks it.
func ParseServiceApp(data []byte) (ServiceApp, error) {
	var app ServiceApp
	if err := json.Unmarshal(data, &app); err != nil {
		return ServiceApp{}, fmt.Errorf("service app: %w", err)
	}
	return app, app.check()
}

// check refuses an app the org could not verify assertions for.
func (a ServiceApp) check() error {
	if strings.TrimSpace(a.ClientID) == "" {
		return errors.New("service app: clientId is required")
	}
	if len(a.Keys) == 0 {
		return fmt.Errorf("service app %s: at least one public key is required", a.ClientID)
	}
	for i, k := range a.Keys {
		if k.KeyID == "" {
			return fmt.Errorf("service app %s: key %d has no kid", a.ClientID, i+1)
		}
		if !k.IsPublic() {
			return fmt.Errorf("service app %s: key %s is not a public key (register only the public half)", a.ClientID, k.KeyID)
		}
		switch pub := k.Key.(type) {
		case *rsa.PublicKey:
		case *ecdsa.PublicKey:
			if pub.Curve != elliptic.P256() {
				return fmt.Errorf("service app %s: key %s: only P-256 EC keys (ES256) are supported", a.ClientID, k.KeyID)
			}
		default:
			return fmt.Errorf("service app %s: key %s: only RSA (RS256) and EC P-256 (ES256) keys are supported", a.ClientID, k.KeyID)
		}
	}
	if len(a.Scopes) == 0 {
		return fmt.Errorf("service app %s: grant at least one scope", a.ClientID)
	}
	return nil
}

// issuedToken is an access token the org authorization server minted. The
// token itself is opaque: a random string the org looks up here.
type issuedToken struct {
	clientID string
	scopes   map[string]bool
	expires  time.Time
	jkt      string // DPoP key thumbprint (cnf.jkt); "" for a Bearer token
}

// authzState is the org authorization server's state: registered apps,
// live tokens, the replay caches and the DPoP nonce. Reset keeps all of it:
// apps are configuration, and a client's cached token stays valid across
// a test's org reset, as a real token outlives data changes.
type authzState struct {
	mu       sync.Mutex
	apps     map[string]ServiceApp
	tokens   map[string]*issuedToken
	jtis     map[string]time.Time // client assertion "client_id jti" -> until when it is remembered
	proofs   map[string]time.Time // DPoP proof jti -> until when it is remembered
	nonce    string
	nonceAt  time.Time
	minted   int
	requests int
	// boundMints counts the DPoP-bound tokens minted per proof key
	// thumbprint: one client process each (TokenMintsPerKey).
	boundMints map[string]int
}

func (a *authzState) init() {
	a.apps, a.tokens = map[string]ServiceApp{}, map[string]*issuedToken{}
	a.jtis, a.proofs = map[string]time.Time{}, map[string]time.Time{}
}

// RegisterServiceApp registers (or replaces) an API Services app.
func (s *Sim) RegisterServiceApp(app ServiceApp) error {
	if err := app.check(); err != nil {
		return err
	}
	app.Keys = append([]jose.JSONWebKey(nil), app.Keys...)
	app.Scopes = append([]string(nil), app.Scopes...)
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	s.authz.apps[app.ClientID] = app
	return nil
}

// RevokeTokens revokes every live access token of the app and returns how
// many there were; the next API call with one answers 401 E0000011.
func (s *Sim) RevokeTokens(clientID string) int {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	n := 0
	for tok, it := range s.authz.tokens {
		if it.clientID == clientID {
			delete(s.authz.tokens, tok)
			n++
		}
	}
	return n
}

// TokenStats reports how many token requests the org authorization server
// answered and how many access tokens it minted; tests use it to prove a
// client caches its token.
func (s *Sim) TokenStats() (requests, minted int) {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	return s.authz.requests, s.authz.minted
}

// TokenMintsPerKey counts the DPoP-bound tokens minted for each proof
// key (its JWK thumbprint). A client keeps one DPoP key, so a count above
// one shows that client refreshed its token.
func (s *Sim) TokenMintsPerKey() map[string]int {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	return maps.Clone(s.authz.boundMints)
}

func (s *Sim) countTokenRequest() {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	s.authz.requests++
}

func (s *Sim) serviceApp(clientID string) (ServiceApp, bool) {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	app, ok := s.authz.apps[clientID]
	return app, ok
}

// mint stores a new access token and returns it.
func (s *Sim) mint(clientID string, scopes []string, jkt string) (string, time.Time) {
	tok := randomToken() + randomToken()
	exp := s.now().Add(s.opts.AccessTokenLifetime)
	set := map[string]bool{}
	for _, sc := range scopes {
		set[sc] = true
	}
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	s.authz.tokens[tok] = &issuedToken{clientID: clientID, scopes: set, expires: exp, jkt: jkt}
	s.authz.minted++
	if jkt != "" {
		if s.authz.boundMints == nil {
			s.authz.boundMints = map[string]int{}
		}
		s.authz.boundMints[jkt]++
	}
	for t, it := range s.authz.tokens { // drop expired ones so the map stays small
		if !it.expires.After(s.now()) {
			delete(s.authz.tokens, t)
		}
	}
	return tok, exp
}

// lookupToken returns a live token's record (a copy).
func (s *Sim) lookupToken(tok string) (issuedToken, bool) {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	it := s.authz.tokens[tok]
	if it == nil || !it.expires.After(s.now()) {
		return issuedToken{}, false
	}
	return *it, true
}

// remember records a one-time identifier (assertion or proof jti) until
// the given time; false when it was already used.
func (s *Sim) remember(cache func(*authzState) map[string]time.Time, key string, until time.Time) bool {
	s.authz.mu.Lock()
	defer s.authz.mu.Unlock()
	m := cache(&s.authz)
	now := s.now()
	if t, ok := m[key]; ok && t.After(now) {
		return false
	}
	for k, t := range m {
		if !t.After(now) {
			delete(m, k)
		}
	}
	m[key] = until
	return true
}
