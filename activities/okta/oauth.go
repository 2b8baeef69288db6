package okta

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// OAuth 2.0 client credentials with private_key_jwt (RFC 7523), the way
// Okta's API Services apps authenticate: the client signs a short-lived
// assertion with its private key, trades it at the org authorization
// server's token endpoint for an access token carrying the okta.* scopes,
// and sends that token on every API call until it nears expiry.

const (
	assertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// assertionTTL is the assertion's lifetime; Okta refuses an exp more
	// than an hour ahead, and a short one limits replay of a leaked assertion.
	assertionTTL = 5 * time.Minute
	// TokenTypeBearer and TokenTypeDPoP are the token_type values of a
	// token response, and the Authorization scheme each is sent with.
	TokenTypeBearer = "Bearer"
	TokenTypeDPoP   = "DPoP"
)

// accessToken is one minted token. Its value never leaves this package
// except in an Authorization header.
type accessToken struct {
	value     string
	typ       string // TokenTypeBearer or TokenTypeDPoP
	scopes    []string
	expiry    time.Time // local clock
	refreshAt time.Time // when a request mints a new one instead
}

// refreshMargin is how long before expiry a token is replaced: a tenth of
// its lifetime (6 min of Okta's hour), at least 30 s so a slow token call
// cannot outlive the token, at most half the lifetime for short tokens.
func refreshMargin(lifetime time.Duration) time.Duration {
	return min(max(lifetime/10, 30*time.Second), lifetime/2)
}

// tokenSource mints and caches the access tokens of one client. Requests
// that find no fresh token wait for a single mint in flight.
type tokenSource struct {
	cfg       OAuth
	tokenURL  *url.URL
	timeout   time.Duration
	userAgent string
	hc        *http.Client
	pacer     *pacer
	now       func() time.Time
	assertion jose.Signer
	dpop      *dpopProver // nil without DPoP
	observe   func(context.Context, RequestStats)
	log       *slog.Logger

	mu      sync.Mutex
	tok     *accessToken
	call    *mintCall // the mint in flight, nil when none
	retryAt time.Time // after a failed mint, when the next may start
}

// mintCall is one mint that concurrent requests share.
type mintCall struct {
	done chan struct{}
	tok  *accessToken
	err  error
}

func newTokenSource(c *Client, o OAuth) (*tokenSource, error) {
	alg, err := signingAlg(o.PrivateKey)
	if err != nil {
		return nil, err
	}
	u, err := url.Parse(o.TokenURL)
	if err != nil || u.Host == "" {
		return nil, fmt.Errorf("okta: OAuth token URL %q is not an absolute URL", o.TokenURL)
	}
	// The kid header tells Okta which registered key to verify with.
	key := jose.JSONWebKey{Key: o.PrivateKey, KeyID: o.KeyID, Algorithm: string(alg)}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		return nil, fmt.Errorf("okta: OAuth signing key: %w", err)
	}
	ts := &tokenSource{cfg: o, tokenURL: u, timeout: c.cfg.Timeout, userAgent: c.cfg.UserAgent, hc: c.hc,
		pacer: c.pacer, now: c.now, assertion: signer, observe: c.observe, log: c.log}
	if o.DPoPKey != nil {
		if ts.dpop, err = newDPoPProver(o.DPoPKey, c.now); err != nil {
			return nil, fmt.Errorf("okta: DPoP key: %w", err)
		}
	}
	return ts, nil
}

// get returns a token fresh enough to send, minting one when the cache
// holds none (or one past its refresh time).
func (s *tokenSource) get(ctx context.Context) (*accessToken, error) {
	s.mu.Lock()
	if t, now := s.tok, s.now(); t != nil && (now.Before(t.refreshAt) ||
		now.Before(s.retryAt) && now.Before(t.expiry.Add(-expirySafety))) {
		s.mu.Unlock()
		return t, nil
	}
	call := s.call
	if call == nil {
		call = &mintCall{done: make(chan struct{})}
		s.call = call
		// The mint outlives the request that started it: the others
		// waiting for it must not fail because that one was cancelled
		// (or called off by the bulk runner).
		mctx := context.WithValue(context.WithoutCancel(ctx), callOffKey{}, (<-chan struct{})(nil))
		go s.run(mctx, call)
	}
	s.mu.Unlock()
	select {
	case <-call.done:
		if call.err != nil {
			return s.stillValid(ctx, call.err)
		}
		return call.tok, nil
	case <-ctx.Done():
		return nil, &RequestError{Method: http.MethodPost, Path: s.tokenURL.Path, Err: ctx.Err()}
	}
}

