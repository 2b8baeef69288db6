// Package connections reads Cordon's connections: the Okta orgs one
// deployment acts on, each with its own credentials, guardrails, pacing
// share and health check (the SOAR integration's "connections"). A
// connections file (YAML, docs/operations.md "Connections") names them;
// the OKTA_* and OKTA_CLIENT_* environment variables keep working as the
// connection named "default".
//
// Secrets never live in the file's values that are printed: a connection
// names a token file or environment variable, or a private key file, and
// every String/LogValue form of a Connection redacts them.
package connections

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon/activities/okta"
)

// Default is the name of the connection a playbook uses when neither the
// run, the step nor the playbook names one, and the name the OKTA_*
// environment variables configure.
const Default = "default"

// EnvFile names the connections file when --connections is not given.
const EnvFile = "CORDON_CONNECTIONS"

// Auth types.
const (
	AuthSSWS  = "ssws"  // Okta API token
	AuthOAuth = "oauth" // OAuth 2.0 client credentials with private_key_jwt
)

// nameRE is what a connection name may look like: it becomes part of a
// Temporal task queue name, a search attribute value and a file name.
var nameRE = regexp.MustCompile(`^[a-z][a-z0-9-]{0,39}$`)

// ValidName reports whether name can name a connection.
func ValidName(name string) bool { return nameRE.MatchString(name) }

// File is a loaded connections file.
type File struct {
	// Path is the file as given, for messages; "" for the environment's
	// default connection alone.
	Path        string
	Connections []Connection // in file order, names unique
}

// Connection is one Okta org and how Cordon reaches it.
type Connection struct {
	Name string `yaml:"name"`
	// OrgURL is the org's base URL, e.g. https://acme.okta.com.
	OrgURL string `yaml:"org_url"`
	// APIVersion is the path segment after /api/; default v1.
	APIVersion string `yaml:"api_version"`
	Auth       Auth   `yaml:"auth"`
	// Guardrails is the connection's guardrails file (relative paths are
	// relative to the connections file); "" applies the defaults.
	Guardrails string `yaml:"guardrails"`
	// RateShare is the share of the org's rate limits Cordon may spend,
	// (0, 1]; 0 means 1 - the client's default reserve.
	RateShare float64 `yaml:"rate_share"`
	// HealthInterval is how often the connection's health check runs; 0
	// means the worker's default.
	HealthInterval time.Duration `yaml:"health_interval"`
	// Scopes, when set, is the exact list of OAuth scopes to request;
	// otherwise the scopes of the actions the playbook library uses.
	Scopes []string `yaml:"scopes"`

	// env is the configuration read from the OKTA_* environment, for the
	// connection FromEnv builds; nil for one from a file.
	env *okta.Config
}

// Auth says how a connection authenticates. Exactly one of the SSWS
// fields (TokenFile, TokenEnv) or the OAuth fields is used, by Type.
type Auth struct {
	Type string `yaml:"type"` // AuthSSWS or AuthOAuth
	// SSWS: the API token is read from TokenFile or the environment
	// variable TokenEnv, never written in this file.
	TokenFile string `yaml:"token_file"`
	TokenEnv  string `yaml:"token_env"`
	// OAuth 2.0 client credentials with private_key_jwt.
	ClientID       string `yaml:"client_id"`
	KeyID          string `yaml:"key_id"`
	PrivateKeyFile string `yaml:"private_key_file"` // PEM (PKCS#8, PKCS#1 or SEC 1) or JWK
	// DPoP binds access tokens to a key (RFC 9449); DPoPKeyFile names it,
	// or "" makes the worker generate one per process.
	DPoP        bool   `yaml:"dpop"`
	DPoPKeyFile string `yaml:"dpop_key_file"`
}

// Lookup returns the connection with this name.
func (f *File) Lookup(name string) (Connection, bool) {
	for _, c := range f.Connections {
		if c.Name == name {
			return c, true
		}
	}
	return Connection{}, false
}

// Names returns the connections' names in file order.
func (f *File) Names() []string {
	names := make([]string, len(f.Connections))
	for i, c := range f.Connections {
		names[i] = c.Name
	}
	return names
}

// UnknownError is the error for a connection name the file does not
// define; it lists the ones it does.
func (f *File) UnknownError(name string) error {
	where := "the environment (OKTA_*)"
	if f.Path != "" {
		where = f.Path
	}
	return fmt.Errorf("unknown connection %q: %s defines %s", name, where, strings.Join(quoted(f.Names()), ", "))
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = strconv.Quote(n)
	}
	return out
}

// AuthLabel names how the connection authenticates, for tables: ssws,
// oauth or oauth+dpop.
func (c Connection) AuthLabel() string {
	if c.Auth.Type == AuthOAuth && c.Auth.DPoP {
		return AuthOAuth + "+dpop"
	}
	return c.Auth.Type
}
