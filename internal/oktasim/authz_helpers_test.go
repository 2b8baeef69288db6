package oktasim

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// A service app's side of the org authorization server, written here with
// go-jose directly (not with activities/okta, so the simulator's tests stay
// an independent reading of Okta's protocol).

type testKey struct {
	kid  string
	priv crypto.Signer
	alg  jose.SignatureAlgorithm
}

func ecKey(t testing.TB, kid string) testKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return testKey{kid: kid, priv: k, alg: jose.ES256}
}

var rsaTestKey *rsa.PrivateKey // one per test binary: RSA generation is slow

func rsaKey(t testing.TB, kid string) testKey {
	t.Helper()
	if rsaTestKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		rsaTestKey = k
	}
	return testKey{kid: kid, priv: rsaTestKey, alg: jose.RS256}
}

func (k testKey) public() jose.JSONWebKey {
	return jose.JSONWebKey{Key: k.priv.Public(), KeyID: k.kid, Algorithm: string(k.alg), Use: "sig"}
}

func (k testKey) sign(t testing.TB, claims any, opts *jose.SignerOptions) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: k.alg, Key: jose.JSONWebKey{Key: k.priv, KeyID: k.kid}}, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// svc is a service app talking to one org.
type svc struct {
	t        testing.TB
	org      string // org URL
	clientID string
	key      testKey
	dpop     *testKey
	now      func() time.Time
	nonce    string // last DPoP-Nonce seen
}

func (c *svc) tokenURL() string { return c.org + orgTokenPath }

// assertion signs a client assertion; edit changes its claims.
func (c *svc) assertion(edit func(*jwt.Claims)) string {
	now := c.now()
	cl := jwt.Claims{Issuer: c.clientID, Subject: c.clientID, Audience: jwt.Audience{c.tokenURL()},
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)), ID: randomToken()}
	if edit != nil {
		edit(&cl)
	}
	return c.key.sign(c.t, cl, (&jose.SignerOptions{}).WithType("JWT"))
}

// proof signs a DPoP proof for a request; edit changes its claims.
func (c *svc) proof(method, target, token string, edit func(map[string]any)) string {
	u, _ := url.Parse(target)
	u.RawQuery = ""
	cl := map[string]any{"jti": randomToken(), "htm": method, "htu": u.String(), "iat": c.now().Unix()}
	if c.nonce != "" {
		cl["nonce"] = c.nonce
	}
	if token != "" {
		sum := sha256.Sum256([]byte(token))
		cl["ath"] = b64url(sum[:])
	}
	if edit != nil {
		edit(cl)
	}
	opts := (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt")
	return c.dpop.sign(c.t, cl, opts)
}

// tokenRequest posts a client credentials request.
func (c *svc) tokenRequest(scope, assertion, proof string) resp {
	form := url.Values{"grant_type": {"client_credentials"}, "scope": {scope},
		"client_assertion_type": {assertionType}, "client_assertion": {assertion}}
	hdr := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if proof != "" {
		hdr.Set("DPoP", proof)
	}
	r := send(c.t, "POST", c.tokenURL(), hdr, form.Encode())
	if n := r.header.Get("DPoP-Nonce"); n != "" {
		c.nonce = n
	}
	return r
}

// token obtains an access token, answering one use_dpop_nonce challenge.
func (c *svc) token(scope string) (string, string) {
	c.t.Helper()
	a := c.assertion(nil)
	for i := 0; i < 2; i++ {
		p := ""
		if c.dpop != nil {
			p = c.proof("POST", c.tokenURL(), "", nil)
		}
		r := c.tokenRequest(scope, a, p)
		if r.status == http.StatusOK {
			return r.obj()["access_token"].(string), r.obj()["token_type"].(string)
		}
		if r.obj()["error"] != "use_dpop_nonce" {
			c.t.Fatalf("token: %d %s", r.status, r.raw)
		}
	}
	c.t.Fatal("token: use_dpop_nonce twice")
	return "", ""
}

// api calls the Management API with an access token (DPoP when bound).
func (c *svc) api(method, path, token string, body string) resp {
	hdr := http.Header{"Accept": {"application/json"}}
	target := c.org + path
	if c.dpop != nil {
		hdr.Set("Authorization", "DPoP "+token)
		hdr.Set("DPoP", c.proof(method, target, token, nil))
	} else {
		hdr.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		hdr.Set("Content-Type", "application/json")
	}
	r := send(c.t, method, target, hdr, body)
	if n := r.header.Get("DPoP-Nonce"); n != "" {
		c.nonce = n
	}
	return r
}

func send(t testing.TB, method, target string, hdr http.Header, body string) resp {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, target, rd)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header[k] = v
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := resp{status: res.StatusCode, header: res.Header, raw: raw}
	if len(raw) > 0 && json.Unmarshal(raw, &out.body) != nil {
		t.Fatalf("%s %s: body is not JSON: %q", method, target, raw)
	}
	return out
}

// oauthErr asserts an OAuth error answer.
func oauthErr(t testing.TB, r resp, status int, code, descPart string) {
	t.Helper()
	if r.status != status || r.obj()["error"] != code {
		t.Fatalf("got %d %s, want %d %s", r.status, r.raw, status, code)
	}
	if d, _ := r.obj()["error_description"].(string); !strings.Contains(d, descPart) {
		t.Fatalf("error_description %q lacks %q", d, descPart)
	}
}

// newSvc registers a service app on the harness's org and returns its client.
func newSvc(h *harness, key testKey, dpop *testKey, scopes ...string) *svc {
	h.t.Helper()
	return newSvcAt(h.t, h.sim, h.srv.URL(), key, dpop, h.clock.Now, scopes...)
}

// newSvcAt registers a service app on sim (served at orgURL).
func newSvcAt(t testing.TB, sim *Sim, orgURL string, key testKey, dpop *testKey, now func() time.Time, scopes ...string) *svc {
	t.Helper()
	id := "0oa" + strings.ToLower(randomToken()[:14])
	if err := sim.RegisterServiceApp(ServiceApp{ClientID: id, Keys: []jose.JSONWebKey{ServiceKey(key.kid, key.priv.Public())},
		Scopes: scopes, RequireDPoP: dpop != nil}); err != nil {
		t.Fatal(err)
	}
	return &svc{t: t, org: orgURL, clientID: id, key: key, dpop: dpop, now: now}
}
