package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/connections/usage"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/runs"
	"github.com/cordonsec/cordon/playbook"
)

// checkTimeout bounds each connection's check (token request or API call).
const checkTimeout = 30 * time.Second

func connectionsCommand() cli.Command {
	return cli.Command{
		Name:    "connections",
		Summary: "list the Okta connections, or check their credentials and scopes",
		Usage:   "list|check [NAME...] [--connections FILE] [--playbooks DIR] [--output text|json]",
		Help: "The connections come from FILE (default $" + connections.EnvFile + ") and the OKTA_* environment\n" +
			"as the connection \"default\" (docs/operations.md, Connections).\n" +
			"list shows each connection's org, auth (ssws, oauth, oauth+dpop), the OAuth scopes it\n" +
			"requests (its scopes:, else those the library DIR's playbooks need), guardrails and\n" +
			"health-check interval.\n" +
			"check reads each connection's credentials (token or key files), proves them (an OAuth\n" +
			"token request, or GET /api/v1/users/me with an API token) and reports each playbook\n" +
			"step whose action needs a scope the token was not granted. Exit 0 when every checked\n" +
			"connection is fine, 1 when a problem was found, 2 on usage errors.",
		MinArgs: 1, MaxArgs: -1,
		Setup: func(fs *flag.FlagSet) cli.Action {
			file := fs.String("connections", "", "connections `FILE` (default $"+connections.EnvFile+")")
			library := fs.String("playbooks", envOr("CORDON_PLAYBOOKS", runs.DefaultLibrary), "playbook library `DIR`")
			output := fs.String("output", "text", "text or json")
			jsonFlag := fs.Bool("json", false, "same as --output json")
			return func(ctx context.Context, args []string, stdio cli.Stdio) error {
				if *jsonFlag {
					*output = "json"
				}
				if *output != "text" && *output != "json" {
					return cli.UsageErrorf("--output must be text or json, got %q", *output)
				}
				f, err := connections.Open(*file, os.Getenv)
				switch {
				case errors.Is(err, okta.ErrNoCredentials):
					return cli.UsageErrorf("no connections: give --connections FILE, set %s, or set OKTA_ORG_URL and OKTA_API_TOKEN", connections.EnvFile)
				case err != nil:
					fmt.Fprintln(stdio.Err, err)
					return cli.Exit(1, nil)
				}
				reg := action.Okta()
				lib := usage.Library(*library, reg)
				switch args[0] {
				case "list":
					if len(args) > 1 {
						return cli.UsageErrorf("list takes no names")
					}
					views := make([]connView, len(f.Connections))
					for i, c := range f.Connections {
						views[i] = viewOf(c, reg, lib)
					}
					if *output == "json" {
						return runs.WriteJSON(stdio.Out, views)
					}
					writeConnections(stdio.Out, views)
					return nil
				case "check":
					conns := f.Connections
					if len(args) > 1 {
						conns = nil
						for _, name := range args[1:] {
							c, ok := f.Lookup(name)
							if !ok {
								return cli.UsageErrorf("%v", f.UnknownError(name))
							}
							conns = append(conns, c)
						}
					}
					results := make([]checkResult, len(conns))
					failed := false
					for i, c := range conns {
						results[i] = checkConnection(ctx, c, reg, lib)
						failed = failed || !results[i].OK
					}
					if *output == "json" {
						if err := runs.WriteJSON(stdio.Out, results); err != nil {
							return err
						}
					} else {
						writeChecks(stdio.Out, results)
					}
					if failed {
						return cli.Exit(1, nil)
					}
					return nil
				}
				return cli.UsageErrorf("unknown connections command %q (want list or check)", args[0])
			}
		},
	}
}

// connView is one row of `cordon connections list`.
type connView struct {
	Name       string   `json:"name"`
	OrgURL     string   `json:"org_url"`
	Auth       string   `json:"auth"`
	Source     string   `json:"source"` // the file, or "environment"
	ClientID   string   `json:"client_id,omitempty"`
	Scopes     []string `json:"scopes"`
	ScopesFrom string   `json:"scopes_from"` // connection, playbooks, or "" (ssws)
	Guardrails string   `json:"guardrails"`
	RateShare  float64  `json:"rate_share,omitempty"`
	Health     string   `json:"health_interval"`
}

func viewOf(c connections.Connection, reg *action.Registry, lib []*playbook.Playbook) connView {
	v := connView{Name: c.Name, OrgURL: c.OrgURL, Auth: c.AuthLabel(), ClientID: c.Auth.ClientID,
		Guardrails: c.Guardrails, RateShare: c.RateShare, Health: "worker default", Scopes: []string{}, Source: "environment"}
	if !c.FromEnvironment() {
		v.Source = "file"
	}
	if c.HealthInterval > 0 {
		v.Health = c.HealthInterval.String()
	}
	if c.Auth.Type == connections.AuthOAuth {
		v.Scopes = c.RequestScopes(usage.Needed(reg, lib, c.Name))
		v.ScopesFrom = "playbooks"
		if len(c.Scopes) > 0 {
			v.ScopesFrom = "connection"
		}
	}
	return v
}