// current is the cached token while it has not expired, without
// minting; nil otherwise. A request that waited in the pacer sends it
// rather than the one it was handed, which may be older.
func (s *tokenSource) current() *accessToken {
	s.mu.Lock()
	defer s.mu.Unlock()
	if t := s.tok; t != nil && s.now().Before(t.expiry) {
		return t
	}
	return nil
}

func (s *tokenSource) run(ctx context.Context, call *mintCall) {
	ctx, cancel := context.WithTimeout(ctx, 2*s.timeout)
	defer cancel()
	call.tok, call.err = s.mint(ctx)
	s.mu.Lock()
	if call.err == nil {
		s.tok = call.tok
	} else {
		s.retryAt = s.now().Add(refreshRetry)
	}
	s.call = nil
	s.mu.Unlock()
	close(call.done)
}

// refreshRetry is how long after a failed refresh requests keep the
// current token without trying again, so an outage or a revoked key does
// not turn every API request into a token request.
const refreshRetry = 15 * time.Second

// expirySafety is how long before its expiry a token is no longer sent:
// the request's own time in flight, and clock drift.
const expirySafety = 10 * time.Second

// stillValid answers a failed refresh: while the cached token has not
// expired, requests keep using it (a token endpoint outage or a 429 need
// not fail them) and the next request tries the refresh again.
func (s *tokenSource) stillValid(ctx context.Context, err error) (*accessToken, error) {
	s.mu.Lock()
	t := s.tok
	s.mu.Unlock()
	if t == nil || !s.now().Before(t.expiry.Add(-expirySafety)) {
		return nil, err
	}
	s.log.WarnContext(ctx, "okta token refresh failed; the current token is used until it expires",
		"client_id", s.cfg.ClientID, "expires_in", t.expiry.Sub(s.now()).Round(time.Second), "error", err)
	return t, nil
}

// invalidate drops t from the cache after the API refused it (expired
// early, revoked), unless another request already replaced it.
func (s *tokenSource) invalidate(t *accessToken) {
	s.mu.Lock()
	if s.tok == t {
		s.tok = nil
	}
	s.mu.Unlock()
}

// mint requests a token, sending it again when the token endpoint asks
// for a DPoP nonce it has just named (RFC 9449 §8), a few times at most
// (maxNonceRetries): the nonce may rotate again meanwhile.
func (s *tokenSource) mint(ctx context.Context) (*accessToken, error) {
	tok, err := s.request(ctx)
	for range maxNonceRetries {
		var te *TokenError
		if !errors.As(err, &te) || te.Code != "use_dpop_nonce" || s.dpop == nil || !te.nonceChanged {
			break
		}
		tok, err = s.request(ctx)
	}
	return tok, err
}

type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	Scope       string `json:"scope"`
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

