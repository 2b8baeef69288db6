package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"

	"github.com/go-jose/go-jose/v4"

	"github.com/cordonsec/cordon/action"
	"github.com/cordonsec/cordon/activities/okta"
	"github.com/cordonsec/cordon/internal/connections"
	"github.com/cordonsec/cordon/internal/connections/usage"
	"github.com/cordonsec/cordon/internal/guard"
	"github.com/cordonsec/cordon/internal/oktasim"
)

// DefaultSimToken is the simulated orgs' API token unless CORDON_SIM_TOKEN
// sets another.
const DefaultSimToken = "cordon-dev-token"

// The two simulated orgs of worker --dev, on one simulator under
// /orgs/NAME (oktasim.StartOrgs): acme authenticates with an SSWS token
// and is also the default connection, so playbooks that name no
// connection run there, as before there were connections; globex with an
// OAuth 2.0 service app (private_key_jwt, DPoP-bound tokens), as Okta
// recommends.
const (
	devAcme   = "acme"
	devGlobex = "globex"
	// devGlobexClient and devGlobexKeyID name globex's service app and
	// its registered key.
	devGlobexClient = "0oacordondevglobex"
	devGlobexKeyID  = "cordon-dev"
)

// devOrgs is the simulator of worker --dev and what the connections file
// needs of it.
type devOrgs struct {
	Sims  *oktasim.Orgs
	Token string // acme's SSWS token
}

// devConnectionsFile is the connections file worker --dev writes under its
// data dir, naming its two orgs; `cordon connections list` and a worker
// started with --connections read it as any other.
const devConnectionsFile = "connections.yaml"

