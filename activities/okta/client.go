// Package okta is Cordon's client for the Okta Management API: the calls
// behind the 17 playbook commands, with authentication, Link-header
// pagination, one typed *APIError for every non-2xx answer, and rate-limit
// pacing shared by every activity in the worker process.
//
// It owns Okta's HTTP protocol and nothing else: it knows status codes,
// headers and paths, but not playbooks, Temporal or retry policies (package
// activities turns its errors into Temporal errors). It shares no code with
// the simulated org in internal/oktasim, so tests against the simulator
// check the client against an independent reading of Okta's behaviour.
//
// Credentials are an API token (SSWS or Bearer) or an OAuth 2.0 API
// Services app whose access tokens the client mints, caches and binds
// with DPoP itself (oauth.go, dpop.go). Tokens and keys live only in
// Config, the token cache and request headers: they are redacted from
// every String, GoString, LogValue and JSON form of Config, and no error
// carries a request's headers or body.
package okta

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one Okta org. It is safe for concurrent use; the worker
// creates one and every activity shares it, so pacing sees all traffic.
type Client struct {
	cfg    Config
	base   *url.URL // scheme://host of the org
	prefix string   // /api/{version}
	hc     *http.Client
	pacer  *pacer
	log    *slog.Logger
	paced  bool
	obs    []Observer
	now    func() time.Time // the clock of token lifetimes and JWT times
	// auth is the static Authorization header value (SSWS or a Bearer
	// token from Config.Token); tokens replaces it with OAuth.
	auth   string
	tokens *tokenSource
}

// Option configures a Client.
type Option func(*Client)

// WithLogger sets the logger for debug lines about requests and pacing.
// Default: discard.
func WithLogger(l *slog.Logger) Option { return func(c *Client) { c.log = l } }

// WithoutPacing turns off rate-limit pacing, leaving only the in-flight
// cap: the client then learns about limits only from 429 answers. It
// exists to measure pacing against a naive client; production code never
// sets it.
func WithoutPacing() Option { return func(c *Client) { c.paced = false } }

// Observer sees every request the client sent or tried to send, for
// metrics. It runs on the request's goroutine; keep it fast.
type Observer interface {
	ObserveRequest(ctx context.Context, r RequestStats)
}

// RequestStats describes one request for an Observer.
type RequestStats struct {
	Method string
	// Path is relative to /api/{version}, without the query; for a
	// token request (Bucket BucketToken) the token endpoint's path.
	Path   string
	Bucket string
	// Status is the HTTP status; 0 when no answer came.
	Status int
	Rate   RateInfo
	// Wait is the time spent in pacing before the request was sent.
	Wait time.Duration
	// RequestID is Okta's X-Okta-Request-Id.
	RequestID string
}

// WithObserver reports every request to o (the worker's metrics, the
// audit trail); each call adds one. Default: none.
func WithObserver(o Observer) Option { return func(c *Client) { c.obs = append(c.obs, o) } }

// NewClient validates cfg (after applying defaults) and builds a Client.
func NewClient(cfg Config, opts ...Option) (*Client, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	u, _ := url.Parse(cfg.OrgURL) // Validate parsed it already
	c := &Client{
		cfg:    cfg,
		base:   &url.URL{Scheme: u.Scheme, Host: u.Host},
		prefix: strings.TrimRight(u.Path, "/") + "/api/" + cfg.APIVersion,
		hc:     &http.Client{},
		log:    slog.New(slog.DiscardHandler),
		paced:  true,
		now:    time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	c.pacer = newPacer(cfg.RateWindow, cfg.MaxInFlight, cfg.RateReserve, c.paced)
	if err := c.setupAuth(); err != nil {
		return nil, err
	}
	return c, nil
}

// OrgURL returns the org's base URL (never the token).
func (c *Client) OrgURL() string { return c.cfg.OrgURL }

// Response is the part of an HTTP answer callers may need besides the body.
type Response struct {
	StatusCode int
	RequestID  string
	Rate       RateInfo
	// Next is the rel="next" Link target, "" on the last page.
	Next string
}

// Do sends one request to path (relative to /api/{version}, e.g.
// "/users/00u1/lifecycle/deactivate") and decodes a 2xx JSON body into out
// when out is non-nil. Any non-2xx answer is an *APIError; a request that
// got no answer is a *RequestError.
func (c *Client) Do(ctx context.Context, method, path string, query url.Values, body, out any) (*Response, error) {
	u := *c.base
	u.Path = c.prefix + path
	u.RawQuery = query.Encode()
	return c.doURL(ctx, method, &u, body, out)
}

func (c *Client) doURL(ctx context.Context, method string, u *url.URL, body, out any) (*Response, error) {
	relPath := strings.TrimPrefix(u.Path, c.prefix)
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return nil, &RequestError{Method: method, Path: relPath, Err: fmt.Errorf("encoding body: %w", err)}
		}
	}
	bucket := BucketFor(method, relPath)
	var (
		resp                  *http.Response
		data                  []byte
		ri                    RateInfo
		nonceRetries, remints int
	)
	for {
		cr, err := c.credentials(ctx)
		if err != nil {
			return nil, err
		}
		if resp, data, ri, cr, err = c.send(ctx, method, u, relPath, bucket, payload, cr); err != nil {
			return nil, err
		}
		if cr.tok == nil || resp.StatusCode != http.StatusUnauthorized {
			break
		}
		// A 401 to a minted token: the resource server wants a DPoP
		// nonce (RFC 9449 §9), or the token expired early or was
		// revoked. A nonce challenge carries the new nonce and is sent
		// again with it, a few times (the nonce may rotate again while
		// a request waits for the pacer, and each answer names the
		// newest); an expired or revoked token is minted again, twice at
		// most (a token may also expire while a request waits for the
		// pacer, when tokens live for seconds rather than Okta's hour).
		if cr.tok.typ == TokenTypeDPoP && wantsDPoPNonce(resp) {
			if nonceRetries == maxNonceRetries {
				break // not the token's fault: minting another would not help
			}
			nonceRetries++
			continue
		}
		if remints == maxRemints {
			break
		}
		remints++
		c.tokens.invalidate(cr.tok)
	}
	r := &Response{StatusCode: resp.StatusCode, RequestID: resp.Header.Get("X-Okta-Request-Id"), Rate: ri,
		Next: nextLink(resp.Header)}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return r, newAPIError(resp, data, method, relPath, ri)
	}
	if out != nil && len(bytes.TrimSpace(data)) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			return r, &RequestError{Method: method, Path: relPath, Err: fmt.Errorf("decoding response: %w", err)}
		}
	}
	return r, nil
}

