package okta

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	rsaKeyOnce sync.Once
	rsaKey     *rsa.PrivateKey
)

// testRSAKey is generated once: 2048-bit generation takes a while.
func testRSAKey(t testing.TB) *rsa.PrivateKey {
	rsaKeyOnce.Do(func() {
		var err error
		rsaKey, err = rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
	})
	return rsaKey
}

func testECKey(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

// oauthClient builds a client of as with key, modified by mod.
func oauthClient(t testing.TB, as *authServer, key crypto.Signer, mod func(*OAuth), opts ...Option) *Client {
	o := &OAuth{ClientID: as.clientID, KeyID: as.kid, PrivateKey: key, Scopes: []string{"okta.users.read", "okta.groups.read"}}
	if mod != nil {
		mod(o)
	}
	opts = append([]Option{withClock(as.clock.now)}, opts...)
	c, err := NewClient(Config{OrgURL: as.srv.URL, OAuth: o}, opts...)
	require.NoError(t, err)
	return c
}

func getUser(ctx context.Context, c *Client) error {
	_, err := c.Do(ctx, http.MethodGet, "/users/00u1", url.Values{"expand": {"groups"}}, nil, nil)
	return err
}

func TestOAuthAssertion(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		key  crypto.Signer
		alg  string
	}{
		{"RSA signs RS256", testRSAKey(t), "RS256"},
		{"P-256 signs ES256", testECKey(t), "ES256"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			as := newAuthServer(t, tc.key.Public())
			c := oauthClient(t, as, tc.key, nil)
			require.NoError(t, getUser(context.Background(), c))

			h := as.assertion.Headers[0]
			assert.Equal(t, tc.alg, h.Algorithm)
			assert.Equal(t, "kid-1", h.KeyID)
			assert.Equal(t, as.clientID, as.claims.Issuer)
			assert.Equal(t, as.clientID, as.claims.Subject)
			assert.Equal(t, []string{as.srv.URL + "/oauth2/v1/token"}, []string(as.claims.Audience))
			assert.Equal(t, as.clock.now().Unix(), as.claims.IssuedAt.Time().Unix())
			assert.Equal(t, 5*time.Minute, as.claims.Expiry.Time().Sub(as.claims.IssuedAt.Time()))
			assert.Len(t, as.claims.ID, 26)
			assert.Equal(t, "okta.users.read okta.groups.read", as.form["scope"])
			assert.Equal(t, []string{"Bearer " + tokenOf(as.authz[0])}, as.authz)

			info, err := c.Authenticate(context.Background())
			require.NoError(t, err)
			assert.Equal(t, TokenInfo{Scheme: "Bearer", ClientID: as.clientID, Scopes: []string{"okta.users.read", "okta.groups.read"},
				Expiry: as.clock.now().Add(time.Hour)}, info)
		})
	}
}

func tokenOf(authz string) string { _, v, _ := strings.Cut(authz, " "); return v }

func TestOAuthTokenCachedSingleFlight(t *testing.T) {
	t.Parallel()
	as := newAuthServer(t, testECKey(t).Public())
	key := testECKey(t)
	as.pub = key.Public()
	c := oauthClient(t, as, key, nil)
	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for range 20 {
		wg.Go(func() { errs <- getUser(context.Background(), c) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	mints, tokenCalls, apiCalls := as.counts()
	assert.Equal(t, 1, mints, "20 concurrent requests share one mint")
	assert.Equal(t, 1, tokenCalls)
	assert.Equal(t, 20, apiCalls)
}

func TestOAuthRefreshBeforeExpiry(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	c := oauthClient(t, as, key, nil)
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))
	first := tokenOf(as.authz[0])

	// An hour's token is refreshed when a tenth of it remains: 54 min in.
	as.clock.advance(53*time.Minute + 59*time.Second)
	require.NoError(t, getUser(ctx, c))
	mints, _, _ := as.counts()
	assert.Equal(t, 1, mints, "still fresh at 53:59")

	as.clock.advance(2 * time.Second)
	require.NoError(t, getUser(ctx, c))
	mints, _, _ = as.counts()
	assert.Equal(t, 2, mints, "refreshed at 54:01, before the token expires at 60:00")
	assert.NotEqual(t, first, tokenOf(as.authz[2]))
	assert.Equal(t, []time.Duration{30 * time.Second, 30 * time.Second, 6 * time.Minute},
		[]time.Duration{refreshMargin(time.Minute), refreshMargin(5 * time.Minute), refreshMargin(time.Hour)})
}

func TestOAuthRefreshFailureKeepsValidToken(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	c := oauthClient(t, as, key, nil)
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))

	as.mu.Lock()
	as.errBody = `{"error":"server_error","error_description":"down"}`
	as.mu.Unlock()
	as.clock.advance(55 * time.Minute) // due for refresh, 5 min before expiry
	require.NoError(t, getUser(ctx, c), "the refresh fails but the token still works")
	_, tokenCalls, _ := as.counts()
	assert.Equal(t, 2, tokenCalls, "the refresh was tried")
	as.clock.advance(14 * time.Second)
	require.NoError(t, getUser(ctx, c))
	_, tokenCalls, _ = as.counts()
	assert.Equal(t, 2, tokenCalls, "no new try within 15 s of a failed one")

	as.clock.advance(4*time.Minute + 37*time.Second) // 9 s before expiry: no longer sent
	err := getUser(ctx, c)
	var te *TokenError
	require.ErrorAs(t, err, &te)
	assert.Equal(t, "server_error", te.Code)
	_, tokenCalls, apiCalls := as.counts()
	assert.Equal(t, []int{3, 3}, []int{tokenCalls, apiCalls}, "the last request never reached the API")
}