// request makes one token request through the pacer, in the token
// endpoint's own rate-limit bucket.
func (s *tokenSource) request(ctx context.Context) (*accessToken, error) {
	queued := time.Now()
	release, err := s.pacer.acquire(ctx, BucketToken)
	if err != nil {
		return nil, s.fail(0, "", "", nil, err)
	}
	// Signed after the wait: fresh iat and exp, and the newest nonce.
	form, dpopProof, err := s.form()
	if err != nil {
		release(RateInfo{}, 0, time.Now(), time.Now())
		return nil, s.fail(0, "", "", nil, err)
	}
	sent, start := time.Now(), s.now()
	resp, body, err := s.post(ctx, form, dpopProof)
	recv := time.Now()
	if err != nil {
		release(RateInfo{}, 0, sent, recv)
		s.observe(ctx, RequestStats{Method: http.MethodPost, Path: s.tokenURL.Path, Bucket: BucketToken, Wait: sent.Sub(queued)})
		return nil, s.fail(0, "", "", nil, err)
	}
	ri := parseRateInfo(resp.Header, BucketToken)
	release(ri, resp.StatusCode, sent, recv)
	s.observe(ctx, RequestStats{Method: http.MethodPost, Path: s.tokenURL.Path, Bucket: BucketToken, Status: resp.StatusCode,
		Rate: ri, Wait: sent.Sub(queued), RequestID: resp.Header.Get("X-Okta-Request-Id")})
	nonceChanged := s.dpop != nil && s.dpop.remember(nonceAS, resp.Header)

	var tr tokenResponse
	_ = json.Unmarshal(body, &tr) // a non-JSON answer leaves tr empty; the status decides
	if resp.StatusCode != http.StatusOK {
		te := s.fail(resp.StatusCode, tr.Error, tr.Description, resp, nil)
		te.nonceChanged = nonceChanged
		apiErr := newAPIError(resp, body, http.MethodPost, s.tokenURL.Path, ri)
		apiErr.Code, apiErr.Summary, apiErr.Causes = te.Code, te.summary(), nil
		if te.Hint != "" {
			apiErr.Causes = []string{te.Hint}
		}
		te.Err = apiErr
		return nil, te
	}
	return s.accept(tr, start, resp)
}

// accept checks a 200 token response and turns it into a cached token.
func (s *tokenSource) accept(tr tokenResponse, start time.Time, resp *http.Response) (*accessToken, error) {
	typ := TokenTypeBearer
	switch {
	case strings.EqualFold(tr.TokenType, TokenTypeDPoP):
		typ = TokenTypeDPoP
	case strings.EqualFold(tr.TokenType, TokenTypeBearer):
	default:
		return nil, s.fail(resp.StatusCode, "", "", resp, fmt.Errorf("token response has token_type %q: want Bearer or DPoP", tr.TokenType))
	}
	if tr.AccessToken == "" || tr.ExpiresIn <= 0 {
		return nil, s.fail(resp.StatusCode, "", "", resp, errors.New("token response lacks access_token or a positive expires_in"))
	}
	if typ == TokenTypeDPoP && s.dpop == nil {
		return nil, s.fail(resp.StatusCode, "", "", resp, errors.New("the token endpoint issued a DPoP-bound token to a request without a DPoP proof"))
	}
	// Measured from when the request left, the expiry errs early.
	life := time.Duration(tr.ExpiresIn) * time.Second
	t := &accessToken{value: tr.AccessToken, typ: typ, expiry: start.Add(life),
		refreshAt: start.Add(life - refreshMargin(life))}
	t.scopes = strings.Fields(tr.Scope)
	return t, nil
}

// form builds the token request body (RFC 6749 §4.4, RFC 7523 §2.2) and,
// with DPoP, the proof header value.
func (s *tokenSource) form() (url.Values, string, error) {
	now := s.now()
	claims := jwt.Claims{Issuer: s.cfg.ClientID, Subject: s.cfg.ClientID, Audience: jwt.Audience{s.tokenURL.String()},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(assertionTTL)), ID: rand.Text()}
	assertion, err := jwt.Signed(s.assertion).Claims(claims).Serialize()
	if err != nil {
		return nil, "", fmt.Errorf("signing the client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"scope":                 {strings.Join(s.cfg.Scopes, " ")},
		"client_assertion_type": {assertionType},
		"client_assertion":      {assertion},
	}
	proof := ""
	if s.dpop != nil {
		if proof, err = s.dpop.proof(http.MethodPost, s.tokenURL, "", nonceAS); err != nil {
			return nil, "", fmt.Errorf("signing the DPoP proof: %w", err)
		}
	}
	return form, proof, nil
}

func (s *tokenSource) post(ctx context.Context, form url.Values, proof string) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.tokenURL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("User-Agent", userAgent(ctx, s.userAgent))
	if proof != "" {
		req.Header.Set("DPoP", proof)
	}
	resp, err := s.hc.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is named by the TokenError
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, nil, fmt.Errorf("reading response: %w", err)
	}
	return resp, body, nil
}
