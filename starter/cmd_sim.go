package main

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/cordonsec/cordon/internal/cli"
	"github.com/cordonsec/cordon/internal/oktasim"
)

func simCommand() cli.Command {
	return cli.Command{
		Name:    "sim",
		Summary: "run the simulated Okta org alone (for demos, tests and benchmarks)",
		Usage:   "[--addr 127.0.0.1:8089] [--token TOKEN] [--seed demo|empty] [--users N] [--window 60s] [--oidc-redirect-uri URI]...",
		Help: "Serves the Okta Management API endpoints Cordon uses, with Okta's status codes, error\n" +
			"bodies, pagination and rate-limit headers. Fault injection, the request log and state\n" +
			"reset are under /__sim/. Point a worker at it with OKTA_ORG_URL=http://ADDR and\n" +
			"OKTA_API_TOKEN=TOKEN. Its sign-in (ADDR/oauth2/default) accepts the loopback redirect URIs\n" +
			"of cordon login and cordon serve; register others (cordon serve --public-url) with\n" +
			"--oidc-redirect-uri URL/auth/callback. See docs/simulator.md.",
		Setup: func(fs *flag.FlagSet) cli.Action {
			addr := fs.String("addr", "127.0.0.1:8089", "listen `ADDRESS`")
			token := fs.String("token", envOr("CORDON_SIM_TOKEN", "cordon-dev-token"), "the API `TOKEN` it accepts (SSWS or Bearer)")
			seed := fs.String("seed", oktasim.SeedDemo, "tenant: demo (about 200 users, 12 groups, 2,000 log events) or empty")
			users := fs.Int("users", 0, "add `N` generated ACTIVE users (benchmarks)")
			window := fs.Duration("window", time.Minute, "rate-limit window")
			var redirects []string
			fs.Func("oidc-redirect-uri", "register `URI` as a sign-in redirect URI, in addition to the loopback defaults (repeatable)", func(v string) error {
				if len(redirects) == 0 {
					redirects = append(redirects, oktasim.DefaultOIDCRedirectURIs...)
				}
				redirects = append(redirects, v)
				return nil
			})
			return func(ctx context.Context, args []string, io cli.Stdio) error {
				if *seed != oktasim.SeedDemo && *seed != oktasim.SeedEmpty {
					return cli.UsageErrorf("--seed must be demo or empty, not %q", *seed)
				}
				srv, err := oktasim.Start(*addr, oktasim.Options{Token: *token, Seed: *seed, Users: *users, Window: *window,
					OIDCRedirectURIs: redirects})
				if err != nil {
					return err
				}
				defer srv.Close()
				fmt.Fprintf(io.Out, "simulated Okta org (%s seed) at %s\n  OKTA_ORG_URL=%s OKTA_API_TOKEN=<the --token value>\nCtrl-C stops it.\n",
					*seed, srv.URL(), srv.URL())
				<-ctx.Done()
				return nil
			}
		},
	}
}
