// Package oktasim is a simulated Okta org: a stateful fake of the parts of the
// Okta Management API that Cordon's actions use (users, user lifecycle,
// partial profile updates, sessions, MFA factors, app links, groups and
// memberships, network zones, System Log), served over real HTTP. Every
// link an answer advertises is served, and a lifecycle link only where its
// operation succeeds.
//
// It owns the simulator only. It shares no code with Cordon's Okta client on
// purpose: the client's tests run against this package, so if the two shared
// types or parsers the tests would only check the client against its own
// assumptions. Behaviour follows Okta's documentation and recorded traffic
// (see ../shared/okta/REFERENCE.md); where Okta's behaviour is unconfirmed the
// code says which choice it made.
//
// Use it in-process from tests:
//
//	srv := oktasim.NewTestServer(t, oktasim.Options{Token: "test-token"})
//	client := myokta.New(srv.URL(), "test-token")
//	...
//	u, _ := srv.Sim().User(oktasim.DemoActiveUserLogin)
//
// or as a process (`cordon sim`) through [Start].
//
// Besides the Okta API it serves an admin API under /__sim/ (no token needed):
//
//	GET    /__sim/requests   request log (JSON array of RequestRecord)
//	DELETE /__sim/requests   clear the request log
//	GET    /__sim/faults     active faults
//	POST   /__sim/faults     add or replace a fault (JSON Fault)
//	DELETE /__sim/faults     clear all faults
//	GET    /__sim/state      dump users, groups, zones and event count
//	POST   /__sim/reset      re-seed the org
//	POST   /__sim/events     append raw LogEvent objects (a JSON object or array)
//
// # Sign-in (OpenID Connect)
//
// The org's default authorization server (oidc.go, oidcauthorize.go,
// oidctokens.go) lets people sign in to Cordon's approvals page offline:
// /oauth2/default/.well-known/openid-configuration, /v1/keys, /v1/authorize
// (a plain login form: an active user's login and Options.DevPassword; an
// SSO session; prompt=none and prompt=login; state and a registered
// redirect URI required), /v1/token (authorization code with PKCE S256;
// RS256 ID tokens with Okta's claims and JWT access tokens), /v1/userinfo,
// /v1/revoke and /v1/logout.
//
// # Service apps, DPoP and scopes
//
// The org authorization server's token endpoint, /oauth2/v1/token
// (orgtoken.go), mints opaque access tokens for API Services apps
// (ServiceApp, serviceapps.go) with the client credentials grant and a
// private_key_jwt client assertion, verified with go-jose. Tokens may be
// DPoP-bound (dpop.go: proofs, ath, binding, a rotating DPoP-Nonce). The
// Management API accepts them besides the SSWS token and enforces each
// route's okta.* scopes from Okta's spec (scopes.go): 403 E0000006.
//
// # Several orgs
//
// [StartOrgs] serves several orgs on one address, each under /orgs/<name>
// (orgs.go) with its own state, limits, clock, request log and tokens;
// every URL an org hands out carries its prefix.
//
// # Robustness
//
// Every lock is released by defer (a test checks the source), and a panic
// in any handler answers 500 E0000009 and leaves the org usable.
// docs/simulator.md lists what the simulator models and what it does not;
// `make sdk-check` runs Okta's Node SDK against it.
//
// # Demo seed fixtures
//
// The demo seed (the default) is a believable tenant of about 200 users at
// acme.com. Its well-known fixtures are the Demo* constants in fixtures.go;
// everything else is generated deterministically from the seed name. Log
// events are placed relative to the clock at construction time, so "last 24
// hours" queries find the attack patterns. Every user who has set a
// password has SMS and push factors (every third also TOTP) and, when it has
// signed in, one live session; the demo seed assigns three apps through
// groups (Google Workspace to Everyone, AWS Console to Engineering and IT
// Admins, Salesforce.com to Sales).
//
// # Rate limits
//
// Requests count against one bucket each (the Bucket* constants), using the
// Workforce defaults from Okta's last published table. Windows start with the
// first request in them (Okta's windows are not aligned to wall-clock
// minutes). The org-wide concurrency limit answers 429 with Limit and
// Remaining both 0, as Okta documents.
package oktasim