func TestOAuthRemintOn401(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	c := oauthClient(t, as, key, nil)
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))

	as.revokeAll() // the cached token is now refused
	require.NoError(t, getUser(ctx, c))
	mints, _, apiCalls := as.counts()
	assert.Equal(t, 2, mints, "a refused token is replaced once")
	assert.Equal(t, 3, apiCalls, "the refused call is retried with the new token")

	// A token refused right after minting: maxRemints re-mints, then the 401.
	c2 := oauthClient(t, as, key, nil, WithObserver(observerFunc(func(r RequestStats) {
		if r.Bucket == BucketToken {
			as.revokeAll()
		}
	})))
	err := getUser(ctx, c2)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
	assert.Equal(t, CodeInvalidToken, ae.Code)
	mints, _, _ = as.counts()
	assert.Equal(t, 2+1+maxRemints, mints, "the first token and maxRemints new ones, then the 401 is returned")
}

type observerFunc func(RequestStats)

func (f observerFunc) ObserveRequest(_ context.Context, r RequestStats) { f(r) }

func TestDPoPProofs(t *testing.T) {
	t.Parallel()
	key, dpopKey := testRSAKey(t), testECKey(t)
	as := newAuthServer(t, key.Public())
	c := oauthClient(t, as, key, func(o *OAuth) { o.DPoPKey = dpopKey })
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))
	require.NoError(t, getUser(ctx, c))

	// The token request's proof: no ath, the token URL.
	assert.Equal(t, "POST", as.asProof.claims.HTM)
	assert.Equal(t, as.srv.URL+"/oauth2/v1/token", as.asProof.claims.HTU)
	assert.Empty(t, as.asProof.claims.ATH)
	assert.Equal(t, "ES256", as.asProof.header.Algorithm)

	tok := tokenOf(as.authz[0])
	assert.Equal(t, []string{"DPoP " + tok, "DPoP " + tok}, as.authz)
	require.Len(t, as.apiProofs, 2)
	for _, p := range as.apiProofs {
		assert.Equal(t, "GET", p.claims.HTM)
		assert.Equal(t, as.srv.URL+"/api/v1/users/00u1", p.claims.HTU, "htu drops the query")
		assert.Equal(t, tokenHash(tok), p.claims.ATH)
		assert.Equal(t, as.clock.now().Unix(), p.claims.IAT.Time().Unix())
		wantJWK := jose.JSONWebKey{Key: dpopKey.Public()}
		wantThumb, _ := wantJWK.Thumbprint(crypto.SHA256)
		gotThumb, _ := p.header.JSONWebKey.Thumbprint(crypto.SHA256)
		assert.Equal(t, wantThumb, gotThumb, "the jwk header is the DPoP public key")
	}
	assert.NotEqual(t, as.apiProofs[0].claims.JTI, as.apiProofs[1].claims.JTI, "a fresh jti per proof")
	info, err := c.Authenticate(ctx)
	require.NoError(t, err)
	assert.Equal(t, "DPoP", info.Scheme)
}

