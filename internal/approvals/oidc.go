package approvals

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// provider is the OIDC relying party: the authorization code flow with
// PKCE for the page, ID token verification for sessions and bearer tokens.
type provider struct {
	oauth    oauth2.Config
	verifier *oidc.IDTokenVerifier
}

func newProvider(ctx context.Context, cfg Config) (*provider, error) {
	p, err := oidc.NewProvider(ctx, cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("approvals: OIDC discovery at %s: %w", cfg.Issuer, err)
	}
	return &provider{
		oauth: oauth2.Config{ClientID: cfg.ClientID, ClientSecret: cfg.ClientSecret, Endpoint: p.Endpoint(),
			RedirectURL: cfg.PublicURL + "/auth/callback", Scopes: []string{oidc.ScopeOpenID, "profile", "email", "groups"}},
		verifier: p.Verifier(&oidc.Config{ClientID: cfg.ClientID}),
	}, nil
}

// claims are the ID token claims Cordon reads. The approver is the login
// (preferred_username, as Okta sets it), else the email.
type claims struct {
	PreferredUsername string   `json:"preferred_username"`
	Email             string   `json:"email"`
	Groups            []string `json:"groups"`
	Nonce             string   `json:"nonce"`
}

func (p *provider) identity(ctx context.Context, raw string) (Identity, *oidc.IDToken, error) {
	tok, err := p.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, nil, err
	}
	var c claims
	if err := tok.Claims(&c); err != nil {
		return Identity{}, nil, err
	}
	login := strings.TrimSpace(c.PreferredUsername)
	if login == "" {
		login = strings.TrimSpace(c.Email)
	}
	if login == "" {
		return Identity{}, nil, errors.New("the ID token names no preferred_username or email")
	}
	return Identity{Subject: tok.Subject, Login: login, Groups: c.Groups}, tok, nil
}

// login starts a sign-in: state, nonce and the PKCE verifier go into a
// short-lived signed cookie, the browser to the provider.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	pl := pendingLogin{State: randomString(), Nonce: randomString(), Verifier: oauth2.GenerateVerifier(),
		Next: localPath(r.URL.Query().Get("next")), Expires: h.cfg.Now().Add(loginLifetime)}
	h.cookies.set(w, loginCookie, pl, pl.Expires)
	http.Redirect(w, r, h.oidc.oauth.AuthCodeURL(pl.State, oidc.Nonce(pl.Nonce), oauth2.S256ChallengeOption(pl.Verifier)), http.StatusFound)
}

// callback finishes a sign-in and starts the session.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	c, err := r.Cookie(loginCookie)
	var pl pendingLogin
	if err != nil || h.cookies.open(loginCookie, c.Value, &pl) != nil || !h.cfg.Now().Before(pl.Expires) {
		h.errorPage(w, http.StatusBadRequest, "The sign-in expired or was not started here. Sign in again.")
		return
	}
	h.cookies.clear(w, loginCookie)
	q := r.URL.Query()
	if e := q.Get("error"); e != "" {
		h.errorPage(w, http.StatusUnauthorized, "Sign-in failed: "+e+": "+q.Get("error_description"))
		return
	}
	if q.Get("state") == "" || q.Get("state") != pl.State {
		h.errorPage(w, http.StatusBadRequest, "The sign-in's state does not match. Sign in again.")
		return
	}
	tok, err := h.oidc.oauth.Exchange(r.Context(), q.Get("code"), oauth2.VerifierOption(pl.Verifier))
	if err != nil {
		h.errorPage(w, http.StatusUnauthorized, "Sign-in failed: the code could not be redeemed: "+err.Error())
		return
	}
	raw, _ := tok.Extra("id_token").(string)
	id, idTok, err := h.oidc.identity(r.Context(), raw)
	if err != nil {
		h.errorPage(w, http.StatusUnauthorized, "Sign-in failed: the ID token is not valid: "+err.Error())
		return
	}
	if idTok.Nonce != pl.Nonce {
		h.errorPage(w, http.StatusUnauthorized, "Sign-in failed: the ID token's nonce does not match.")
		return
	}
	h.cookies.startSession(w, id)
	h.cfg.Logger.Info("signed in", "login", id.Login)
	http.Redirect(w, r, pl.Next, http.StatusFound)
}

func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.cookies.session(r)
	if !ok || !validCSRF(sess, r.PostFormValue("csrf")) {
		h.errorPage(w, http.StatusForbidden, "Missing or invalid CSRF token.")
		return
	}
	h.cookies.clear(w, sessionCookie)
	http.Redirect(w, r, "/approvals", http.StatusSeeOther)
}

// localPath keeps a post-sign-in redirect on this server.
func localPath(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(u.Path, "/") || strings.HasPrefix(next, "//") {
		return "/approvals"
	}
	return u.RequestURI()
}

// bearer authenticates an API request by its ID token.
func (h *Handler) bearer(r *http.Request) (Identity, bool, error) {
	a := r.Header.Get("Authorization")
	if len(a) < 7 || !strings.EqualFold(a[:7], "Bearer ") {
		return Identity{}, false, nil
	}
	id, _, err := h.oidc.identity(r.Context(), strings.TrimSpace(a[7:]))
	return id, true, err
}
