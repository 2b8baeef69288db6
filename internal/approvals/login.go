package approvals

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/workflows"
)

// The CLI side: `cordon login` signs a person in against the provider
// that cordon serve uses (authorization code + PKCE with a loopback
// redirect, as for a native app) and keeps the ID token; `cordon approve`
// then decides through serve's API with it, so serve signs the decision.

// AuthConfig is what serve tells a CLI about its sign-in
// (GET /v1/auth/config).
type AuthConfig struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
}

func (h *Handler) authConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, AuthConfig{Issuer: h.cfg.Issuer, ClientID: h.cfg.ClientID})
}

// Token is a signed-in CLI user's ID token for one serve URL.
type Token struct {
	Serve   string    `json:"serve"`
	IDToken string    `json:"id_token"`
	Login   string    `json:"login"`
	Expiry  time.Time `json:"expiry"`
}

// TokenFile is where cordon login keeps the token: $CORDON_TOKEN_FILE, or
// cordon/token.json in the user's config directory.
func TokenFile() (string, error) {
	if p := os.Getenv("CORDON_TOKEN_FILE"); p != "" {
		return p, nil
	}
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no config directory for the login token (set CORDON_TOKEN_FILE): %w", err)
	}
	return filepath.Join(dir, "cordon", "token.json"), nil
}

// ErrNotSignedIn is LoadToken's error when cordon login never ran.
var ErrNotSignedIn = errors.New("not signed in: run cordon login (or, on a --dev stack, pass --as NAME)")

// LoadToken reads the token for serve ("" takes the serve URL cordon login
// signed in to); an expired or missing one is an
// error that says to sign in.
func LoadToken(serve string, now time.Time) (*Token, error) {
	path, err := TokenFile()
	if err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNotSignedIn
	}
	if err != nil {
		return nil, err
	}
	var t Token
	if err := json.Unmarshal(b, &t); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	// No serve URL asked for: the one cordon login signed in to.
	if serve != "" && strings.TrimRight(t.Serve, "/") != strings.TrimRight(serve, "/") {
		return nil, fmt.Errorf("signed in to %s, not %s: pass --serve %s (or unset CORDON_SERVE_URL), or run cordon login --serve %s",
			t.Serve, serve, t.Serve, serve)
	}
	if !now.Before(t.Expiry) {
		return nil, fmt.Errorf("the sign-in of %s expired at %s: run cordon login", t.Login, t.Expiry.Format(time.RFC3339))
	}
	return &t, nil
}