func TestDPoPNonceRetry(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	as.asNonce, as.rsNonce = "as-nonce-1", "rs-nonce-1"
	c := oauthClient(t, as, key, func(o *OAuth) { o.DPoP = true })
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))
	mints, tokenCalls, apiCalls := as.counts()
	assert.Equal(t, []int{1, 2, 2}, []int{mints, tokenCalls, apiCalls}, "one use_dpop_nonce retry at each server")
	assert.Equal(t, "as-nonce-1", as.asProof.claims.Nonce)
	assert.Equal(t, "rs-nonce-1", as.apiProofs[len(as.apiProofs)-1].claims.Nonce)

	require.NoError(t, getUser(ctx, c))
	_, _, apiCalls = as.counts()
	assert.Equal(t, 3, apiCalls, "the remembered nonce is sent first time")

	as.mu.Lock()
	as.rsNonce = "rs-nonce-2" // the server rotates its nonce
	as.mu.Unlock()
	require.NoError(t, getUser(ctx, c))
	_, _, apiCalls = as.counts()
	assert.Equal(t, 5, apiCalls, "a rotated nonce costs one retry")
	assert.Equal(t, "rs-nonce-2", as.apiProofs[len(as.apiProofs)-1].claims.Nonce)
}

// A nonce that rotates again while the retry is on its way (a busy org,
// a request waiting for the pacer) is followed a few times, then given up
// on: the request fails with the server's 401, not a loop.
func TestDPoPNonceRotatingDuringRetries(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	as.rsNonce, as.rsRotations = "rs-nonce", 2
	c := oauthClient(t, as, key, func(o *OAuth) { o.DPoP = true })
	require.NoError(t, getUser(context.Background(), c), "two rotations during the retries are followed")
	_, _, apiCalls := as.counts()
	assert.Equal(t, 4, apiCalls, "no nonce, then the two that rotated away, then the current one")

	as.mu.Lock()
	as.rsNonce, as.rsRotations = "rs-other", 10
	as.mu.Unlock()
	err := getUser(context.Background(), c)
	var ae *APIError
	require.ErrorAs(t, err, &ae)
	assert.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
	_, _, after := as.counts()
	assert.Equal(t, 4+1+maxNonceRetries, after, "bounded: the first attempt and maxNonceRetries more")
}

func TestDPoPRequiredWithoutKey(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	as := newAuthServer(t, key.Public())
	as.errBody = `{"error":"invalid_dpop_proof","error_description":"The DPoP proof JWT header is missing."}`
	c := oauthClient(t, as, key, nil)
	err := getUser(context.Background(), c)
	assert.EqualError(t, err, "okta: OAuth token for client 0oaCordonTest from "+as.srv.URL+"/oauth2/v1/token: HTTP 401 invalid_dpop_proof: "+
		"The DPoP proof JWT header is missing (the app requires DPoP-bound tokens: enable DPoP for this client)")
}

func TestTokenErrors(t *testing.T) {
	t.Parallel()
	registered, other := testECKey(t), testECKey(t)
	t.Run("key mismatch", func(t *testing.T) {
		t.Parallel()
		as := newAuthServer(t, registered.Public())
		c := oauthClient(t, as, other, nil)
		err := getUser(context.Background(), c)
		var te *TokenError
		require.ErrorAs(t, err, &te)
		assert.Equal(t, "invalid_client", te.Code)
		assert.EqualError(t, err, "okta: OAuth token for client 0oaCordonTest from "+as.srv.URL+"/oauth2/v1/token: HTTP 401 invalid_client: "+
			"The client_assertion signature is invalid (the client id is unknown to this org, or the private key does not match "+
			"the public key registered on the app (kid \"kid-1\"): check the client id, the key id and the private key)")
		var ae *APIError
		require.ErrorAs(t, err, &ae, "classified like any Okta 4xx: not retried")
		assert.Equal(t, http.StatusUnauthorized, ae.HTTPStatus)
		assert.Equal(t, "invalid_client", ae.Code)
		assert.NotContains(t, err.Error(), as.form["client_assertion"])
		_, _, apiCalls := as.counts()
		assert.Zero(t, apiCalls)
	})
	t.Run("scope not granted", func(t *testing.T) {
		t.Parallel()
		as := newAuthServer(t, registered.Public())
		c := oauthClient(t, as, registered, func(o *OAuth) { o.Scopes = []string{"okta.users.read", "okta.users.manage"} })
		err := getUser(context.Background(), c)
		assert.EqualError(t, err, "okta: OAuth token for client 0oaCordonTest from "+as.srv.URL+"/oauth2/v1/token: HTTP 400 invalid_scope: "+
			"The following scopes are not allowed: okta.users.manage (the app is not granted every requested scope "+
			"(okta.users.read okta.users.manage): grant them on the app's Okta API Scopes tab, or request fewer)")
	})
	t.Run("clock skew", func(t *testing.T) {
		t.Parallel()
		as := newAuthServer(t, registered.Public())
		slow := newFakeClock()
		slow.ns.Store(as.clock.now().Add(-10 * time.Minute).UnixNano())
		c := oauthClient(t, as, registered, nil, withClock(slow.now))
		err := getUser(context.Background(), c)
		assert.EqualError(t, err, "okta: OAuth token for client 0oaCordonTest from "+as.srv.URL+"/oauth2/v1/token: HTTP 401 invalid_client: "+
			"The client_assertion token is expired (the assertion's iat or exp was rejected: check this host's clock (NTP); "+
			"it differs from Okta's by 10m0s)")
	})
	t.Run("no answer", func(t *testing.T) {
		t.Parallel()
		as := newAuthServer(t, registered.Public())
		c := oauthClient(t, as, registered, nil)
		as.srv.Close()
		err := getUser(context.Background(), c)
		var re *RequestError
		require.ErrorAs(t, err, &re, "retried like any request without an answer")
		assert.Contains(t, err.Error(), "connection refused")
		assert.Contains(t, err.Error(), "the token endpoint did not answer")
	})
}

