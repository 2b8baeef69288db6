package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func simCommand() cli.Command {
	return cli.Command{
		Name:    "sim",
		Summary: "run the simulated Okta org alone (for demos, tests and benchmarks)",
		Usage: "[--addr 127.0.0.1:8089] [--token TOKEN] [--seed demo|empty] [--users N] [--window 60s] [--oidc-redirect-uri URI]...\n" +
			"  [--org NAME[:SEED]]... [--service-app [ORG=]FILE]... [--token-lifetime 1h] [--dpop-nonce-lifetime 10m]",
		Help: "Serves the Okta Management API endpoints Cordon uses, with Okta's status codes, error\n" +
			"bodies, pagination and rate-limit headers. Fault injection, the request log and state\n" +
			"reset are under /__sim/. Point a worker at it with OKTA_ORG_URL=http://ADDR and\n" +
			"OKTA_API_TOKEN=TOKEN. Its sign-in (ADDR/oauth2/default) accepts the loopback redirect URIs\n" +
			"of cordon login and cordon serve; register others (cordon serve --public-url) with\n" +
			"--oidc-redirect-uri URL/auth/callback.\n\n" +
			"--org (repeatable) hosts several orgs on the one address, each under /orgs/NAME with its\n" +
			"own users, limits and tokens (all accept --token). --service-app registers an API Services\n" +
			"app from a JSON file (clientId, public keys, scopes, requireDPoP) with the org's\n" +
			"authorization server at ORG_URL/oauth2/v1/token. See docs/simulator.md.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			addr := fs.String("addr", "127.0.0.1:8089", "listen `ADDRESS`")
			token := fs.String("token", envOr("CORDON_SIM_TOKEN", "cordon-dev-token"), "the API `TOKEN` it accepts (SSWS or Bearer)")
			seed := fs.String("seed", oktasim.SeedDemo, "tenant: demo (about 200 users, 12 groups, 2,000 log events) or empty")
			users := fs.Int("users", 0, "add `N` generated ACTIVE users (benchmarks)")
			window := fs.Duration("window", time.Minute, "rate-limit window")
			tokenLife := fs.Duration("token-lifetime", time.Hour, "lifetime of service apps' access tokens")
			nonceLife := fs.Duration("dpop-nonce-lifetime", oktasim.DefaultDPoPNonceLifetime, "how long a DPoP-Nonce stays valid before it rotates")
			var redirects, orgs, apps []string
			fs.Func("oidc-redirect-uri", "register `URI` as a sign-in redirect URI, in addition to the loopback defaults (repeatable)", func(v string) error {
				if len(redirects) == 0 {
					redirects = append(redirects, oktasim.DefaultOIDCRedirectURIs...)
				}
				redirects = append(redirects, v)
				return nil
			})
			fs.Func("org", "host an org `NAME[:SEED]` under /orgs/NAME (repeatable; default: one org at the root)", func(v string) error {
				orgs = append(orgs, v)
				return nil
			})
			fs.Func("service-app", "register the API Services app in `[ORG=]FILE` (JSON; repeatable)", func(v string) error {
				apps = append(apps, v)
				return nil
			})
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if *seed != oktasim.SeedDemo && *seed != oktasim.SeedEmpty {
					return cli.UsageErrorf("--seed must be demo or empty, not %q", *seed)
				}
				base := oktasim.Options{Token: *token, Seed: *seed, Users: *users, Window: *window,
					OIDCRedirectURIs: redirects, AccessTokenLifetime: *tokenLife, DPoPNonceLifetime: *nonceLife}
				named, err := simOrgs(orgs, base)
				if err != nil {
					return err
				}
				if err := simServiceApps(apps, named, &base); err != nil {
					return err
				}
				if len(named) == 0 {
					return serveOneSim(ctx, io.Out, *addr, base)
				}
				return serveSimOrgs(ctx, io.Out, *addr, named)
			}
		},
	}
}

// simOrgs turns the --org values into named orgs, each with base's options
// and its own seed.
func simOrgs(values []string, base oktasim.Options) ([]oktasim.NamedOrg, error) {
	var out []oktasim.NamedOrg
	for _, v := range values {
		name, seed, hasSeed := strings.Cut(v, ":")
		opts := base
		if hasSeed {
			if seed != oktasim.SeedDemo && seed != oktasim.SeedEmpty {
				return nil, cli.UsageErrorf("--org %s: the seed must be demo or empty, not %q", v, seed)
			}
			opts.Seed = seed
		}
		out = append(out, oktasim.NamedOrg{Name: name, Options: opts})
	}
	return out, nil
}

// simServiceApps reads the --service-app files into the options of the org
// each names (the root org's when there is only that one).
func simServiceApps(values []string, named []oktasim.NamedOrg, root *oktasim.Options) error {
	for _, v := range values {
		org, file, hasOrg := strings.Cut(v, "=")
		if !hasOrg {
			org, file = "", v
		}
		data, err := os.ReadFile(file)
		if err != nil {
			return cli.UsageErrorf("--service-app %s: %v", v, err)
		}
		app, err := oktasim.ParseServiceApp(data)
		if err != nil {
			return cli.UsageErrorf("--service-app %s: %v", v, err)
		}
		target := root
		if len(named) > 0 || org != "" {
			target = nil
			for i := range named {
				if named[i].Name == org {
					target = &named[i].Options
				}
			}
			if target == nil {
				return cli.UsageErrorf("--service-app %s: name one of the --org orgs as ORG=FILE", v)
			}
		}
		target.ServiceApps = append(target.ServiceApps, app)
	}
	return nil
}

func serveOneSim(ctx context.Context, out io.Writer, addr string, opts oktasim.Options) error {
	srv, err := oktasim.Start(addr, opts)
	if err != nil {
		return err
	}
	defer srv.Close()
	fmt.Fprintf(out, "simulated Okta org (%s seed) at %s\n  OKTA_ORG_URL=%s OKTA_API_TOKEN=<the --token value>\nCtrl-C stops it.\n",
		opts.Seed, srv.URL(), srv.URL())
	<-ctx.Done()
	return nil
}

func serveSimOrgs(ctx context.Context, out io.Writer, addr string, named []oktasim.NamedOrg) error {
	m, err := oktasim.StartOrgs(addr, named)
	if err != nil {
		return err
	}
	defer m.Close()
	fmt.Fprintf(out, "simulated Okta orgs at %s (each accepts the --token value):\n", m.Addr())
	for _, o := range named {
		fmt.Fprintf(out, "  %s (%s seed, %d service apps) at %s\n", o.Name, m.Sim(o.Name).Seed(), len(o.Options.ServiceApps), m.URL(o.Name))
	}
	fmt.Fprintln(out, "Ctrl-C stops them.")
	<-ctx.Done()
	return nil
}
