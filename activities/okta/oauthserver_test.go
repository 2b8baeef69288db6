package okta

import (
	"crypto"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/require"
)

// authServer is an org authorization server and a resource server in one
// httptest server, written from RFC 7523 and RFC 9449 for these unit
// tests: it verifies what the client sends and records it.
type authServer struct {
	t        *testing.T
	srv      *httptest.Server
	clientID string
	kid      string
	pub      crypto.PublicKey // the registered key
	clock    *fakeClock
	lifetime time.Duration
	grant    []string // scopes the app is granted

	mu         sync.Mutex
	mints      int
	tokenCalls int
	apiCalls   int
	jtis       map[string]bool
	tokens     map[string]string // token → bound jkt ("" for Bearer)
	asNonce    string            // required at the token endpoint when set
	rsNonce    string            // required at the API when set
	// rsRotations, when > 0, rotates rsNonce after each of that many
	// challenges: the nonce moved on while the retry was on its way.
	rsRotations int
	assertion   *jwt.JSONWebToken // the last verified assertion
	claims      jwt.Claims
	form        map[string]string
	asProof     proofSeen
	apiProofs   []proofSeen
	authz       []string
	errBody     string // when set, the token endpoint answers 401 with it
	dateOffset  time.Duration
}

type proofSeen struct {
	header jose.Header
	claims dpopClaims
}

type fakeClock struct{ ns atomic.Int64 }

func newFakeClock() *fakeClock {
	c := &fakeClock{}
	// On a whole second, as the Date header is: skew hints come out exact.
	c.ns.Store(time.Now().Truncate(time.Second).UnixNano())
	return c
}
func (c *fakeClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *fakeClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

func newAuthServer(t *testing.T, pub crypto.PublicKey) *authServer {
	a := &authServer{t: t, clientID: "0oaCordonTest", kid: "kid-1", pub: pub, clock: newFakeClock(),
		lifetime: time.Hour, grant: []string{"okta.users.read", "okta.groups.read"},
		jtis: map[string]bool{}, tokens: map[string]string{}}
	a.srv = httptest.NewServer(http.HandlerFunc(a.serve))
	t.Cleanup(a.srv.Close)
	return a
}

func (a *authServer) serve(w http.ResponseWriter, r *http.Request) {
	a.mu.Lock()
	defer a.mu.Unlock()
	w.Header().Set("Date", a.clock.now().Add(a.dateOffset).UTC().Format(http.TimeFormat))
	w.Header().Set("Content-Type", "application/json")
	if r.URL.Path == "/oauth2/v1/token" {
		a.token(w, r)
		return
	}
	a.api(w, r)
}

func (a *authServer) oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"error": code, "error_description": desc})
}

func (a *authServer) token(w http.ResponseWriter, r *http.Request) {
	a.tokenCalls++
	require.NoError(a.t, r.ParseForm())
	a.form = map[string]string{}
	for k := range r.PostForm {
		a.form[k] = r.PostForm.Get(k)
	}
	if a.errBody != "" {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(a.errBody))
		return
	}
	if a.form["grant_type"] != "client_credentials" || a.form["client_assertion_type"] != assertionType {
		a.oauthError(w, 400, "invalid_request", "bad grant")
		return
	}
	tok, err := jwt.ParseSigned(a.form["client_assertion"], []jose.SignatureAlgorithm{jose.RS256, jose.ES256})
	if err != nil {
		a.oauthError(w, 401, "invalid_client", "The client_assertion is malformed.")
		return
	}
	var c jwt.Claims
	if err := tok.Claims(a.pub, &c); err != nil {
		a.oauthError(w, 401, "invalid_client", "The client_assertion signature is invalid.")
		return
	}
	now := a.clock.now()
	if c.Issuer != a.clientID || c.Subject != a.clientID || !c.Audience.Contains(a.srv.URL+"/oauth2/v1/token") ||
		c.ID == "" || a.jtis[c.ID] || c.Expiry.Time().Sub(c.IssuedAt.Time()) > 5*time.Minute {
		a.oauthError(w, 401, "invalid_client", "The client_assertion claims are invalid.")
		return
	}
	if err := c.ValidateWithLeeway(jwt.Expected{Time: now}, time.Minute); err != nil {
		a.oauthError(w, 401, "invalid_client", "The client_assertion token is expired.")
		return
	}
	a.jtis[c.ID] = true
	a.assertion, a.claims = tok, c
	for _, s := range strings.Fields(a.form["scope"]) {
		if !contains(a.grant, s) {
			a.oauthError(w, 400, "invalid_scope", "The following scopes are not allowed: "+s)
			return
		}
	}
	typ, jkt := TokenTypeBearer, ""
	if proof := r.Header.Get("DPoP"); proof != "" {
		p, thumb, err := a.verifyProof(proof, r, "")
		if err != nil {
			a.oauthError(w, 400, "invalid_dpop_proof", err.Error())
			return
		}
		a.asProof = p
		if a.asNonce != "" && p.claims.Nonce != a.asNonce {
			w.Header().Set("DPoP-Nonce", a.asNonce)
			a.oauthError(w, 400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof.")
			return
		}
		typ, jkt = TokenTypeDPoP, thumb
	}
	a.mints++
	value := "tok-" + rand.Text()
	a.tokens[value] = jkt
	_ = json.NewEncoder(w).Encode(map[string]any{"access_token": value, "token_type": typ,
		"expires_in": int(a.lifetime / time.Second), "scope": a.form["scope"]})
}

