package okta

import (
	"fmt"
	"net/http"
	"strings"
	"time"
)

// TokenError is a token request that failed: the endpoint refused the
// client (an OAuth error such as invalid_client), answered something
// unusable, or never answered. Hint says what to fix, in terms that hold
// for any connection; the caller adds which connection it was.
//
// It never holds the assertion, the DPoP proof, a token or a key. Unwrap
// yields an *APIError when the endpoint answered (so retry classification
// treats 4xx as final and 429/5xx as transient, like any Okta answer) and
// a *RequestError when it did not.
type TokenError struct {
	ClientID string
	TokenURL string
	// HTTPStatus is the endpoint's status; 0 when no answer came.
	HTTPStatus int
	// Code is the OAuth error code (invalid_client, invalid_scope,
	// invalid_dpop_proof, use_dpop_nonce, ...), empty when the body had none.
	Code string
	// Description is the endpoint's error_description.
	Description string
	// Hint is what to check or change.
	Hint string
	Err  error

	nonceChanged bool // the answer carried a new DPoP-Nonce
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "okta: OAuth token for client %s from %s", e.ClientID, e.TokenURL)
	switch {
	case e.HTTPStatus != 0 && e.Code != "":
		fmt.Fprintf(&b, ": HTTP %d %s", e.HTTPStatus, e.summary())
	case e.HTTPStatus != 0:
		fmt.Fprintf(&b, ": HTTP %d", e.HTTPStatus)
		if _, isAPI := e.Err.(*APIError); !isAPI && e.Err != nil {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	case e.Err != nil:
		if re, ok := e.Err.(*RequestError); ok {
			fmt.Fprintf(&b, ": %v", re.Err)
		} else {
			fmt.Fprintf(&b, ": %v", e.Err)
		}
	}
	if e.Hint != "" {
		fmt.Fprintf(&b, " (%s)", e.Hint)
	}
	return b.String()
}

func (e *TokenError) Unwrap() error { return e.Err }

func (e *TokenError) summary() string {
	s := e.Code
	if s == "" {
		s = http.StatusText(e.HTTPStatus)
	}
	if e.Description != "" {
		s += ": " + strings.TrimSuffix(e.Description, ".")
	}
	return s
}

// fail builds the TokenError of a request. cause is set when no usable
// answer came; request replaces Err with an *APIError for OAuth errors.
func (s *tokenSource) fail(status int, code, desc string, resp *http.Response, cause error) *TokenError {
	te := &TokenError{ClientID: s.cfg.ClientID, TokenURL: s.tokenURL.String(), HTTPStatus: status,
		Code: code, Description: desc}
	if status == 0 {
		te.Err = &RequestError{Method: http.MethodPost, Path: s.tokenURL.Path, Err: cause}
		te.Hint = "the token endpoint did not answer: check the org URL and the network path to Okta"
		return te
	}
	te.Err = cause
	te.Hint = s.hint(status, code, desc, resp)
	return te
}

// timeWords are the words of Okta's error descriptions about a rejected
// iat, exp or nbf, the signs of a skewed clock.
var timeWords = []string{"expir", "iat", "issued", "future", "nbf", "not before", "not yet valid", "clock"}

func (s *tokenSource) hint(status int, code, desc string, resp *http.Response) string {
	d := strings.ToLower(desc)
	skew := s.skew(resp)
	timeRelated := false
	for _, w := range timeWords {
		timeRelated = timeRelated || strings.Contains(d, w)
	}
	bigSkew := skew > time.Minute || skew < -time.Minute
	switch {
	case (code == "invalid_client" || code == "invalid_dpop_proof") && (timeRelated || bigSkew):
		h := "the assertion's iat or exp was rejected: check this host's clock (NTP)"
		if bigSkew || skew > 5*time.Second || skew < -5*time.Second {
			h += fmt.Sprintf("; it differs from Okta's by %s", skew.Round(time.Second))
		}
		return h
	case code == "invalid_client":
		kid := "no kid"
		if s.cfg.KeyID != "" {
			kid = fmt.Sprintf("kid %q", s.cfg.KeyID)
		}
		return fmt.Sprintf("the client id is unknown to this org, or the private key does not match the public key registered on the app (%s): check the client id, the key id and the private key", kid)
	case code == "invalid_scope":
		return fmt.Sprintf("the app is not granted every requested scope (%s): grant them on the app's Okta API Scopes tab, or request fewer", strings.Join(s.cfg.Scopes, " "))
	case code == "unauthorized_client":
		return "the app may not use the client_credentials grant: use an API Services app with public key / private key client authentication"
	case code == "invalid_dpop_proof" && s.dpop == nil:
		return "the app requires DPoP-bound tokens: enable DPoP for this client"
	case code == "invalid_dpop_proof":
		return "the DPoP proof was rejected"
	case code == "use_dpop_nonce":
		return "the token endpoint asked for a DPoP nonce again after the retry with its nonce"
	case status == http.StatusTooManyRequests:
		return "the token endpoint's rate limit is spent: tokens are cached, so another client of this org is minting many"
	case status >= 500:
		return "Okta's token endpoint failed: a later attempt may succeed"
	}
	return ""
}

// skew is the server's clock minus ours by the answer's Date header,
// 0 without one. Whole-second Date values make it exact to about 1 s.
func (s *tokenSource) skew(resp *http.Response) time.Duration {
	if resp == nil {
		return 0
	}
	d, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		return 0
	}
	return d.Sub(s.now())
}
