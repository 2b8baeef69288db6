package oktasim

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func startTwoOrgs(t *testing.T, acme, globex Options) *Orgs {
	t.Helper()
	m, err := StartOrgs("127.0.0.1:0", []NamedOrg{{Name: "globex", Options: globex}, {Name: "acme", Options: acme}})
	require.NoError(t, err)
	t.Cleanup(func() { _ = m.Close() })
	return m
}

func TestOrgsIsolated(t *testing.T) {
	t.Parallel()
	m := startTwoOrgs(t, Options{Token: "acme-token"}, Options{Token: "globex-token", Seed: SeedEmpty, Limits: map[string]int{BucketUsers: 1}})
	assert.Equal(t, []string{"acme", "globex"}, m.Names())
	acme, globex := m.URL("acme"), m.URL("globex")
	assert.Equal(t, m.Addr()+"/orgs/acme", acme)
	get := func(url, token string) resp {
		return send(t, "GET", url, http.Header{"Authorization": {"SSWS " + token}}, "")
	}
	// Each org has its own token, users and limits.
	expectError(t, get(acme+"/api/v1/users/me", "globex-token"), 401, "E0000011")
	r := get(acme+"/api/v1/users?limit=2", "acme-token")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Len(t, r.arr(), 2)
	// Links carry the org's prefix.
	assert.True(t, strings.HasPrefix(links(r)["next"], acme+"/api/v1/users?"), links(r)["next"])
	self := r.arr()[0].(map[string]any)["_links"].(map[string]any)["self"].(map[string]any)["href"].(string)
	assert.True(t, strings.HasPrefix(self, acme+"/api/v1/users/"), self)
	assert.Equal(t, http.StatusOK, get(self, "acme-token").status, "the advertised link is served")

	require.Equal(t, http.StatusOK, get(globex+"/api/v1/users", "globex-token").status)
	expectError(t, get(globex+"/api/v1/users", "globex-token"), 429, "E0000047")
	assert.Equal(t, http.StatusOK, get(acme+"/api/v1/users", "acme-token").status, "acme's limit is its own")

	// A write in one org leaves the other untouched; logs are per org,
	// with org-relative paths.
	require.Equal(t, http.StatusOK, send(t, "POST", acme+"/api/v1/users/"+DemoActiveUserID+"/lifecycle/suspend",
		http.Header{"Authorization": {"SSWS acme-token"}, "Content-Length": {"0"}}, "").status)
	u, _ := m.Sim("acme").User(DemoActiveUserID)
	assert.Equal(t, statusSuspended, u.Status)
	_, found := m.Sim("globex").User(DemoActiveUserID)
	assert.False(t, found, "globex is an empty org")
	acmeLog := m.Sim("acme").Requests()
	assert.Equal(t, "/api/v1/users/"+DemoActiveUserID+"/lifecycle/suspend", acmeLog[len(acmeLog)-1].Path)
	assert.Len(t, m.Sim("globex").Requests(), 2)

	// The OIDC issuer names the org URL; the admin API is per org.
	d := send(t, "GET", acme+"/oauth2/default/.well-known/openid-configuration", nil, "")
	assert.Equal(t, acme+"/oauth2/default", d.obj()["issuer"])
	assert.Equal(t, SeedEmpty, send(t, "GET", globex+"/__sim/state", nil, "").obj()["seed"])

	// Outside any org: Okta's 404, and /orgs lists them.
	expectError(t, get(m.Addr()+"/api/v1/users", "acme-token"), 404, "E0000008")
	expectError(t, get(m.Addr()+"/orgs/initech/api/v1/users", "acme-token"), 404, "E0000008")
	expectError(t, get(acme+"x/api/v1/users", "acme-token"), 404, "E0000008")
	list := send(t, "GET", m.Addr()+"/orgs", nil, "")
	require.Len(t, list.arr(), 2)
	assert.Equal(t, map[string]any{"name": "acme", "url": acme}, list.arr()[0])
}

