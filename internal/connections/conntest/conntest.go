// Package conntest is a stand-in OAuth token endpoint for tests of
// `cordon connections check` (through okta.Client.Authenticate): it verifies the
// client assertion (signature against the registered public key, iss,
// sub, aud, exp, jti replay) and, when required, the DPoP proof with a
// server nonce, and grants the requested scopes it allows.
package conntest

import (
	"crypto"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// TokenServer is a running token endpoint.
type TokenServer struct {
	*httptest.Server
	ClientID string
	Key      crypto.PublicKey // the app's registered key
	Allowed  []string         // the scopes granted to the app
	DPoP     bool             // require a DPoP proof with the server's nonce

	mu     sync.Mutex
	jtis   map[string]bool
	Issued int // tokens issued
}

// Nonce is the DPoP nonce the server hands out.
const Nonce = "nonce-1"

// NewTokenServer starts a token endpoint at /oauth2/v1/token.
func NewTokenServer(t testing.TB, clientID string, key crypto.PublicKey, allowed []string, dpop bool) *TokenServer {
	ts := &TokenServer{ClientID: clientID, Key: key, Allowed: allowed, DPoP: dpop, jtis: map[string]bool{}}
	ts.Server = httptest.NewServer(http.HandlerFunc(ts.serve))
	t.Cleanup(ts.Close)
	return ts
}

func oauthError(w http.ResponseWriter, code, desc string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusBadRequest)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (ts *TokenServer) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/oauth2/v1/token" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	_ = r.ParseForm()
	aud := ts.URL + "/oauth2/v1/token"
	tok, err := jwt.ParseSigned(r.PostForm.Get("client_assertion"), []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	var c jwt.Claims
	if err != nil || tok.Claims(ts.Key, &c) != nil {
		oauthError(w, "invalid_client", "The client_assertion signature is invalid.")
		return
	}
	if c.Issuer != ts.ClientID || c.Subject != ts.ClientID || c.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{aud}, Time: time.Now()}, 0) != nil {
		oauthError(w, "invalid_client", "The client_assertion token is invalid.")
		return
	}
	ts.mu.Lock()
	replay := ts.jtis[c.ID]
	ts.jtis[c.ID] = true
	ts.mu.Unlock()
	if replay || c.ID == "" {
		oauthError(w, "invalid_client", "The client_assertion token has already been used.")
		return
	}
	tokenType := "Bearer"
	if ts.DPoP {
		if !ts.proofOK(w, r, aud) {
			return
		}
		tokenType = "DPoP"
	}
	var granted []string
	for _, s := range strings.Fields(r.PostForm.Get("scope")) {
		if !slices.Contains(ts.Allowed, s) {
			oauthError(w, "invalid_scope", "The following scopes are not allowed: "+s)
			return
		}
		granted = append(granted, s)
	}
	ts.mu.Lock()
	ts.Issued++
	ts.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"token_type": tokenType, "expires_in": 3600,
		"access_token": "eyJ.test.token", "scope": strings.Join(granted, " ")})
}

// proofOK checks the DPoP proof: typ, embedded key, htm, htu and nonce.
func (ts *TokenServer) proofOK(w http.ResponseWriter, r *http.Request, htu string) bool {
	proof, err := jose.ParseSigned(r.Header.Get("DPoP"), []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil || len(proof.Signatures) != 1 || proof.Signatures[0].Header.JSONWebKey == nil ||
		proof.Signatures[0].Header.ExtraHeaders["typ"] != "dpop+jwt" {
		oauthError(w, "invalid_dpop_proof", "The DPoP proof is missing or malformed.")
		return false
	}
	payload, err := proof.Verify(proof.Signatures[0].Header.JSONWebKey)
	var claims struct {
		HTM   string `json:"htm"`
		HTU   string `json:"htu"`
		Nonce string `json:"nonce"`
	}
	if err != nil || json.Unmarshal(payload, &claims) != nil || claims.HTM != http.MethodPost || claims.HTU != htu {
		oauthError(w, "invalid_dpop_proof", "The DPoP proof is invalid.")
		return false
	}
	if claims.Nonce != Nonce {
		w.Header().Set("DPoP-Nonce", Nonce)
		oauthError(w, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
		return false
	}
	return true
}
