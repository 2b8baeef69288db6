package okta

import (
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/cordonsec/cordon/internal/version"
)

// Environment variables read by ConfigFromEnv. The OKTA_CLIENT_* names are
// the ones Okta's own SDKs read, accepted so an existing deployment's
// environment works unchanged.
const (
	EnvOrgURL       = "OKTA_ORG_URL"
	EnvAPIToken     = "OKTA_API_TOKEN"
	EnvAPITokenFile = "OKTA_API_TOKEN_FILE"
	EnvSDKOrgURL    = "OKTA_CLIENT_ORGURL"
	EnvSDKToken     = "OKTA_CLIENT_TOKEN"
	EnvAuthScheme   = "OKTA_AUTH_SCHEME"
	EnvAPIVersion   = "OKTA_API_VERSION"
	EnvInsecure     = "OKTA_INSECURE"
	EnvMaxInFlight  = "OKTA_MAX_IN_FLIGHT"
	EnvTimeout      = "OKTA_REQUEST_TIMEOUT"
	EnvRateReserve  = "OKTA_RATE_RESERVE"
)

// Authorization schemes.
const (
	SchemeSSWS   = "SSWS"   // Okta API token (the default)
	SchemeBearer = "Bearer" // OAuth 2.0 access token
)

// Defaults applied by Config.withDefaults.
const (
	DefaultAPIVersion  = "v1"
	DefaultTimeout     = 30 * time.Second
	DefaultMaxInFlight = 50 // below Okta's org-wide concurrency limit of 75
	DefaultRateWindow  = time.Minute
	DefaultRateReserve = 0.10 // of each window's limit, for other integrations
)

// Config says how to reach one Okta org. It holds a secret: its String,
// GoString and LogValue methods redact the token, so printing or logging a
// Config (even with %#v) never leaks it.
type Config struct {
	// OrgURL is the org's base URL, e.g. https://acme.okta.com. It must be
	// https, except for loopback addresses (the simulator) or when Insecure
	// is set.
	OrgURL string
	// Token is the API token (SSWS) or OAuth access token (Bearer).
	Token string
	// AuthScheme is SSWS (default) or Bearer. Ignored with OAuth.
	AuthScheme string
	// OAuth, when set, makes the client mint and refresh its own access
	// tokens (OAuth 2.0 client credentials with private_key_jwt, optionally
	// DPoP-bound) instead of sending Token.
	OAuth *OAuth
	// APIVersion is the path segment after /api/. Default v1.
	APIVersion string
	// Insecure allows plain http to a non-loopback host. Default false.
	Insecure bool
	// Timeout bounds each HTTP request (not a whole paginated listing).
	// Default 30s.
	Timeout time.Duration
	// MaxInFlight caps concurrent requests from this process to the org.
	// Default 50, below Okta's org-wide concurrency limit of 75.
	MaxInFlight int
	// UserAgent is sent on every request. Default cordon/<version>.
	UserAgent string
	// RateWindow is the length of Okta's rate-limit windows, used to spread
	// a bucket's limit evenly until the pacer has measured a bucket's
	// window from its headers (which report limit, remaining and reset but
	// not the length). Okta documents 60 s. Default 1m.
	RateWindow time.Duration
	// RateReserve is the fraction of every rate-limit window's limit the
	// pacer leaves unspent for the org's other integrations (and for
	// requests of other Cordon workers still in flight): with 0.10 and
	// Okta's 600 a minute, Cordon spends at most 540 of each minute. A
	// negative value keeps no reserve (OKTA_RATE_RESERVE=0). Default 0.10.
	RateReserve float64
}

// OAuth configures an Okta API Services app: client credentials with a
// signed client assertion (private_key_jwt). Its keys are secrets and are
// redacted like Token.
type OAuth struct {
	// ClientID is the service app's client id (the assertion's iss and sub).
	ClientID string
	// KeyID is the kid of the app's registered public key.
	KeyID string
	// PrivateKey signs client assertions: *rsa.PrivateKey (RS256) or
	// *ecdsa.PrivateKey on P-256 (ES256).
	PrivateKey crypto.Signer
	// Scopes are the okta.* scopes requested for every token.
	Scopes []string
	// DPoPKey, when set, binds tokens to this key (RFC 9449) and signs a
	// DPoP proof for every request; nil: plain Bearer tokens, unless DPoP.
	DPoPKey crypto.Signer
	// DPoP without DPoPKey makes NewClient generate a P-256 DPoP key for
	// the client's lifetime (Okta registers no DPoP key, so any key works).
	DPoP bool
	// TokenURL is the org authorization server's token endpoint. Default
	// OrgURL + "/oauth2/v1/token".
	TokenURL string
}