// maxNonceRetries bounds the attempts of one request answered
// use_dpop_nonce: each answer names the server's newest nonce, so a
// second challenge means it rotated again meanwhile, and a fourth would
// mean the server refuses its own nonces.
const maxNonceRetries = 3

// maxRemints bounds the new tokens one request asks for after 401s: a
// token that a second new one cannot replace is refused for good
// (revoked app, removed key).
const maxRemints = 2

// send makes one attempt of a request through the pacer and returns the
// credentials it sent (fresh: rebuilt after the wait).
func (c *Client) send(ctx context.Context, method string, u *url.URL, relPath, bucket string, payload []byte,
	cr credentials) (*http.Response, []byte, RateInfo, credentials, error) {
	queued := time.Now()
	release, err := c.pacer.acquire(ctx, bucket)
	if err != nil {
		return nil, nil, RateInfo{}, cr, &RequestError{Method: method, Path: relPath, Err: err}
	}
	if cr, err = c.signed(method, u, cr); err != nil {
		release(RateInfo{}, 0, time.Now(), time.Now())
		return nil, nil, RateInfo{}, cr, err
	}
	sent := time.Now()
	resp, data, err := c.roundTrip(ctx, method, u, payload, cr)
	recv := time.Now()
	if err != nil {
		release(RateInfo{}, 0, sent, recv)
		c.observe(ctx, RequestStats{Method: method, Path: relPath, Bucket: bucket, Wait: sent.Sub(queued)})
		return nil, nil, RateInfo{}, cr, &RequestError{Method: method, Path: relPath, Err: err}
	}
	ri := parseRateInfo(resp.Header, bucket)
	release(ri, resp.StatusCode, sent, recv)
	if c.tokens != nil && c.tokens.dpop != nil {
		c.tokens.dpop.remember(nonceRS, resp.Header)
	}
	c.observe(ctx, RequestStats{Method: method, Path: relPath, Bucket: bucket, Status: resp.StatusCode, Rate: ri,
		Wait: sent.Sub(queued), RequestID: resp.Header.Get("X-Okta-Request-Id")})
	c.log.DebugContext(ctx, "okta request", "method", method, "path", relPath, "status", resp.StatusCode,
		"bucket", bucket, "limit", ri.Limit, "remaining", ri.Remaining, "took", recv.Sub(sent))
	return resp, data, ri, cr, nil
}

func (c *Client) observe(ctx context.Context, r RequestStats) {
	for _, o := range c.obs {
		o.ObserveRequest(ctx, r)
	}
}

// maxBody bounds how much of a response is read; Okta pages are far smaller.
const maxBody = 64 << 20

func (c *Client) roundTrip(ctx context.Context, method string, u *url.URL, payload []byte, cr credentials) (*http.Response, []byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u.String(), rd)
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", userAgent(ctx, c.cfg.UserAgent))
	req.Header.Set("Authorization", cr.authorization)
	if cr.dpop != "" {
		req.Header.Set("DPoP", cr.dpop)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		// *url.Error repeats the URL; the cause alone is enough and the
		// caller adds method and path.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return nil, nil, fmt.Errorf("reading response: %w", err)
	}
	return resp, data, nil
}

func jsonMarshal(v any) ([]byte, error) { return json.Marshal(v) }
