package connections

import (
	"errors"
	"fmt"
	"strings"

	"github.com/cordonsec/cordon/activities/okta"
)

// FromEnv reads the OKTA_* and OKTA_CLIENT_* environment (what
// okta.ConfigFromEnv reads, whichever auth it configures) as a file with
// one connection, named Default. It returns okta.ErrNoCredentials when the
// environment configures no org.
func FromEnv(getenv func(string) string) (*File, error) {
	cfg, err := okta.ConfigFromEnv(getenv)
	if err != nil {
		return nil, fmt.Errorf("connection %q from the environment: %w", Default, err)
	}
	c := Connection{Name: Default, OrgURL: cfg.OrgURL, APIVersion: cfg.APIVersion, env: &cfg}
	if cfg.RateReserve > 0 {
		c.RateShare = 1 - cfg.RateReserve
	}
	if o := cfg.OAuth; o != nil {
		c.Auth = Auth{Type: AuthOAuth, ClientID: o.ClientID, KeyID: o.KeyID, DPoP: o.DPoP || o.DPoPKey != nil}
		c.Scopes = o.Scopes
	} else {
		c.Auth = Auth{Type: AuthSSWS}
		// Where the token came from, for `cordon connections list`; the
		// order is okta.ConfigFromEnv's.
		for _, name := range []string{okta.EnvAPIToken, okta.EnvSDKToken} {
			if strings.TrimSpace(getenv(name)) != "" {
				c.Auth.TokenEnv = name
				break
			}
		}
		if c.Auth.TokenEnv == "" {
			c.Auth.TokenFile = strings.TrimSpace(getenv(okta.EnvAPITokenFile))
		}
	}
	return &File{Connections: []Connection{c}}, nil
}

// Open returns the deployment's connections: the file at path (or, when
// path is "", at $CORDON_CONNECTIONS), and the environment's connection as
// Default when the file defines none of that name and the environment
// configures an org. Without a file, the environment's connection alone.
func Open(path string, getenv func(string) string) (*File, error) {
	if path == "" {
		path = strings.TrimSpace(getenv(EnvFile))
	}
	if path == "" {
		return FromEnv(getenv)
	}
	f, err := Load(path)
	if err != nil {
		return nil, err
	}
	if _, ok := f.Lookup(Default); ok {
		return f, nil
	}
	env, err := FromEnv(getenv)
	switch {
	case err == nil:
		f.Connections = append(f.Connections, env.Connections...)
	case !errors.Is(err, okta.ErrNoCredentials):
		return nil, err // a broken environment is not silently ignored
	}
	return f, nil
}

// FromEnvironment says whether the connection was read from the OKTA_*
// environment rather than a file.
func (c Connection) FromEnvironment() bool { return c.env != nil }