// ErrNoCredentials is returned by ConfigFromEnv when no org URL or token is set.
var ErrNoCredentials = errors.New("okta: OKTA_ORG_URL and OKTA_API_TOKEN (or OKTA_API_TOKEN_FILE, or OKTA_CLIENT_AUTHORIZATIONMODE=PrivateKey with its OKTA_CLIENT_* settings) must be set")

// ConfigFromEnv reads the Config from the worker's environment. getenv is
// usually os.Getenv; tests pass a map lookup. The token file, when named,
// is read here so the token never travels through activity inputs.
func ConfigFromEnv(getenv func(string) string) (Config, error) {
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(getenv(n)); v != "" {
				return v
			}
		}
		return ""
	}
	cfg := Config{
		OrgURL:     first(EnvOrgURL, EnvSDKOrgURL),
		Token:      first(EnvAPIToken, EnvSDKToken),
		AuthScheme: first(EnvAuthScheme, EnvSDKAuthMode),
		APIVersion: first(EnvAPIVersion),
	}
	oauth, err := oauthFromEnv(first)
	if err != nil {
		return Config{}, err
	}
	if oauth != nil {
		// The mode names no Authorization scheme: tokens bring their own.
		cfg.OAuth, cfg.AuthScheme, cfg.Token = oauth, "", ""
	}
	if path := first(EnvAPITokenFile); path != "" && cfg.Token == "" && cfg.OAuth == nil {
		b, err := os.ReadFile(path)
		if err != nil {
			// The path is not secret; the error text from os never holds file contents.
			return Config{}, fmt.Errorf("okta: reading %s: %w", EnvAPITokenFile, err)
		}
		cfg.Token = strings.TrimSpace(string(b))
	}
	if v := first(EnvInsecure); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return Config{}, fmt.Errorf("okta: %s=%q: want true or false", EnvInsecure, v)
		}
		cfg.Insecure = b
	}
	if v := first(EnvMaxInFlight); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			return Config{}, fmt.Errorf("okta: %s=%q: want a positive integer", EnvMaxInFlight, v)
		}
		cfg.MaxInFlight = n
	}
	if v := first(EnvTimeout); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return Config{}, fmt.Errorf("okta: %s=%q: want a positive duration such as 30s", EnvTimeout, v)
		}
		cfg.Timeout = d
	}
	if v := first(EnvRateReserve); v != "" {
		f, err := parseReserve(v)
		if err != nil {
			return Config{}, fmt.Errorf("okta: %s=%q: %w", EnvRateReserve, v, err)
		}
		cfg.RateReserve = f
	}
	if cfg.OrgURL == "" || (cfg.Token == "" && cfg.OAuth == nil) {
		return Config{}, ErrNoCredentials
	}
	cfg = cfg.withDefaults()
	return cfg, cfg.Validate()
}

func (c Config) withDefaults() Config {
	if c.AuthScheme == "" {
		c.AuthScheme = SchemeSSWS
	}
	if c.APIVersion == "" {
		c.APIVersion = DefaultAPIVersion
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = DefaultMaxInFlight
	}
	if c.UserAgent == "" {
		c.UserAgent = "cordon/" + version.Version
	}
	if c.RateWindow <= 0 {
		c.RateWindow = DefaultRateWindow
	}
	if c.RateReserve == 0 {
		c.RateReserve = DefaultRateReserve
	}
	return c
}

// parseReserve reads OKTA_RATE_RESERVE: a percentage ("10%") or a fraction
// ("0.1") of each window, from 0 up to but not including the whole window.
// 0 becomes the negative value that means "no reserve" in Config.
func parseReserve(v string) (float64, error) {
	s, pct := strings.CutSuffix(strings.TrimSpace(v), "%")
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if pct {
		f /= 100
	}
	if err != nil || f < 0 || f >= 1 || f != f {
		return 0, errors.New("want a share of each window such as 10% or 0.1, from 0 up to 100% exclusive")
	}
	if f == 0 {
		return -1, nil
	}
	return f, nil
}

