package connections

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/cordonsec/cordon/activities/okta"
)

// Grant is what a token request proved: the org's authorization server
// took the connection's client assertion (and DPoP proof) and granted
// these scopes. The access token itself is not kept.
type Grant struct {
	TokenType string   // Bearer or DPoP
	Scopes    []string // as granted, which may be fewer than requested
	ExpiresIn time.Duration
}

// Mint requests one access token with cfg's OAuth client (client
// credentials, private_key_jwt, DPoP when configured), for `cordon
// connections check`: it proves the key is the one registered for the
// app and reads the scopes Okta grants. The worker's client mints and
// caches its own tokens; this is a one-off check. Errors carry Okta's
// error code and description, never a token or key.
func Mint(ctx context.Context, hc *http.Client, cfg okta.Config) (Grant, error) {
	o := cfg.OAuth
	if o == nil {
		return Grant{}, errors.New("not an OAuth connection")
	}
	tokenURL := o.TokenURL
	if tokenURL == "" {
		tokenURL = strings.TrimRight(cfg.OrgURL, "/") + "/oauth2/v1/token"
	}
	nonce := ""
	for attempt := 0; ; attempt++ {
		g, retryNonce, err := mintOnce(ctx, hc, o, tokenURL, nonce)
		// RFC 9449 §8: the server asks for a nonce with use_dpop_nonce
		// and a DPoP-Nonce header; the request is sent again once with it.
		if retryNonce != "" && attempt == 0 {
			nonce = retryNonce
			continue
		}
		return g, err
	}
}

// TokenError is the token endpoint's refusal (RFC 6749 §5.2).
type TokenError struct {
	URL         string `json:"-"`
	Code        string `json:"error"`
	Description string `json:"error_description"`
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("token endpoint %s refused the request: %s: %s", e.URL, e.Code, e.Description)
}

// GrantableScopes finds which of cfg's scopes the app may get when a
// token request for all of them is refused with invalid_scope (Okta
// refuses the whole request): one token request per scope.
func GrantableScopes(ctx context.Context, hc *http.Client, cfg okta.Config) ([]string, error) {
	var ok []string
	for _, s := range cfg.OAuth.Scopes {
		one := *cfg.OAuth
		one.Scopes = []string{s}
		c := cfg
		c.OAuth = &one
		_, err := Mint(ctx, hc, c)
		var te *TokenError
		switch {
		case err == nil:
			ok = append(ok, s)
		case errors.As(err, &te) && te.Code == "invalid_scope":
		default:
			return nil, err
		}
	}
	return ok, nil
}

func mintOnce(ctx context.Context, hc *http.Client, o *okta.OAuth, tokenURL, nonce string) (Grant, string, error) {
	assertion, err := signJWT(o.PrivateKey, o.KeyID, "JWT", false, jwt.Claims{
		Issuer: o.ClientID, Subject: o.ClientID, Audience: jwt.Audience{tokenURL},
		IssuedAt: jwt.NewNumericDate(time.Now()), Expiry: jwt.NewNumericDate(time.Now().Add(5 * time.Minute)), ID: randomID(),
	}, nil)
	if err != nil {
		return Grant{}, "", fmt.Errorf("signing the client assertion: %w", err)
	}
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {strings.Join(o.Scopes, " ")},
		"client_assertion_type": {"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"}, "client_assertion": {assertion}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, tokenURL, strings.NewReader(form.Encode()))
	if err != nil {
		return Grant{}, "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	if o.DPoPKey != nil {
		extra := map[string]any{"htm": http.MethodPost, "htu": tokenURL}
		if nonce != "" {
			extra["nonce"] = nonce
		}
		proof, err := signJWT(o.DPoPKey, "", "dpop+jwt", true, jwt.Claims{IssuedAt: jwt.NewNumericDate(time.Now()), ID: randomID()}, extra)
		if err != nil {
			return Grant{}, "", fmt.Errorf("signing the DPoP proof: %w", err)
		}
		req.Header.Set("DPoP", proof)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Grant{}, "", fmt.Errorf("token endpoint %s: %w", tokenURL, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		te := &TokenError{URL: tokenURL}
		_ = json.Unmarshal(body, te)
		if te.Code == "" {
			return Grant{}, "", fmt.Errorf("token endpoint %s answered HTTP %d", tokenURL, resp.StatusCode)
		}
		if te.Code == "use_dpop_nonce" && resp.Header.Get("DPoP-Nonce") != "" {
			return Grant{}, resp.Header.Get("DPoP-Nonce"), te
		}
		return Grant{}, "", te
	}
	var tok struct {
		TokenType string `json:"token_type"`
		Scope     string `json:"scope"`
		ExpiresIn int    `json:"expires_in"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		return Grant{}, "", fmt.Errorf("token endpoint %s: the answer is not a token response", tokenURL)
	}
	g := Grant{TokenType: tok.TokenType, Scopes: strings.Fields(tok.Scope), ExpiresIn: time.Duration(tok.ExpiresIn) * time.Second}
	if tok.Scope == "" {
		g.Scopes = o.Scopes // RFC 6749 §5.1: scope omitted when it is the one requested
	}
	return g, "", nil
}

// signJWT signs claims (plus extra) with key: RS256 for RSA, ES256 for
// P-256. embed puts the public key in the header (a DPoP proof's jwk).
func signJWT(key crypto.Signer, kid string, typ jose.ContentType, embed bool, claims jwt.Claims, extra map[string]any) (string, error) {
	var alg jose.SignatureAlgorithm
	switch key.(type) {
	case *rsa.PrivateKey:
		alg = jose.RS256
	case *ecdsa.PrivateKey:
		alg = jose.ES256
	default:
		return "", fmt.Errorf("unsupported key type %T", key)
	}
	opts := (&jose.SignerOptions{EmbedJWK: embed}).WithType(typ)
	if kid != "" {
		opts = opts.WithHeader("kid", kid)
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		return "", err
	}
	b := jwt.Signed(signer).Claims(claims)
	if extra != nil {
		b = b.Claims(extra)
	}
	return b.Serialize()
}

func randomID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