func TestOrgsOAuthUnderPrefix(t *testing.T) {
	t.Parallel()
	d := ecKey(t, "dpop")
	k := ecKey(t, "k")
	app := ServiceApp{ClientID: "0oaglobexcordon", Keys: []jose.JSONWebKey{k.public()}, Scopes: []string{"okta.users.read"}, RequireDPoP: true}
	m := startTwoOrgs(t, Options{Token: "acme-token"}, Options{Token: "globex-token", ServiceApps: []ServiceApp{app}})
	c := &svc{t: t, org: m.URL("globex"), clientID: app.ClientID, key: k, dpop: &d, now: m.Sim("globex").now}
	tok, typ := c.token("okta.users.read")
	require.Equal(t, "DPoP", typ)
	r := c.api("GET", "/api/v1/users/me", tok, "")
	require.Equal(t, http.StatusOK, r.status, "%s", r.raw)
	assert.Equal(t, DemoAdminID, r.obj()["id"])

	// The app is globex's: acme does not know it, and the token is no good there.
	acme := *c
	acme.org = m.URL("acme")
	acme.dpop = nil
	oauthErr(t, acme.tokenRequest("okta.users.read", acme.assertion(nil), ""),
		http.StatusUnauthorized, "invalid_client", "Invalid value for 'client_id' parameter.")
	expectError(t, send(t, "GET", acme.org+"/api/v1/users/me", http.Header{"Authorization": {"Bearer " + tok}}, ""), 401, "E0000011")

	// An assertion's aud must be the token URL with the org's prefix.
	plain := ServiceApp{ClientID: "0oaglobexplain", Keys: []jose.JSONWebKey{k.public()}, Scopes: []string{"okta.users.read"}}
	require.NoError(t, m.Sim("globex").RegisterServiceApp(plain))
	p := &svc{t: t, org: m.URL("globex"), clientID: plain.ClientID, key: k, now: c.now}
	rootAud := &svc{t: t, org: m.Addr(), clientID: plain.ClientID, key: k, now: c.now}
	oauthErr(t, p.tokenRequest("okta.users.read", rootAud.assertion(nil), ""), http.StatusUnauthorized, "invalid_client",
		"The audience claim for client_assertion must be the endpoint invoked for the request.")
	tok, typ = p.token("okta.users.read")
	assert.Equal(t, "Bearer", typ)
	assert.Equal(t, http.StatusOK, p.api("GET", "/api/v1/users/me", tok, "").status)
}

func TestStartOrgsRefusesBadNames(t *testing.T) {
	t.Parallel()
	for _, orgs := range [][]NamedOrg{
		nil,
		{{Name: "Acme", Options: Options{Token: "t"}}},
		{{Name: "acme", Options: Options{Token: "t"}}, {Name: "acme", Options: Options{Token: "u"}}},
		{{Name: "acme"}},
	} {
		m, err := StartOrgs("127.0.0.1:0", orgs)
		if !assert.Error(t, err) {
			_ = m.Close()
		}
	}
}

// TestOrgsSignInSessionsPerOrg signs in to one org's authorization server:
// its SSO session does not leak to the other org on the same host, and the
// login form posts back under the org's prefix.
func TestOrgsSignInSessionsPerOrg(t *testing.T) {
	t.Parallel()
	m := startTwoOrgs(t, Options{Token: "a"}, Options{Token: "g"})
	acme := newOIDCClient(t, &Server{url: m.URL("acme")})
	code := acme.signIn(DemoAdminLogin)
	resp, tokens := acme.redeem(code, DefaultOIDCClientID)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%v", tokens)

	status, q := acme.authorize(acme.params("prompt", "none"))
	require.Equal(t, http.StatusFound, status)
	assert.NotEmpty(t, q.Get("code"), "acme's session lets prompt=none through")

	globex := *acme
	globex.iss = m.URL("globex") + authServerPath
	status, q = globex.authorize(globex.params("prompt", "none"))
	require.Equal(t, http.StatusFound, status)
	assert.Equal(t, "login_required", q.Get("error"), "the same browser has no session at globex")

	// The form's action resolves, against the page's URL, to the org's own
	// authorization endpoint.
	pageURL, err := url.Parse(globex.iss + "/v1/authorize?" + globex.params().Encode())
	require.NoError(t, err)
	res, err := http.Get(pageURL.String())
	require.NoError(t, err)
	body := readBody(t, res)
	action := regexp.MustCompile(`<form method="post" action="([^"]+)"`).FindStringSubmatch(body)
	require.NotNil(t, action, body)
	target, err := pageURL.Parse(action[1])
	require.NoError(t, err)
	assert.Equal(t, globex.iss+"/v1/authorize", target.String())
}
