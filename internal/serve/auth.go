package serve

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"net/http"
	"strings"
)

// SignatureHeader carries "sha256=" and the hex HMAC-SHA256 of the raw
// request body under the shared secret (CORDON_WEBHOOK_SECRET).
const SignatureHeader = "X-Cordon-Signature"

var (
	errNoCredentials = errors.New("authentication required: send Authorization: Bearer <token> or " + SignatureHeader + ": sha256=<hex hmac of the body>")
	errBadToken      = errors.New("invalid bearer token")
	errBadSignature  = errors.New("invalid " + SignatureHeader + " signature")
)

// authenticator checks a request's credentials and names the scheme that
// passed ("bearer", "hmac", both joined by "+", or "unauthenticated"):
// runs the request starts record it as started_by webhook:<scheme>. A credential that is
// presented must be valid: a wrong token is refused even when a correct
// signature is also sent, so a misconfigured sender is noticed.
// Comparisons are constant-time.
//
// Neither scheme carries a timestamp, so a captured request can be sent
// again; what makes that harmless is that a re-sent alert maps to the same
// workflow IDs and starts nothing (the response says duplicate).
type authenticator struct {
	token, secret []byte
	insecure      bool
}

func (a authenticator) check(r *http.Request, body []byte) (string, error) {
	if a.insecure {
		return "unauthenticated", nil
	}
	var schemes []string
	if h := r.Header.Get("Authorization"); h != "" {
		tok, ok := cutPrefixFold(h, "Bearer ")
		if !ok || len(a.token) == 0 || subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), a.token) != 1 {
			return "", errBadToken
		}
		schemes = append(schemes, "bearer")
	}
	if h := r.Header.Get(SignatureHeader); h != "" {
		if !a.validSignature(h, body) {
			return "", errBadSignature
		}
		schemes = append(schemes, "hmac")
	}
	if schemes == nil {
		return "", errNoCredentials
	}
	return strings.Join(schemes, "+"), nil
}

func (a authenticator) validSignature(header string, body []byte) bool {
	if len(a.secret) == 0 {
		return false
	}
	hexSig, ok := cutPrefixFold(strings.TrimSpace(header), "sha256=")
	if !ok {
		return false
	}
	got, err := hex.DecodeString(hexSig)
	if err != nil {
		return false
	}
	return hmac.Equal(got, Sign(a.secret, body))
}

// Sign returns the HMAC-SHA256 of body under secret; senders put
// "sha256=" + hex of it in X-Cordon-Signature.
func Sign(secret, body []byte) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write(body)
	return m.Sum(nil)
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}