// Validate checks the URL scheme, the auth scheme and that a token is set.
// Its errors never contain the token.
func (c Config) Validate() error {
	if c.Token == "" && c.OAuth == nil {
		return errors.New("okta: no API token configured")
	}
	switch {
	case strings.EqualFold(c.AuthScheme, SchemeSSWS), strings.EqualFold(c.AuthScheme, SchemeBearer), c.AuthScheme == "":
	default:
		return fmt.Errorf("okta: auth scheme %q: want %s or %s", c.AuthScheme, SchemeSSWS, SchemeBearer)
	}
	if err := checkURL("org URL", c.OrgURL, c.Insecure); err != nil {
		return err
	}
	if strings.ContainsAny(c.APIVersion, "/?#") {
		return fmt.Errorf("okta: API version %q must be a single path segment such as v1", c.APIVersion)
	}
	if c.OAuth != nil {
		return c.OAuth.validate(c.Insecure)
	}
	return nil
}

// checkURL checks that raw is an absolute https URL (http only to a
// loopback address, or when insecure) without credentials.
func checkURL(what, raw string, insecure bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("okta: %s %q is not an absolute URL", what, raw)
	}
	if u.User != nil {
		return fmt.Errorf("okta: %s must not carry credentials", what)
	}
	switch u.Scheme {
	case "https":
	case "http":
		if !insecure && !isLoopback(u.Hostname()) {
			return fmt.Errorf("okta: %s %q must use https (http is allowed only for loopback addresses or with %s=true)", what, raw, EnvInsecure)
		}
	default:
		return fmt.Errorf("okta: %s %q must use https", what, raw)
	}
	return nil
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

const redacted = "[REDACTED]"

func (c Config) redacted() map[string]any {
	tok := ""
	if c.Token != "" {
		tok = redacted
	}
	var oauth any
	if c.OAuth != nil {
		oauth = c.OAuth.redacted()
	}
	return map[string]any{"OrgURL": c.OrgURL, "Token": tok, "AuthScheme": c.AuthScheme, "OAuth": oauth,
		"APIVersion": c.APIVersion, "Insecure": c.Insecure, "Timeout": c.Timeout,
		"MaxInFlight": c.MaxInFlight, "UserAgent": c.UserAgent, "RateWindow": c.RateWindow, "RateReserve": c.RateReserve}
}

// String describes the Config with the token redacted.
func (c Config) String() string {
	tok := ""
	if c.Token != "" {
		tok = redacted
	}
	oauth := "nil"
	if c.OAuth != nil {
		oauth = c.OAuth.String()
	}
	return fmt.Sprintf("okta.Config{OrgURL: %q, Token: %q, AuthScheme: %q, OAuth: %s, APIVersion: %q, Insecure: %t, Timeout: %s, MaxInFlight: %d, UserAgent: %q, RateWindow: %s, RateReserve: %g}",
		c.OrgURL, tok, c.AuthScheme, oauth, c.APIVersion, c.Insecure, c.Timeout, c.MaxInFlight, c.UserAgent, c.RateWindow, c.RateReserve)
}

// GoString makes %#v redact the token too.
func (c Config) GoString() string { return c.String() }

// LogValue makes slog render the Config with the token redacted.
func (c Config) LogValue() slog.Value {
	m := c.redacted()
	attrs := make([]slog.Attr, 0, len(m))
	for _, k := range []string{"OrgURL", "Token", "AuthScheme", "APIVersion", "Insecure", "Timeout", "MaxInFlight", "UserAgent", "RateWindow", "RateReserve"} {
		attrs = append(attrs, slog.Any(k, m[k]))
	}
	if c.OAuth != nil {
		attrs = append(attrs, slog.Any("OAuth", c.OAuth.LogValue()))
	}
	return slog.GroupValue(attrs...)
}

// Format covers every other fmt verb (%v on a pointer, %+v, %s) so no verb
// prints the raw struct.
func (c Config) Format(f fmt.State, verb rune) { _, _ = f.Write([]byte(c.String())) }

// MarshalJSON keeps the token out of any JSON a Config ends up in.
func (c Config) MarshalJSON() ([]byte, error) {
	return jsonMarshal(c.redacted())
}