func TestOAuthSecretsNeverPrinted(t *testing.T) {
	t.Parallel()
	key, dpopKey := testRSAKey(t), testECKey(t)
	as := newAuthServer(t, key.Public())
	var logs bytes.Buffer
	lg := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	c := oauthClient(t, as, key, func(o *OAuth) { o.DPoPKey = dpopKey }, WithLogger(lg))
	ctx := context.Background()
	require.NoError(t, getUser(ctx, c))
	as.revokeAll()
	as.mu.Lock()
	as.errBody = `{"error":"invalid_client","error_description":"The client_assertion signature is invalid."}`
	as.mu.Unlock()
	err := getUser(ctx, c)
	require.Error(t, err)

	cfg := c.cfg
	lg.Info("config", "cfg", cfg, "oauth", cfg.OAuth)
	js, jerr := cfg.MarshalJSON()
	require.NoError(t, jerr)
	printed := strings.Join([]string{err.Error(), logs.String(), string(js), cfg.String(), cfg.OAuth.String(),
		sprintAll(cfg), sprintAll(cfg.OAuth), sprintAll(*cfg.OAuth)}, "\n")
	tok := tokenOf(as.authz[0])
	scalar, serr := dpopKey.Bytes()
	require.NoError(t, serr)
	secrets := map[string]string{"access token": tok, "assertion": as.form["client_assertion"],
		"RSA modulus": key.N.String()[:20], "RSA private exponent": key.D.String()[:20], "EC private scalar": new(big.Int).SetBytes(scalar).String()[:20], "EC private scalar (hex)": hex.EncodeToString(scalar)[:20]}
	for name, s := range secrets {
		require.NotEmpty(t, s)
		assert.NotContains(t, printed, s, name)
	}
	assert.Contains(t, cfg.String(), `PrivateKey: "[REDACTED]"`)
	assert.Contains(t, cfg.String(), `DPoPKey: "[REDACTED]"`)
	assert.Contains(t, cfg.String(), `Scopes: ["okta.users.read" "okta.groups.read"]`)
	assert.Contains(t, logs.String(), "ClientID=0oaCordonTest")
}

func sprintAll(v any) string {
	var b strings.Builder
	for _, f := range []string{"%v", "%+v", "%#v", "%s"} {
		b.WriteString(strings.ReplaceAll(fmt.Sprintf(f, v), "\n", " "))
	}
	return b.String()
}

func TestNewClientOAuthErrors(t *testing.T) {
	t.Parallel()
	key := testECKey(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	tests := []struct {
		name    string
		o       OAuth
		wantErr string
	}{
		{"no client id", OAuth{PrivateKey: key, Scopes: []string{"okta.users.read"}}, "okta: OAuth client id is empty"},
		{"no key", OAuth{ClientID: "0oa1", Scopes: []string{"okta.users.read"}}, "okta: OAuth client 0oa1: no private key"},
		{"no scopes", OAuth{ClientID: "0oa1", PrivateKey: key}, "okta: OAuth client 0oa1: no scopes to request: list the okta.* scopes the playbooks need"},
		{"bad scope", OAuth{ClientID: "0oa1", PrivateKey: key, Scopes: []string{"a b"}}, `okta: OAuth client 0oa1: scope "a b" is not a single scope name`},
		{"small RSA key", OAuth{ClientID: "0oa1", PrivateKey: small, Scopes: []string{"x"}}, "okta: OAuth client 0oa1: private key: okta: RSA key of 1024 bits: Okta requires at least 2048"},
		{"http token URL", OAuth{ClientID: "0oa1", PrivateKey: key, Scopes: []string{"x"}, TokenURL: "http://acme.okta.com/oauth2/v1/token"},
			"must use https"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			o := tc.o
			_, err := NewClient(Config{OrgURL: "https://acme.okta.com", OAuth: &o})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.wantErr)
		})
	}
}