func writeConnections(w io.Writer, views []connView) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tORG URL\tAUTH\tSCOPES\tGUARDRAILS\tHEALTH")
	for _, v := range views {
		scopes := "- (API token: its owner's admin roles)"
		if v.Auth != connections.AuthSSWS {
			scopes = strings.Join(v.Scopes, " ") + " (from " + v.ScopesFrom + ")"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", v.Name, v.OrgURL, v.Auth, scopes, orDash(v.Guardrails), v.Health)
	}
	_ = tw.Flush()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// checkResult is one connection's outcome in `cordon connections check`.
type checkResult struct {
	Name    string `json:"name"`
	Auth    string `json:"auth"`
	OK      bool   `json:"ok"`
	Problem string `json:"problem,omitempty"` // credentials, org or guardrails
	// Proof says what worked: the token owner's login, or the token type.
	Proof   string        `json:"proof,omitempty"`
	Granted []string      `json:"granted_scopes,omitempty"`
	Missing []missingStep `json:"missing_scopes"`
}

// missingStep is a playbook step whose action needs scopes the
// connection's token was not granted.
type missingStep struct {
	File   string   `json:"file"`
	Line   int      `json:"line"`
	Col    int      `json:"col"`
	Step   string   `json:"step"`
	Action string   `json:"action"`
	Scopes []string `json:"scopes"`
}

// checkConnection reads c's credentials and proves them against its org.
func checkConnection(ctx context.Context, c connections.Connection, reg *action.Registry, lib []*playbook.Playbook) checkResult {
	r := checkResult{Name: c.Name, Auth: c.AuthLabel(), Missing: []missingStep{}}
	fail := func(err error) checkResult {
		r.Problem = err.Error()
		return r
	}
	if c.Guardrails != "" {
		if _, err := guard.Load(c.Guardrails); err != nil {
			return fail(fmt.Errorf("connection %q: guardrails %s: %w", c.Name, c.Guardrails, err))
		}
	}
	cfg, err := c.OktaConfig(usage.Needed(reg, lib, c.Name))
	if err != nil {
		return fail(err)
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if cfg.OAuth != nil {
		granted, proof, err := oauthGrant(ctx, cfg)
		if err != nil {
			return fail(fmt.Errorf("connection %q: %w", c.Name, err))
		}
		r.Proof, r.Granted = proof, granted
		for _, p := range lib {
			for _, s := range usage.Steps(p) {
				if s.Connection != c.Name {
					continue
				}
				if m := reg.MissingScopes(s.Action, granted); len(m) > 0 {
					r.Missing = append(r.Missing, missingStep{File: s.File, Line: s.Pos.Line, Col: s.Pos.Col, Step: s.ID, Action: s.Action, Scopes: m})
				}
			}
		}
		r.OK = len(r.Missing) == 0
		return r
	}
	client, err := okta.NewClient(cfg)
	if err != nil {
		return fail(fmt.Errorf("connection %q: %w", c.Name, err))
	}
	u, err := client.Me(ctx)
	switch {
	case err == nil:
		r.Proof = "token of " + u.Profile.Login
	case errors.Is(err, okta.ErrNotFound), okta.IsCode(err, okta.CodeForbidden):
		if err = client.ProbeUsers(ctx); err == nil {
			r.Proof = "token accepted"
		}
	}
	if err != nil {
		return fail(fmt.Errorf("connection %q: %w", c.Name, err))
	}
	r.OK = true
	return r
}

// oauthGrant mints a token with cfg's OAuth client (okta.Client.Authenticate)
// and returns the scopes Okta granted. Okta refuses a token request with
// any scope the app lacks (invalid_scope), so then it asks scope by scope
// to tell the steps which ones they miss.
func oauthGrant(ctx context.Context, cfg okta.Config) (granted []string, proof string, err error) {
	info, err := authenticate(ctx, cfg)
	var te *okta.TokenError
	if !errors.As(err, &te) || te.Code != "invalid_scope" {
		return info.Scopes, info.Scheme + " token minted", err
	}
	for _, s := range cfg.OAuth.Scopes {
		one := *cfg.OAuth
		one.Scopes = []string{s}
		c := cfg
		c.OAuth = &one
		_, err := authenticate(ctx, c)
		switch {
		case err == nil:
			granted = append(granted, s)
		case errors.As(err, &te) && te.Code == "invalid_scope":
		default:
			return nil, "", err
		}
	}
	return granted, "the key works, but Okta refused some requested scopes (asked scope by scope)", nil
}

func authenticate(ctx context.Context, cfg okta.Config) (okta.TokenInfo, error) {
	client, err := okta.NewClient(cfg)
	if err != nil {
		return okta.TokenInfo{}, err
	}
	return client.Authenticate(ctx)
}

func writeChecks(w io.Writer, results []checkResult) {
	for _, r := range results {
		switch {
		case r.Problem != "":
			fmt.Fprintf(w, "%s (%s): FAILED: %s\n", r.Name, r.Auth, r.Problem)
			continue
		case r.OK:
			fmt.Fprintf(w, "%s (%s): ok: %s", r.Name, r.Auth, r.Proof)
		default:
			fmt.Fprintf(w, "%s (%s): MISSING SCOPES: %s", r.Name, r.Auth, r.Proof)
		}
		if len(r.Granted) > 0 {
			fmt.Fprintf(w, "; granted %s", strings.Join(r.Granted, " "))
		} else if r.Auth != connections.AuthSSWS {
			fmt.Fprint(w, "; granted none of the requested scopes")
		}
		fmt.Fprintln(w)
		for _, m := range r.Missing {
			fmt.Fprintf(w, "  %s:%d:%d: step %q (%s) needs %s, which the token was not granted: grant it to the app and list it in the connection's scopes\n",
				m.File, m.Line, m.Col, m.Step, m.Action, strings.Join(m.Scopes, ", "))
		}
	}
}