func (a *authServer) api(w http.ResponseWriter, r *http.Request) {
	a.apiCalls++
	authz := r.Header.Get("Authorization")
	a.authz = append(a.authz, authz)
	scheme, value, _ := strings.Cut(authz, " ")
	jkt, known := a.tokens[value]
	if !known || (jkt == "") != (scheme == TokenTypeBearer) {
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"errorCode":"E0000011","errorSummary":"Invalid token provided","errorCauses":[]}`))
		return
	}
	if jkt != "" {
		p, thumb, err := a.verifyProof(r.Header.Get("DPoP"), r, value)
		if err != nil || thumb != jkt {
			w.Header().Set("WWW-Authenticate", `DPoP error="invalid_dpop_proof"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		a.apiProofs = append(a.apiProofs, p)
		if a.rsNonce != "" && p.claims.Nonce != a.rsNonce {
			w.Header().Set("DPoP-Nonce", a.rsNonce)
			if a.rsRotations > 0 {
				a.rsRotations--
				a.rsNonce += "+"
			}
			w.Header().Set("WWW-Authenticate", `DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"`)
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	}
	_, _ = w.Write([]byte(`{"id":"00u1","status":"ACTIVE","profile":{"login":"a@b.c"}}`))
}

// verifyProof checks a DPoP proof against the request (RFC 9449 §4.3) and
// returns it with its key's thumbprint.
func (a *authServer) verifyProof(s string, r *http.Request, token string) (proofSeen, string, error) {
	tok, err := jwt.ParseSigned(s, []jose.SignatureAlgorithm{jose.ES256, jose.RS256})
	if err != nil {
		return proofSeen{}, "", err
	}
	h := tok.Headers[0]
	if h.ExtraHeaders["typ"] != "dpop+jwt" || h.JSONWebKey == nil || !h.JSONWebKey.IsPublic() {
		return proofSeen{}, "", fmt.Errorf("bad proof header %+v", h.ExtraHeaders)
	}
	var c dpopClaims
	if err := tok.Claims(h.JSONWebKey.Key, &c); err != nil {
		return proofSeen{}, "", err
	}
	wantHTU := a.srv.URL + r.URL.Path
	if c.HTM != r.Method || c.HTU != wantHTU || c.JTI == "" || a.jtis[c.JTI] || c.IAT == nil {
		return proofSeen{}, "", fmt.Errorf("proof claims %+v do not match %s %s", c, r.Method, wantHTU)
	}
	if (token == "") != (c.ATH == "") || (token != "" && c.ATH != tokenHash(token)) {
		return proofSeen{}, "", fmt.Errorf("ath %q does not match the token", c.ATH)
	}
	a.jtis[c.JTI] = true
	thumb, err := h.JSONWebKey.Thumbprint(crypto.SHA256)
	return proofSeen{header: h, claims: c}, string(thumb), err
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// revokeAll makes every minted token unknown, as a revocation would.
func (a *authServer) revokeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.tokens = map[string]string{}
}

func (a *authServer) counts() (mints, tokenCalls, apiCalls int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mints, a.tokenCalls, a.apiCalls
}