// Login signs in: it prints (and offers to open) the provider's URL,
// waits for the loopback redirect, verifies the ID token and saves it.
func Login(ctx context.Context, serve string, open func(string) error, out io.Writer) (*Token, error) {
	serve = strings.TrimRight(serve, "/")
	var ac AuthConfig
	if err := getJSON(ctx, serve+"/v1/auth/config", "", &ac); err != nil {
		return nil, fmt.Errorf("asking %s how to sign in: %w", serve, err)
	}
	p, err := oidc.NewProvider(ctx, ac.Issuer)
	if err != nil {
		return nil, fmt.Errorf("OIDC discovery at %s: %w", ac.Issuer, err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	defer ln.Close()
	oc := oauth2.Config{ClientID: ac.ClientID, Endpoint: p.Endpoint(), RedirectURL: "http://" + ln.Addr().String() + "/callback",
		Scopes: []string{oidc.ScopeOpenID, "profile", "email", "groups"}}
	state, nonce, verifier := randomString(), randomString(), oauth2.GenerateVerifier()
	authURL := oc.AuthCodeURL(state, oidc.Nonce(nonce), oauth2.S256ChallengeOption(verifier))
	fmt.Fprintf(out, "Sign in at:\n  %s\n", authURL)
	if open != nil {
		_ = open(authURL) // the printed URL is the fallback
	}
	type result struct {
		code string
		err  error
	}
	got := make(chan result, 1)
	srv := &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		res := result{code: q.Get("code")}
		switch {
		case r.URL.Path != "/callback":
			http.NotFound(w, r)
			return
		case q.Get("error") != "":
			res.err = fmt.Errorf("sign-in failed: %s: %s", q.Get("error"), q.Get("error_description"))
		case q.Get("state") != state:
			res.err = errors.New("sign-in failed: the state does not match")
		}
		if res.err != nil {
			http.Error(w, res.err.Error(), http.StatusBadRequest)
		} else {
			fmt.Fprintln(w, "Signed in to Cordon. You can close this window.")
		}
		select {
		case got <- res:
		default:
		}
	})}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Close()
	var res result
	select {
	case res = <-got:
	case <-ctx.Done():
		return nil, fmt.Errorf("waiting for the sign-in: %w", ctx.Err())
	}
	if res.err != nil {
		return nil, res.err
	}
	tok, err := oc.Exchange(ctx, res.code, oauth2.VerifierOption(verifier))
	if err != nil {
		return nil, fmt.Errorf("redeeming the code: %w", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idTok, err := p.Verifier(&oidc.Config{ClientID: ac.ClientID}).Verify(ctx, raw)
	if err != nil {
		return nil, fmt.Errorf("the ID token is not valid: %w", err)
	}
	if idTok.Nonce != nonce {
		return nil, errors.New("the ID token's nonce does not match")
	}
	var c claims
	if err := idTok.Claims(&c); err != nil {
		return nil, err
	}
	login := c.PreferredUsername
	if login == "" {
		login = c.Email
	}
	t := &Token{Serve: serve, IDToken: raw, Login: login, Expiry: idTok.Expiry}
	return t, saveToken(t)
}

func saveToken(t *Token) error {
	path, err := TokenFile()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, _ := json.MarshalIndent(t, "", "  ")
	return os.WriteFile(path, b, 0o600)
}

// DecideVia sends a decision through serve's API with the token. With no
// step, the run's only pending approval is decided.
func DecideVia(ctx context.Context, t *Token, run, step string, req DecisionRequest) (*workflows.ApprovalRecord, error) {
	if step == "" {
		var list struct {
			Pending []Pending `json:"pending"`
		}
		if err := getJSON(ctx, t.Serve+"/v1/approvals", t.IDToken, &list); err != nil {
			return nil, err
		}
		var steps []string
		for _, p := range list.Pending {
			if p.Run == run {
				steps = append(steps, p.Step)
			}
		}
		var err error
		step, err = workflows.OnlyPending(steps)
		if errors.Is(err, workflows.ErrNoPendingApproval) {
			return nil, &runs.RefusedError{Reason: fmt.Sprintf("no approval of run %s is pending", run)}
		} else if err != nil {
			return nil, &runs.RefusedError{Reason: fmt.Sprintf("approvals are pending for steps %s; pass --step STEP", strings.Join(steps, ", ")),
				Type: workflows.StepRequiredType}
		}
	}
	body, _ := json.Marshal(req)
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, t.Serve+"/v1/approvals/"+url.PathEscape(run)+"/"+url.PathEscape(step), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	hr.Header.Set("Authorization", "Bearer "+t.IDToken)
	resp, err := http.DefaultClient.Do(hr)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusOK {
		var e struct{ Error string }
		if json.Unmarshal(b, &e) == nil && e.Error != "" {
			return nil, &APIError{Status: resp.StatusCode, Message: e.Error}
		}
		return nil, &APIError{Status: resp.StatusCode, Message: strings.TrimSpace(string(b))}
	}
	var rec workflows.ApprovalRecord
	if err := json.Unmarshal(b, &rec); err != nil {
		return nil, err
	}
	return &rec, nil
}

// APIError is a refusal or failure answered by serve's API.
type APIError struct {
	Status  int
	Message string
}

func (e *APIError) Error() string { return e.Message }

func getJSON(ctx context.Context, u, bearer string, into any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		return &APIError{Status: resp.StatusCode, Message: fmt.Sprintf("%s: HTTP %d: %s", u, resp.StatusCode, strings.TrimSpace(string(b)))}
	}
	return json.NewDecoder(resp.Body).Decode(into)
}