// startDevOrgs starts the simulator of --dev with acme (demo seed, SSWS)
// and globex (demo seed, a service app granted every action's scope,
// DPoP required) on --sim-addr, unless OKTA_ORG_URL points the worker at a
// real org (then nil). globex's private key is written to dir (mode 0600)
// for the connections file to name; it is new on every start, as the
// simulator's registration is.
func startDevOrgs(cfg config, dir string, logger *slog.Logger) (*devOrgs, error) {
	if os.Getenv(okta.EnvOrgURL) != "" || os.Getenv(okta.EnvSDKOrgURL) != "" {
		return nil, nil
	}
	token := os.Getenv("CORDON_SIM_TOKEN")
	if token == "" {
		token = DefaultSimToken
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	if err := writeKey(filepath.Join(dir, devGlobex+".key"), key); err != nil {
		return nil, fmt.Errorf("globex's private key: %w", err)
	}
	// globex's API token is random and written nowhere: the org answers
	// only its service app's OAuth tokens, so the dev stack really shows
	// the two auth modes (an SSWS token of acme's is refused there).
	globexToken := rand.Text()
	reg := action.Okta()
	app := oktasim.ServiceApp{ClientID: devGlobexClient, Keys: []jose.JSONWebKey{oktasim.ServiceKey(devGlobexKeyID, key.Public())},
		Scopes: reg.ScopesFor(reg.Names()), RequireDPoP: true}
	sims, err := oktasim.StartOrgs(cfg.simAddr, []oktasim.NamedOrg{
		{Name: devAcme, Options: oktasim.Options{Token: token, Seed: oktasim.SeedDemo}},
		{Name: devGlobex, Options: oktasim.Options{Token: globexToken, Seed: oktasim.SeedDemo, ServiceApps: []oktasim.ServiceApp{app}}},
	})
	if err != nil {
		return nil, fmt.Errorf("simulated Okta orgs on %s: %w (pick another address with --sim-addr)", cfg.simAddr, err)
	}
	for _, name := range sims.Names() {
		logger.Info("simulated Okta org started", "org", name, "url", sims.URL(name), "seed", oktasim.SeedDemo)
	}
	return &devOrgs{Sims: sims, Token: token}, nil
}

// startDevConnections starts the simulated orgs of --dev (none when
// OKTA_ORG_URL names a real org), writes their connections file under
// --data-dir and opens it: the connections the worker serves, each
// requesting the scopes of the --playbooks library. The caller closes the
// simulator.
func startDevConnections(cfg config, g guard.Config, logger *slog.Logger) (*devOrgs, string, []served, error) {
	orgs, err := startDevOrgs(cfg, cfg.dataDir, logger)
	if err != nil || orgs == nil {
		return nil, "", nil, err
	}
	file, err := writeDevConnections(cfg.dataDir, orgs)
	if err != nil {
		_ = orgs.Sims.Close()
		return nil, "", nil, fmt.Errorf("writing the dev connections file: %w", err)
	}
	reg := action.Okta()
	lib := usage.Library(cfg.playbooks, reg)
	dev, err := devConnections(file, g, func(name string) []string { return usage.Needed(reg, lib, name) })
	if err != nil {
		_ = orgs.Sims.Close()
		return nil, "", nil, fmt.Errorf("the dev connections file %s: %w", file, err)
	}
	return orgs, file, dev, nil
}

// writeKey writes a private key as PKCS#8 PEM, readable by its owner only.
func writeKey(path string, key *ecdsa.PrivateKey) error {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

// writeDevConnections writes the --dev connections file and acme's token
// file (mode 0600, beside it: the file names secrets, never holds them)
// under dir and returns the file's path. globex's key was written by
// startDevOrgs; its DPoP key is generated by each worker process.
func writeDevConnections(dir string, orgs *devOrgs) (string, error) {
	if err := os.WriteFile(filepath.Join(dir, devAcme+".token"), []byte(orgs.Token+"\n"), 0o600); err != nil {
		return "", err
	}
	var b strings.Builder
	b.WriteString("# Written by worker --dev at every start: the two simulated orgs of the dev stack.\n" +
		"# The format is docs/operations.md, \"Connections\".\nconnections:\n")
	fmt.Fprintf(&b, "  - name: %s\n    org_url: %s\n    auth:\n      type: %s\n      token_file: %s.token\n",
		devAcme, orgs.Sims.URL(devAcme), connections.AuthSSWS, devAcme)
	fmt.Fprintf(&b, "  - name: %s\n    org_url: %s\n    auth:\n      type: %s\n      client_id: %s\n      key_id: %s\n"+
		"      private_key_file: %s.key\n      dpop: true\n",
		devGlobex, orgs.Sims.URL(devGlobex), connections.AuthOAuth, devGlobexClient, devGlobexKeyID, devGlobex)
	path := filepath.Join(dir, devConnectionsFile)
	return path, os.WriteFile(path, []byte(b.String()), 0o600)
}

// devConnections opens the --dev connections file as a worker's
// --connections would, and returns what the worker serves: the default
// connection on acme's org, then acme and globex, all with the
// --guardrails configuration g. needed gives the OAuth scopes a
// connection requests (the library's).
func devConnections(path string, g guard.Config, needed func(string) []string) ([]served, error) {
	f, err := connections.Load(path)
	if err != nil {
		return nil, err
	}
	var out []served
	for _, c := range f.Connections {
		oc, err := c.OktaConfig(needed(c.Name))
		if err != nil {
			return nil, err
		}
		s := served{Name: c.Name, Okta: oc, Guard: g}
		if c.Name == devAcme {
			def := s
			def.Name = connections.Default
			out = append(out, def)
		}
		out = append(out, s)
	}
	return out, nil
}

// printDevOrgs adds the dev stack's orgs to its banner.
func printDevOrgs(w io.Writer, file string, orgs *devOrgs) {
	if orgs == nil {
		return
	}
	fmt.Fprintf(w, "  Connections:       %s\n", file)
	fmt.Fprintf(w, "    %-16s %s (simulated, demo seed, SSWS, also the default connection)\n", devAcme, orgs.Sims.URL(devAcme))
	fmt.Fprintf(w, "    %-16s %s (simulated, demo seed, OAuth service app %s with DPoP)\n", devGlobex, orgs.Sims.URL(devGlobex), devGlobexClient)
	fmt.Fprintln(w)
}
