package main

import (
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// DefaultSimToken is the simulated acme org's API token unless
// CORDON_SIM_TOKEN sets another; globex's is the same with "-globex".
const DefaultSimToken = "cordon-dev-token"

// The two simulated orgs of worker --dev. acme is also the default
// connection, so playbooks that name no connection run there, as before
// there were connections.
const (
	devAcme   = "acme"
	devGlobex = "globex"
)

// devOrg is one simulated org of worker --dev.
type devOrg struct {
	Name  string
	Sim   *oktasim.Server
	Token string
}

// devConnectionsFile is the connections file worker --dev writes under its
// data dir, naming its two orgs; `cordon connections list` and a worker
// started with --connections read it as any other.
const devConnectionsFile = "connections.yaml"

// startSims starts the two simulated orgs of --dev, unless OKTA_ORG_URL
// points the worker at a real org (then none): acme on --sim-addr, globex
// on the next port (both on free ports when --sim-addr's port is 0). Both
// are seeded with the demo org, so every demo playbook works on either.
func startSims(cfg config, logger *slog.Logger) ([]devOrg, error) {
	if os.Getenv(okta.EnvOrgURL) != "" || os.Getenv(okta.EnvSDKOrgURL) != "" {
		return nil, nil
	}
	token := os.Getenv("CORDON_SIM_TOKEN")
	if token == "" {
		token = DefaultSimToken
	}
	globexAddr, err := nextPort(cfg.simAddr)
	if err != nil {
		return nil, fmt.Errorf("--sim-addr: %w", err)
	}
	var orgs []devOrg
	for _, o := range []struct{ name, addr, token string }{{devAcme, cfg.simAddr, token}, {devGlobex, globexAddr, token + "-" + devGlobex}} {
		sim, err := oktasim.Start(o.addr, oktasim.Options{Token: o.token, Seed: oktasim.SeedDemo})
		if err != nil {
			closeSims(orgs)
			return nil, fmt.Errorf("simulated Okta org %s on %s: %w (pick another address with --sim-addr; %s uses the port after it)", o.name, o.addr, err, devGlobex)
		}
		logger.Info("simulated Okta org started", "org", o.name, "url", sim.URL(), "seed", oktasim.SeedDemo)
		orgs = append(orgs, devOrg{Name: o.name, Sim: sim, Token: o.token})
	}
	return orgs, nil
}

// nextPort is addr with its port plus one; port 0 (any free port) stays 0.
func nextPort(addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p >= 65535 {
		return "", fmt.Errorf("%q: bad port", addr)
	}
	if p > 0 {
		p++
	}
	return net.JoinHostPort(host, strconv.Itoa(p)), nil
}

func closeSims(orgs []devOrg) {
	for _, o := range orgs {
		_ = o.Sim.Close()
	}
}

// devConnections writes the --dev connections file and each org's token
// file (mode 0600, beside it: the file names them, never holds them) under
// dir, and returns the connections the worker serves: the default
// connection on acme's org, then acme and globex as the file names them,
// all with the --guardrails configuration g.
func devConnections(dir string, orgs []devOrg, g guard.Config) (string, []served, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", nil, err
	}
	var b strings.Builder
	b.WriteString("# Written by worker --dev: the two simulated orgs of the dev stack.\n" +
		"# The format is docs/operations.md, \"Connections\".\nconnections:\n")
	out := []served{}
	for _, o := range orgs {
		tokenFile := o.Name + ".token"
		if err := os.WriteFile(filepath.Join(dir, tokenFile), []byte(o.Token+"\n"), 0o600); err != nil {
			return "", nil, err
		}
		fmt.Fprintf(&b, "  - name: %s\n    org_url: %s\n    auth:\n      type: %s\n      token_file: %s\n", o.Name, o.Sim.URL(), connections.AuthSSWS, tokenFile)
		s := served{Name: o.Name, Okta: okta.Config{OrgURL: o.Sim.URL(), Token: o.Token}, Guard: g}
		if o.Name == devAcme {
			def := s
			def.Name = connections.Default
			out = append([]served{def}, out...)
		}
		out = append(out, s)
	}
	path := filepath.Join(dir, devConnectionsFile)
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		return "", nil, err
	}
	return path, out, nil
}

// printDevOrgs adds the dev stack's orgs to its banner.
func printDevOrgs(w io.Writer, file string, orgs []devOrg) {
	if len(orgs) == 0 {
		return
	}
	fmt.Fprintf(w, "  Connections:       %s\n", file)
	for _, o := range orgs {
		note := ""
		if o.Name == devAcme {
			note = ", also the default connection"
		}
		fmt.Fprintf(w, "    %-16s %s (simulated, demo seed, SSWS%s)\n", o.Name, o.Sim.URL(), note)
	}
	fmt.Fprintln(w)
}
